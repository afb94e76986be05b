"""WriteGate: how many writes may be in flight, adapted to Twilio's 429s (AIMD).

A 429 halves the limit (once per burst: 429s from requests sent before the
last halving do not halve again); successes grow it back by one per round
(one per write the limit allows, as TCP's congestion avoidance does) up to the
ceiling; and a Retry-After holds every new write until it has passed, so a
429 storm never turns into a retry storm. Growing by one per single success
would be back at the ceiling within one round trip and hit the limit again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class WriteGate:
    def __init__(
        self,
        ceiling: int = 10,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._cond = threading.Condition()
        self._clock = clock
        self._sleep = sleep
        self.ceiling = max(1, ceiling)
        self.limit = self.ceiling
        self.in_flight = 0
        self.peak = 0  # most writes ever in flight at once
        self.lowest = self.ceiling  # lowest limit reached (after 429s)
        self._epoch = 0
        self._successes = 0  # since the limit last grew
        self._paused_until = 0.0

    def reset(self, ceiling: int) -> None:
        with self._cond:
            self.ceiling = self.limit = self.lowest = max(1, ceiling)
            self.peak = 0
            self._cond.notify_all()

    @contextmanager
    def slot(self, waited: bool = False) -> Iterator[Slot]:
        """Hold one of the write slots while a write request is in flight.
        ``waited``: this request already slept the Retry-After it was given."""
        if not waited:
            with self._cond:
                pause = self._paused_until - self._clock()
            if pause > 0:
                self._sleep(pause)  # Twilio asked everyone to wait
        with self._cond:
            while self.in_flight >= self.limit:
                self._cond.wait()
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            slot = Slot(self, self._epoch)
        try:
            yield slot
        finally:
            with self._cond:
                self.in_flight -= 1
                self._cond.notify_all()

    def _throttled(self, epoch: int, retry_after: float | None) -> None:
        with self._cond:
            if epoch == self._epoch:
                self.limit = max(1, self.limit // 2)
                self._successes = 0
                self.lowest = min(self.lowest, self.limit)
                self._epoch += 1
            if retry_after:
                until = self._clock() + retry_after
                self._paused_until = max(self._paused_until, until)
            self._cond.notify_all()

    def _succeeded(self) -> None:
        with self._cond:
            if self.limit >= self.ceiling:
                return
            self._successes += 1
            if self._successes >= self.limit:
                self._successes = 0
                self.limit += 1
                self._cond.notify_all()


class Slot:
    """One write in flight; tells the gate how Twilio answered it."""

    def __init__(self, gate: WriteGate, epoch: int) -> None:
        self._gate = gate
        self._epoch = epoch

    def throttled(self, retry_after: float | None) -> None:
        self._gate._throttled(self._epoch, retry_after)

    def succeeded(self) -> None:
        self._gate._succeeded()
