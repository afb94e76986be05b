"""Members joining and leaving one pool (resources/pools.py ``Pool``).

A declared pool is the exact pool: a member listed and not live joins, a live
member not listed leaves. A member that is an object (a phone number) joins
by its SID, or by a Ref when this plan buys it; one that cannot join is a
problem, not a change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from twilio_iac.model import Key, Ref, Resource
from twilio_iac.reconcile.plan import (
    AddMember,
    Change,
    Delete,
    MemberChange,
    RemoveMember,
)
from twilio_iac.resources import REGISTRY, ResourceType
from twilio_iac.resources.pools import Pool


@dataclass(frozen=True)
class Lookup:
    """What one plan knows about the members its pools name."""

    # (kind, identity) → the SID a join sends, or a Ref to what this plan
    # creates (buys).
    members: Mapping[tuple[str, str], str | Ref | None]
    changes: Mapping[Key, Change]  # the plan's other changes, by key
    # (kind, identity) → the manifest's name for a member, shown when it leaves.
    labels: Mapping[tuple[str, str], str]


def changes(
    rt: ResourceType,
    pool: Pool,
    want: Resource,
    have: Resource | None,
    before: Mapping[str, str],
    after: tuple[str, ...],
    lookup: Lookup,
    problems: list[str],
) -> list[MemberChange]:
    """The joins and leaves of one pool (``before``: live member key → record
    SID); joins wait for ``after`` (the owner's create)."""
    removals = _removals(rt, pool, want, have, before, lookup.labels)
    # A pool that holds few members at once (one sender ID) makes room first.
    room = tuple(r.step_id for r in removals) if pool.max_items else ()
    joins: list[MemberChange] = []
    for key, label in want.fields[pool.name].items():
        if key in before:
            continue
        target: Any = key
        if pool.member_kind:
            target = _member(rt, pool, want, key, label, lookup, problems)
            if target is None:
                continue
        waits = after
        if isinstance(target, Ref):  # bought by this plan
            waits += (f"create:{target.kind}:{target.name}",)
        joins.append(_join(rt, pool, want, have, key, label, target, waits + room))
    return joins + removals


def _join(
    rt: ResourceType,
    pool: Pool,
    want: Resource,
    have: Resource | None,
    key: str,
    label: str,
    target: Any,
    after: tuple[str, ...],
) -> MemberChange:
    return AddMember(
        rt.kind,
        want.name,
        have.sid if have else None,
        notes=_join_notes(pool, want, have),
        part=pool.name,
        member=label,
        key=key,
        target=target,
        after=after,
    )


def _removals(
    rt: ResourceType,
    pool: Pool,
    want: Resource,
    have: Resource | None,
    before: Mapping[str, str],
    labels: Mapping[tuple[str, str], str],
) -> list[MemberChange]:
    wanted: Mapping[str, str] = want.fields[pool.name]
    return [
        RemoveMember(
            rt.kind,
            want.name,
            have.sid if have else None,
            part=pool.name,
            member=labels.get((pool.member_kind or "", key), key),
            key=key,
            target=record_sid,
        )
        for key, record_sid in before.items()
        if key not in wanted
    ]


def _member(
    rt: ResourceType,
    pool: Pool,
    want: Resource,
    key: str,
    label: str,
    lookup: Lookup,
    problems: list[str],
) -> str | Ref | None:
    """What a joining member's add sends; None (and a problem) when it cannot."""
    where = f'{want.location} {rt.kind} "{want.name}" {pool.name}: {label}'
    if isinstance(lookup.changes.get(Key(pool.member_kind or "", key)), Delete):
        problems.append(
            f"{where} is in the pool, but this plan releases it (prune). "
            "Declare it under phone_numbers, or take it out of the pool."
        )
        return None
    target = lookup.members.get((pool.member_kind or "", key))
    if target is None:
        problems.append(
            f"{where} is not a phone number of this account. Buy it first "
            "(declare it under phone_numbers with `purchase: true`), or "
            "remove it from the pool."
        )
    return target


def _join_notes(pool: Pool, want: Resource, have: Resource | None) -> tuple[str, ...]:
    notes = []
    for field, value, note in pool.join_notes:
        if field is None:
            notes.append(note)
            continue
        current = want.fields.get(field, have.fields.get(field) if have else None)
        if current is None:
            current = REGISTRY[want.kind].by_name[field].default
        if current == value:
            notes.append(note)
    return tuple(notes)
