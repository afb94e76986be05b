"""reconcile/run.py: plan and apply as one call each. Nothing comes from the
process: the client from a Connect, the manifests' variables from PlanOptions."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings
from twilio_iac.emulator import SANDBOX_ACCOUNT_SID, SANDBOX_CREDENTIALS, Emulator
from twilio_iac.errors import PlanError
from twilio_iac.manifests import schema
from twilio_iac.reconcile import planner, prefetch, run

MANIFEST = "queues:\n  - friendly_name: ${QUEUE_NAME}\n"


class Accounts:
    """A Connect over one in-process emulator that notes the accounts asked for."""

    def __init__(self) -> None:
        self.emulator = Emulator()
        self.asked: list[str | None] = []

    @contextmanager
    def __call__(self, account_sid: str | None) -> Iterator[TwilioClient]:
        self.asked.append(account_sid)
        settings = Settings.from_env(
            {}, sandbox=SANDBOX_CREDENTIALS, account_sid=account_sid
        )
        with TwilioClient(settings, app=self.emulator) as client:
            yield client


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "twilio.yaml"
    path.write_text(MANIFEST, encoding="utf-8")
    return path


OPTIONS = run.PlanOptions(env={"QUEUE_NAME": "support"})


def test_plan_reads_variables_from_its_options_not_the_process(
    manifest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUEUE_NAME", "from-the-process")
    accounts = Accounts()
    planned = run.plan([manifest], accounts, OPTIONS)
    assert [c.name for c in planned.plan.changes] == ["support"]
    assert planned.files == (str(manifest),)
    assert accounts.asked == [None]


@pytest.mark.parametrize("read_ahead", [False, True])
def test_the_account_asked_for_is_the_one_connected(
    manifest: Path, read_ahead: bool
) -> None:
    accounts = Accounts()
    options = run.PlanOptions(
        env=OPTIONS.env, account_sid=SANDBOX_ACCOUNT_SID, read_ahead=read_ahead
    )
    run.plan([manifest], accounts, options)
    assert accounts.asked == [SANDBOX_ACCOUNT_SID]


def test_an_unreachable_account_stops_before_anything_is_read(manifest: Path) -> None:
    accounts = Accounts()
    options = run.PlanOptions(env=OPTIONS.env, account_sid="AC" + "0" * 32)
    with pytest.raises(PlanError, match="cannot reach account AC0"):
        run.plan([manifest], accounts, options)


def test_apply_writes_through_the_reviewed_session(manifest: Path) -> None:
    accounts = Accounts()
    heard = []
    with run.review([manifest], accounts, OPTIONS) as pending:
        report = run.apply(pending, run.ApplyOptions(), on_outcome=heard.append)
    assert report.ok and len(heard) == 1
    assert accounts.asked == [None]
    assert run.plan([manifest], accounts, OPTIONS).plan.empty


def test_a_stop_asked_before_the_apply_starts_no_change(manifest: Path) -> None:
    stop = run.Stop()
    stop()
    with run.review([manifest], Accounts(), OPTIONS) as pending:
        report = run.apply(pending, run.ApplyOptions(), stop=stop)
    assert not report.done and report.not_started


def test_the_collector_stays_paused_until_the_last_plan_ends() -> None:
    assert gc.isenabled()
    first, second = prefetch.paused_gc(), prefetch.paused_gc()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second plan is still running
    second.__exit__(None, None, None)
    assert gc.isenabled()


@pytest.mark.parametrize("read_ahead", [False, True])
def test_the_collector_is_paused_from_reading_to_the_plan_not_after(
    manifest: Path, monkeypatch: pytest.MonkeyPatch, read_ahead: bool
) -> None:
    seen: dict[str, bool] = {}

    def noting(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def noted(*args: Any, **kwargs: Any) -> Any:
            seen[name] = gc.isenabled()
            return function(*args, **kwargs)

        return noted

    monkeypatch.setattr(schema, "check", noting("schema", schema.check))
    monkeypatch.setattr(planner, "plan", noting("planner", planner.plan))
    accounts = Accounts()
    connect = noting("connect", accounts)
    options = run.PlanOptions(env={"QUEUE_NAME": "support"}, read_ahead=read_ahead)
    assert gc.isenabled()
    with run.review([manifest], connect, options) as pending:
        assert gc.isenabled()  # shown and applied with the collector on
        assert run.apply(pending, run.ApplyOptions()).ok
    assert seen == {"schema": False, "planner": False, "connect": False}
    assert gc.isenabled()
