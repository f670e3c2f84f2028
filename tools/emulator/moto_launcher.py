"""Serves moto on a free loopback port with an IAM clock that tests can move.

moto stamps a signing certificate's UploadDate with ``moto.iam.models.utcnow``. This launcher
replaces that one function by the real clock plus an offset, so a certificate uploaded with the
offset at -90.5 days lists with an UploadDate 90.5 days ago, to the millisecond. Every other
service (SNS, SQS, S3, STS...) keeps real time. The offset is set over HTTP, on a route of the
launcher's own, so the change has taken effect when the request returns:

    POST /_signing-cert-audit/iam-clock   body: offset in seconds, e.g. "-7819200.000"

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
