"""plan and apply, one call each: what the CLI calls, and what a fleet calls
once per account, several at once.

Nothing here prints, prompts or reads the environment: credentials come as a
``Connect``, the manifests' variables as ``PlanOptions.env``, and progress
goes to callbacks. Between ``review`` and ``apply`` the caller shows the plan
and asks, with the client kept open so that apply writes through the session
that read live state.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from twilio_iac.api.retry import DEFAULT_MAX_RETRY_WAIT
from twilio_iac.manifests import desired
from twilio_iac.manifests.collector import paused_gc
from twilio_iac.reconcile import applier, prefetch, saved, target
from twilio_iac.reconcile.executor import Outcome
from twilio_iac.reconcile.plan import Plan
from twilio_iac.reconcile.report import ApplyReport
from twilio_iac.reconcile.target import Connect
from twilio_iac.reconcile.workflow import check_fresh

if TYPE_CHECKING:  # the client (and httpx) only for the verbs that talk
    from twilio_iac.api.client import TwilioClient


@dataclass(frozen=True)
class PlanOptions:
    env: Mapping[str, str]  # what the manifests' ${VAR}s read
    account_sid: str | None = None  # --account-sid: wins over the manifests'
    kinds: tuple[str, ...] | None = None  # --kinds; None: every kind
    dedupe: bool = False
    read_ahead: bool = False


@dataclass(frozen=True)
class ApplyOptions:
    allow_release: bool = False
    force: bool = False
    parallelism: int = applier.DEFAULT_PARALLELISM
    fail_fast: bool = False
    max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT


@dataclass(frozen=True)
class Planned:
    plan: Plan
    files: tuple[str, ...]  # the manifests read; () for a saved plan


@dataclass(frozen=True)
class Pending(Planned):
    """A plan awaiting its go-ahead, and the open client that applies it."""

    client: TwilioClient


def plan(paths: Sequence[Path], connect: Connect, options: PlanOptions) -> Planned:
    """The plan of the manifests at ``paths``."""
    with _planning(paths, connect, options) as pending:
        return Planned(pending.plan, pending.files)


@contextmanager
def review(
    paths: Sequence[Path], connect: Connect, options: PlanOptions
) -> Iterator[Pending]:
    """What apply will do: the plan of the manifests, or the one saved plan
    ``paths`` name, checked still fresh against live state."""
    found = saved.find(paths)
    if found is None:
        with _planning(paths, connect, options) as pending:
            yield pending
        return
    path, stored = found
    saved.check_flags(path, stored, options.kinds, options.dedupe, options.read_ahead)
    with target.connected(connect, options.account_sid, stored.account_sid) as c:
        yield Pending(check_fresh(stored, c), (), c)


@contextmanager
def _planning(
    paths: Sequence[Path], connect: Connect, options: PlanOptions
) -> Iterator[Pending]:
    # By default nothing is sent until the manifests are known valid, so a
    # broken manifest costs no request at all; --read-ahead trades that for
    # reading live state while they load, when their kinds and account can
    # be told beforehand.
    kinds, dedupe = options.kinds, options.dedupe
    with ExitStack() as client_open:
        # The collector is paused from the first manifest read to the plan
        # (manifests/collector.py), not while the caller shows or applies it.
        with paused_gc():
            made, client = None, None
            hint = prefetch.guess(paths, kinds) if options.read_ahead else None
            if hint is not None:
                client = client_open.enter_context(
                    target.connected(connect, options.account_sid, hint.account_sid)
                )
                made = prefetch.plan(paths, client, hint, options.env, dedupe, kinds)
                if made is None:  # another account than guessed: plan again
                    client_open.close()
            if made is None:
                wanted = desired.load(paths, options.env)
                client = client_open.enter_context(
                    target.connected(connect, options.account_sid, wanted.account_sid)
                )
                made = wanted, prefetch.plan_loaded(wanted, client, dedupe, kinds)
        assert client is not None
        yield Pending(made[1], made[0].files, client)


class Stop:
    """Asks the applies watching it to start no new change and to cut short
    the waits of those in flight; safe to call from a signal handler."""

    def __init__(self) -> None:
        # Reentrant: a signal handler runs on the thread it interrupts.
        self._lock = threading.RLock()
        self._runs: list[applier.Apply] = []
        self.asked = False

    def __call__(self) -> None:
        with self._lock:
            self.asked = True
            runs = list(self._runs)
        for run in runs:
            run.stop()

    @contextmanager
    def watching(self, run: applier.Apply) -> Iterator[None]:
        with self._lock:
            self._runs.append(run)
            if self.asked:
                run.stop()
        try:
            yield
        finally:
            with self._lock:
                self._runs.remove(run)


def apply(
    pending: Pending,
    options: ApplyOptions,
    on_outcome: Callable[[Outcome], None] | None = None,
    on_wait: Callable[[float, str], None] | None = None,
    stop: Stop | None = None,
) -> ApplyReport:
    """Make the calls of a reviewed plan, each after the changes it needs.

    ``on_outcome`` hears of each change as it ends; ``on_wait`` of each wait
    Twilio asks for (HTTP 429).
    """
    # Checked again here so that no caller can write an unsafe plan.
    pending.plan.raise_if_unsafe(options.allow_release, options.force)
    client = pending.client
    client.max_retry_wait = options.max_retry_wait
    run = applier.Apply(
        pending.plan,
        client,
        parallelism=options.parallelism,
        fail_fast=options.fail_fast,
        on_outcome=on_outcome,
    )
    client.on_wait = on_wait
    try:
        with (stop or Stop()).watching(run):
            return run.run()
    finally:
        client.on_wait = None
