"""The fleet planner's pure parts: which live account an entry is, what
changes on the account itself, and in which order apply sends it."""

from __future__ import annotations

from pathlib import Path

import pytest

from twilio_iac.errors import PlanError
from twilio_iac.manifests.fleet import Account
from twilio_iac.reconcile import fleet
from twilio_iac.reconcile.fleet import AccountChange, AccountPlan
from twilio_iac.reconcile.fleet_apply import _status_steps

A = "AC" + "a" * 32
B = "AC" + "b" * 32
C = "AC" + "c" * 32


def _live(*records: tuple[str, str, str]) -> list[dict]:
    return [{"sid": s, "friendly_name": n, "status": st} for s, n, st in records]


def _entry(name: str = "acme", **extra: str) -> Account:
    return Account(name, (Path("base"),), **extra)


def test_an_entry_is_its_open_account_of_that_name() -> None:
    live = _live((A, "acme", "closed"), (B, "acme", "active"), (C, "globex", "active"))
    assert fleet.match(_entry(), live)["sid"] == B
    assert fleet.match(_entry("initech"), live) is None


def test_a_pin_wins_over_the_name_and_must_exist() -> None:
    live = _live((A, "old-name", "active"))
    assert fleet.match(_entry(sid=A), live)["sid"] == A
    with pytest.raises(PlanError, match=f"no account {B}"):
        fleet.match(_entry(sid=B), live)


def test_two_open_accounts_of_one_name_are_refused() -> None:
    live = _live((A, "acme", "active"), (B, "acme", "suspended"))
    with pytest.raises(PlanError, match="2 live accounts have this friendly_name"):
        fleet.match(_entry(), live)


def test_only_closed_accounts_of_the_name_mean_a_new_one_unless_closed_wanted() -> None:
    live = _live((A, "acme", "closed"))
    assert fleet.match(_entry(), live) is None
    assert fleet.match(_entry(status="closed"), live)["sid"] == A


def test_renames_and_statuses_are_sent_around_the_resources() -> None:
    change = AccountChange(
        "update",
        "acme",
        (("friendly_name", "old", "acme"), ("status", "suspended", "active")),
    )
    before, after = _status_steps(AccountPlan(_entry(), A, change=change))
    assert before == {"FriendlyName": "acme", "Status": "active"} and after == {}
    closing = AccountChange("update", "acme", (("status", "active", "closed"),))
    assert closing.closes
    before, after = _status_steps(AccountPlan(_entry(), A, change=closing))
    assert before == {} and after == {"Status": "closed"}
