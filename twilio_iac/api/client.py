"""TwilioClient: the one place that talks HTTP (and the only importer of httpx).

It owns authentication, the transport, and the mapping of HTTP answers onto
errors.ApiError subclasses; the decisions around it live in httpx-free
modules: retry.py (when to resend), recovery.py (creates of unknown outcome),
paging.py (walking a collection), wire.py (Twilio's conventions).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import structlog

from twilio_iac import __version__, logs
from twilio_iac.api import recovery, wire
from twilio_iac.api.call import Call, not_sent, unreachable
from twilio_iac.api.rest import Rest
from twilio_iac.api.retry import (
    DEFAULT_MAX_RETRY_WAIT,
    Policy,
    Retries,
    Step,
    parse_retry_after,
)
from twilio_iac.api.settings import Settings
from twilio_iac.api.throttle import Slot, WriteGate
from twilio_iac.errors import (
    ApiError,
    AuthError,
    NotFound,
    RateLimited,
)

__all__ = ["DEFAULT_MAX_RETRY_WAIT", "TwilioClient"]

_MAX_REDIRECTS = 5
# Failures where the request provably never reached Twilio: safe to resend
# even a create.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class _Outcome:
    response: httpx.Response | None = None
    failure: httpx.TransportError | None = None

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status == 429 or self.status >= 500

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
    ) -> None:
        if app is not None and transport is not None:
            raise ValueError("pass either app or transport, not both")
        if app is not None:
            transport = httpx.WSGITransport(app=app)
        self.settings = settings
        self.request_count = 0
        # interrupt() ends every wait at once (the real sleep only: a test's
        # stand-in returns at once anyway) and stops writes not yet sent.
        self._interrupted = threading.Event()
        self._sleep = self._interruptible if sleep is time.sleep else sleep
        self._max_attempts = max(1, max_attempts)
        self._max_wait = max_wait
        self._timeout = timeout
        # 429s are retried for as long as Twilio asks, up to this in total.
        self.max_retry_wait = max_retry_wait
        # Writes in flight, adapted to 429s; apply sets its ceiling.
        self.writes = WriteGate(sleep=self._sleep)
        self.retried_after_429 = 0  # requests that got a 429 and were resent
        # Told (seconds, reason) before each wait Twilio asked for, so a
        # terminal can count down.
        self.on_wait: Callable[[float, str], None] | None = None
        self._random = random.Random()
        self._account_sid = settings.account_sid
        self._sid_lock = threading.Lock()
        self._count_lock = threading.Lock()
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
            if wire.origin_of(url) != wire.origin_of(self._url(api, "")):
                del request.headers["Authorization"]
            response = self._stream(request)
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

    def _stream(self, request: httpx.Request) -> httpx.Response:
        """One streamed GET, retried like any GET while nothing has been
        written yet."""
        call = Call("GET", str(request.url))
        return self._send_with_retries(call, lambda: self._stream_once(call, request))

    def _send_with_retries(
        self, call: Call, send: Callable[[], _Outcome] | None = None
    ) -> Any:
        """A response (or, for a recovered create, the found object).
        ``send`` makes one attempt; by default, one plain request."""
        retries = Retries(self._policy())
        while True:
            attempt = retries.begin()
            outcome = send() if send is not None else self._attempt(call, retries)
            if not outcome.retryable:
                return self._after_retried_delete(call, outcome.response, attempt)
            if not call.idempotent and outcome.ambiguous:
                # Never resent: the first request may still land.
                return self._recover_create(call, outcome)
            step = retries.after(outcome.status, outcome.retry_after)
            if step.give_up:
                raise self._give_up(call, outcome, hint=step.hint)
            self._before_retry(call, outcome, step, attempt)
            self._sleep(step.delay)

    def _policy(self) -> Policy:
        return Policy(
            self._max_attempts,
            self._max_wait,
            self.max_retry_wait,
            self._random.uniform,
        )

    def _attempt(self, call: Call, retries: Retries) -> _Outcome:
        if call.method == "GET":
            return self._send_once(call)
        return self._send_write(call, waited=retries.throttled)

    def _before_retry(
        self, call: Call, outcome: _Outcome, step: Step, attempt: int
    ) -> None:
        if step.first_throttle:
            with self._count_lock:
                self.retried_after_429 += 1
        if step.asked and self.on_wait is not None:
            self.on_wait(step.delay, "Twilio asked to slow down (HTTP 429)")
        log.warning(
            "http.retried",
            method=call.method,
            path=call.path,
            attempt=attempt,
            delay=round(step.delay, 3),
            status=outcome.status,
            error=type(outcome.failure).__name__ if outcome.failure else None,
        )

    def interrupt(self) -> None:
        """Stop waiting (Retry-After, backoff) and send no write not yet sent:
        a signal asked the run to end. Requests in flight finish."""
        self._interrupted.set()

    def _interruptible(self, seconds: float) -> None:
        self._interrupted.wait(seconds)

    def _send_write(self, call: Call, waited: bool) -> _Outcome:
        """One write, holding a slot of the write gate while it is in flight."""
        if self._interrupted.is_set():
            raise not_sent(call)
        with self.writes.slot(waited) as slot:
            if self._interrupted.is_set():
                raise not_sent(call)
            outcome = self._send_once(call)
            _report(slot, outcome)
            return outcome

    def _send_once(self, call: Call) -> _Outcome:
        headers = {}
        if call.body is not None:
            headers["Content-Type"] = call.content_type
        start = time.monotonic()
        self._count()
        try:
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
            response = self._http.send(request, stream=True)
        except httpx.TransportError as exc:
            return _failed(call, exc)
        _log_response(call, response)
        outcome = _Outcome(response=response)
        if outcome.retryable:
            response.read()
            response.close()
        return outcome

    def _count(self) -> None:
        with self._count_lock:
            self.request_count += 1

    def _recover_create(self, call: Call, outcome: _Outcome) -> dict:
        """A create that may have reached Twilio is looked for, never resent."""
        if call.find_existing is None:
            raise self._give_up(call, outcome, hint=call.maybe_done_hint)
        found = recovery.look_for(
            call.find_existing, self._sleep, self._timeout, call.path
        )
        if found is not None:
            return found
        cause = self._give_up(call, outcome)
        raise recovery.outcome_unknown(call.method, call.bare_url, cause, self._timeout)

    def _after_retried_delete(
        self, call: Call, response: httpx.Response | None, attempt: int
    ) -> httpx.Response | None:
        # A DELETE that failed ambiguously may have landed: the retry's 404
        # then means the object is gone, which is what was asked for.
        retried = call.method == "DELETE" and attempt > 1
        if retried and response is not None and response.status_code == 404:
            return None
        return response

    def _json(self, response: httpx.Response) -> dict:
        self._check(response)
        if not response.content:
            return {}
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ApiError(
                response.request.method,
                wire.bare(str(response.request.url)),
                response.status_code,
                message="the response is not a JSON object",
                hint=f"Check that {self.settings.source} points at a Twilio API.",
            )
        return body

    def _check(self, response: httpx.Response | None) -> None:
        if response is not None and not response.is_success:
            raise self._error(response.request.method, response)

    def _give_up(
        self, call: Call, outcome: _Outcome, hint: str | None = None
    ) -> ApiError:
        if outcome.response is not None:
            return self._error(call.method, outcome.response, hint)
        timed_out = isinstance(outcome.failure, httpx.TimeoutException)
        return unreachable(call, outcome.failure, timed_out, hint)

    def _error(
        self, method: str, response: httpx.Response, hint: str | None = None
    ) -> ApiError:
        """The one mapping from an HTTP error response to an ApiError."""
        status = response.status_code
        code, message, more_info = wire.error_fields(
            response.text, response.reason_phrase
        )
        if status == 401:
            cls, hint = AuthError, hint or self.settings.rejected_hint()
        elif status == 403:
            cls = AuthError
            hint = hint or (
                f"The credentials from {self.settings.source} were accepted but "
                "may not do this: restricted API keys and subaccounts lack some "
                "permissions."
            )
        else:
            cls = {404: NotFound, 429: RateLimited}.get(status, ApiError)
        url = wire.bare(str(response.request.url))
        # A server may quote the request back, credentials included.
        return cls(method, url, status, code, logs.scrub(message), more_info, hint)


def _headers(settings: Settings) -> dict[str, str]:
    """The headers of every request; the credentials in them are registered
    as secrets first, so no log or error can print them."""
    for secret in settings.secrets():
        logs.register_secret(secret)
    # The header value itself (base64 of key:secret, or the bearer key) must
    # not leak either, e.g. through a proxy that echoes it in an error body.
    logs.register_secret(settings.auth.authorization().partition(" ")[2])
    return {
        "User-Agent": f"twilio-iac/{__version__}",
        "Accept": "application/json",
        "Authorization": settings.auth.authorization(),
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


def _report(slot: Slot, outcome: _Outcome) -> None:
    response = outcome.response
    if response is None:
        return
    if response.status_code == 429:
        slot.throttled(_retry_after(response))
    elif response.is_success:
        slot.succeeded()


def _retry_after(response: httpx.Response | None) -> float | None:
    """Retry-After in seconds, if the response has one."""
    if response is None:
        return None
    return parse_retry_after(response.headers.get("Retry-After", ""))
