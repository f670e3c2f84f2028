"""Validates AWS request parameters against botocore's own service model.

Reads one JSON document on stdin:

    {"service": "config", "operation": "PutEvaluations", "requests": [{...params...}, ...]}

and writes one on stdout, a result per request, in order:

    {"botocore": "1.43.11", "results": [{"paramValidator": [...], "modelConstraints": [...]}]}

``paramValidator`` is what ``botocore.validate.ParamValidator`` reports: types, required members
and minimums (lengths, item counts). It does not check a maximum or an enum: botocore leaves those
to the service. ``modelConstraints`` checks them, from the same shapes of the same model: a
string's or a list's ``max``, and a string's ``enum``. An empty pair means the request is what the
service model allows. Timestamps arrive as ISO 8601 strings, which both accept.
"""

import json
import sys

import botocore
import botocore.session
from botocore.validate import ParamValidator


def model_constraints(value, shape, path, problems):
    """Appends to ``problems`` every maximum and enum of ``shape`` that ``value`` breaks."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for name, member in value.items():
            if name in shape.members:
                model_constraints(member, shape.members[name], f"{path}.{name}", problems)
    elif kind == "list" and isinstance(value, list):
        maximum = shape.metadata.get("max")
        if maximum is not None and len(value) > maximum:
            problems.append(f"{path}: {len(value)} items, more than the maximum of {maximum}")
        for index, item in enumerate(value):
            model_constraints(item, shape.member, f"{path}[{index}]", problems)
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            model_constraints(item, shape.value, f"{path}.{key}", problems)
    elif kind == "string" and isinstance(value, str):
        maximum = shape.metadata.get("max")
        if maximum is not None and len(value) > maximum:
            problems.append(
                f"{path}: length {len(value)}, more than the maximum of {maximum}"
            )
        if shape.enum and value not in shape.enum:
            problems.append(
                f"{path}: {json.dumps(value)} is not one of {', '.join(shape.enum)}"
            )


def main() -> None:
    document = json.load(sys.stdin)
    model = botocore.session.get_session().get_service_model(document["service"])
    shape = model.operation_model(document["operation"]).input_shape
    results = []
    for params in document["requests"]:
        report = ParamValidator().validate(params, shape)
        constraints = []
        model_constraints(params, shape, document["operation"], constraints)
        results.append(
            {
                "paramValidator": report.generate_report().splitlines()
                if report.has_errors()
                else [],
                "modelConstraints": constraints,
            }
        )
    json.dump({"botocore": botocore.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
