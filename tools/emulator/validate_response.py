"""Checks raw AWS responses against botocore's own service model, as the SDKs would read them.

Reads one JSON document on stdin:

    {"service": "iam",
     "responses": [{"operation": "ListServiceSpecificCredentials", "status": 200,
                    "headers": {...}, "body": "<ListServiceSpecificCredentialsResponse ..."}]}

and writes one on stdout, a result per response, in order:

    {"botocore": "1.43.11", "results": [{"problems": [...], "error": null}]}

A response with a 2xx status is parsed by botocore's own response parser for the service's
protocol (``botocore.parsers``), then held to the operation's output shape: every required member
present, every value of the shape's type, every string within its enum, pattern (matched whole)
and length bounds, every number and list within its bounds, and a Marker whenever IsTruncated is
true (the list operations' documentation: "When IsTruncated is true, this element is present").
The raw XML is walked too, because the parser drops what the model does not know: an element
that is no member of its shape is a problem (a secret under a name no SDK reads would be lost).

An error response is parsed the same way; ``error`` then says its code, message and HTTP status,
whether the operation's model lists that error, and the status the model gives the error's shape
(anywhere in the service), and a status differing from the model's is a problem.

An empty ``problems`` means the response is what the model describes.
"""

import datetime
import json
import re
import sys
import xml.etree.ElementTree as ElementTree

import botocore
import botocore.parsers
import botocore.session

PYTHON_TYPES = {
    "string": str,
    "integer": int,
    "long": int,
    "boolean": bool,
    "timestamp": datetime.datetime,
    "structure": dict,
    "list": list,
    "map": dict,
    "blob": bytes,
    "float": float,
    "double": float,
}


def value_problems(value, shape, path, problems):
    """Appends to ``problems`` how ``value`` (as botocore parsed it) breaks ``shape``."""
    kind = shape.type_name
    expected = PYTHON_TYPES.get(kind)
    # bool is an int in Python: a boolean never passes for an integer, nor the reverse.
    if expected is None or not isinstance(value, expected) or (
        kind in ("integer", "long") and isinstance(value, bool)
    ):
        problems.append(f"{path}: {type(value).__name__} {value!r:.60} is not a {kind}")
        return
    metadata = shape.metadata
    if kind == "structure":
        for name in shape.required_members:
            if name not in value:
                problems.append(f"{path}.{name}: required by {shape.name}, missing")
        for name, member in value.items():
            if name in shape.members:
                value_problems(member, shape.members[name], f"{path}.{name}", problems)
        return
    if kind == "list":
        bounded(len(value), metadata, f"{path}: {len(value)} items", problems)
        for index, item in enumerate(value):
            value_problems(item, shape.member, f"{path}[{index}]", problems)
        return
    if kind == "map":
        for key, item in value.items():
            value_problems(item, shape.value, f"{path}.{key}", problems)
        return
    if kind == "string":
        bounded(len(value), metadata, f"{path}: length {len(value)}", problems)
        if shape.enum and value not in shape.enum:
            problems.append(f"{path}: {json.dumps(value)} is not one of {', '.join(shape.enum)}")
        pattern = metadata.get("pattern")
        if pattern is not None and re.fullmatch(pattern, value) is None:
            problems.append(f"{path}: {json.dumps(value)[:80]} does not match {pattern}")
    elif kind in ("integer", "long"):
        bounded(value, metadata, f"{path}: {value}", problems)


def bounded(measure, metadata, what, problems):
    if "min" in metadata and measure < metadata["min"]:
        problems.append(f"{what}, less than the minimum of {metadata['min']}")
    if "max" in metadata and measure > metadata["max"]:
        problems.append(f"{what}, more than the maximum of {metadata['max']}")


def local(tag):
    return tag.rsplit("}", 1)[-1]


def element_problems(element, shape, path, problems):
    """Appends every XML element under ``element`` that is no member of ``shape``."""
    kind = shape.type_name
    if kind == "structure":
        members = {
            member.serialization.get("name", name): (name, member)
            for name, member in shape.members.items()
        }
        for child in element:
            tag = local(child.tag)
            if tag not in members:
                problems.append(f"{path}.{tag}: not a member of {shape.name}")
                continue
            name, member = members[tag]
            element_problems(child, member, f"{path}.{name}", problems)
    elif kind == "list":
        item_name = shape.member.serialization.get("name", "member")
        for index, child in enumerate(element):
            if local(child.tag) != item_name:
                problems.append(f"{path}[{index}]: element {local(child.tag)}, not {item_name}")
                continue
            element_problems(child, shape.member, f"{path}[{index}]", problems)
    elif kind != "map" and len(element) > 0:
        problems.append(f"{path}: a {kind} holding elements {[local(c.tag) for c in element]}")


def result_element(body, operation):
    """The query protocol's result element: <OpResponse><OpResult>…, or None if absent."""
    root = ElementTree.fromstring(body)
    wrapper = operation.output_shape.serialization.get("resultWrapper", f"{operation.name}Result")
    for child in root:
        if local(child.tag) == wrapper:
            return child
    return None


def check_success(response, operation, parser):
    problems = []
    shape = operation.output_shape
    if shape is None:
        return problems
    try:
        parsed = parser.parse(response, shape)
    except Exception as error:  # botocore raises several kinds on a malformed body
        return [f"botocore could not parse the response: {type(error).__name__}: {error}"]
    parsed.pop("ResponseMetadata", None)
    value_problems(parsed, shape, operation.name, problems)
    if parsed.get("IsTruncated") is True and "Marker" in shape.members and not parsed.get("Marker"):
        problems.append(f"{operation.name}.Marker: IsTruncated is true but there is no Marker")
    if operation.metadata.get("protocol", "query") in ("query", "ec2"):
        try:
            element = result_element(response["body"], operation)
        except ElementTree.ParseError as error:
            return [*problems, f"not XML: {error}"]
        if element is None:
            problems.append(f"{operation.name}: no result element in the response")
        else:
            element_problems(element, shape, operation.name, problems)
    return problems


def modeled_errors(model):
    """Error code → the HTTP status its shape gives it, over every shape of the service."""
    codes = {}
    for name in model.shape_names:
        shape = model.shape_for(name)
        if shape.metadata.get("exception"):
            error = shape.metadata.get("error", {})
            codes[error.get("code", name)] = error.get("httpStatusCode")
    return codes


def check_error(response, operation, parser, codes):
    parsed = parser.parse(response, operation.output_shape)
    error = parsed.get("Error", {})
    code = error.get("Code", "")
    listed = {
        shape.metadata.get("error", {}).get("code", shape.name) for shape in operation.error_shapes
    }
    facts = {
        "code": code,
        "message": error.get("Message", ""),
        "status": response["status_code"],
        "operationError": code in listed,
        "modeledStatus": codes.get(code),
    }
    problems = []
    if not code:
        problems.append("an error response without an error code")
    if facts["modeledStatus"] is not None and facts["modeledStatus"] != facts["status"]:
        problems.append(
            f"{code}: HTTP {facts['status']}, the model gives HTTP {facts['modeledStatus']}"
        )
    return problems, facts


def main() -> None:
    document = json.load(sys.stdin)
    model = botocore.session.get_session().get_service_model(document["service"])
    parser = botocore.parsers.create_parser(model.metadata["protocol"])
    codes = modeled_errors(model)
    results = []
    for raw in document["responses"]:
        operation = model.operation_model(raw["operation"])
        response = {
            "status_code": raw["status"],
            "headers": raw.get("headers", {}),
            "body": raw["body"].encode("utf-8"),
        }
        if 200 <= raw["status"] < 300:
            results.append({"problems": check_success(response, operation, parser), "error": None})
        else:
            problems, facts = check_error(response, operation, parser, codes)
            results.append({"problems": problems, "error": facts})
    json.dump({"botocore": botocore.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
