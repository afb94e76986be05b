"""Run a dependency graph of steps on a bounded pool of threads.

A step starts once every step it needs is done, lowest plan position first
(so with one worker the order is plan order). A failed step skips everything
that waits for it, directly or not; independent steps keep running. stop()
(a signal, or --fail-fast after a failure) stops launching and lets the steps
in flight finish.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum
from typing import Any

import structlog

from twilio_iac.reconcile.graph import Graph, Step

log = structlog.get_logger(__name__)


class Status(Enum):
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"  # a step it needs failed
    NOT_STARTED = "not started"  # stopped before its turn


@dataclass(frozen=True)
class Outcome:
    step: Step
    status: Status
    result: Any = None  # what the step returned (a created SID, say)
    error: Exception | None = None
    because: Step | None = None  # for a skipped step: the failure it waited for


# Wake the scheduler this often, so a signal handler's stop() is seen soon.
_TICK = 0.2


class Executor:
    def __init__(
        self,
        graph: Graph,
        run: Callable[[Step], Any],
        workers: int,
        *,
        fail_fast: bool = False,
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> None:
        self.graph = graph
        self._run = run
        self._workers = max(1, workers)
        self._fail_fast = fail_fast
        self._on_outcome = on_outcome or (lambda _outcome: None)
        self._cond = threading.Condition()
        self._stopping = False
        self.outcomes: dict[int, Outcome] = {}

    def stop(self) -> None:
        """Launch nothing more; steps in flight finish. Safe in a signal
        handler: it takes no lock (the scheduler wakes every tick)."""
        self._stopping = True

    def run(self) -> list[Outcome]:
        """Every step's outcome, in plan order."""
        steps = self.graph.steps
        self._waiting = [len(needs) for needs in self.graph.needs]
        self._dependents = self.graph.dependents()
        self._ready = [i for i, n in enumerate(self._waiting) if n == 0]
        heapq.heapify(self._ready)
        self._running = 0
        with ThreadPoolExecutor(self._workers, "apply") as pool, self._cond:
            while True:
                while self._ready and self._running < self._workers:
                    if self._stopping:
                        break
                    self._running += 1
                    pool.submit(self._work, steps[heapq.heappop(self._ready)])
                if self._running == 0 and (self._stopping or not self._ready):
                    break
                self._cond.wait(timeout=_TICK)
        for step in steps:
            if step.index not in self.outcomes:
                # Not reported one by one: the final report lists them.
                self.outcomes[step.index] = Outcome(step, Status.NOT_STARTED)
        return [self.outcomes[step.index] for step in steps]

    def _work(self, step: Step) -> None:
        try:
            result = self._run(step)
        except Exception as exc:  # noqa: BLE001 - reported as the step's failure
            outcome = Outcome(step, Status.FAILED, error=exc)
        else:
            outcome = Outcome(step, Status.DONE, result)
        with self._cond:
            try:
                self._record(outcome)
                if outcome.status is Status.DONE:
                    for index in self._dependents[step.index]:
                        self._waiting[index] -= 1
                        if self._waiting[index] == 0:
                            heapq.heappush(self._ready, index)
                else:
                    self._skip_after(step)
                    if self._fail_fast:
                        self._stopping = True
            finally:
                # Whatever happened, the scheduler must not wait for this step.
                self._running -= 1
                self._cond.notify_all()

    def _skip_after(self, failed: Step) -> None:
        todo = list(self._dependents[failed.index])
        while todo:
            index = todo.pop()
            if index in self.outcomes:
                continue
            self._record(
                Outcome(self.graph.steps[index], Status.SKIPPED, because=failed)
            )
            todo += self._dependents[index]

    def _record(self, outcome: Outcome) -> None:
        self.outcomes[outcome.step.index] = outcome
        try:
            self._on_outcome(outcome)
        except Exception:  # noqa: BLE001 - progress output must not stop apply
            log.warning("progress.failed", step=outcome.step.label, exc_info=True)
