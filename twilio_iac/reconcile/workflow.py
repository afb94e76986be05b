"""The pipeline shared by plan and apply: credentials → client → live → plan.

The sandbox is wired in here: the same client, pointed at the in-process
emulator, whose state file is saved when the session ends.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import structlog

from . import live, planner
from .client import TwilioClient
from .desired import Desired
from .errors import AuthError, NotFound, PlanError, StalePlan
from .model import Ref, Resource
from .plan import Create, Plan
from .resources import related_kinds
from .settings import Settings

Live = Mapping[str, list[Resource]]

log = structlog.get_logger(__name__)

DEFAULT_SANDBOX_STATE = Path(".twilio-iac") / "sandbox.json"


def sandbox_state_path(env: Mapping[str, str]) -> Path:
    return Path(env.get("TWILIO_IAC_SANDBOX_STATE") or DEFAULT_SANDBOX_STATE)


@contextmanager
def session(
    sandbox: bool,
    env: Mapping[str, str] | None = None,
    account_sid: str | None = None,
    target_source: str = "--account-sid",
) -> Iterator[TwilioClient]:
    """A client for the chosen account; ``target_source`` names where a given
    ``account_sid`` came from, for the error when it cannot be reached."""
    env = os.environ if env is None else env
    settings = Settings.from_env(env, sandbox=sandbox, account_sid=account_sid)
    emulator = None
    if sandbox:
        from .emulator import Emulator  # only the sandbox needs it

        path = sandbox_state_path(env)
        if not path.exists():
            log.warning("sandbox.created", state=str(path))
        emulator = Emulator(state_path=path)
    try:
        with TwilioClient(settings, app=emulator) as client:
            if account_sid:
                _check_reachable(client, target_source)
            yield client
    finally:
        if emulator is not None:
            emulator.save()


def make_plan(desired: Desired, client: TwilioClient) -> Plan:
    account_sid = client.account_sid
    if desired.account_sid and desired.account_sid != account_sid:
        raise PlanError(
            f"The manifests are for account {desired.account_sid}, but this run "
            f"targets {account_sid} (credentials from {client.settings.source}). "
            "Nothing was read or changed. Drop --account-sid, or fix `account_sid` "
            "in the manifests."
        )
    kinds = {key.kind for key in desired.resources} | set(desired.prune)
    state = live.fetch(client, account_sid, related_kinds(kinds))
    result = planner.plan(desired, state, account_sid)
    by_sid = {r.sid: r for items in state.values() for r in items}
    result = replace(
        result,
        observed={c.sid: dict(by_sid[c.sid].fields) for c in result.changes if c.sid},
        ignore=dict(desired.ignore),
    )
    result = replace(result, live_counts=result.count_managed(state))
    too_much = result.too_much_change()
    if too_much:
        note = "apply will refuse without --force: " + "; ".join(too_much)
        result = replace(result, warnings=(*result.warnings, note))
    log.info("plan.computed", **result.counts)
    return result


def _check_reachable(client: TwilioClient, source: str) -> None:
    """A targeted account must be these credentials' own or a subaccount of it.

    This is also the manifests' `account_sid` guard: credentials of an unrelated
    account cannot read it, so nothing is planned against the wrong account.
    """
    target = client.account_sid
    try:
        client.fetch("core", f"/2010-04-01/Accounts/{target}.json")
    except (NotFound, AuthError) as exc:
        raise PlanError(
            f"The credentials from {client.settings.source} cannot reach account "
            f"{target} (from {source}): it is neither their account nor one of "
            f"its subaccounts (Twilio answered HTTP {exc.status}). Nothing was "
            "read or changed. Check the account SID, or use that account's "
            "credentials."
        ) from exc


def check_fresh(plan: Plan, client: TwilioClient) -> Plan:
    """Refuse a saved plan when what it touches or points at moved since it was
    computed; return it with live counts taken now, not read from the file."""
    if client.account_sid != plan.account_sid:
        raise PlanError(
            f"This plan was made for account {plan.account_sid}, but this run "
            f"targets {client.account_sid}. Nothing was sent. Drop --account-sid, "
            "or plan again against the account you mean."
        )
    kinds = {c.kind for c in plan.changes} | {ref.kind for ref in plan.sids}
    state = live.fetch(client, plan.account_sid, related_kinds(kinds))
    by_sid = {r.sid: r for items in state.values() for r in items}
    problems = _moved(plan, state, by_sid) + _gone_targets(plan, by_sid)
    if problems:
        raise StalePlan(
            "Stale plan: live state changed since the plan was written, so it "
            "may no longer do what was reviewed. Nothing was sent. Run plan "
            "again, review it, and apply the new plan.",
            problems,
        )
    return replace(plan, live_counts=plan.count_managed(state))


def _moved(plan: Plan, state: Live, by_sid: Mapping[str | None, Resource]) -> list[str]:
    planned = set(plan.sids.values())
    problems = []
    for change in plan.changes:
        if isinstance(change, Create):
            if any(
                r.name == change.name and r.sid not in planned
                for r in state.get(change.kind, [])
            ):
                problems.append(f"{change.label} now exists (created since the plan)")
            continue
        now = by_sid.get(change.sid)
        if now is None:
            problems.append(f"{change.label} ({change.sid}) no longer exists")
            continue
        seen = plan.observed.get(change.sid or "", {})
        problems += [
            f"{change.label} {name}: {json.dumps(seen.get(name))} when planned, "
            f"{json.dumps(now.fields.get(name))} now"
            for name in sorted(set(seen) | set(now.fields))
            if seen.get(name) != now.fields.get(name)
        ]
    return problems


def _gone_targets(plan: Plan, by_sid: Mapping[str | None, Resource]) -> list[str]:
    """References the plan will send as SIDs must still point at the same object."""
    used = {v for c in plan.changes for v in c.send.values() if isinstance(v, Ref)}
    problems = []
    for ref in sorted(used):
        sid = plan.sids.get(ref)
        if sid is None:
            continue  # created by this plan
        now = by_sid.get(sid)
        if now is None:
            problems.append(f'{ref.kind} "{ref.name}" ({sid}) no longer exists')
    return problems
