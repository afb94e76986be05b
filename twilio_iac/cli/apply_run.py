"""Apply's run from the CLI: progress on the terminal, SIGINT/SIGTERM handled,
the report printed and turned into the exit status."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

import click

from twilio_iac.cli.context import colour
from twilio_iac.reconcile import applier
from twilio_iac.reconcile import run as reconcile_run
from twilio_iac.reconcile.report import ApplyReport
from twilio_iac.render import apply as apply_render

_EXIT = {"SIGINT": 130, "SIGTERM": 143}


def finish(report: ApplyReport) -> None:
    # A report with problems is the error: stderr, as every error.
    failed = not report.ok or report.signal is not None
    text = apply_render.report(report, colour=colour() and not failed)
    click.echo("\n" + text, nl=False, err=failed)
    if report.signal:
        sys.exit(_EXIT[report.signal])
    if not report.ok:
        sys.exit(1)


def run(
    pending: reconcile_run.Pending, choices: reconcile_run.ApplyOptions
) -> ApplyReport:
    """Apply with a progress display; SIGINT/SIGTERM stop launching new
    changes, a second one aborts at once."""
    progress = apply_render.Progress(
        len(applier.steps(pending.plan)), live=colour(), colour=colour()
    )
    stop = reconcile_run.Stop()
    received: list[str] = []
    previous = _trap_signals(_on_signal(stop, received))
    try:
        report = reconcile_run.apply(
            pending, choices, on_outcome=progress, on_wait=progress.waiting, stop=stop
        )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        progress.close()
    report.signal = received[0] if received else None
    return report


def _on_signal(
    stop: reconcile_run.Stop, received: list[str]
) -> Callable[[int, FrameType | None], None]:
    """The first signal stops new changes; a second one exits at once."""

    def handle(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if received:
            click.echo(f"\n{name} again: aborting now.", err=True)
            sys.stdout.flush()
            # Threads may be mid-request; leaving at once is what was asked.
            os._exit(_EXIT.get(name, 1))
        received.append(name)
        click.echo(
            f"\n{name}: starting no new change; waiting for those in flight "
            "(send it again to abort).",
            err=True,
        )
        stop()

    return handle


def _trap_signals(
    handler: Callable[[int, FrameType | None], None],
) -> dict[signal.Signals, Any]:
    """Install ``handler`` for SIGINT/SIGTERM; returns the handlers it replaced."""
    # Handlers can only be set from the main thread (not when embedded).
    main = threading.current_thread() is threading.main_thread()
    return {
        sig: signal.signal(sig, handler)
        for sig in ((signal.SIGINT, signal.SIGTERM) if main else ())
    }
