"""Pool members changing owner, across the member changes of one plan
(planning.py): a member leaves an owner the plan deletes or does not manage,
or moves from one exclusive pool to another, before it joins the new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from twilio_iac.model import Key, Resource
from twilio_iac.reconcile.plan import (
    AddMember,
    Delete,
    MemberChange,
    RemoveMember,
    SetMember,
)
from twilio_iac.resources import REGISTRY
from twilio_iac.resources.pools import Pool


def evictions(
    changes: list[MemberChange], live: Iterable[Resource], ignored: set[Key]
) -> tuple[list[MemberChange], list[str]]:
    """A member joining an exclusive pool while it sits in the same pool of an
    owner the plan does not touch there (undeclared, or its pool left out)
    must leave that owner first: Twilio refuses it otherwise (21710)."""
    leaving = {(c.kind, c.part, c.key) for c in changes if isinstance(c, RemoveMember)}
    where = _exclusive_places(live)
    added: list[MemberChange] = []
    problems: list[str] = []
    for c in changes:
        spot = (c.kind, c.part, c.key)
        if not isinstance(c, AddMember) or spot in leaving or spot not in where:
            continue
        owner, record_sid = where[spot]
        if owner.name == c.name:
            continue
        if owner.key in ignored:
            problems.append(_ignored_owner(c, owner))
            continue
        added.append(_eviction(c, owner, record_sid))
        leaving.add(spot)
    return changes + added, problems


def _exclusive_places(
    live: Iterable[Resource],
) -> dict[tuple[str, str, str], tuple[Resource, Any]]:
    """(owner kind, pool, member key) → (owner, record SID), exclusive pools only."""
    return {
        (r.kind, part.name, key): (r, sid)
        for r in live
        for part in REGISTRY[r.kind].parts
        if isinstance(part, Pool) and part.exclusive
        for key, sid in (r.fields.get(part.name) or {}).items()
    }


def _ignored_owner(c: MemberChange, owner: Resource) -> str:
    return (
        f'{c.kind} "{c.name}" {c.part}: {c.member} is in {owner.kind} '
        f'"{owner.name}", which an ignore rule hands to someone else, and '
        f"Twilio allows it in one {REGISTRY[c.kind].title} only. Take it "
        "out of that pool first, or narrow the ignore rule."
    )


def _eviction(c: MemberChange, owner: Resource, record_sid: Any) -> MemberChange:
    return RemoveMember(
        owner.kind,
        owner.name,
        owner.sid,
        notes=("the manifests do not manage this pool",),
        part=c.part,
        member=c.key,
        key=c.key,
        target=record_sid,
    )


def moves(changes: list[MemberChange]) -> list[MemberChange]:
    """A member leaving one exclusive pool and joining another of the same kind
    is a move: said on both lines, the join waits for the leave, and the leave
    for the new owner's create."""
    leaving = {
        (c.kind, c.part, c.key): c
        for c in changes
        if isinstance(c, RemoveMember) and _exclusive(c)
    }
    joining = {
        (c.kind, c.part, c.key): c
        for c in changes
        if isinstance(c, AddMember) and _exclusive(c)
    }
    result = []
    for c in changes:
        other = (joining if isinstance(c, RemoveMember) else leaving).get(
            (c.kind, c.part, c.key)
        )
        if other is None or other.name == c.name or isinstance(c, SetMember):
            result.append(c)
            continue
        if isinstance(c, RemoveMember):
            # Into an owner this run creates: leave once it exists, so a failed
            # create leaves the member where it was rather than in no pool.
            made = f"create:{other.kind}:{other.name}"
            result.append(c.moving(other.name, made if made in other.after else None))
        else:
            result.append(c.moving(other.name, other.step_id))
    return result


def _exclusive(change: MemberChange) -> bool:
    part = REGISTRY[change.kind].parts_by_name.get(change.part)
    return isinstance(part, Pool) and part.exclusive


def removals_before_delete(
    deletes: Iterable[Delete], live: Mapping[str | None, Resource]
) -> list[MemberChange]:
    """Each pool member of an owner being deleted leaves first (``live`` by SID)."""
    result: list[MemberChange] = []
    for change in deletes:
        rt = REGISTRY[change.kind]
        have = live.get(change.sid)
        if have is None or not rt.parts:
            continue
        for part in rt.parts:
            if not isinstance(part, Pool):
                continue
            for key, record_sid in have.fields.get(part.name, {}).items():
                result.append(
                    RemoveMember(
                        rt.kind,
                        change.name,
                        change.sid,
                        part=part.name,
                        member=key,
                        key=key,
                        target=record_sid,
                    )
                )
    return result
