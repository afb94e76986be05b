"""On a terminal, apply's live line runs below a record that stays: one line
per finished change in the scrollback, and no progress line left at the end."""

from __future__ import annotations

import io

from twilio_iac.reconcile.executor import Outcome, Status
from twilio_iac.reconcile.graph import Step
from twilio_iac.reconcile.plan import Create, Update
from twilio_iac.render.apply import Progress


def _screen(written: str) -> list[str]:
    """What a terminal shows once ``written`` is printed: \r returns to the
    line's start, ESC [K erases from the cursor to the end of the line."""
    lines, row, col = [], "", 0
    i = 0
    while i < len(written):
        if written.startswith("\033[K", i):
            row, i = row[:col], i + 3
            continue
        char = written[i]
        if char == "\n":
            lines.append(row)
            row, col = "", 0
        elif char == "\r":
            col = 0
        else:
            row = row[:col] + char + row[col + 1 :]
            col += 1
        i += 1
    return [line for line in [*lines, row] if line]


def _outcomes() -> list[Outcome]:
    changes = [
        Create("queues", "support", None),
        Update("applications", "ivr", "AP" + "0" * 32),
        Create("queues", "overflow", None),
    ]
    steps = [Step(i, "write", c) for i, c in enumerate(changes)]
    return [
        Outcome(steps[0], Status.DONE, result="QU" + "1" * 32),
        Outcome(steps[1], Status.FAILED, error=RuntimeError("boom")),
        Outcome(steps[2], Status.SKIPPED, because=steps[1]),
    ]


def test_every_change_stays_in_the_scrollback_and_the_bar_goes():
    out = io.StringIO()
    progress = Progress(3, live=True, out=out, clock=lambda: 0.0)
    for outcome in _outcomes():
        progress(outcome)
    progress.close()
    screen = _screen(out.getvalue())
    assert len(screen) == 3, screen  # one line per change, no progress line
    assert screen[0].endswith('create queues "support" → QU' + "1" * 32)
    assert screen[1].endswith('update applications "ivr" failed: boom')
    assert 'create queues "overflow" skipped' in screen[2]


def test_piped_output_is_the_same_record():
    out = io.StringIO()
    progress = Progress(3, live=False, out=out)
    for outcome in _outcomes():
        progress(outcome)
    progress.close()
    assert len(out.getvalue().splitlines()) == 3
