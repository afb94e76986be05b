"""TwilioClient: the one place that talks HTTP (and the only importer of httpx).

It owns authentication, the transport (plain, JSON and streamed requests) and
the reading of HTTP answers; everything else is httpx-free: rest.py (the REST
calls), sending.py (the retry loop, write gate, create recovery), retry.py
(when to resend), recovery.py, paging.py, failures.py (the errors) and wire.py
(Twilio's conventions).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import structlog

from twilio_iac import __version__, logs
from twilio_iac.api import accounts, failures, wire
from twilio_iac.api.call import Call
from twilio_iac.api.rest import Rest
from twilio_iac.api.retry import DEFAULT_MAX_RETRY_WAIT, parse_retry_after
from twilio_iac.api.settings import Settings
from twilio_iac.apis import CORE
from twilio_iac.errors import ApiError

__all__ = ["DEFAULT_MAX_RETRY_WAIT", "TwilioClient", "shared_transport"]

_MAX_REDIRECTS = 5
# Failures where the request provably never reached Twilio: safe to resend
# even a create.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

log = structlog.get_logger(__name__)
# Verify's 429s that are no throttling: max send (60203) or check (60202)
# attempts reached. Retrying cannot succeed, so they are answered at once.
_LOCKOUTS = frozenset({60202, 60203})


def _locked_out(response: httpx.Response | None) -> bool:
    if response is None or not response.headers.get("content-type", "").startswith(
        "application/json"
    ):
        return False
    try:
        response.read()
        body = response.json()
    except (ValueError, httpx.HTTPError):
        return False
    return isinstance(body, dict) and body.get("code") in _LOCKOUTS


@dataclass(frozen=True)
class _Outcome:
    response: httpx.Response | None = None
    failure: httpx.TransportError | None = None

    @property
    def retryable(self) -> bool:
        if self.status == 429:
            return not _locked_out(self.response)
        return self.status is None or self.status >= 500

    @property
    def ambiguous(self) -> bool:
        """Twilio may have acted on the request even though it failed."""
        if self.status is not None:
            return self.status >= 500
        return not isinstance(self.failure, _NOT_SENT)

    @property
    def status(self) -> int | None:
        return None if self.response is None else self.response.status_code

    @property
    def retry_after(self) -> float | None:
        return _retry_after(self.response)


class TwilioClient(Rest):
    """A thread-safe Twilio REST client; use it as a context manager."""

    def __init__(
        self,
        settings: Settings,
        *,
        app: Callable[..., Any] | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 5,
        max_wait: float = 60.0,
        timeout: float = 30.0,
        max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT,
        in_flight: threading.Semaphore | None = None,
    ) -> None:
        """``in_flight``: a bound on requests in flight shared with other
        clients (a fleet's accounts), held only while a request is on the wire,
        never during a retry's wait."""
        if app is not None and transport is not None:
            raise ValueError("pass either app or transport, not both")
        if app is not None:
            transport = httpx.WSGITransport(app=app)
        super().__init__(sleep, max_attempts, max_wait, timeout, max_retry_wait)
        self.settings = settings
        self._account_sid = settings.account_sid
        self._sid_lock = threading.Lock()
        self._credentials = accounts.Credentials(settings, self._fetch_account)
        self._in_flight = in_flight or contextlib.nullcontext()
        self._http = httpx.Client(
            transport=transport, headers=_headers(settings), timeout=timeout
        )

    def __enter__(self) -> TwilioClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def download(self, api: str, path: str, write: Callable[[bytes], Any]) -> str:
        """Stream a media file (recording audio, message media) into ``write``;
        its content type. Redirects are followed, and credentials go only to
        the API's own origin: a signed media URL on another host gets none.
        Logs name the path only, never a signed URL's query."""
        url = self._url(api, path)
        for _ in range(_MAX_REDIRECTS + 1):
            request = self._http.build_request("GET", url, headers={"Accept": "*/*"})
            if wire.origin_of(url) == wire.origin_of(self._url(api, "")):
                request.headers["Authorization"] = self._credentials.authorization(api)
            response = self._stream(api, request)
            try:
                if response.is_redirect and "location" in response.headers:
                    url = str(response.url.join(response.headers["location"]))
                    continue
                if not response.is_success:
                    response.read()
                    raise self._error("GET", response)
                for chunk in response.iter_bytes():
                    write(chunk)
                return response.headers.get("content-type", "")
            finally:
                response.close()
        raise ApiError("GET", wire.bare(url), None, message="too many redirects")

    def _stream(self, api: str, request: httpx.Request) -> httpx.Response:
        """One streamed GET, retried like any GET while nothing has been
        written yet."""
        call = Call("GET", str(request.url), api)
        return self._send_with_retries(call, lambda: self._stream_once(call, request))

    def _send_once(self, call: Call) -> _Outcome:
        headers = {"Authorization": self._credentials.authorization(call.api)}
        if call.body is not None:
            headers["Content-Type"] = call.content_type
        start = time.monotonic()
        self._count()
        try:
            with self._in_flight:
                response = self._http.request(
                    call.method,
                    call.url,
                    params=call.query or None,
                    content=call.body,
                    headers=headers,
                )
        except httpx.TransportError as exc:
            return _failed(call, exc)
        ms = round((time.monotonic() - start) * 1000)
        _log_response(call, response, ms=ms)
        return _Outcome(response=response)

    def _stream_once(self, call: Call, request: httpx.Request) -> _Outcome:
        """One streamed GET; a response to be retried is read and closed."""
        self._count()
        try:
            with self._in_flight:
                response = self._http.send(request, stream=True)
        except httpx.TransportError as exc:
            return _failed(call, exc)
        _log_response(call, response)
        outcome = _Outcome(response=response)
        if outcome.retryable:
            response.read()
            response.close()
        return outcome

    def _json(self, response: httpx.Response) -> dict:
        self._check(response)
        if not response.content:
            return {}
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            request = response.request
            raise failures.not_json(
                request.method, str(request.url), response.status_code, self.settings
            )
        # Every answer passes here: the one place to tell that Twilio acted on
        # another account than the one meant (None: not yet asked of the
        # gateway which account that is).
        expected = accounts.meant(response.request.url.path, self._account_sid)
        if expected is not None:
            found = accounts.foreign_owner(body, expected)
            if found is not None:
                self._stop(response, found, expected)
        return body

    def _stop(self, response: httpx.Response, found: str, expected: str) -> None:
        request = response.request
        url, status = wire.bare(str(request.url)), response.status_code
        error = accounts.wrong_account(
            request.method, url, status, found, expected, self.settings
        )
        self.stopped_by = error
        # Debug only: the error itself is the one paragraph the user sees.
        log.debug("account.mismatched", found=found, expected=expected, url=url)
        raise error

    def _fetch_account(self, sid: str) -> dict:
        """The account's 2010 record, read with the credentials' own header."""
        return self.fetch(CORE, f"/2010-04-01/Accounts/{sid}.json")

    def _check(self, response: httpx.Response | None) -> None:
        if response is not None and not response.is_success:
            raise self._error(response.request.method, response)

    def _give_up(
        self, call: Call, outcome: _Outcome, hint: str | None = None
    ) -> ApiError:
        if outcome.response is not None:
            return self._error(call.method, outcome.response, hint)
        timed_out = isinstance(outcome.failure, httpx.TimeoutException)
        return failures.unreachable(call, outcome.failure, timed_out, hint)

    def _error(
        self, method: str, response: httpx.Response, hint: str | None = None
    ) -> ApiError:
        if hint is None and response.status_code == 401:
            sent = response.request.headers.get("Authorization", "")
            hint = self._credentials.rejected_hint(sent)
        return failures.answered(
            method,
            str(response.request.url),
            response.status_code,
            response.text,
            response.reason_phrase,
            self.settings,
            hint,
        )


def _headers(settings: Settings) -> dict[str, str]:
    """The headers of every request but Authorization, which each request
    gets for its API (accounts.Credentials); the credentials are registered
    as secrets first, so no log or error can print them."""
    for secret in settings.secrets():
        logs.register_secret(secret)
    # The header value itself (base64 of key:secret, or the bearer key) must
    # not leak either, e.g. through a proxy that echoes it in an error body.
    for auth in (settings.auth, settings.target_auth):
        if auth is not None:
            logs.register_secret(auth.authorization().partition(" ")[2])
    return {
        "User-Agent": f"twilio-iac/{__version__}",
        "Accept": "application/json",
        **settings.headers,
    }


def _failed(call: Call, exc: httpx.TransportError) -> _Outcome:
    log.debug("http.failed", method=call.method, path=call.path, error=repr(exc))
    return _Outcome(failure=exc)


def _log_response(call: Call, response: httpx.Response, **extra: Any) -> None:
    log.debug(
        "http.response",
        method=call.method,
        path=call.path,
        status=response.status_code,
        **extra,
    )


def _retry_after(response: httpx.Response | None) -> float | None:
    """Retry-After in seconds, if the response has one."""
    if response is None:
        return None
    return parse_retry_after(response.headers.get("Retry-After", ""))


class _SharedTransport(httpx.HTTPTransport):
    """One connection pool for many clients (a fleet's accounts): a client's
    close leaves it open for the others; its owner closes it once."""

    def close(self) -> None:
        pass

    def close_pool(self) -> None:
        super().close()


@contextmanager
def shared_transport(connections: int) -> Iterator[httpx.BaseTransport]:
    """A transport to pass to every client of a fleet, so that hundreds of
    accounts hold at most ``connections`` sockets, not a pool each."""
    transport = _SharedTransport(
        limits=httpx.Limits(
            max_connections=connections, max_keepalive_connections=connections
        )
    )
    try:
        yield transport
    finally:
        transport.close_pool()
