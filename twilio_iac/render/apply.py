"""Apply's output: a line per finished step (or a live progress line on a
terminal) and the final report, in plan order so two runs of one plan read
the same."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

import click

from twilio_iac.errors import ApiError
from twilio_iac.reconcile.executor import Outcome, Status
from twilio_iac.reconcile.report import ApplyReport

_MARKS = {
    Status.DONE: "✓",
    Status.FAILED: "✗",
    Status.SKIPPED: "-",
    Status.NOT_STARTED: "·",
}
_COLOURS = {Status.DONE: "green", Status.FAILED: "red", Status.SKIPPED: "yellow"}


def line(outcome: Outcome) -> str:
    """One finished step, e.g. `✓ create applications "ivr" → AP…`."""
    text = f"{_MARKS[outcome.status]} {outcome.step.label}"
    if outcome.status is Status.DONE and outcome.result:
        text += f" → {outcome.result}"
    elif outcome.status is Status.FAILED and outcome.error is not None:
        text += f" failed: {_headline(outcome.error)}"
    elif outcome.status is Status.SKIPPED and outcome.because is not None:
        text += f" skipped: it needs {outcome.because.label}, which failed"
    return text


def _headline(error: Exception) -> str:
    if isinstance(error, ApiError):
        status = f"HTTP {error.status}" if error.status else "no response"
        code = f", Twilio error {error.code}" if error.code else ""
        return f"{status}{code}: {error.message}"
    return str(error).splitlines()[0]


def retries(count: int) -> str:
    noun = "request" if count == 1 else "requests"
    return f"{count} {noun} retried after 429 (Twilio asked to slow down)"


def report(result: ApplyReport, colour: bool = False) -> str:
    """The final summary: what was done, failed, skipped and never started."""
    notes = _notes(result)
    if result.ok and result.signal is None:
        head = f"Apply complete: {len(result.outcomes)} change(s) made."
        return "\n".join([_paint(head, "green", colour), *notes]) + "\n"
    lines = _interrupted(result)
    lines.append(_paint(_problem_head(result), "red", colour))
    lines += notes
    lines += _section("Done", result.done, colour)
    lines += _failed(result.failed, colour)
    lines += _skipped(result.skipped)
    lines += _section("Never started", result.not_started, colour)
    if result.duplicates:
        lines += ["", _duplicates(result)]
    if result.leftovers:
        lines += ["", _leftovers(result)]
    if len(result.done) < len(result.outcomes):
        lines += ["", _next_step(result)]
    return "\n".join(lines) + "\n"


def _notes(result: ApplyReport) -> list[str]:
    if not result.retried_after_429:
        return []
    note = retries(result.retried_after_429)
    if result.lowest_parallelism is not None:
        note += f"; writes in flight went down to {result.lowest_parallelism}"
    return [note + "."]


def _interrupted(result: ApplyReport) -> list[str]:
    if not result.signal:
        return []
    return [
        f"Apply interrupted ({result.signal}): no new change was started after "
        "the signal; the ones in flight finished."
    ]


def _problem_head(result: ApplyReport) -> str:
    total = len(result.outcomes)
    if len(result.done) == total and result.duplicates:
        return f"Apply made all {total} change(s), but some objects now exist twice."
    counts = ", ".join(
        f"{len(result.having(s))} {s.value}" for s in Status if result.having(s)
    )
    return f"Apply finished with problems: {counts}."


def _failed(outcomes: list[Outcome], colour: bool) -> list[str]:
    if not outcomes:
        return []
    lines = ["", f"Failed ({len(outcomes)}):"]
    for outcome in outcomes:
        lines.append("  " + _paint(f"✗ {outcome.step.label}", "red", colour))
        lines += ["      " + text for text in str(outcome.error).splitlines()]
    return lines


def _skipped(outcomes: list[Outcome]) -> list[str]:
    if not outcomes:
        return []
    lines = ["", f"Skipped because a change they need failed ({len(outcomes)}):"]
    for outcome in outcomes:
        because = outcome.because.label if outcome.because else "?"
        lines.append(f"  - {outcome.step.label} (needs: {because})")
    return lines


def _section(title: str, outcomes: list[Outcome], colour: bool) -> list[str]:
    if not outcomes:
        return []
    return ["", f"{title} ({len(outcomes)}):"] + [
        "  " + _paint(line(o), _COLOURS.get(o.status), colour) for o in outcomes
    ]


def _duplicates(result: ApplyReport) -> str:
    lines = [
        "Duplicates: another apply probably ran at the same time, so these "
        "objects now exist more than once:"
    ]
    for dup in result.duplicates:
        others = ", ".join(s for s in dup.sids if s != dup.ours)
        lines.append(
            f'  ! {dup.kind} "{dup.name}": {", ".join(dup.sids)} '
            f"(this apply created {dup.ours}; also {others})"
        )
    lines.append(
        "  Run `twilio-iac plan --dedupe` to review deleting the newer copies that "
        "nothing uses, then apply with --dedupe."
    )
    return "\n".join(lines)


def _leftovers(result: ApplyReport) -> str:
    lines = [
        "Copies left behind by an interrupted replace: the old copy's delete "
        "did not run, so these objects exist twice for now:"
    ]
    for dup in result.leftovers:
        lines.append(f'  ! {dup.kind} "{dup.name}": old {dup.replaced}, new {dup.ours}')
    lines.append(
        "  The next `twilio-iac plan` finishes these replaces: it re-points what "
        "still uses the old copy, then deletes it."
    )
    return "\n".join(lines)


def _next_step(result: ApplyReport) -> str:
    if any(
        o.error is not None and "outcome unknown" in str(o.error) for o in result.failed
    ):
        return (
            "Some creates have an unknown outcome: wait a minute, then run "
            "`twilio-iac plan` to see what landed and what is left, and apply again."
        )
    return "Run `twilio-iac plan` to see the remaining work, then apply again."


def _paint(text: str, fg: str | None, colour: bool) -> str:
    return click.style(text, fg=fg) if colour and fg else text


class Progress:
    """Steps as they finish, a line each; on a terminal also one live line
    below them while the run lasts (counts, ETA, and a countdown while Twilio
    asked us to wait), erased at the end."""

    def __init__(
        self,
        total: int,
        live: bool,
        colour: bool = False,
        out: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.live = live
        self.colour = colour
        self._out = out or sys.stdout
        self._clock = clock
        self._start = clock()
        self._counts = dict.fromkeys(Status, 0)
        self._resume_at = 0.0
        self._lock = threading.Lock()
        self._ticker: threading.Thread | None = None
        self._closed = threading.Event()
        if live:
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()

    def __call__(self, outcome: Outcome) -> None:
        with self._lock:
            self._counts[outcome.status] += 1
            if not self.live:
                self._write(line(outcome) + "\n")
                return
            # Every change leaves its line in the scrollback, above the live
            # line, which is redrawn under it: the record outlives the run.
            colour = _COLOURS.get(outcome.status)
            self._write("\r\033[K" + _paint(line(outcome), colour, self.colour) + "\n")
            self._draw()

    def waiting(self, seconds: float, reason: str) -> None:
        """Twilio asked us to wait (Retry-After) before going on."""
        with self._lock:
            until = self._clock() + seconds
            # One line per wait, not per request told to wait.
            news = until > self._resume_at + 1
            self._resume_at = max(self._resume_at, until)
            if news and not self.live:
                self._write(f"… {reason}: waiting {seconds:g} s before retrying\n")

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            if self.live:
                self._write("\r\033[K")  # the live line goes; the record stays

    def _tick(self) -> None:
        while not self._closed.wait(0.5):
            with self._lock:
                self._draw()

    def _draw(self) -> None:
        finished = sum(self._counts.values())
        parts = [f"{self._counts[Status.DONE]}/{self.total} done"]
        for status in (Status.FAILED, Status.SKIPPED):
            if self._counts[status]:
                parts.append(f"{self._counts[status]} {status.value}")
        now = self._clock()
        if self._resume_at > now:
            parts.append(
                f"Twilio asked to wait: resuming in {self._resume_at - now:.0f} s"
            )
        elif finished and finished < self.total:
            rate = finished / max(now - self._start, 1e-6)
            parts.append(f"ETA {(self.total - finished) / rate:.0f} s")
        self._write("\r\033[K" + " · ".join(parts))

    def _write(self, text: str) -> None:
        self._out.write(text)
        self._out.flush()
