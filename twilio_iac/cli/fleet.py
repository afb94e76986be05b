"""validate, plan and apply --fleet FILE: the reconciler's verbs over many
accounts, one call each into reconcile/fleet.py, rendered by render/fleet.py."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click

from twilio_iac.cli import apply_run
from twilio_iac.cli.context import Options, colour, command, confirm
from twilio_iac.cli.session import fleet_connect
from twilio_iac.errors import ConfigError
from twilio_iac.manifests import fleet as fleet_file
from twilio_iac.reconcile import fleet, fleet_apply, fleet_saved, run
from twilio_iac.render import fleet as render


@dataclass(frozen=True)
class Selection:
    file: Path
    only: str | None
    shard: str | None

    def accounts(self) -> tuple[fleet_file.Account, ...]:
        loaded = fleet_file.load(self.file)
        shard = fleet_file.parse_shard(self.shard) if self.shard else None
        return fleet_file.select(loaded.accounts, self.only, shard)


def check_flags(options: Options, paths: tuple[Path, ...], **used: object) -> None:
    """--fleet names the accounts and their manifests: nothing else may."""
    if paths:
        raise click.UsageError("--fleet FILE names the manifests; give no PATHs.")
    if options.account_sid:
        raise click.UsageError(
            "--account-sid and --fleet: the fleet file names the accounts."
        )
    for flag, value in used.items():
        if value:
            raise click.UsageError(f"{flag} does not apply to --fleet.")


def validate(selection: Selection) -> None:
    accounts = selection.accounts()
    env = dict(os.environ)
    fleet.load(accounts, env, unset_ok=True)
    click.echo(
        f"Valid: {selection.file}, {len(accounts)} account"
        f"{'s' if len(accounts) != 1 else ''}."
    )


def plan(
    ctx: click.Context,
    options: Options,
    selection: Selection,
    made: run.PlanOptions,
    parallelism: int,
    output: str,
    out: Path | None,
    detailed_exitcode: bool,
) -> None:
    accounts = selection.accounts()
    if out is not None:
        fleet_saved.check_out(out)  # before anything is sent
    with (
        fleet_connect(options.sandbox, parallelism) as connect,
        _progress(len(accounts), "planned") as tick,
    ):
        planned = fleet.plan(accounts, connect, made, parallelism, tick)
    if out is not None:
        fleet_saved.write(out, planned, str(selection.file))
        click.echo(
            f"Saved the fleet's plan to {out}; apply exactly it with: "
            f"{command(options)} apply {out}",
            err=True,
        )
    click.echo(_render(planned, output), nl=False)
    if planned.failed:
        ctx.exit(1)
    if detailed_exitcode and planned.changed:
        ctx.exit(2)


def _render(planned: fleet.FleetPlan, output: str) -> str:
    if output == "json":
        return render.as_json(planned)
    if output == "markdown":
        return render.markdown(planned)
    return render.text(planned, colour=colour())


def apply(
    options: Options,
    selection: Selection | None,
    saved: Path | None,
    made: run.PlanOptions,
    choices: run.ApplyOptions,
    allow_close: bool,
    auto_approve: bool,
) -> None:
    parallelism = choices.parallelism
    with (
        fleet_connect(options.sandbox, parallelism) as connect,
        _reviewed(selection, saved, connect, made, parallelism) as planned,
    ):
        click.echo(render.text(planned, colour=colour()), nl=False)
        if not planned.changed:
            _exit_if_failed(planned.failed)
            return
        fleet_apply.check_safe(planned, choices, allow_close)
        if not auto_approve:
            confirm(
                "Apply these changes to the fleet's accounts?",
                "Refusing to apply without confirmation: standard input is "
                "not a terminal. Review the plan above and rerun with "
                "--auto-approve to apply it unattended.",
            )
        todo = sum(a.changed and a.error is None for a in planned.accounts)
        results, received = _apply_watched(planned, choices, allow_close, todo)
    click.echo("\n" + render.apply_report(results), nl=False)
    if received:
        sys.exit(apply_run._EXIT.get(received[0], 1))
    _exit_if_failed(planned.failed, [r for r in results if not r.ok])


def _apply_watched(
    planned: fleet.FleetPlan,
    choices: run.ApplyOptions,
    allow_close: bool,
    todo: int,
) -> tuple[list[fleet_apply.AccountResult], list[str]]:
    """SIGINT/SIGTERM stop every account from starting new changes (those in
    flight finish); a second one aborts at once, as for one account."""
    stop = run.Stop()
    received: list[str] = []
    previous = apply_run._trap_signals(apply_run._on_signal(stop, received))
    try:
        with _progress(todo, "applied") as tick:
            results = fleet_apply.apply(planned, choices, allow_close, tick, stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return results, received


@contextmanager
def _reviewed(
    selection: Selection | None,
    saved: Path | None,
    connect: fleet.FleetConnect,
    made: run.PlanOptions,
    parallelism: int,
) -> Iterator[fleet.FleetPlan]:
    if saved is not None:
        with fleet_saved.review(saved, connect, parallelism) as planned:
            yield planned
        return
    assert selection is not None
    accounts = selection.accounts()
    with (
        _progress(len(accounts), "planned") as tick,
        fleet.review(accounts, connect, made, parallelism, tick) as planned,
    ):
        tick.close()
        yield planned


def _exit_if_failed(*groups: list) -> None:
    names = [item.name for group in groups for item in group]
    if names:
        click.echo(
            f"Failed: {', '.join(dict.fromkeys(names))}. The other accounts were "
            "not held back; fix these and run again.",
            err=True,
        )
        sys.exit(1)


class _Progress:
    """Accounts done out of total and an ETA, on stderr, on a terminal only."""

    def __init__(self, total: int, verb: str) -> None:
        self._total, self._verb = total, verb
        self._done = 0
        self._start = time.monotonic()
        self._lock = threading.Lock()
        self._live = sys.stderr.isatty() and total > 1
        self._closed = False

    def __call__(self, _account: object) -> None:
        with self._lock:
            self._done += 1
            if not self._live or self._closed:
                return
            elapsed = time.monotonic() - self._start
            eta = elapsed / self._done * (self._total - self._done)
            click.echo(
                f"\r{self._done}/{self._total} accounts {self._verb}, ETA {eta:.0f}s  ",
                err=True,
                nl=False,
            )

    def close(self) -> None:
        with self._lock:
            if self._live and not self._closed and self._done:
                click.echo("\r\033[K", err=True, nl=False)
            self._closed = True


@contextmanager
def _progress(total: int, verb: str) -> Iterator[_Progress]:
    progress = _Progress(total, verb)
    try:
        yield progress
    finally:
        progress.close()


def refuse_saved_flags(path: Path, **used: object) -> None:
    for flag, value in used.items():
        if value:
            raise ConfigError(
                f"{flag} changes how a plan is made, and {path} is a fleet plan "
                "already made: it is applied exactly as reviewed. Nothing was sent."
            )
