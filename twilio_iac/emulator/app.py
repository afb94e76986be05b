"""The Emulator: a WSGI app over the store, with auth, faults and control routes.

``/_emulator/state`` (GET) dumps the state, ``/_emulator/faults`` (POST, a
JSON body with add_fault's arguments) injects a fault, and ``/_emulator/clock``
shows the sandbox's clock (GET) or moves it (POST ``{"advance": "90s"}``,
``{"mode": "manual"}``). Every route under ``/_emulator/`` takes the main
account's SID and auth token (Basic) and JSON bodies only, and served, every
request must name the server's own Host (no web page can steer or read the
sandbox). One lock serialises the handling of every request, since clients
list kinds concurrently, and each request is one transaction of the state
file. The body is read and parsed before it (see http/intake.py), and waits
(the added latency, a fault's delay) happen outside both, so N requests on N
threads take about one latency, as they would against Twilio, and a slow
client holds up only itself. ``requests``
logs every answered request with its monotonic start and end, for tests that
check the order of writes.
"""

from __future__ import annotations

import copy
import hmac
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from . import gateway
from .core import traffic
from .core.catalog import PHONE_NUMBERS
from .core.keys import key_account
from .core.numbers import number_fields
from .core.seed import add_numbers
from .http.actions import Binary
from .http.caller import Caller
from .http.handlers import Request, allowed_methods, dispatch
from .http.intake import (
    basic_credentials,
    check_host,
    read_body,
    read_form,
    read_json,
)
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
from .store import Store
from .store import clock as sandbox_clock
from .store.statefile import open_state

StartResponse = Callable[..., Any]
_STATUS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
}
CONTROL = "/_emulator/"  # the sandbox's own routes: state, faults, ...
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
        clock: str | None = None,
    ) -> None:
        """``state_path``: the SQLite state file (None: in memory only; a JSON
        state file of version 2 there, or at ``migrate_from``, is migrated).
        ``clock``: "manual" stops the sandbox's clock, "real" lets it run
        (None: as the state file has it; a new one runs).
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
        # The Host values taken (serve sets its own address); None takes any.
        self.hosts: frozenset[str] | None = None
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
        if clock is not None or "clock" not in self.store.state:
            self._set_clock(clock)

    def _set_clock(self, mode: str | None) -> None:
        with self._lock, self.store.transaction():
            if "clock" not in self.store.state:  # a state from before the clock
                self.store.set_clock(sandbox_clock.REAL)
                traffic.resume(self.store)
            if mode is not None:
                self.store.set_clock(mode)

    @property
    def account_sid(self) -> str:
        return self.store.account_sid

    def now(self) -> datetime:
        """The sandbox's time (see store/clock.py)."""
        with self._lock, self.store.transaction():
            return self.store.now()

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move the sandbox's clock; what became due happens. The clock after."""
        with self._lock, self.store.transaction():
            self.store.advance(seconds)
            return sandbox_clock.describe(self.store.state)

    def clock(self) -> dict[str, Any]:
        """The clock as ``GET /_emulator/clock`` shows it."""
        with self._lock, self.store.transaction():
            return sandbox_clock.describe(self.store.state)

    @contextmanager
    def locked(self) -> Iterator[Store]:
        """The store, for one transaction under the emulator's lock (the
        webhook deliverer's way in; what is due is applied first)."""
        with self._lock, self.store.transaction():
            yield self.store

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
            record = new_record(
                spec, self.store, self.store.now(), fields.pop("sid", None)
            )
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
            add_numbers(self.store, numbers, self.store.now())

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
        try:
            # Before the lock: a slow or broken client holds up only itself.
            check_host(environ, self.hosts)
            body = read_body(environ)
            if path.startswith(CONTROL):  # control routes: no latency, no limit
                status, payload = self._control_request(
                    environ, method, path, body, headers
                )
            else:
                status, payload = self._api_request(
                    environ, method, path, body, headers, params
                )
        except ApiProblem as problem:
            status, payload = problem.status, _encode(problem.body(), headers)
        headers.append(("Content-Length", str(len(payload))))
        if self.keep_log:
            end = time.monotonic()
            self.requests.append(
                LoggedRequest(method, path, status, start, end, tuple(params))
            )
        start_response(f"{status} {_STATUS.get(status, 'Error')}", headers)
        return [payload]

    def _api_request(
        self,
        environ: dict,
        method: str,
        path: str,
        body: bytes,
        headers: list[tuple[str, str]],
        params: list[tuple[str, str]],
    ) -> tuple[int, bytes]:
        form = {} if gateway.handles(path) else read_form(environ, method, body)
        account = self._account_of(path, environ.get("HTTP_AUTHORIZATION", ""))
        admitted = self._enter(account)
        try:
            self._wait_latency()
            if not admitted:
                return self._too_many(headers)
            status, payload, delay = self._answer(
                method,
                path,
                headers,
                lambda: self._handle(
                    environ, method, path, body, form, headers, params
                ),
            )
            if delay > 0:
                time.sleep(delay)  # outside the lock: other requests go on
            return status, payload
        finally:
            if admitted:
                self._leave(account)

    def _control_request(
        self,
        environ: dict,
        method: str,
        path: str,
        body: bytes,
        headers: list[tuple[str, str]],
    ) -> tuple[int, bytes]:
        """Every route under /_emulator/ takes the main account's own SID and
        auth token, and JSON bodies only: no web page the user opens can steer
        the sandbox or read its state."""
        if not self._controller(environ.get("HTTP_AUTHORIZATION", "")):
            headers.append(("WWW-Authenticate", 'Basic realm="Twilio API"'))
            raise ApiProblem(401, AUTHENTICATE, "Authenticate")
        document = read_json(environ, method, body)
        status, payload, _ = self._answer(
            method, path, headers, lambda: (*self._control(method, path, document), 0.0)
        )
        return status, payload

    def _answer(
        self,
        method: str,
        path: str,
        headers: list[tuple[str, str]],
        handle: Callable[[], tuple[int, Any, float]],
    ) -> tuple[int, bytes, float]:
        """Status, payload and the seconds to wait before answering: one
        transaction, under the lock."""
        with self._lock, self.store.transaction():
            if self.keep_log:
                self.request_log.append((method, path))
            delay = 0.0
            try:
                status, body, delay = handle()
            except ApiProblem as problem:
                status, body = problem.status, problem.body()
            return status, _encode(body, headers), delay

    def _handle(
        self,
        environ: dict,
        method: str,
        path: str,
        body: bytes,
        form: dict[str, list[str]],
        headers: list[tuple[str, str]],
        params: list[tuple[str, str]],
    ) -> tuple[int, Any, float]:
        """Status, body and the seconds to wait before answering."""
        if gateway.handles(path):
            return (*self._gateway(environ, method, path, body, headers), 0.0)
        caller = self._caller(environ.get("HTTP_AUTHORIZATION", ""))
        if caller is None:
            headers.append(("WWW-Authenticate", 'Basic realm="Twilio API"'))
            return 401, error_body(401, AUTHENTICATE, "Authenticate"), 0.0
        fault = self.store.take_fault(method, path)
        if fault is not None:
            headers.extend(fault["headers"].items())
            if not fault["apply"] and fault["status"] is not None:
                error = error_body(fault["status"], fault["code"], fault["message"])
                return fault["status"], error, fault["delay"]
        params.extend((key, value) for key, values in form.items() for value in values)
        request = Request(method, path, form, _base_url(environ), caller)
        status, answer = self._dispatch(request, headers, faulted=fault is not None)
        return _after_fault(status, answer, fault)

    def _dispatch(
        self, request: Request, headers: list[tuple[str, str]], faulted: bool
    ) -> tuple[int, Any]:
        """Status and body of an API request, as its listeners are told."""
        try:
            status, body = dispatch(self.store, request, self.store.now())
        except ApiProblem as problem:
            if problem.status == 405:
                headers.append(("Allow", ", ".join(allowed_methods(request.path))))
            if problem.status == 401:  # credentials that do not reach this path
                headers.append(("WWW-Authenticate", 'Basic realm="Twilio API"'))
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

    def token_of(self, account_sid: str | None) -> str:
        """The auth token that signs an account's webhooks: Twilio signs with
        the token of the account that owns the number or the send, so a
        subaccount's are signed with its own."""
        if account_sid and account_sid != self.account_sid:
            with self._lock, self.store.transaction():
                account = self.store.records("accounts").get(account_sid)
                if account is not None and account.get("auth_token"):
                    return account["auth_token"]
        return self.auth_token

    def _gateway(
        self,
        environ: dict,
        method: str,
        path: str,
        body: bytes,
        headers: list[tuple[str, str]],
    ) -> tuple[int, Any]:
        """The gateway's control endpoints take its bearer key (any, here) or
        the sandbox's credentials; the connect link is opened in a browser.
        A fault with a status answers in its place, as for Twilio's paths."""
        header = environ.get("HTTP_AUTHORIZATION", "")
        bearer = header[:7].lower() == "bearer " and header[7:].strip()
        if path != "/connect" and not (bearer or self._caller(header)):
            headers.append(("WWW-Authenticate", "Bearer"))
            return 401, error_body(401, AUTHENTICATE, "Authenticate")
        fault = self.store.take_fault(method, path)
        if fault is not None and fault["status"] is not None and not fault["apply"]:
            headers.extend(fault["headers"].items())
            return fault["status"], error_body(
                fault["status"], fault["code"], fault["message"]
            )
        query = environ.get("QUERY_STRING", "")
        base = _base_url(environ)
        status, answer, _ = gateway.handle(
            self.store, method, path, query, body, base, self.store.now()
        )
        return status, answer

    def _account_of(self, path: str, header: str) -> str:
        """The account a request counts against for the concurrency limit:
        the one its 2010 path names, else the one its credentials name."""
        found = _ACCOUNT_IN_PATH.search(path)
        if found:
            return found.group(1)
        user = _basic(header)[0]
        return user if user.startswith("AC") else self.account_sid

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

    def _caller(self, header: str) -> Caller | None:
        """Whose credentials these are: the main account (its auth token, or
        an API key given to the emulator, which acts for it), or an active
        subaccount with its own auth token; None for anything else. A
        suspended or closed subaccount's token no longer authenticates: the
        error dictionary's 20003 lists "Account is suspended or closed"
        (twilio.com/docs/errors/20003)."""
        user, password = _basic(header)
        if not user:
            return None
        if user.startswith("SK") and user not in self.credentials:
            # A key made through the API (Keys.json, IAM's /v1/Keys)
            # authenticates as the account that made it.
            owner = key_account(self.store, user, password)
            return Caller(owner, key=True) if owner is not None else None
        if user.startswith("SK") or user == self.account_sid:
            expected = self.credentials.get(user)
            if expected is None or not _same(expected, password):
                return None
            return Caller(self.account_sid, key=user.startswith("SK"))
        account = self.store.records("accounts").get(user)
        if (
            account is None
            or account["owner_account_sid"] != self.account_sid
            or account["status"] != "active"
            or not account["auth_token"]
            or not _same(account["auth_token"], password)
        ):
            return None
        return Caller(user)

    def _controller(self, header: str) -> bool:
        """Whether ``header`` carries the main account's own SID and auth token
        (an API key or another account's pair does not steer the sandbox)."""
        given = basic_credentials(header)
        if given is None or given[0] != self.account_sid:
            return False
        return hmac.compare_digest(given[1].encode(), self.auth_token.encode())

    def _control(self, method: str, path: str, document: Any) -> tuple[int, Any]:
        if (method, path) == ("GET", "/_emulator/state"):
            return 200, self.store.state
        if (method, path) == ("POST", "/_emulator/faults"):
            try:
                self.add_fault(**(document or {}))
            except (ValueError, TypeError) as exc:
                raise ApiProblem(400, INVALID_PARAMETER, f"Bad fault: {exc}") from None
            return 201, self.store.state["faults"][-1]
        if path == "/_emulator/clock" and method in ("GET", "POST"):
            if method == "POST":
                self._move_clock(document)
            return 200, sandbox_clock.describe(self.store.state)
        raise not_found(path)

    def _move_clock(self, document: Any) -> None:
        """``{"mode": "manual"|"real", "advance": "90s"|90}``, both optional
        (the JSON body, already parsed outside the lock)."""
        try:
            wanted = {} if document is None else document
            if not isinstance(wanted, dict) or set(wanted) - {"mode", "advance"}:
                raise ValueError('give {"advance": "90s"} and/or {"mode": "manual"}')
            if "mode" in wanted:
                self.store.set_clock(wanted["mode"])
            if "advance" in wanted:
                self.store.advance(sandbox_clock.seconds(wanted["advance"]))
        except (ValueError, TypeError) as exc:
            raise ApiProblem(400, INVALID_PARAMETER, f"Bad clock: {exc}") from None


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


def _same(expected: str, given: str) -> bool:
    """Compared in constant time (bytes: compare_digest refuses non-ASCII str)."""
    return hmac.compare_digest(expected.encode(), given.encode())


def _basic(header: str) -> tuple[str, str]:
    """User and password of an HTTP Basic header, or empty strings."""
    return basic_credentials(header) or ("", "")


def _base_url(environ: dict) -> str:
    host = environ.get("HTTP_HOST")
    if not host:
        host = environ["SERVER_NAME"]
        port = environ.get("SERVER_PORT", "")
        default = "443" if environ["wsgi.url_scheme"] == "https" else "80"
        host = host if port in ("", default) else f"{host}:{port}"
    return f"{environ['wsgi.url_scheme']}://{host}"
