"""Step 3 of planning (planner.py): the change each manifest entry needs.

Absent → Create (phone numbers only with `purchase: true`); changed
create-only field → Replace (never for phone numbers: that would release one);
other changes → Update; unclaimed live objects of pruned kinds → Delete. Only
the fields a manifest sets are compared: live.py has normalized the rest away.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from twilio_iac.manifests.desired import Desired
from twilio_iac.model import Key, Ref, Resource
from twilio_iac.reconcile.matching import resolve
from twilio_iac.reconcile.plan import (
    Change,
    Create,
    Delete,
    FieldChange,
    Purchase,
    Replace,
    Update,
)
from twilio_iac.reconcile.pools.live import own_fields
from twilio_iac.resources import REGISTRY, ResourceType


def diffs(
    desired: Desired,
    pairs: Mapping[Key, Resource | None],
    refs: Mapping[str, Ref],
    resolved: Mapping[str | None, Resource],
    problems: list[str],
) -> dict[Key, Change]:
    changes: dict[Key, Change] = {}
    for key, want in desired.resources.items():
        have = pairs[key]
        have = None if have is None else resolved[have.sid]
        rt = REGISTRY[key.kind]
        if rt.parts or not want.fields.keys() <= _names(rt)[0]:
            want = want.with_fields(own_fields(rt, want.fields))
        change = _diff_one(rt, resolve(want, refs), have, problems)
        if change:
            changes[key] = change
    return changes


def prunes(
    prune: frozenset[str],
    leftovers: Mapping[str, list[Resource]],
    owners: Mapping[str | None, Key],
    superseded: list[tuple[Resource, Key]],
) -> dict[Key, Change]:
    """Deletes of unclaimed objects: those of pruned kinds, and those an
    interrupted replace left behind (whatever `prune` says: the replace that
    was applied already meant to delete them)."""
    left = {old.sid for old, _ in superseded}
    changes: dict[Key, Change] = {
        owners[have.sid]: _delete(REGISTRY[kind], have)
        for kind in prune
        for have in leftovers.get(kind, [])
        if have.sid not in left
    }
    for old, _ in superseded:
        changes[Key(old.kind, f"{old.name} [{old.sid}]")] = _leftover(old)
    return changes


def _diff_one(
    rt: ResourceType, want: Resource, have: Resource | None, problems: list[str]
) -> Change | None:
    if have is None:
        return _create(rt, want, problems)
    live, write_only = have.fields.get, _names(rt)[1]
    changed = [
        FieldChange(name, live(name), after)
        for name, after in want.fields.items()
        if live(name) != after and name not in write_only
    ]
    if not changed:
        return None
    names = {fc.name for fc in changed}
    if names & rt.create_only:
        return _replace(rt, want, have, changed, problems)
    send = {fc.name: fc.after for fc in changed} | _write_only(rt, want)
    send |= {
        name: want.fields.get(name, have.fields.get(name)) for name in rt.always_sent
    }
    drift = rt.drift(have.fields) if rt.drift else None
    notes = (f"{drift}: apply overwrites it only with --force",) if drift else ()
    return Update(
        rt.kind, want.name, have.sid, tuple(changed), send, notes, overwrites=drift
    )


# kind → (its ResourceType, the names its own create/update sends, its
# write-only names): computed once per kind, not per entry of a long list.
_NAMES: dict[str, tuple[ResourceType, frozenset[str], frozenset[str]]] = {}


def _names(rt: ResourceType) -> tuple[frozenset[str], frozenset[str]]:
    cached = _NAMES.get(rt.kind)
    if cached is None or cached[0] is not rt:
        own = frozenset(n for n, f in rt.by_name.items() if not f.endpoint)
        write_only = frozenset(n for n, f in rt.by_name.items() if f.write_only)
        cached = _NAMES[rt.kind] = (rt, own, write_only)
    return cached[1], cached[2]


def _create(rt: ResourceType, want: Resource, problems: list[str]) -> Change | None:
    if not rt.creatable and not want.purchase:
        problems.append(
            f"{want.location} {rt.title} {want.name} is not owned by this account. "
            "Fix the number, or add `purchase: true` to the entry to buy it."
        )
        return None
    missing = [f.name for f in rt.fields if f.required and f.name not in want.fields]
    if missing:
        problems.append(
            f'{want.location} {rt.title} "{want.name}" does not exist yet, and '
            f"creating it needs: {', '.join(missing)}"
        )
        return None
    fields = tuple(
        FieldChange(name, None, value)
        for name, value in want.fields.items()
        if not rt.by_name[name].write_only
    )
    made = Purchase if want.purchase else Create
    return made(
        rt.kind, want.name, None, fields, dict(want.fields) | _write_only(rt, want)
    )


def _replace(
    rt: ResourceType,
    want: Resource,
    have: Resource,
    changed: list[FieldChange],
    problems: list[str],
) -> Change | None:
    forced = sorted({fc.name for fc in changed} & rt.create_only)
    if rt.guard_delete:
        problems.append(
            f'{want.location} {rt.title} "{want.name}" ({have.sid}): '
            f"{', '.join(forced)} cannot be changed in place, and replacing a "
            f"{rt.title} would release it. Point the entry's `sid:` at the number "
            "you mean, or declare the new number as its own entry."
        )
        return None
    # Carry over what the manifest leaves unmanaged, so the replacement keeps it.
    kept = {
        name: value
        for name, value in own_fields(rt, have.fields).items()
        if value is not None and name != rt.identity
    }
    send = kept | dict(want.fields) | _write_only(rt, want)
    note = f"{', '.join(forced)} cannot change in place: creates a new {rt.title}, "
    note += "re-points what uses it, then deletes the old one"
    return Replace(rt.kind, want.name, have.sid, tuple(changed), send, (note,))


def _delete(rt: ResourceType, have: Resource) -> Delete:
    notes = ("releases this phone number",) if rt.guard_delete else ()
    fields = tuple(
        FieldChange(name, value, None)
        for name, value in have.fields.items()
        if value is not None and name in rt.by_name
    )
    return Delete(
        rt.kind, have.name, have.sid, fields, {}, notes, guarded=rt.guard_delete
    )


def _leftover(old: Resource) -> Delete:
    rt = REGISTRY[old.kind]
    change = _delete(rt, old)
    fixed = ", ".join(sorted(rt.create_only))
    note = (
        f"left behind by an interrupted replace: its {fixed} differs from the "
        "manifest's; what uses it is re-pointed first"
    )
    return replace(change, notes=(*change.notes, note))


def _write_only(rt: ResourceType, want: Resource) -> dict[str, Any]:
    """Write-only fields to send: the manifest's value, else the field's default
    (a write-only default is what twilio-iac wants sent, e.g. no auto-correct)."""
    return {
        f.name: want.fields.get(f.name, f.default)
        for f in rt.fields
        if f.write_only and (f.name in want.fields or f.default is not None)
    }
