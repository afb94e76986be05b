"""The Emulator: a WSGI app over the store, with auth, faults and control routes.

``/_emulator/state`` (GET) dumps the state and ``/_emulator/faults`` (POST, a
JSON body with add_fault's arguments) injects a fault; both need no auth.
One lock serialises every request, since clients list kinds concurrently.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hmac
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from . import gateway
from .actions import Binary
from .catalog import PHONE_NUMBERS
from .handlers import Request, allowed_methods, dispatch
from .kinds import KINDS, new_record
from .numbers import number_fields
from .problems import AUTHENTICATE, INVALID_PARAMETER, ApiProblem, error_body, not_found
from .seed import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, add_numbers, fresh_store
from .store import Store, utcnow

StartResponse = Callable[..., Any]
_STATUS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
}


class Emulator:
    """A Twilio-compatible test double of the REST API (see the package docstring)."""

    def __init__(
        self,
        state_path: Path | None = None,
        credentials: Mapping[str, str] | None = None,
    ) -> None:
        self.state_path = state_path
        self.credentials = dict(
            credentials or {SANDBOX_ACCOUNT_SID: SANDBOX_AUTH_TOKEN}
        )
        self.request_log: list[tuple[str, str]] = []
        self.autosave = False  # serve mode: save after every write request
        # Called with (request, status, body) after each API request, under the
        # lock: they must only take note (callbacks.Deliverer queues work).
        self.listeners: list[Callable[[Request, int, Any], None]] = []
        self._lock = threading.RLock()
        if state_path is not None and state_path.exists():
            self.store = Store.load(state_path)
        else:
            owners = [user for user in self.credentials if user.startswith("AC")]
            self.store = fresh_store(owners[0] if owners else SANDBOX_ACCOUNT_SID)

    @property
    def account_sid(self) -> str:
        return self.store.account_sid

    def save(self) -> None:
        if self.state_path is not None:
            with self._lock:
                self.store.save(self.state_path)

    def insert(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Store a record directly (no validation beyond field names)."""
        spec = KINDS[kind]
        with self._lock:
            record = new_record(spec, self.store, utcnow(), fields.pop("sid", None))
            if spec is PHONE_NUMBERS:
                record.update(number_fields(fields["phone_number"]))
            unknown = set(fields) - set(record)
            if unknown:
                raise ValueError(f"{kind} has no fields {sorted(unknown)}")
            record.update(fields)
            self.store.records(kind)[record["sid"]] = record
            return copy.deepcopy(record)

    def records(self, kind: str) -> list[dict[str, Any]]:
        """Copies of a kind's stored records, in creation order."""
        with self._lock:
            return copy.deepcopy(list(self.store.records(KINDS[kind].name).values()))

    def remove(self, kind: str, sid: str) -> None:
        """Delete a record out of band (as if in the Console): no checks, no hooks."""
        with self._lock:
            del self.store.records(KINDS[kind].name)[sid]

    def seed_phone_numbers(self, count: int, start: str = "+14155560000") -> None:
        first = int(start.lstrip("+"))
        with self._lock:
            numbers = (f"+{first + offset}" for offset in range(count))
            add_numbers(self.store, numbers, utcnow())

    def add_fault(
        self,
        method: str,
        path_regex: str,
        status: int,
        code: int,
        message: str,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Fail the next ``times`` matching requests, after skipping ``after``."""
        fault = {
            "method": method.upper(),
            "path_regex": path_regex,
            "status": status,
            "code": code,
            "message": message,
            "times": times,
            "after": after,
        }
        with self._lock:
            self.store.add_fault(fault)
            self._autosave(True)

    def __call__(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"].upper()
        path = environ.get("PATH_INFO") or "/"
        headers: list[tuple[str, str]] = []
        with self._lock:
            self.request_log.append((method, path))
            try:
                status, body, changed = self._handle(environ, method, path, headers)
            except ApiProblem as problem:
                status, body, changed = problem.status, problem.body(), False
            self._autosave(changed)
            payload = _encode(body, headers)
        headers.append(("Content-Length", str(len(payload))))
        start_response(f"{status} {_STATUS.get(status, 'Error')}", headers)
        return [payload]

    def _handle(
        self, environ: dict, method: str, path: str, headers: list[tuple[str, str]]
    ) -> tuple[int, Any, bool]:
        """Status, body and whether the state changed."""
        if path.startswith("/_emulator/"):
            return self._control(environ, method, path)
        if gateway.handles(path):
            return self._gateway(environ, method, path, headers)
        if not self._authenticated(environ.get("HTTP_AUTHORIZATION", "")):
            headers.append(("WWW-Authenticate", 'Basic realm="Twilio API"'))
            return 401, error_body(401, AUTHENTICATE, "Authenticate"), False
        fault, changed = self.store.take_fault(method, path)
        if fault is not None:
            body = error_body(fault["status"], fault["code"], fault["message"])
            return fault["status"], body, True
        request = Request(method, path, _form(environ, method), _base_url(environ))
        try:
            status, body = dispatch(self.store, request, utcnow())
        except ApiProblem as problem:
            if problem.status == 405:
                headers.append(("Allow", ", ".join(allowed_methods(path))))
            raise
        for listener in self.listeners:
            listener(request, status, body)
        return status, body, changed or method != "GET" or self.store.take_dirty()

    @property
    def auth_token(self) -> str:
        """The account's auth token: what signs the webhooks it sends."""
        return self.credentials.get(self.account_sid) or SANDBOX_AUTH_TOKEN

    def fetch(self, path: str) -> dict[str, Any] | None:
        """GET an API path from inside the sandbox (no auth, no faults, no
        listeners): the webhook clock's way to let a send progress."""
        with self._lock:
            request = Request("GET", path, {}, "http://sandbox.invalid")
            try:
                _, body = dispatch(self.store, request, utcnow())
            except ApiProblem:
                return None
            self._autosave(self.store.take_dirty())
            return copy.deepcopy(body)

    def _gateway(
        self, environ: dict, method: str, path: str, headers: list[tuple[str, str]]
    ) -> tuple[int, Any, bool]:
        """The gateway's control endpoints take its bearer key (any, here) or
        the sandbox's credentials; the connect link is opened in a browser."""
        header = environ.get("HTTP_AUTHORIZATION", "")
        bearer = header[:7].lower() == "bearer " and header[7:].strip()
        if path != "/connect" and not (bearer or self._authenticated(header)):
            headers.append(("WWW-Authenticate", "Bearer"))
            return 401, error_body(401, AUTHENTICATE, "Authenticate"), False
        query, body = environ.get("QUERY_STRING", ""), _body(environ)
        base = _base_url(environ)
        return gateway.handle(self.store, method, path, query, body, base, utcnow())

    def _authenticated(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        expected = self.credentials.get(user)
        if expected is None or not hmac.compare_digest(expected, password):
            return False
        # An API key (SK…) acts for the account; an account SID must be this one.
        return user.startswith("SK") or user == self.account_sid

    def _control(self, environ: dict, method: str, path: str) -> tuple[int, Any, bool]:
        if (method, path) == ("GET", "/_emulator/state"):
            return 200, self.store.state, False
        if (method, path) == ("POST", "/_emulator/faults"):
            try:
                fault = json.loads(_body(environ) or b"{}")
                self.add_fault(**fault)
            except (ValueError, TypeError) as exc:
                raise ApiProblem(400, INVALID_PARAMETER, f"Bad fault: {exc}") from None
            return 201, self.store.state["faults"][-1], True
        raise not_found(path)

    def _autosave(self, changed: bool) -> None:
        if changed and self.autosave:
            self.save()


def _encode(body: Any, headers: list[tuple[str, str]]) -> bytes:
    """The response payload, its Content-Type added to ``headers``: JSON, or a
    media file's bytes (recording audio, message media)."""
    if isinstance(body, Binary):
        headers.append(("Content-Type", body.content_type))
        return body.data
    if body is None:
        return b""
    headers.append(("Content-Type", "application/json; charset=utf-8"))
    return json.dumps(body).encode()


def _body(environ: dict) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length) if length else b""


def _form(environ: dict, method: str) -> dict[str, list[str]]:
    form = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if method == "POST":
        body = _body(environ)
        kind = environ.get("CONTENT_TYPE", "application/x-www-form-urlencoded")
        if body and not kind.startswith("application/x-www-form-urlencoded"):
            raise ApiProblem(400, INVALID_PARAMETER, f"Unsupported Content-Type {kind}")
        for key, values in parse_qs(body.decode(), keep_blank_values=True).items():
            form.setdefault(key, []).extend(values)
    return form


def _base_url(environ: dict) -> str:
    host = environ.get("HTTP_HOST")
    if not host:
        host = environ["SERVER_NAME"]
        port = environ.get("SERVER_PORT", "")
        default = "443" if environ["wsgi.url_scheme"] == "https" else "80"
        host = host if port in ("", default) else f"{host}:{port}"
    return f"{environ['wsgi.url_scheme']}://{host}"
