"""The pipeline shared by plan and apply: desired state + live state → plan,
and the freshness check of a saved plan before it is applied."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import structlog

from twilio_iac import urlauth
from twilio_iac.errors import AlreadyApplied, StalePlan
from twilio_iac.manifests.desired import Desired
from twilio_iac.model import Ref, Resource
from twilio_iac.reconcile import (
    applied,
    flow_validation,
    live,
    planner,
    selection,
    target,
)
from twilio_iac.reconcile.plan import Create, MemberChange, Plan
from twilio_iac.resources import related_kinds

if TYPE_CHECKING:  # the client (and httpx) only for the verbs that talk
    from twilio_iac.api.client import TwilioClient

Live = Mapping[str, list[Resource]]

log = structlog.get_logger(__name__)


def make_plan(
    desired: Desired,
    client: TwilioClient,
    state: Live | None = None,
    kinds: tuple[str, ...] | None = None,
) -> Plan:
    """``state``: live state already read (prefetch.py), else it is read here.
    ``kinds``: plan only these (`--kinds`, selection.py)."""
    target.check_manifests(desired.account_sid, client)
    account_sid = client.account_sid
    if state is None:
        state = live.fetch(client, account_sid, selection.reads(desired, kinds))
    result = planner.plan(selection.narrow(desired, kinds), state, account_sid, kinds)
    result = flow_validation.validated(result, client)
    log.info("plan.computed", **result.counts)
    return result


def check_fresh(plan: Plan, client: TwilioClient) -> Plan:
    """Refuse a saved plan when what it touches or points at moved since it was
    computed; return it with live counts taken now, not read from the file."""
    target.check_saved(plan.account_sid, client)
    # A reference to a part ("taskrouter_workspaces.activities") is read with
    # its owner's kind.
    named = {ref.kind.partition(".")[0] for ref in plan.sids}
    kinds = {c.kind for c in plan.changes} | named
    state = live.fetch(client, plan.account_sid, related_kinds(kinds))
    by_sid = {r.sid: r for items in state.values() for r in items}
    problems = _moved(plan, state, by_sid) + _gone_targets(plan, by_sid)
    if problems and applied.already_applied(plan, state):
        raise AlreadyApplied(
            f"Already applied: live state already shows every one of this plan's "
            f"{len(plan.changes)} changes made, so nothing was sent. (A retried "
            "CI job, or the same plan applied twice.)"
        )
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
        if isinstance(change, MemberChange) and change.sid is None:
            continue  # its owner is created by this plan: checked there
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
        # A saved plan holds live URLs with their passwords masked.
        current = urlauth.mask_data(now.fields)
        problems += [
            f"{change.label} {path}: {before} when planned, {after} now"
            for name in sorted(set(seen) | set(current))
            for path, before, after in _differences(
                name, seen.get(name), current.get(name)
            )
        ]
    # A change of an owner and of its members both see the owner moved.
    return list(dict.fromkeys(problems))


def _differences(
    path: str, before: Any, after: Any, depth: int = 0
) -> list[tuple[str, str, str]]:
    """Only what changed, key by key: `origination_urls["primary"].priority`,
    never two whole objects side by side. A field's own keys are the members
    it holds (by identity, in brackets); theirs are fields (after a dot)."""
    if before == after:
        return []
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        found = []
        for key in sorted(set(before) | set(after), key=str):
            dotted = depth > 0 and _plain(key)
            step = f"{path}.{key}" if dotted else f"{path}[{json.dumps(key)}]"
            found += _differences(step, before.get(key), after.get(key), depth + 1)
        return found
    return [(path, _shown(before), _shown(after))]


def _plain(key: Any) -> bool:
    return isinstance(key, str) and key.isidentifier()


def _shown(value: Any) -> str:
    return "absent" if value is None else json.dumps(value, ensure_ascii=False)


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
