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

from twilio_iac.errors import AmbiguousLiveState
from twilio_iac.manifests.desired import Desired
from twilio_iac.model import Key, Resource
from twilio_iac.reconcile.plan import Delete, Plan
from twilio_iac.resources import REGISTRY

Live = Mapping[str, list[Resource]]


@dataclass(frozen=True)
class Copies:
    keep: Resource
    extra: tuple[Resource, ...]


@dataclass(frozen=True)
class Tangle:
    """Copies of one identity of which more than one is in use: deleting any
    would break what uses it, so which to keep is for a person to say."""

    want: Resource
    users: dict[str, list[str]]  # copy SID → what uses it, oldest copy first


def find(desired: Desired, live: Live) -> list[Copies]:
    """Declared identities held by several live objects that can be deduped."""
    return [c for c in _sorted(desired, live) if isinstance(c, Copies)]


def tangles(desired: Desired, live: Live) -> list[Tangle]:
    """Declared identities held by several live objects, more than one in use."""
    return [c for c in _sorted(desired, live) if isinstance(c, Tangle)]


def _sorted(desired: Desired, live: Live) -> list[Copies | Tangle]:
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
    users = _users(live)
    found: list[Copies | Tangle] = []
    for key, copies in by_name.items():
        want = desired.resources.get(key)
        if len(copies) < 2 or want is None or want.sid:
            continue
        if desired.ignored(want.kind, want.name):
            continue
        referenced = [r for r in copies if r.sid in users]
        if len(referenced) > 1:
            found.append(Tangle(want, {r.sid or "?": users[r.sid] for r in referenced}))
            continue
        keep = referenced[0] if referenced else copies[0]
        found.append(Copies(keep, tuple(r for r in copies if r is not keep)))
    return found


def _users(live: Live) -> dict[str | None, list[str]]:
    """Per SID, what points at it: "phone number +1… (voice_application)"."""
    users: dict[str | None, list[str]] = defaultdict(list)
    for items in live.values():
        for r in items:
            rt = REGISTRY[r.kind]
            for name in rt.references:
                if value := r.fields.get(name):
                    field_name = rt.by_name[name].alias or name
                    users[value].append(f"{rt.title} {r.name} ({field_name})")
    return users


def explain(exc: AmbiguousLiveState, found: list[Tangle]) -> AmbiguousLiveState:
    """The ambiguity, with why --dedupe cannot settle each tangled identity
    and what would: a `sid:` pin, or re-pointing (or removing) the users of all
    copies but one."""
    explained = [_settle(t) for t in found]
    # The planner's own line for a tangled identity says less; keep the others.
    heads = tuple(f'{t.want.location} {t.want.kind} "{t.want.name}":' for t in found)
    others = [r for r in exc.reasons if not r.startswith(heads)]
    return AmbiguousLiveState(
        "--dedupe cannot choose which copy to keep: more than one copy of an "
        "identity is in use, and deleting a used copy would break what uses it. "
        "Nothing was changed.",
        explained + others,
    )


def _settle(tangle: Tangle) -> str:
    want = tangle.want
    (keep, *rest) = tangle.users
    used = "; ".join(
        f"{sid} is used by {', '.join(u)}" for sid, u in tangle.users.items()
    )
    others = [u.rsplit(" (", 1)[0] for sid in rest for u in tangle.users[sid]]
    return (
        f'{want.location} {want.kind} "{want.name}": {used}. To keep {keep}, add '
        f"`sid: {keep}` to the entry (the other copies are then no longer "
        f"managed), or point {', '.join(others)} at {keep} (or remove "
        f"{'it' if len(others) == 1 else 'them'}) and plan again with --dedupe, "
        f"which then deletes {', '.join(rest)}."
    )


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
