"""Planning what owners hold (resources/pools.py); held.py reads and writes
it, held_moves.py handles members changing owner.

A declared pool is the exact pool. Every difference is one Held change of its
own (a member joins or leaves, a child is added, changed or removed, settings
under a sub-path are set), so the applier runs it as a step with explicit
dependencies (``after``): an owner is created before members join, members
leave before their owner is deleted, and a member moving between owners
leaves its old pool before it joins the new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from twilio_iac.manifests import pools
from twilio_iac.manifests.desired import Desired
from twilio_iac.model import Key, Ref, Resource
from twilio_iac.reconcile import held_moves
from twilio_iac.reconcile.plan import (
    AddHeld,
    Change,
    Create,
    Delete,
    FieldChange,
    Held,
    RemoveHeld,
    SetHeld,
)
from twilio_iac.resources import REGISTRY, ResourceType
from twilio_iac.resources.pools import Children, Pool

Members = Mapping[tuple[str, str], "str | Ref | None"]
Live = Mapping[str, list[Resource]]

# Members leave (all of them: a member may be moving), settings are set,
# then members join.
_RANK = {RemoveHeld: 0, SetHeld: 1, AddHeld: 2}


def for_plan(
    desired: Desired,
    pairs: Mapping[Key, Resource | None],
    changes: Mapping[Key, Change],
    live: Live,
    problems: list[str],
) -> list[Change]:
    """Pool members, nested children and sub-path settings of a whole plan,
    in the order they run between its writes and its deletes."""
    found = plan(
        _declared(desired, pairs),
        changes,
        _members(live, changes),
        problems,
        _labels(desired),
    )
    everything = [r for items in live.values() for r in items]
    deletes = [c for c in changes.values() if isinstance(c, Delete)]
    found += held_moves.removals_before_delete(deletes, {r.sid: r for r in everything})
    ignored = {r.key for r in everything if desired.ignored(r.kind, r.name)}
    found, evicted = held_moves.evictions(found, everything, ignored)
    problems += evicted
    return sorted(held_moves.moves(found), key=lambda c: _RANK[type(c)])


def _declared(
    desired: Desired, pairs: Mapping[Key, Resource | None]
) -> dict[Key, tuple[Resource, Resource | None]]:
    """Entries that hold something or set fields at a sub-path: (desired, live)."""
    return {
        key: (want, pairs.get(key))
        for key, want in desired.resources.items()
        if REGISTRY[key.kind].parts or endpoint_fields(REGISTRY[key.kind], want)
    }


def _members(
    live: Live, changes: Mapping[Key, Change]
) -> dict[tuple[str, str], str | Ref | None]:
    """(kind, identity) → live SID, or a Ref to what this plan creates."""
    members: dict[tuple[str, str], str | Ref | None] = {
        (r.kind, r.name): r.sid for items in live.values() for r in items
    }
    for c in changes.values():
        if isinstance(c, Create):
            members[(c.kind, c.name)] = Ref(c.kind, c.name)
    return members


def _labels(desired: Desired) -> dict[tuple[str, str], str]:
    """(kind, identity) → the manifest's one name for it (none when ambiguous)."""
    return {
        (kind, keys[0]): label
        for kind, by_label in pools.names(list(desired.resources.values())).items()
        for label, keys in by_label.items()
        if len(keys) == 1
    }


def plan(
    pairs: Mapping[Key, tuple[Resource, Resource | None]],
    changes: Mapping[Key, Change],
    members: Members,
    problems: list[str],
    labels: Mapping[tuple[str, str], str] | None = None,
) -> list[Held]:
    """Held changes for every declared owner (``pairs``: desired, live).
    ``members`` maps (kind, identity) to the SID a pool add sends, or to a Ref
    when this plan creates (buys) the member; ``labels`` (kind, identity) to
    the manifest's name for a member, shown for one that leaves."""
    result: list[Held] = []
    for key, (want, have) in pairs.items():
        rt = REGISTRY[key.kind]
        if not rt.parts and not endpoint_fields(rt, want):
            continue
        created = isinstance(changes.get(key), Create)
        result += _settings(rt, want, have, created)
        for part in rt.parts:
            if part.name not in want.fields:
                continue  # left out: unmanaged
            before = have.fields.get(part.name, {}) if have else {}
            if isinstance(part, Pool):
                result += _pool(
                    rt, part, want, have, before, members, changes, problems,
                    labels or {},
                )  # fmt: skip
            else:
                result += _children(rt, part, want, have, before)
    return result


def endpoint_fields(rt: ResourceType, want: Resource) -> list[str]:
    return [n for n in want.fields if n in rt.by_name and rt.by_name[n].endpoint]


def _settings(
    rt: ResourceType, want: Resource, have: Resource | None, created: bool
) -> list[Held]:
    """Fields written at a sub-path: one SetHeld per sub-path with changes."""
    by_path: dict[str, list[FieldChange]] = {}
    for name in endpoint_fields(rt, want):
        field = rt.by_name[name]
        before = have.fields.get(name) if have else None
        after = want.fields[name]
        if have is not None and before == after:
            continue
        if have is None and after == field.default:
            continue  # a new object starts with Twilio's default
        by_path.setdefault(field.endpoint or "", []).append(
            FieldChange(name, before, after)
        )
    return [
        SetHeld(
            rt.kind,
            want.name,
            have.sid if have else None,
            tuple(fcs),
            {fc.name: fc.after for fc in fcs},
            part=path.strip("/").lower(),
            member="",
            target=path,
            after=_after_owner(rt.kind, want.name, created),
        )
        for path, fcs in by_path.items()
    ]


def _pool(
    rt: ResourceType,
    pool: Pool,
    want: Resource,
    have: Resource | None,
    before: Mapping[str, str],
    members: Members,
    gone: Mapping[Key, Change],
    problems: list[str],
    labels: Mapping[tuple[str, str], str],
) -> list[Held]:
    removals = _pool_removals(rt, pool, want, have, before, labels)
    # A pool that holds few members at once (one sender ID) makes room first.
    room = tuple(r.step_id for r in removals) if pool.max_items else ()
    joins: list[Held] = []
    for key, label in want.fields[pool.name].items():
        if key in before:
            continue
        target: Any = key
        if pool.member_kind:
            target = _member(rt, pool, want, key, label, members, gone, problems)
            if target is None:
                continue
        after = _after_owner(rt.kind, want.name, have is None)
        if isinstance(target, Ref):  # bought by this plan
            after += (f"create:{target.kind}:{target.name}",)
        joins.append(
            AddHeld(
                rt.kind,
                want.name,
                have.sid if have else None,
                notes=_join_notes(pool, want, have),
                part=pool.name,
                member=label,
                key=key,
                target=target,
                after=after + room,
            )
        )
    return joins + removals


def _pool_removals(
    rt: ResourceType,
    pool: Pool,
    want: Resource,
    have: Resource | None,
    before: Mapping[str, str],
    labels: Mapping[tuple[str, str], str],
) -> list[Held]:
    wanted: Mapping[str, str] = want.fields[pool.name]
    return [
        RemoveHeld(
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
    members: Members,
    gone: Mapping[Key, Change],
    problems: list[str],
) -> str | Ref | None:
    """What a joining member's add sends; None (and a problem) when it cannot."""
    where = f'{want.location} {rt.kind} "{want.name}" {pool.name}: {label}'
    if isinstance(gone.get(Key(pool.member_kind or "", key)), Delete):
        problems.append(
            f"{where} is in the pool, but this plan releases it (prune). "
            "Declare it under phone_numbers, or take it out of the pool."
        )
        return None
    target = members.get((pool.member_kind or "", key))
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


def _children(
    rt: ResourceType,
    part: Children,
    want: Resource,
    have: Resource | None,
    before: Mapping[str, Mapping[str, Any]],
) -> list[Held]:
    wanted: Mapping[str, Mapping[str, Any]] = want.fields[part.name]
    sid = have.sid if have else None
    after = _after_owner(rt.kind, want.name, have is None)
    result: list[Held] = []
    for name, fields in wanted.items():
        live = before.get(name)
        if live is None:
            result.append(_child_add(rt, part, want, sid, name, fields, after))
        elif change := _child_set(rt, part, want, sid, name, fields, live):
            result.append(change)
    result += [
        RemoveHeld(
            rt.kind,
            want.name,
            sid,
            part=part.name,
            member=name,
            key=name,
            target=live["sid"],
        )
        for name, live in before.items()
        if name not in wanted
    ]
    return result


def _child_add(
    rt: ResourceType,
    part: Children,
    want: Resource,
    sid: str | None,
    name: str,
    fields: Mapping[str, Any],
    after: tuple[str, ...],
) -> Held:
    shown = tuple(
        FieldChange(n, None, v) for n, v in fields.items() if n != part.identity
    )
    return AddHeld(
        rt.kind,
        want.name,
        sid,
        shown,
        dict(fields),
        part=part.name,
        member=name,
        key=name,
        target=None,
        after=after,
    )


def _child_set(
    rt: ResourceType,
    part: Children,
    want: Resource,
    sid: str | None,
    name: str,
    fields: Mapping[str, Any],
    live: Mapping[str, Any],
) -> Held | None:
    changed = tuple(
        FieldChange(n, live.get(n), v) for n, v in fields.items() if live.get(n) != v
    )
    if not changed:
        return None
    return SetHeld(
        rt.kind,
        want.name,
        sid,
        changed,
        {fc.name: fc.after for fc in changed},
        part=part.name,
        member=name,
        key=name,
        target=live["sid"],
    )


def _after_owner(kind: str, name: str, created: bool) -> tuple[str, ...]:
    return (f"create:{kind}:{name}",) if created else ()
