"""TwilioClient: the one place that talks HTTP (and the only importer of httpx).

It owns authentication, form encoding, both pagination styles, retries with
backoff, and the mapping of HTTP failures onto errors.ApiError subclasses.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import structlog

from twilio_iac import __version__, logs
from twilio_iac.api import wire
from twilio_iac.api.settings import DEFAULT_BASE_URLS, Settings
from twilio_iac.api.throttle import Slot, WriteGate
from twilio_iac.errors import (
    ApiError,
    AuthError,
    ConfigError,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    TransportError,
)

_BACKOFF_BASE = 0.5
_MAX_REDIRECTS = 5
_BACKOFF_CAP = 8.0
_MAYBE_CREATED = (
    "The create may have happened on Twilio's side: run `twilio-iac plan` "
    "to check before applying again."
)
# Failures where the request provably never reached Twilio: safe to resend
# even a create.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
DEFAULT_MAX_RETRY_WAIT = 300.0
# How often a create of unknown outcome is looked for while its window lasts.
_LOOKUPS = 4

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class _Call:
    method: str
    url: str
    query: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    idempotent: bool = True
    find_existing: Callable[[], dict | None] | None = None
    content_type: str = "application/x-www-form-urlencoded"
    maybe_done_hint: str = _MAYBE_CREATED

    @property
    def path(self) -> str:
        """The URL's path for logs: queries may carry phone numbers."""
        return urlsplit(self.url).path

    @property
    def bare_url(self) -> str:
        """The URL without its query, for error messages."""
        return wire.bare(self.url)


@dataclass(frozen=True)
class _Outcome:
    response: httpx.Response | None = None
    failure: httpx.TransportError | None = None

    @property
    def retryable(self) -> bool:
        if self.response is None:
            return True
        status = self.response.status_code
        return status == 429 or status >= 500

    @property
    def ambiguous(self) -> bool:
        """Twilio may have acted on the request even though it failed."""
        if self.response is not None:
            return self.response.status_code >= 500
        return not isinstance(self.failure, _NOT_SENT)


class TwilioClient:
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
        for secret in settings.secrets():
            logs.register_secret(secret)
        # The header value itself (base64 of key:secret, or the bearer key) must
        # not leak either, e.g. through a proxy that echoes it in an error body.
        logs.register_secret(settings.auth.authorization().partition(" ")[2])
        headers = {
            "User-Agent": f"twilio-iac/{__version__}",
            "Accept": "application/json",
            "Authorization": settings.auth.authorization(),
            **settings.headers,
        }
        self._http = httpx.Client(transport=transport, headers=headers, timeout=timeout)

    def __enter__(self) -> TwilioClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def account_sid(self) -> str:
        """The account SID, asked of the gateway once when it was not configured."""
        with self._sid_lock:
            if self._account_sid is None:
                self._account_sid = self._discover_account_sid()
            return self._account_sid

    def _discover_account_sid(self) -> str:
        body = self._json(self._get("core", "/2010-04-01/Accounts.json"))
        accounts = body.get("accounts") or []
        if not accounts:
            raise ConfigError(
                f"{self.settings.source} gives access to no Twilio account: "
                "connect one, or set TWILIO_ACCOUNT_SID"
            )
        sid: str = accounts[0]["sid"]
        log.debug("account.discovered", account_sid=sid)
        return sid

    def list(
        self,
        api: str,
        path: str,
        list_key: str,
        params: Mapping[str, Any] | None = None,
    ) -> list[dict]:
        """Every item of a collection, following every page."""
        return [
            item
            for page in self.raw_pages(api, path, list_key, params)
            for item in page()
        ]

    def pages(
        self,
        api: str,
        path: str,
        list_key: str,
        params: Mapping[str, Any] | None = None,
        page_size: int = wire.PAGE_SIZE,
    ) -> Iterator[list[dict]]:
        """A collection page by page, each requested only when the previous
        one has been consumed: a caller that stops early reads no more."""
        for page in self.raw_pages(api, path, list_key, params, page_size):
            yield page()

    def raw_pages(
        self,
        api: str,
        path: str,
        list_key: str,
        params: Mapping[str, Any] | None = None,
        page_size: int = wire.PAGE_SIZE,
    ) -> Iterator[Callable[[], list[dict]]]:
        """A collection page by page, each as a function that decodes it: the
        next page is asked for before this one is decoded (its URL is read
        from the raw body), so a caller can decode one while the next is read.
        """
        query = wire.encode_form({"PageSize": page_size, **(params or {})})
        url: str | None = self._url(api, path)
        base = self.settings.base_urls[api]
        seen: set[str] = set()
        while url is not None:
            seen.add(url)
            call = _Call("GET", url, query=query)
            response = self._send_with_retries(call)
            self._check(response)
            paging = wire.peek_next(response.content)
            body = self._json(response) if paging is None else None
            url = wire.next_page_url(body or paging or {}, base, DEFAULT_BASE_URLS[api])
            query = ()
            if url in seen:
                raise ApiError("GET", call.bare_url, 200, message="pagination loops")
            yield self._page(call, response, body, list_key, api, url)

    def _page(
        self,
        call: _Call,
        response: httpx.Response,
        body: dict | None,
        list_key: str,
        api: str,
        peeked: str | None,
    ) -> Callable[[], list[dict]]:
        def decode() -> list[dict]:
            page = self._json(response) if body is None else body
            if not isinstance(page.get(list_key), list):
                raise ApiError(
                    "GET", call.bare_url, 200, message=f"no {list_key!r} list"
                )
            base = self.settings.base_urls[api]
            actual = wire.next_page_url(page, base, DEFAULT_BASE_URLS[api])
            if body is None and actual != peeked:
                raise ApiError("GET", call.bare_url, 200, message="inconsistent paging")
            return page[list_key]

        return decode

    def fetch(
        self, api: str, path: str, params: Mapping[str, Any] | None = None
    ) -> dict:
        if not params:
            return self._json(self._get(api, path))
        call = _Call("GET", self._url(api, path), query=wire.encode_form(params))
        return self._json(self._send_with_retries(call))

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
        """One streamed GET, retried like any idempotent request while nothing
        has been written yet."""
        waited = 0.0
        for attempt in range(1, self._max_attempts + 1):
            with self._count_lock:
                self.request_count += 1
            path = urlsplit(str(request.url)).path
            try:
                response = self._http.send(request, stream=True)
            except httpx.TransportError as exc:
                log.debug("http.failed", method="GET", path=path, error=repr(exc))
                outcome = _Outcome(failure=exc)
            else:
                log.debug(
                    "http.response",
                    method="GET",
                    path=path,
                    status=response.status_code,
                )
                outcome = _Outcome(response=response)
                if not outcome.retryable:
                    return response
                response.read()
                response.close()
            delay = self._delay(attempt, outcome.response)
            if attempt == self._max_attempts or waited + delay > self._max_wait:
                break
            self._sleep(delay)
            waited += delay
        call = _Call("GET", str(request.url))
        raise self._give_up(call, outcome)

    def create(
        self,
        api: str,
        path: str,
        params: Mapping[str, Any],
        *,
        find_existing: Callable[[], dict | None] | None = None,
    ) -> dict:
        """POST a new object. After an ambiguous failure, find_existing() tells
        whether it landed (a dict) or not (None, and the POST is resent)."""
        call = _Call(
            "POST",
            self._url(api, path),
            body=urlencode(wire.encode_form(params)),
            idempotent=False,
            find_existing=find_existing,
        )
        result = self._send_with_retries(call)
        return result if isinstance(result, dict) else self._json(result)

    def update(self, api: str, path: str, params: Mapping[str, Any]) -> dict:
        """POST the full set of changed params: resending it is harmless."""
        call = _Call(
            "POST", self._url(api, path), body=urlencode(wire.encode_form(params))
        )
        return self._json(self._send_with_retries(call))

    def delete(self, api: str, path: str) -> None:
        call = _Call("DELETE", self._url(api, path))
        self._check(self._send_with_retries(call))

    def send_json(
        self,
        method: str,
        api: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        maybe_done_hint: str = _MAYBE_CREATED,
    ) -> dict:
        """A call to a JSON API (the gateway's control endpoints). A POST is
        never resent after an ambiguous failure: ``maybe_done_hint`` says what
        to check instead."""
        call = _Call(
            method,
            self._url(api, path),
            query=tuple((query or {}).items()),
            body=None if body is None else json.dumps(body),
            idempotent=method != "POST",
            content_type="application/json",
            maybe_done_hint=maybe_done_hint,
        )
        result = self._send_with_retries(call)
        # None: a retried DELETE found the object already gone.
        return {} if result is None else self._json(result)

    def _get(self, api: str, path: str) -> httpx.Response:
        return self._send_with_retries(_Call("GET", self._url(api, path)))

    def _send_with_retries(self, call: _Call) -> Any:
        """A response (or, for a recovered create, the found object)."""
        waited = throttled_wait = 0.0
        attempt = 0
        counted = False
        while True:
            attempt += 1
            if call.method == "GET":
                outcome = self._send_once(call)
            else:
                outcome = self._send_write(call, waited=throttled_wait > 0)
            if not outcome.retryable:
                return self._after_retried_delete(call, outcome.response, attempt)
            if not call.idempotent and outcome.ambiguous:
                # Never resent: the first request may still land.
                return self._recover_create(call, outcome)
            status = outcome.response.status_code if outcome.response else None
            delay = self._delay(attempt, outcome.response)
            if status == 429:
                asked = _retry_after(outcome.response)
                if throttled_wait + delay > self.max_retry_wait:
                    raise self._give_up(call, outcome, hint=self._too_long(asked))
                throttled_wait += delay
                if not counted:
                    counted = True
                    with self._count_lock:
                        self.retried_after_429 += 1
                if asked and self.on_wait is not None:
                    self.on_wait(delay, "Twilio asked to slow down (HTTP 429)")
            elif attempt >= self._max_attempts or waited + delay > self._max_wait:
                raise self._give_up(call, outcome)
            else:
                waited += delay
            log.warning(
                "http.retried",
                method=call.method,
                path=call.path,
                attempt=attempt,
                delay=round(delay, 3),
                status=status,
                error=type(outcome.failure).__name__ if outcome.failure else None,
            )
            self._sleep(delay)

    def interrupt(self) -> None:
        """Stop waiting (Retry-After, backoff) and send no write not yet sent:
        a signal asked the run to end. Requests in flight finish."""
        self._interrupted.set()

    def _interruptible(self, seconds: float) -> None:
        self._interrupted.wait(seconds)

    def _send_write(self, call: _Call, waited: bool) -> _Outcome:
        """One write, holding a slot of the write gate while it is in flight."""
        if self._interrupted.is_set():
            raise _not_sent(call)
        with self.writes.slot(waited) as slot:
            if self._interrupted.is_set():
                raise _not_sent(call)
            outcome = self._send_once(call)
            _report(slot, outcome)
            return outcome

    def _too_long(self, asked: float | None) -> str:
        limit = f"--max-retry-wait ({_seconds(self.max_retry_wait)})"
        if asked is not None and asked > self.max_retry_wait:
            return (
                f"Twilio asked to wait {_seconds(asked)} (Retry-After) before "
                f"trying again, longer than {limit}. Wait that long and apply "
                "again, or raise --max-retry-wait."
            )
        return (
            f"Twilio kept answering 429 (too many requests) for longer than "
            f"{limit}. Wait a few minutes and apply again; planning again shows "
            "what is left."
        )

    def _send_once(self, call: _Call) -> _Outcome:
        headers = {}
        if call.body is not None:
            headers["Content-Type"] = call.content_type
        start = time.monotonic()
        with self._count_lock:
            self.request_count += 1
        try:
            response = self._http.request(
                call.method,
                call.url,
                params=call.query or None,
                content=call.body,
                headers=headers,
            )
        except httpx.TransportError as exc:
            log.debug(
                "http.failed", method=call.method, path=call.path, error=repr(exc)
            )
            return _Outcome(failure=exc)
        ms = round((time.monotonic() - start) * 1000)
        log.debug(
            "http.response",
            method=call.method,
            path=call.path,
            status=response.status_code,
            ms=ms,
        )
        return _Outcome(response=response)

    def _recover_create(self, call: _Call, outcome: _Outcome) -> dict:
        """A create that may have reached Twilio is looked for, never resent.

        The original request may still be in Twilio's hands (a timeout says
        nothing about that), so it is looked for over a window as long as the
        client's timeout before its outcome is called unknown.
        """
        if call.find_existing is None:
            raise self._give_up(call, outcome, hint=call.maybe_done_hint)
        pause = self._timeout / _LOOKUPS
        for lookup in range(_LOOKUPS + 1):
            if lookup:
                self._sleep(pause)
            found = call.find_existing()
            if found is not None:
                log.info("http.create_recovered", path=call.path, sid=found.get("sid"))
                return found
        cause = self._give_up(call, outcome)
        raise OutcomeUnknown(
            call.method,
            call.bare_url,
            cause.status,
            cause.code,
            f"outcome unknown: {cause.message}",
            cause.more_info,
            f"The request may have reached Twilio, and the object did not appear "
            f"within {_seconds(self._timeout)}. It was not sent again, so it was "
            "not created twice. Wait a minute, then run `twilio-iac plan`: it "
            "shows whether it landed.",
        )

    def _after_retried_delete(
        self, call: _Call, response: httpx.Response | None, attempt: int
    ) -> httpx.Response | None:
        # A DELETE that failed ambiguously may have landed: the retry's 404
        # then means the object is gone, which is what was asked for.
        retried = call.method == "DELETE" and attempt > 1
        if retried and response is not None and response.status_code == 404:
            return None
        return response

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        retry_after = _retry_after(response)
        if retry_after is not None:
            return retry_after
        # Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"):
        # concurrent planner threads spread out instead of retrying in step.
        ceiling = min(_BACKOFF_CAP, _BACKOFF_BASE * 2 ** (attempt - 1))
        return self._random.uniform(0, ceiling)

    def _url(self, api: str, path: str) -> str:
        return self.settings.base_urls[api] + path

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
        self, call: _Call, outcome: _Outcome, hint: str | None = None
    ) -> ApiError:
        if outcome.response is not None:
            error = self._error(call.method, outcome.response, hint)
        else:
            error = _transport_error(call, outcome.failure, hint)
        return error

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


def _transport_error(
    call: _Call, failure: BaseException | None, hint: str | None
) -> TransportError:
    host = urlsplit(call.url).netloc
    kind = "timed out" if isinstance(failure, httpx.TimeoutException) else "failed"
    message = f"the connection to {host} {kind} ({type(failure).__name__})"
    advice = (
        f"Could not reach {host}: check the network, and the base URL "
        "(TWILIO_API_BASE_URL / TWILIO_VERIFY_BASE_URL) if you set one."
    )
    return TransportError(
        call.method, call.bare_url, None, message=message, hint=_join(hint, advice)
    )


def _not_sent(call: _Call) -> TransportError:
    return TransportError(
        call.method,
        call.bare_url,
        None,
        message="not sent: the run was interrupted while it waited its turn",
        hint="Nothing was changed by this request; apply again to finish.",
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
    """Retry-After in seconds (a number or an HTTP date), if the response has one."""
    value = response.headers.get("Retry-After", "").strip() if response else ""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _seconds(value: float) -> str:
    if value >= 120 and value % 60 == 0:
        return f"{value / 60:g} min"
    return f"{value:g} s"


def _join(first: str | None, second: str) -> str:
    return f"{first}\n  {second}" if first else second
