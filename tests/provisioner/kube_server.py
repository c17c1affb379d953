"""A Kubernetes API test server: real HTTP on 127.0.0.1 for the provisioner's endpoints.

Run it by hand and point the CLI at it::

    python -m tests.provisioner.kube_server --port 8080 --kubeconfig-out /tmp/kc.yaml
    provisioner --kubeconfig /tmp/kc.yaml --db /tmp/p.db provision acme web --tier starter

Semantics live in ``support/store.py``; fault injection in ``support/faults.py``.
The server checks the bearer token it wrote into the kubeconfig (401 otherwise)
and records every request so tests can assert on verbs, paths and query strings.
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from tests.provisioner.support.faults import REASONS, Fault, Faults
from tests.provisioner.support.store import RESOURCES, Reply, Store, status

NAMESPACED = "|".join(p for p, r in RESOURCES.items() if r.namespaced and r.api_version == "v1")
ROUTES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^/api/v1/namespaces$"), "namespaces"),
    (re.compile(r"^/api/v1/namespaces/(?P<name>[^/]+)$"), "namespace"),
    (re.compile(rf"^/api/v1/namespaces/(?P<ns>[^/]+)/(?P<plural>{NAMESPACED})$"), "collection"),
    (re.compile(rf"^/api/v1/namespaces/(?P<ns>[^/]+)/(?P<plural>{NAMESPACED})/(?P<name>[^/]+)$"),
     "object"),
    (re.compile(r"^/apis/apps/v1/namespaces/(?P<ns>[^/]+)/(?P<plural>deployments)$"), "collection"),
    (re.compile(r"^/apis/apps/v1/namespaces/(?P<ns>[^/]+)/(?P<plural>deployments)/(?P<name>[^/]+)$"),
     "object"),
    (re.compile(r"^/apis/apps/v1/namespaces/(?P<ns>[^/]+)/deployments/(?P<name>[^/]+)/scale$"),
     "scale"),
]
PATCH_TYPES = ("application/strategic-merge-patch+json", "application/merge-patch+json")


@dataclass(frozen=True)
class Request:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    content_type: str | None


def _selector(query: dict[str, list[str]]) -> dict[str, str]:
    raw = query.get("labelSelector", [""])[0]
    return dict(part.split("=", 1) for part in raw.split(",") if "=" in part)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real API server
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body are separate writes; without TCP_NODELAY, Nagle's
        # algorithm and delayed ACKs add ~40 ms to every request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _send(self, reply: Reply, headers: dict[str, str] | None = None) -> None:
        code, body = reply
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        try:
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            # The client is gone: its request timed out (a "delay" fault longer
            # than the request timeout, on purpose) before the answer was
            # written. Nobody is left to answer; socketserver would print a
            # traceback for every such request.
            self.close_connection = True

    def _handle(self) -> None:
        kube = self.server.kube
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        kube.requests.append(
            Request(self.command, parts.path, query, self.headers.get("Content-Type"))
        )
        if kube.token and self.headers.get("Authorization") != f"Bearer {kube.token}":
            self._send(status(401, "Unauthorized", "Unauthorized"))
            return
        fault = kube.faults.take(self.command, parts.path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault.status is not None:
                reason = REASONS.get(fault.status, "InternalError")
                message = f"injected fault: {self.command} {parts.path} -> {fault.status}"
                if fault.echo_body:
                    message += f": denied request {raw.decode(errors='replace')}"
                extra = {"Retry-After": fault.retry_after} if fault.status == 429 else None
                self._send(status(fault.status, reason, message), extra)
                return
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            self._send(status(400, "BadRequest", "invalid JSON in request body"))
            return
        self._send(self._dispatch(parts.path, query, body))

    def _dispatch(self, path: str, query: dict[str, list[str]], body: Any) -> Reply:
        store = self.server.kube.store
        strict = query.get("fieldValidation", [""])[0] == "Strict"
        method = self.command
        for pattern, route in ROUTES:
            match = pattern.match(path)
            if match is None:
                continue
            args = match.groupdict()
            ns, name, plural = args.get("ns", ""), args.get("name", ""), args.get("plural", "")
            if route == "namespaces" and method == "POST":
                return store.create("namespaces", "", body, strict)
            if route == "namespaces" and method == "GET":
                return store.list("namespaces", "", _selector(query))
            if route == "namespace" and method == "GET":
                return store.get("namespaces", "", name)
            if route == "namespace" and method == "PUT":
                return store.replace("namespaces", "", name, body, strict)
            if route == "namespace" and method == "DELETE":
                return store.delete_namespace(name)
            if route == "collection" and method == "POST":
                return store.create(plural, ns, body, strict)
            if route == "collection" and method == "GET":
                return store.list(plural, ns, _selector(query))
            if route == "object" and method == "GET":
                return store.get(plural, ns, name)
            if route == "object" and method == "PUT":
                return store.replace(plural, ns, name, body, strict)
            if method == "PATCH" and self.headers.get("Content-Type") not in PATCH_TYPES:
                return status(415, "UnsupportedMediaType", "the body of the request was in an"
                              " unknown format")
            if route == "object" and method == "PATCH" and plural == "deployments":
                return store.patch(ns, name, body, strict)
            if route == "scale" and method in ("GET", "PATCH"):
                return store.scale(ns, name, body if method == "PATCH" else None)
            return status(405, "MethodNotAllowed", f"{method} is not supported on {path}")
        return status(404, "NotFound", "the server could not find the requested resource")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    kube: KubeServer


class KubeServer:
    """Start/stop the test server; inspect and steer it from tests."""

    def __init__(
        self, port: int = 0, token: str = "test-token", ready_delay: float = 0.02,
        terminate_delay: float = 0.05,
    ) -> None:
        self.token = token
        self.store = Store(ready_delay=ready_delay, terminate_delay=terminate_delay)
        self.faults = Faults()
        self.requests: list[Request] = []
        self._http = _HTTPServer(("127.0.0.1", port), _Handler)
        self._http.kube = self
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:43817``."""
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> KubeServer:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._http.shutdown()
        self._http.server_close()

    def inject(self, method: str | None, path: str, **options: Any) -> Fault:
        """Add a fault rule (see ``Fault``) and return it."""
        return self.faults.add(Fault(method=method, path=path, **options))

    def write_kubeconfig(self, path: Path) -> Path:
        """Write a kubeconfig whose current context points at this server."""
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "test", "cluster": {"server": self.url}}],
            "users": [{"name": "test", "user": {"token": self.token}}],
            "contexts": [{"name": "test", "context": {"cluster": "test", "user": "test"}}],
            "current-context": "test",
        }
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        return path


def main(argv: list[str] | None = None) -> None:
    """Run the server in the foreground until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--kubeconfig-out", type=Path, required=True)
    parser.add_argument("--ready-delay", type=float, default=1.0)
    parser.add_argument("--terminate-delay", type=float, default=1.0)
    args = parser.parse_args(argv)
    server = KubeServer(port=args.port, ready_delay=args.ready_delay,
                        terminate_delay=args.terminate_delay)
    server.write_kubeconfig(args.kubeconfig_out)
    print(f"serving on {server.url}; kubeconfig written to {args.kubeconfig_out}", flush=True)
    try:
        server._http.serve_forever()
    except KeyboardInterrupt:
        print("stopped")
    finally:
        server._http.server_close()


if __name__ == "__main__":
    main()
