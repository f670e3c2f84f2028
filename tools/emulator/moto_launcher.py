"""Serves moto on a free loopback port with an IAM clock that tests can move.

moto stamps a signing certificate's UploadDate with ``moto.iam.models.utcnow``. This launcher
replaces that one function by the real clock plus an offset, so a certificate uploaded with the
offset at -90.5 days lists with an UploadDate 90.5 days ago, to the millisecond. Every other
service (SNS, SQS, S3, STS...) keeps real time. The offset is set over HTTP, on a route of the
launcher's own, so the change has taken effect when the request returns:

    POST /_signing-cert-audit/iam-clock   body: offset in seconds, e.g. "-7819200.000"

It also serves IAM's service-specific credential APIs, which moto 5.2 lacks
(moto_service_credentials.py), with CreateDate on the same shifted clock.

The server exits when its stdin closes: the process that launched it owns the pipe, so even a
launcher killed by SIGKILL never leaves a stray server behind.

Prints "Running on http://127.0.0.1:<port>" once it listens.
"""

import datetime
import os
import sys
import threading

CLOCK_ROUTE = "/_signing-cert-audit/iam-clock"


def watch_stdin() -> None:
    sys.stdin.read()
    os._exit(0)


def patch_credential_report(iam_models, real_utcnow) -> None:
    """Makes moto's credential report the one IAM documents, for the signing-certificate columns.

    IAM User Guide, "Getting credential reports for your AWS account"
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html):
    cert_N_active is TRUE when the user has an N-th signing certificate whose status is Active;
    cert_N_last_rotated is its creation time, or N/A when the user has no active signing
    certificate. The report is a real CSV (a user name holding a comma is quoted) with a
    <root_account> row, and GetCredentialReport's GeneratedTime is when it was generated.
    moto 5.2.1 prints N/A for an active certificate's last_rotated, joins fields without quoting,
    has no root row and answers a fixed 2015 GeneratedTime.
    """
    import csv
    import io

    import moto.iam.responses as iam_responses

    backend_class = iam_models.IAMBackend
    date_format = "%Y-%m-%dT%H:%M:%S+00:00"
    generated = {}

    original_generate = backend_class.generate_report

    def generate_report(self) -> None:
        if not self.credential_report:
            generated[id(self)] = real_utcnow()
        original_generate(self)

    def get_credential_report(self) -> str:
        if not self.credential_report:
            raise iam_models.ReportNotPresentException("Credential report not present")
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        header = None
        for user in self.users.values():
            line = user.to_csv().rstrip("\n")
            # moto writes "name,arn,..." unquoted; the name and ARN are known, the rest has no commas.
            prefix = f"{user.name},{user.arn},"
            rest = line[len(prefix):].split(",") if line.startswith(prefix) else []
            certificates = list(user.signing_certificates.values())
            cert_columns = []
            for n in range(2):
                cert = certificates[n] if n < len(certificates) else None
                active = cert is not None and cert.status == "Active"
                cert_columns += ["true" if active else "false"]
                cert_columns += [cert.upload_date.strftime(date_format) if active else "N/A"]
            if header is None:
                header = HEADER.split(",")
                writer.writerow(header)
            writer.writerow([user.name, user.arn, *rest[:-4], *cert_columns])
        if header is None:
            writer.writerow(HEADER.split(","))
        root = ["<root_account>", f"arn:aws:iam::{self.account_id}:root"]
        root += ["not_supported"] * (len(HEADER.split(",")) - 6) + ["false", "N/A", "false", "N/A"]
        writer.writerow(root)
        return out.getvalue()

    def response_get_credential_report(self):
        report = self.backend.get_credential_report()
        at = generated.get(id(self.backend))
        return iam_responses.ActionResult(
            {
                "Content": report,
                "ReportFormat": "text/csv",
                "GeneratedTime": (at or real_utcnow()).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        )

    backend_class.generate_report = generate_report
    backend_class.get_credential_report = get_credential_report
    iam_responses.IamResponse.get_credential_report = response_get_credential_report


HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)


def main() -> None:
    threading.Thread(target=watch_stdin, daemon=True).start()
    os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")

    import moto.iam.models as iam_models
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.server import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    real_utcnow = iam_models.utcnow
    offset = {"seconds": 0.0}

    def shifted_utcnow() -> datetime.datetime:
        return real_utcnow() + datetime.timedelta(seconds=offset["seconds"])

    iam_models.utcnow = shifted_utcnow
    patch_credential_report(iam_models, real_utcnow)
    # Beside this script: the service-specific credential APIs moto lacks (imported without
    # leaving a __pycache__ folder in the checkout).
    sys.dont_write_bytecode = True
    import moto_service_credentials

    moto_service_credentials.install(iam_models)

    def with_clock_route(app):
        def serve(environ, start_response):
            if environ.get("PATH_INFO") != CLOCK_ROUTE:
                return app(environ, start_response)
            if environ.get("REQUEST_METHOD") != "POST":
                start_response("405 Method Not Allowed", [("Allow", "POST")])
                return [b"POST the offset in seconds\n"]
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length).decode("utf-8").strip()
            try:
                offset["seconds"] = float(body)
            except ValueError:
                start_response("400 Bad Request", [("Content-Type", "text/plain")])
                return [f"not a number of seconds: {body[:40]!r}\n".encode()]
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [f"{offset['seconds']}\n".encode()]

        return serve

    class Server(ThreadedMotoServer):
        # ThreadedMotoServer builds its WSGI app inside this method; the same steps, with the
        # clock route in front of moto's dispatcher.
        def _server_entry(self) -> None:
            app = with_clock_route(DomainDispatcherApplication(create_backend_app))
            self._server = make_server(self._ip_address, self._port, app, True)
            self._server_ready_event.set()
            self._server.serve_forever()

    server = Server(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    print(f"Running on http://{host}:{port}", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
