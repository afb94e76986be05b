"""A stand-in for the user's webhook app: an HTTP server on 127.0.0.1 whose
handler records each request and checks its X-Twilio-Signature with
twilio_iac.webhooks.is_valid (the sandbox's auth token)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from twilio_iac import webhooks
from twilio_iac.emulator import SANDBOX_AUTH_TOKEN


@dataclass
class Hit:
    method: str
    url: str
    params: dict[str, str]
    valid: bool


@dataclass
class App:
    """The user's webhook app: records each request, answers TwiML."""

    base: str
    hits: list[Hit] = field(default_factory=list)
    status: int = 200
    reply: str = "<Response><Message>Got it</Message></Response>"
    gate: threading.Event = field(default_factory=threading.Event)
    token: str = SANDBOX_AUTH_TOKEN  # the auth token signatures are checked with

    def url(self, path: str) -> str:
        return self.base + path


@contextmanager
def serving() -> Iterator[App]:
    state = App("")
    state.gate.set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            params = parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True)
            self._answer(params)

        def do_GET(self) -> None:  # noqa: N802
            self._answer([])

        def _answer(self, params: list[tuple[str, str]]) -> None:
            state.gate.wait(10)
            url = state.base + self.path
            signature = self.headers.get("X-Twilio-Signature", "")
            valid = webhooks.is_valid(url, params, state.token, signature)
            if self.command == "GET":
                params = parse_qsl(urlsplit(url).query)
            state.hits.append(Hit(self.command, url, dict(params), valid))
            body = state.reply.encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield state
    state.gate.set()
    server.shutdown()
    server.server_close()
