"""The Emulator: a WSGI app over the store, with auth, faults and control routes.

``/_emulator/state`` (GET) dumps the state and ``/_emulator/faults`` (POST, a
JSON body with add_fault's arguments) injects a fault; both need no auth.
One lock serialises the handling of every request, since clients list kinds
concurrently, and each request is one transaction of the state file. Waits
(the added latency, a fault's delay) happen outside both, so N requests on N
threads take about one latency, as they would against Twilio. ``requests``
logs every answered request with its monotonic start and end, for tests that
check the order of writes.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hmac
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from . import gateway
from .core.catalog import PHONE_NUMBERS
from .core.keys import key_account
from .core.numbers import number_fields
from .core.seed import add_numbers
from .http.actions import Binary
from .http.handlers import Request, allowed_methods, dispatch
from .http.kinds import KINDS, new_record
from .http.problems import (
    AUTHENTICATE,
    INVALID_PARAMETER,
    TOO_MANY_REQUESTS,
    ApiProblem,
    error_body,
    not_found,
)
from .seed import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, fresh_store
from .store import utcnow
from .store.statefile import open_state

StartResponse = Callable[..., Any]
_STATUS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
}
_ACCOUNT_IN_PATH = re.compile(r"/Accounts/(AC[0-9a-fA-F]{32})")
# Seconds a client is asked to wait after the concurrency limit's 429.
RATE_LIMIT_RETRY_AFTER = 1


@dataclass(frozen=True)
class LoggedRequest:
    """One answered request, for tests: what, how it ended, and when (monotonic)."""

    method: str
    path: str
    status: int
    start: float  # arrival, before the added latency
    end: float  # the answer, after latency and any fault delay
    params: tuple[tuple[str, str], ...] = ()  # query and form pairs


class Emulator:
    """A Twilio-compatible test double of the REST API (see the package docstring)."""

    def __init__(
        self,
        state_path: Path | None = None,
        credentials: Mapping[str, str] | None = None,
        latency: float | Callable[[], float] = 0.0,
        rate_limit: int | None = None,
        migrate_from: Path | None = None,
    ) -> None:
        """``state_path``: the SQLite state file (None: in memory only; a JSON
        state file of version 2 there, or at ``migrate_from``, is migrated).
        ``latency``: seconds added to every API request (or a function giving
        them, e.g. random delays); ``rate_limit``: requests in flight per account
        beyond which Twilio's 429 (20429) is answered."""
        self.state_path = state_path
        self.credentials = dict(
            credentials or {SANDBOX_ACCOUNT_SID: SANDBOX_AUTH_TOKEN}
        )
        if rate_limit is not None and rate_limit < 1:
            raise ValueError("rate_limit must be at least 1")
        self.latency = latency
        self.rate_limit = rate_limit
        self.request_log: list[tuple[str, str]] = []
        self.requests: list[LoggedRequest] = []
        self.keep_log = True  # off in `emulator serve`: its logs would only grow
        self.autosave = True  # kept for callers: every request is written at once
        # Called with (request, status, body) after each API request, under the
        # lock: they must only take note (delivery.callbacks.Deliverer queues work).
        self.listeners: list[Callable[[Request, int, Any], None]] = []
        self._lock = threading.RLock()
        self._flight_lock = threading.Lock()
        self._in_flight: dict[str, int] = {}
        owners = [user for user in self.credentials if user.startswith("AC")]
        owner = owners[0] if owners else SANDBOX_ACCOUNT_SID
        if state_path is None:
            self.store = fresh_store(owner)
        else:
            self.store = open_state(
                state_path, lambda: fresh_store(owner), migrate_from
            )

    @property
    def account_sid(self) -> str:
        return self.store.account_sid

    def save(self) -> None:
        """Write changes made to ``store`` directly; requests write their own."""
        with self._lock:
            self.store.save()

    def close(self) -> None:
        with self._lock:
            self.store.close()

    def state(self) -> dict[str, Any]:
        """A copy of the whole state, as JSON would have it (for dumps and tests)."""
        with self._lock, self.store.transaction():
            return json.loads(json.dumps(self.store.state))

    def insert(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Store a record directly (no validation beyond field names)."""
        spec = KINDS[kind]
        with self._lock, self.store.transaction():
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
        with self._lock, self.store.transaction():
            return copy.deepcopy(list(self.store.records(KINDS[kind].name).values()))

    def remove(self, kind: str, sid: str) -> None:
        """Delete a record out of band (as if in the Console): no checks, no hooks."""
        with self._lock, self.store.transaction():
            del self.store.records(KINDS[kind].name)[sid]

    def seed_phone_numbers(self, count: int, start: str = "+14155560000") -> None:
        first = int(start.lstrip("+"))
        with self._lock, self.store.transaction():
            numbers = (f"+{first + offset}" for offset in range(count))
            add_numbers(self.store, numbers, utcnow())

    def add_fault(
        self,
        method: str,
        path_regex: str,
        status: int | None = None,
        code: int | None = None,
        message: str | None = None,
        times: int = 1,
        after: int = 0,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
        apply: bool = False,
    ) -> None:
        """Fail the next ``times`` matching requests, after skipping ``after``.

        ``headers`` are added to the answer (e.g. ``Retry-After``), which is sent
        ``delay`` seconds late. With ``apply`` the request is carried out first
        and the answer is the real one, or the fault's error if ``status`` is
        set: a write that lands while the client has already timed out. A
        ``status`` of None without ``apply`` delays a normal answer.
        """
        fault = {
            "method": method.upper(),
            "path_regex": path_regex,
            "status": status,
            "code": code,
            "message": message,
            "times": times,
            "after": after,
            "headers": dict(headers or {}),
            "delay": delay,
            "apply": apply,
        }
        with self._lock, self.store.transaction():
            self.store.add_fault(fault)

    def __call__(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        start = time.monotonic()
        method = environ["REQUEST_METHOD"].upper()
        path = environ.get("PATH_INFO") or "/"
        headers: list[tuple[str, str]] = []
        params: list[tuple[str, str]] = []
        if path.startswith("/_emulator/"):  # control routes: no latency, no limit
            status, payload, _ = self._answer(environ, method, path, headers, params)
        else:
            account = self._account_of(path)
            admitted = self._enter(account)
            try:
                self._wait_latency()
                if not admitted:
                    status, payload = self._too_many(headers)
                else:
                    status, payload, delay = self._answer(
                        environ, method, path, headers, params
                    )
                    if delay > 0:
                        time.sleep(delay)  # outside the lock: other requests go on
            finally:
                if admitted:
                    self._leave(account)
        headers.append(("Content-Length", str(len(payload))))
        if self.keep_log:
            end = time.monotonic()
            self.requests.append(
                LoggedRequest(method, path, status, start, end, tuple(params))
            )
        start_response(f"{status} {_STATUS.get(status, 'Error')}", headers)
        return [payload]

    def _answer(
        self,
        environ: dict,
        method: str,
        path: str,
        headers: list[tuple[str, str]],
        params: list[tuple[str, str]],
    ) -> tuple[int, bytes, float]:
        """Status, payload and the seconds to wait before answering: one
        transaction, under the lock."""
        with self._lock, self.store.transaction():
            if self.keep_log:
                self.request_log.append((method, path))
            delay = 0.0
            try:
                status, body, delay = self._handle(
                    environ, method, path, headers, params
                )
            except ApiProblem as problem:
                status, body = problem.status, problem.body()
            return status, _encode(body, headers), delay

    def _handle(
        self,
        environ: dict,
        method: str,
        path: str,
        headers: list[tuple[str, str]],
        params: list[tuple[str, str]],
    ) -> tuple[int, Any, float]:
        """Status, body and the seconds to wait before answering."""
        if path.startswith("/_emulator/"):
            return (*self._control(environ, method, path), 0.0)
        if gateway.handles(path):
            return (*self._gateway(environ, method, path, headers), 0.0)
        header = environ.get("HTTP_AUTHORIZATION", "")
        if not self._authenticated(header) or not self._key_may(header, path):
            headers.append(("WWW-Authenticate", 'Basic realm="Twilio API"'))
            return 401, error_body(401, AUTHENTICATE, "Authenticate"), 0.0
        fault = self.store.take_fault(method, path)
        if fault is not None:
            headers.extend(fault["headers"].items())
            if not fault["apply"] and fault["status"] is not None:
                body = error_body(fault["status"], fault["code"], fault["message"])
                return fault["status"], body, fault["delay"]
        form = _form(environ, method)
        params.extend((key, value) for key, values in form.items() for value in values)
        request = Request(method, path, form, _base_url(environ))
        status, body = self._dispatch(request, headers, faulted=fault is not None)
        return _after_fault(status, body, fault)

    def _dispatch(
        self, request: Request, headers: list[tuple[str, str]], faulted: bool
    ) -> tuple[int, Any]:
        """Status and body of an API request, as its listeners are told."""
        try:
            status, body = dispatch(self.store, request, utcnow())
        except ApiProblem as problem:
            if problem.status == 405:
                headers.append(("Allow", ", ".join(allowed_methods(request.path))))
            # A faulted request still answers with the fault's status and delay.
            if not faulted:
                raise
            status, body = problem.status, problem.body()
        self.store.take_dirty()
        for listener in self.listeners:
            listener(request, status, body)
        return status, body

    @property
    def auth_token(self) -> str:
        """The account's auth token: what signs the webhooks it sends."""
        return self.credentials.get(self.account_sid) or SANDBOX_AUTH_TOKEN

    def fetch(self, path: str) -> dict[str, Any] | None:
        """GET an API path from inside the sandbox (no auth, no faults, no
        listeners): the webhook clock's way to let a send progress."""
        with self._lock, self.store.transaction():
            request = Request("GET", path, {}, "http://sandbox.invalid")
            try:
                _, body = dispatch(self.store, request, utcnow())
            except ApiProblem:
                return None
            self.store.take_dirty()
            return copy.deepcopy(body)

    def _gateway(
        self, environ: dict, method: str, path: str, headers: list[tuple[str, str]]
    ) -> tuple[int, Any]:
        """The gateway's control endpoints take its bearer key (any, here) or
        the sandbox's credentials; the connect link is opened in a browser.
        A fault with a status answers in its place, as for Twilio's paths."""
        header = environ.get("HTTP_AUTHORIZATION", "")
        bearer = header[:7].lower() == "bearer " and header[7:].strip()
        if path != "/connect" and not (bearer or self._authenticated(header)):
            headers.append(("WWW-Authenticate", "Bearer"))
            return 401, error_body(401, AUTHENTICATE, "Authenticate")
        fault = self.store.take_fault(method, path)
        if fault is not None and fault["status"] is not None and not fault["apply"]:
            headers.extend(fault["headers"].items())
            return fault["status"], error_body(
                fault["status"], fault["code"], fault["message"]
            )
        query, body = environ.get("QUERY_STRING", ""), _body(environ)
        base = _base_url(environ)
        status, answer, _ = gateway.handle(
            self.store, method, path, query, body, base, utcnow()
        )
        return status, answer

    def _account_of(self, path: str) -> str:
        found = _ACCOUNT_IN_PATH.search(path)
        return found.group(1) if found else self.account_sid

    def _enter(self, account: str) -> bool:
        """Count a request in flight for its account, unless that is over the limit."""
        with self._flight_lock:
            current = self._in_flight.get(account, 0)
            if self.rate_limit is not None and current >= self.rate_limit:
                return False
            self._in_flight[account] = current + 1
            return True

    def _leave(self, account: str) -> None:
        with self._flight_lock:
            self._in_flight[account] -= 1

    def _wait_latency(self) -> None:
        seconds = self.latency() if callable(self.latency) else self.latency
        if seconds > 0:
            time.sleep(seconds)

    def _too_many(self, headers: list[tuple[str, str]]) -> tuple[int, bytes]:
        """Twilio's answer beyond its concurrency limit."""
        headers.append(("Retry-After", str(RATE_LIMIT_RETRY_AFTER)))
        body = error_body(429, TOO_MANY_REQUESTS, "Too Many Requests")
        return 429, _encode(body, headers)

    def _authenticated(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        expected = self.credentials.get(user)
        if expected is None and user.startswith("SK"):
            return key_account(self.store, user, password) is not None
        if expected is None or not hmac.compare_digest(expected, password):
            return False
        # An API key (SK…) acts for the account; an account SID must be this one.
        return user.startswith("SK") or user == self.account_sid

    def _key_may(self, header: str, path: str) -> bool:
        """A subaccount's API key authenticates as that subaccount: a 2010
        path naming another account is not its to use."""
        user, _, password = _basic(header)
        owner = key_account(self.store, user, password) if user else None
        if owner is None or owner == self.account_sid:
            return True
        return self._account_of(path) == owner

    def _control(self, environ: dict, method: str, path: str) -> tuple[int, Any]:
        if (method, path) == ("GET", "/_emulator/state"):
            return 200, self.store.state
        if (method, path) == ("POST", "/_emulator/faults"):
            try:
                fault = json.loads(_body(environ) or b"{}")
                self.add_fault(**fault)
            except (ValueError, TypeError) as exc:
                raise ApiProblem(400, INVALID_PARAMETER, f"Bad fault: {exc}") from None
            return 201, self.store.state["faults"][-1]
        raise not_found(path)


def _basic(header: str) -> tuple[str, str, str]:
    """(user, ":", password) of a Basic header; empty strings if it is none."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return "", "", ""
    try:
        return base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return "", "", ""


def _after_fault(
    status: int, body: Any, fault: dict[str, Any] | None
) -> tuple[int, Any, float]:
    """The answer once an applied fault has had its say: the request took
    effect, yet the client may still see the fault's error, and late."""
    if fault is None:
        return status, body, 0.0
    if fault["status"] is not None:
        status = fault["status"]
        body = error_body(status, fault["code"], fault["message"])
    return status, body, fault["delay"]


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
