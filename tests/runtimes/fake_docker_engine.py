"""A stand-in Docker Engine API on loopback, for the real ``docker`` CLI to talk to (DOCKER_HOST=tcp://...).

No engine can run on this machine, but the docker client is installed: pointed at this server, the CLI parses
our arguments itself and turns them into Engine API calls, which the tests read here (``calls``: method,
path without the version prefix, query, JSON body). Containers do nothing; an exec answers its command line
on stdout with exit code 0 (or the code a test scripts in ``exit_codes``).
"""

from __future__ import annotations

import json
import re
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

API_VERSION = "1.47"


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any


@dataclass
class FakeEngine:
    calls: list[Call] = field(default_factory=list)
    containers: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> create body (alive ones)
    execs: dict[str, dict[str, Any]] = field(default_factory=dict)
    exit_codes: dict[str, int] = field(default_factory=dict)  # command text -> exit code
    closing: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> FakeEngine:
        engine = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                engine.handle(self)

            do_POST = do_DELETE = do_HEAD = do_GET

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()

    @property
    def host(self) -> str:
        return f"tcp://127.0.0.1:{self.server.server_address[1]}"

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        url = urlsplit(request.path)
        path = re.sub(r"^/v[0-9.]+", "", url.path)
        length = int(request.headers.get("content-length") or 0)
        raw = request.rfile.read(length) if length else b""
        body = json.loads(raw) if raw.strip() else None
        call = Call(request.command, path, parse_qs(url.query), body)
        if path != "/_ping":
            self.calls.append(call)
        if path == "/_ping":
            return self.reply(request, 200, b"OK", "text/plain")
        if path == "/info":
            return self.reply(request, 200, {"ServerVersion": "fake-engine", "OSType": "linux"})
        if path == "/containers/create":
            name = call.query["name"][0]
            self.containers[name] = body
            return self.reply(request, 201, {"Id": name, "Warnings": []})
        if re.fullmatch(r"/containers/[^/]+/wait", path):  # `run --detach` watches for an early exit: never comes
            request.send_response(200)
            request.send_header("Content-Type", "application/json")
            request.send_header("Transfer-Encoding", "chunked")
            request.end_headers()
            request.wfile.flush()
            self.closing.wait(30)
            request.close_connection = True
            return
        match = re.fullmatch(r"/containers/([^/]+)(/start|/exec|/json)?", path)
        if match:
            name, action = match.groups()
            if name not in self.containers:
                return self.reply(request, 404, {"message": f"No such container: {name}"})
            if action == "/start":
                return self.reply(request, 204, b"")
            if action == "/exec":
                exec_id = f"exec{len(self.execs)}"
                self.execs[exec_id] = {**body, "container": name}
                return self.reply(request, 201, {"Id": exec_id})
            if request.command == "DELETE":
                del self.containers[name]
                return self.reply(request, 204, b"")
            return self.reply(request, 200, {"Id": name, "State": {"Running": True}, "Config": self.containers[name]})
        match = re.fullmatch(r"/exec/([^/]+)/(start|json)", path)
        if match:
            exec_id, action = match.groups()
            command = self.execs[exec_id]["Cmd"]
            if action == "json":
                code = self.exit_codes.get(command[-1], 0)
                return self.reply(request, 200, {"ID": exec_id, "Running": False, "ExitCode": code})
            return self.hijack(request, f"ran: {json.dumps(command)}\n".encode())
        return self.reply(request, 404, {"message": f"the fake engine has no {path}"})

    def reply(self, request: BaseHTTPRequestHandler, status: int, payload: Any, kind: str = "application/json") -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        request.send_response(status)
        request.send_header("Content-Type", kind)
        request.send_header("Api-Version", API_VERSION)
        request.send_header("Ostype", "linux")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(data)

    def hijack(self, request: BaseHTTPRequestHandler, stdout: bytes) -> None:
        """The attach stream of an exec: HTTP 101, then Docker's multiplexed frames (1 = stdout), then EOF."""
        request.wfile.write(b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n"
                            b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
        request.wfile.write(struct.pack(">BxxxL", 1, len(stdout)) + stdout)
        request.wfile.flush()
        request.close_connection = True
