"""When to resend a request and how long to wait first, apart from any HTTP
library: the client reports each failed attempt's status and Retry-After, and
the retry state answers wait (how long) or give up (with what advice).

429s are retried for as long as Twilio asks, up to max_retry_wait in total;
other failures (5xx, transport errors) up to max_attempts and max_wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

DEFAULT_MAX_RETRY_WAIT = 300.0
_BACKOFF_BASE = 0.5
_BACKOFF_CAP = 8.0


@dataclass(frozen=True)
class Policy:
    max_attempts: int
    max_wait: float
    max_retry_wait: float
    uniform: Callable[[float, float], float]  # a random.Random's, for jitter

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        # Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"):
        # concurrent planner threads spread out instead of retrying in step.
        ceiling = min(_BACKOFF_CAP, _BACKOFF_BASE * 2 ** (attempt - 1))
        return self.uniform(0, ceiling)


@dataclass(frozen=True)
class Step:
    """What to do after a failed attempt that may be retried."""

    delay: float
    give_up: bool = False
    hint: str | None = None
    first_throttle: bool = False  # this request's first 429: count it once
    asked: bool = False  # Twilio named the wait (a 429's Retry-After)


class Retries:
    """The retries of one request: its attempts and what it has waited."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.attempt = 0
        self._waited = 0.0
        self._throttled_wait = 0.0
        self._counted = False

    @property
    def throttled(self) -> bool:
        """This request already slept a wait a 429 asked for."""
        return self._throttled_wait > 0

    def begin(self) -> int:
        self.attempt += 1
        return self.attempt

    def after(self, status: int | None, retry_after: float | None) -> Step:
        delay = self.policy.delay(self.attempt, retry_after)
        if status == 429:
            return self._after_429(delay, retry_after)
        out_of_attempts = self.attempt >= self.policy.max_attempts
        if out_of_attempts or self._waited + delay > self.policy.max_wait:
            return Step(delay, give_up=True)
        self._waited += delay
        return Step(delay)

    def _after_429(self, delay: float, asked: float | None) -> Step:
        limit = self.policy.max_retry_wait
        if self._throttled_wait + delay > limit:
            return Step(delay, give_up=True, hint=too_long(asked, limit))
        first, self._counted = not self._counted, True
        self._throttled_wait += delay
        return Step(delay, first_throttle=first, asked=bool(asked))


def too_long(asked: float | None, limit: float) -> str:
    flag = f"--max-retry-wait ({seconds(limit)})"
    if asked is not None and asked > limit:
        return (
            f"Twilio asked to wait {seconds(asked)} (Retry-After) before "
            f"trying again, longer than {flag}. Wait that long and apply "
            "again, or raise --max-retry-wait."
        )
    return (
        f"Twilio kept answering 429 (too many requests) for longer than "
        f"{flag}. Wait a few minutes and apply again; planning again shows "
        "what is left."
    )


def parse_retry_after(value: str) -> float | None:
    """Retry-After in seconds (a number or an HTTP date), or None."""
    value = value.strip()
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


def seconds(value: float) -> str:
    if value >= 120 and value % 60 == 0:
        return f"{value / 60:g} min"
    return f"{value:g} s"
