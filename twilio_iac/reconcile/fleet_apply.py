"""A fleet's apply: each account's reviewed plan applied, several accounts at
once, each failing alone.

Per account, in order: the account is created (a fleet entry with no live
account), renamed or reactivated; its resources are applied as a
single-account apply does (run.apply); then it is suspended or closed when
the fleet file says so. A failure stops that account's remaining steps only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from twilio_iac.api.client import TwilioClient
from twilio_iac.errors import TwilioIacError, UnsafePlan
from twilio_iac.reconcile import run
from twilio_iac.reconcile.fleet import ACCOUNTS_PATH, AccountPlan, FleetPlan
from twilio_iac.reconcile.report import ApplyReport


@dataclass
class AccountResult:
    name: str
    sid: str | None
    report: ApplyReport | None = None
    error: TwilioIacError | None = None
    created: bool = False  # the account itself, by this apply

    @property
    def ok(self) -> bool:
        return self.error is None and (self.report is None or self.report.ok)


def check_safe(
    planned: FleetPlan, options: run.ApplyOptions, allow_close: bool
) -> None:
    """Every refusal a flag lifts, for the whole fleet, before anything is sent."""
    closing = [a.name for a in planned.accounts if a.change and a.change.closes]
    if closing and not allow_close:
        raise UnsafePlan(
            f"Refusing to apply: this plan closes {len(closing)} account(s), and "
            "Twilio never reopens a closed account. Nothing was changed. If "
            "closing them is intended, run apply again with --allow-close.",
            [f"close {name}" for name in closing],
        )
    for account in planned.accounts:
        if account.plan is not None and account.error is None:
            try:
                account.plan.raise_if_unsafe(options.allow_release, options.force)
            except UnsafePlan as exc:
                raise UnsafePlan(f"{account.name}: {exc}") from exc


def apply(
    planned: FleetPlan,
    options: run.ApplyOptions,
    allow_close: bool = False,
    on_account: Callable[[AccountResult], None] | None = None,
    stop: run.Stop | None = None,
) -> list[AccountResult]:
    """Apply every account that has changes and was planned without error."""
    check_safe(planned, options, allow_close)
    todo = [a for a in planned.accounts if a.changed and a.error is None]
    stop = stop or run.Stop()

    def one(account: AccountPlan) -> AccountResult:
        result = _apply_account(planned, account, options, stop)
        if on_account is not None:
            on_account(result)
        return result

    workers = max(1, min(options.parallelism, len(todo)))
    with ThreadPoolExecutor(workers, thread_name_prefix="fleet-apply") as pool:
        return list(pool.map(one, todo))


def _apply_account(
    planned: FleetPlan, account: AccountPlan, options: run.ApplyOptions, stop: run.Stop
) -> AccountResult:
    parent = planned.parent
    assert parent is not None and planned.opener is not None  # under review
    result = AccountResult(account.name, account.sid)
    if stop.asked:
        result.error = TwilioIacError("Not started: apply was interrupted.")
        return result
    try:
        before, after = _status_steps(account)
        if account.sid is None:
            result.sid = _create(parent, account.name)
            result.created = True
        elif before:
            parent.update("core", _path(result.sid), before)
        if account.plan is not None and not account.plan.empty:
            client = account.client or planned.opener(
                result.sid or "", account.account.key_vars
            )
            plan = replace(account.plan, account_sid=client.account_sid)
            pending = run.Pending(plan, account.files, client)
            result.report = run.apply(pending, options, stop=stop)
        if after and (result.report is None or result.report.ok):
            parent.update("core", _path(result.sid), after)
    except TwilioIacError as exc:
        result.error = exc
    return result


def _status_steps(account: AccountPlan) -> tuple[dict[str, Any], dict[str, Any]]:
    """Twilio's parameters to send before the resources (a new name, a
    reactivation) and after them (suspending or closing)."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, _, value in account.change.fields if account.change else ():
        if name == "friendly_name":
            before["FriendlyName"] = value
        elif value == "active":
            before["Status"] = value
        else:
            after["Status"] = value
    return before, after


def _path(sid: str | None) -> str:
    return f"/2010-04-01/Accounts/{sid}.json"


def _create(parent: TwilioClient, name: str) -> str:
    def existing() -> dict | None:
        found = parent.list("core", ACCOUNTS_PATH, "accounts", {"FriendlyName": name})
        return next((r for r in found if r.get("status") != "closed"), None)

    made: Mapping[str, Any] = parent.create(
        "core", ACCOUNTS_PATH, {"FriendlyName": name}, find_existing=existing
    )
    return str(made["sid"])
