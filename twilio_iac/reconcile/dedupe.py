"""--dedupe: delete the copies a concurrent apply left behind.

Two applies of the same manifests at the same moment each create what is
missing, so one identity ends up on two live objects and planning stops
(AmbiguousLiveState). The copy to keep is the one something points at, or
else the oldest (Twilio lists oldest first); the others are planned as
deletes, only when nothing references them, and only behind --dedupe, so
they pass through the usual gates (threshold, review, confirmation).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace

from twilio_iac.manifests.desired import Desired
from twilio_iac.model import Key, Resource
from twilio_iac.reconcile.plan import Delete, Plan
from twilio_iac.resources import REGISTRY

Live = Mapping[str, list[Resource]]


@dataclass(frozen=True)
class Copies:
    keep: Resource
    extra: tuple[Resource, ...]


def find(desired: Desired, live: Live) -> list[Copies]:
    """Declared identities held by several live objects that can be deduped."""
    # The common case, no identity held twice, costs one set per kind.
    doubled = [
        kind
        for kind, items in live.items()
        if len({r.name for r in items}) < len(items)
    ]
    if not doubled:
        return []
    by_name: dict[Key, list[Resource]] = defaultdict(list)
    for kind in doubled:
        for r in live[kind]:
            by_name[r.key].append(r)
    used = {
        value
        for items in live.values()
        for r in items
        for name in REGISTRY[r.kind].references
        if (value := r.fields.get(name))
    }
    found = []
    for key, copies in by_name.items():
        want = desired.resources.get(key)
        if len(copies) < 2 or want is None or want.sid:
            continue
        if desired.ignored(want.kind, want.name):
            continue
        referenced = [r for r in copies if r.sid in used]
        if len(referenced) > 1:
            continue  # which one is meant is for a person to say
        keep = referenced[0] if referenced else copies[0]
        found.append(Copies(keep, tuple(r for r in copies if r is not keep)))
    return found


def without(live: Live, found: list[Copies]) -> dict[str, list[Resource]]:
    """Live state as the planner should see it: the extra copies gone."""
    drop = {r.sid for copies in found for r in copies.extra}
    return {
        kind: [r for r in items if r.sid not in drop] for kind, items in live.items()
    }


def add_deletes(plan: Plan, found: list[Copies], live: Live) -> Plan:
    deletes = [
        Delete(
            r.kind,
            r.name,
            r.sid,
            notes=(
                f"a duplicate of {copies.keep.sid} (probably from two applies at "
                "once); nothing uses it",
            ),
            guarded=REGISTRY[r.kind].guard_delete,
        )
        for copies in found
        for r in copies.extra
    ]
    observed = dict(plan.observed)
    observed.update({d.sid: dict(r.fields) for d, r in _pairs(deletes, found)})
    return replace(
        plan,
        changes=plan.changes + tuple(deletes),
        observed=observed,
        live_counts=plan.count_managed(live),
    )


def _pairs(deletes: list[Delete], found: list[Copies]) -> list[tuple[Delete, Resource]]:
    extra = [r for copies in found for r in copies.extra]
    return list(zip(deletes, extra, strict=True))


def hint(found: list[Copies]) -> str:
    sids = ", ".join(r.sid or "?" for copies in found for r in copies.extra)
    return (
        f"The newer copies that nothing uses ({sids}) can be deleted: plan and "
        "apply again with --dedupe to review and delete them."
    )
