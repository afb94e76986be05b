"""Saved fleet plans: `plan --fleet FILE --out PLAN.json` writes one, and
`apply PLAN.json` applies exactly it.

The file holds each account's saved plan (planfile.py's format, checksum
and all) with what the fleet adds: the account's name, SID, the account
change and the variables of its own API key. Before applying, each account
is checked fresh on its own: a stale account is refused alone, the others go
ahead.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from twilio_iac.errors import PlanError, StalePlan, TwilioIacError
from twilio_iac.manifests.fleet import Account
from twilio_iac.reconcile import fleet, planfile
from twilio_iac.reconcile.fleet import AccountChange, AccountPlan, FleetPlan
from twilio_iac.reconcile.workflow import check_fresh

VERSION = 1
_START = re.compile(r'\A\s*\{\s*"fleet_plan_version"\s*:')


def is_fleet_plan(path: Path) -> bool:
    if path.suffix != ".json" or not path.is_file():
        return False
    try:
        return bool(_START.match(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return False


def check_out(out: Path) -> None:
    """``--out`` may replace an earlier fleet plan, nothing else."""
    if out.exists() and not is_fleet_plan(out):
        raise PlanError(
            f"--out {out} exists and is not a fleet plan file; refusing to "
            "overwrite it. Nothing was sent. Choose another path, or delete the "
            "file first."
        )


def write(out: Path, planned: FleetPlan, fleet_file: str) -> None:
    check_out(out)
    body = {
        "fleet_plan_version": VERSION,
        "fleet_file": fleet_file,
        "parent_sid": planned.parent_sid,
        "accounts": [_account(a) for a in planned.accounts],
    }
    body["checksum"] = _checksum(body)
    out.write_text(json.dumps(body, indent=2, ensure_ascii=False), encoding="utf-8")


def _account(account: AccountPlan) -> dict[str, Any]:
    entry = account.account
    plan = account.plan
    return {
        "friendly_name": account.name,
        "sid": account.sid,
        "key_vars": list(entry.key_vars) if entry.key_vars else None,
        "account": account.change.data if account.change else None,
        "note": account.note,
        "error": str(account.error) if account.error is not None else None,
        "plan": json.loads(planfile.dumps(plan, list(account.files))) if plan else None,
    }


def _checksum(body: Mapping[str, Any]) -> str:
    canonical = json.dumps(
        {k: v for k, v in body.items() if k != "checksum"},
        sort_keys=True,
        ensure_ascii=False,
    )
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def read(path: Path) -> dict[str, Any]:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PlanError(
            f"{path} cannot be read as a fleet plan ({type(exc).__name__}: {exc}). "
            "Nothing was sent. Write it again with `plan --fleet FILE --out`."
        ) from exc
    if not isinstance(body, dict) or body.get("checksum") != _checksum(body):
        raise PlanError(
            f"{path} was changed after `twilio-iac plan --fleet --out` wrote it "
            "(its checksum does not match). Nothing was sent. Write the plan again."
        )
    return body


@contextmanager
def review(
    path: Path, connect: fleet.FleetConnect, parallelism: int
) -> Iterator[FleetPlan]:
    """The saved fleet plan, each account checked fresh against live state."""
    body = read(path)
    with ExitStack() as stack:
        parent = stack.enter_context(connect(None, None))
        if parent.account_sid != body["parent_sid"]:
            raise PlanError(
                f"{path} was made with the credentials of account "
                f"{body['parent_sid']}, but these are {parent.account_sid}'s. "
                "Nothing was sent."
            )
        live = parent.list("core", fleet.ACCOUNTS_PATH, "accounts")
        opener = fleet.Opener(connect, stack)

        def one(item: dict[str, Any]) -> AccountPlan:
            return _checked(path, item, live, opener)

        items = body["accounts"]
        workers = max(1, min(parallelism, len(items)))
        with ThreadPoolExecutor(workers, thread_name_prefix="fleet-check") as pool:
            accounts = list(pool.map(one, items))
        yield FleetPlan(parent.account_sid, accounts, parent, opener)


def _checked(
    path: Path, item: dict[str, Any], live: list[dict[str, Any]], opener: fleet.Opener
) -> AccountPlan:
    key_vars = tuple(item["key_vars"]) if item["key_vars"] else (None, None)
    entry = Account(item["friendly_name"], (), item["sid"], *key_vars)
    change = _change(item["account"])
    result = AccountPlan(entry, item["sid"], change=change, note=item["note"])
    if item["error"] is not None:
        result.error = PlanError(f"Not planned: {item['error']}")
        return result
    where = f"{path} ({entry.friendly_name})"
    try:
        _check_account(entry, change, live)
        if item["plan"] is not None:
            plan = planfile.parse(where, item["plan"])
            if item["sid"] is not None:
                result.client = opener(item["sid"], entry.key_vars)
                plan = check_fresh(plan, result.client)
            result.plan = plan
            result.files = tuple(item["plan"]["apply"]["manifests"])
    except TwilioIacError as exc:
        result.error = exc
    return result


def _change(data: dict[str, Any] | None) -> AccountChange | None:
    if data is None:
        return None
    fields = tuple((f["field"], f["before"], f["after"]) for f in data["fields"])
    return AccountChange(data["action"], data["friendly_name"], fields)


def _check_account(
    entry: Account, change: AccountChange | None, live: list[dict[str, Any]]
) -> None:
    """The account is still as planned: absent when it is to be created,
    with the planned name and status otherwise."""
    name = entry.friendly_name
    if entry.sid is None:
        taken = [
            r
            for r in live
            if r.get("friendly_name") == name and r.get("status") != "closed"
        ]
        if taken:
            raise StalePlan(
                f"Stale plan: account {name!r} now exists ({taken[0]['sid']}), and "
                "the plan creates it. Nothing was sent to it. Plan again."
            )
        return
    record = next((r for r in live if r.get("sid") == entry.sid), None)
    if record is None:
        raise StalePlan(f"Stale plan: account {entry.sid} is no longer reachable.")
    for field, before, _ in change.fields if change else ():
        now = record.get(field) or ("active" if field == "status" else None)
        if now != before:
            raise StalePlan(
                f"Stale plan: account {name}'s {field} is {now!r} now, "
                f"{before!r} when planned. Nothing was sent to it. Plan again."
            )
