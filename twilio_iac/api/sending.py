"""Sending a request until it has an answer, apart from any HTTP library:
the retry loop (retry.py decides), writes held by the AIMD write gate
(throttle.py), create recovery (recovery.py), and interruption by a signal.
client.py supplies one attempt (``_send_once``) and the error mapping.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import structlog

from twilio_iac.api import failures, recovery
from twilio_iac.api.call import Call
from twilio_iac.api.retry import Policy, Retries, Step
from twilio_iac.api.throttle import Slot, WriteGate
from twilio_iac.errors import ApiError, WrongAccount

log = structlog.get_logger(__name__)


class Outcome(Protocol):
    """How one attempt ended: a response (``status``) or a failure."""

    @property
    def response(self) -> Any: ...
    @property
    def failure(self) -> BaseException | None: ...
    @property
    def status(self) -> int | None: ...
    @property
    def retry_after(self) -> float | None: ...
    @property
    def retryable(self) -> bool: ...
    @property
    def ambiguous(self) -> bool: ...


class Sending:
    """The retrying half of TwilioClient: thread-safe, one loop for every send."""

    def __init__(
        self,
        sleep: Callable[[float], None],
        max_attempts: int,
        max_wait: float,
        timeout: float,
        max_retry_wait: float,
    ) -> None:
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
        self._count_lock = threading.Lock()
        # Set when an answer came from another account than the target's:
        # no write is sent after that.
        self.stopped_by: WrongAccount | None = None

    def _send_once(self, call: Call) -> Outcome:
        raise NotImplementedError

    def _give_up(
        self, call: Call, outcome: Outcome, hint: str | None = None
    ) -> ApiError:
        raise NotImplementedError

    def interrupt(self) -> None:
        """Stop waiting (Retry-After, backoff) and send no write not yet sent:
        a signal asked the run to end. Requests in flight finish."""
        self._interrupted.set()

    def _interruptible(self, seconds: float) -> None:
        self._interrupted.wait(seconds)

    def _send_with_retries(
        self, call: Call, send: Callable[[], Outcome] | None = None
    ) -> Any:
        """A response (or, for a recovered create, the found object).
        ``send`` makes one attempt; by default, one plain request."""
        retries = Retries(self._policy())
        while True:
            attempt = retries.begin()
            outcome = send() if send is not None else self._attempt(call, retries)
            if not outcome.retryable:
                return _after_retried_delete(call, outcome, attempt)
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

    def _attempt(self, call: Call, retries: Retries) -> Outcome:
        if call.method == "GET":
            return self._send_once(call)
        return self._send_write(call, waited=retries.throttled)

    def _before_retry(
        self, call: Call, outcome: Outcome, step: Step, attempt: int
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

    def _send_write(self, call: Call, waited: bool) -> Outcome:
        """One write, holding a slot of the write gate while it is in flight."""
        self._refuse_if_stopped(call)
        with self.writes.slot(waited) as slot:
            self._refuse_if_stopped(call)
            outcome = self._send_once(call)
            _report(slot, outcome)
            return outcome

    def _refuse_if_stopped(self, call: Call) -> None:
        if self._interrupted.is_set():
            raise failures.not_sent(call)
        if self.stopped_by is not None:
            raise failures.stopped(call, self.stopped_by)

    def _count(self) -> None:
        with self._count_lock:
            self.request_count += 1

    def _recover_create(self, call: Call, outcome: Outcome) -> dict:
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


def _after_retried_delete(call: Call, outcome: Outcome, attempt: int) -> Any:
    # A DELETE that failed ambiguously may have landed: the retry's 404
    # then means the object is gone, which is what was asked for.
    retried = call.method == "DELETE" and attempt > 1
    if retried and outcome.status == 404:
        return None
    return outcome.response


def _report(slot: Slot, outcome: Outcome) -> None:
    status = outcome.status
    if status == 429:
        slot.throttled(outcome.retry_after)
    elif status is not None and 200 <= status < 300:
        slot.succeeded()
