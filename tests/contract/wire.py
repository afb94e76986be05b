"""What a client sent on the wire to the emulator, and the spec checks over it."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from tests.contract.oai import find_operation, validate_request, validate_response
from twilio_iac.emulator import Emulator


@dataclass(frozen=True)
class Sent:
    method: str
    path: str
    query: str
    form: dict[str, list[str]]
    status: int
    body: Any

    @property
    def operation(self) -> str:
        found = find_operation(self.method, self.path)
        return found[1]["operationId"] if found else f"{self.method} {self.path}"


class Recorder:
    """WSGI middleware: what the client sent, and what the emulator answered.

    Paths matching `files` answer with file bytes, not JSON, so their body is
    kept as None.
    """

    def __init__(self, app: Emulator, files: re.Pattern[str] | None = None) -> None:
        self.app = app
        self.files = files
        self.sent: list[Sent] = []

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        status: list[int] = []

        def recording_start(line: str, headers: list, *args: Any) -> Any:
            status.append(int(line.split()[0]))
            return start_response(line, headers, *args)

        payload = b"".join(self.app(environ, recording_start))
        form = parse_qs(raw.decode(), keep_blank_values=True)
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        is_file = self.files is not None and self.files.search(path)
        body = json.loads(payload) if payload and not is_file else None
        query = environ.get("QUERY_STRING", "")
        self.sent.append(Sent(method, path, query, form, status[0], body))
        return [payload]


def request_problems(sent: Iterable[Sent]) -> dict[str, Any]:
    return {
        f"{s.method} {s.path}?{s.query}": found
        for s in sent
        if (found := validate_request(s.method, f"{s.path}?{s.query}", s.form))
    }


def response_problems(sent: Iterable[Sent]) -> dict[str, Any]:
    return {
        f"{s.method} {s.path}": found
        for s in sent
        if (found := validate_response(s.method, s.path, s.status, s.body))
    }
