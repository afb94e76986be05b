"""The pipeline shared by plan and apply: desired state + live state → plan,
and the freshness check of a saved plan before it is applied."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

import structlog

from twilio_iac import urlauth
from twilio_iac.errors import StalePlan
from twilio_iac.manifests.desired import Desired
from twilio_iac.model import Ref, Resource
from twilio_iac.reconcile import live, planner, selection, target
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
    log.info("plan.computed", **result.counts)
    return result


def check_fresh(plan: Plan, client: TwilioClient) -> Plan:
    """Refuse a saved plan when what it touches or points at moved since it was
    computed; return it with live counts taken now, not read from the file."""
    target.check_saved(plan.account_sid, client)
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
            f"{change.label} {name}: {json.dumps(seen.get(name))} when planned, "
            f"{json.dumps(current.get(name))} now"
            for name in sorted(set(seen) | set(current))
            if seen.get(name) != current.get(name)
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
