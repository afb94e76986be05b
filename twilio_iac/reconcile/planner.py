"""Compare desired and live state and produce an ordered, safe Plan.

Design note. live.py has already normalized every value (null vs "", booleans,
method case, server defaults), so the diff itself is a plain comparison of the
fields a manifest sets; fields it leaves out are never compared. The steps:

1. Match: a manifest entry claims the live object its `sid:` pin names, else
   the one live object with its identity. Two candidates is an error, never a
   guess. Live objects nobody claims are left alone unless their kind is pruned.
2. Resolve: SIDs become Refs to the name the plan knows the target by, on both
   sides, so `voice_application: ivr` equals a live `voice_application_sid: AP…`.
3. Diff: absent → Create (phone numbers only with `purchase: true`); changed
   create-only field → Replace (never for phone numbers: that would release
   one); other changes → Update; unclaimed live objects of pruned kinds → Delete.
4. Re-point objects that refer to a replaced target, refuse deletes that would
   leave a dangling reference, then order by the kind dependency graph:
   writes in dependency order, deletes in reverse.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from twilio_iac.errors import AmbiguousLiveState, PlanError
from twilio_iac.manifests import pools
from twilio_iac.manifests.desired import Desired
from twilio_iac.model import Key, Ref, Resource
from twilio_iac.reconcile import held, referrers, selection
from twilio_iac.reconcile.plan import (
    AddHeld,
    Change,
    Create,
    Delete,
    FieldChange,
    Plan,
    RemoveHeld,
    Replace,
    SetHeld,
    Update,
    count_managed,
    too_much_change,
)
from twilio_iac.resources import REGISTRY, ResourceType, apply_order

Live = Mapping[str, list[Resource]]

_RANK = {"create": 0, "replace": 1, "update": 2, "delete": 3}


def plan(
    desired: Desired,
    live: Live,
    account_sid: str,
    kinds: tuple[str, ...] | None = None,
) -> Plan:
    """``kinds``: plan changes to these kinds only (`--kinds`, selection.py)."""
    problems: list[str] = []
    warnings = list(desired.warnings)
    # Objects an ignore rule hands to someone else are never matched, diffed or
    # deleted; they still count as referrers, which nothing may leave dangling.
    ignored = [
        r for items in live.values() for r in items if desired.ignored(r.kind, r.name)
    ]
    skip = {r.sid for r in ignored}
    managed = {
        kind: [r for r in items if r.sid not in skip] for kind, items in live.items()
    }
    pairs, leftovers, superseded = _match(
        desired.resources, managed, problems, warnings
    )
    if problems:
        raise AmbiguousLiveState(
            "Live objects share an identity, so the plan cannot tell which one a "
            "manifest entry means. Nothing was changed.",
            problems,
        )
    refs = _ref_names(pairs, leftovers)
    # Each live object resolved once, for its pair and for the referrer checks.
    resolved = {r.sid: _resolve(r, refs) for items in live.values() for r in items}
    owners = _owners(pairs, leftovers)
    if kinds is None:
        changes = _diffs(desired, pairs, refs, resolved, problems)
        changes |= _prunes(desired.prune, leftovers, owners, superseded)
        holdings = _held(desired, pairs, changes, live, problems)
    else:
        # Entries of unselected kinds with no live object: the whole plan
        # would create them, this one cannot.
        absent = [
            k for k, have in pairs.items() if have is None and k.kind not in kinds
        ]
        changes, holdings, superseded = _selected(
            kinds,
            desired,
            (pairs, refs, resolved),
            (leftovers, owners, superseded),
            absent,
            live,
            problems,
        )
        changes, holdings = selection.keep(
            kinds, changes, holdings, [Ref(k.kind, k.name) for k in absent], problems
        )
    moves = _moves(changes, superseded)
    resolved_live = [
        (owners.get(r.sid, r.key), resolved[r.sid])
        for items in live.values()
        for r in items
    ]
    referrers.repoint(changes, resolved_live, moves, {r.key for r in ignored}, problems)
    if kinds is not None:
        selection.outside(kinds, changes, problems)
    referrers.check_dangling(changes, resolved_live, problems)
    warnings += referrers.exclusion_notes(changes, resolved_live)
    if problems:
        raise PlanError("The manifests cannot be applied to this account:", problems)
    sids = {ref: sid for sid, ref in refs.items()}
    result = _finished(desired, live, account_sid, changes, holdings, warnings, sids)
    return result if kinds is None else replace(result, kinds=kinds)


def _selected(
    kinds: tuple[str, ...],
    desired: Desired,
    matched: tuple[
        Mapping[Key, Resource | None], Mapping[str, Ref], Mapping[str | None, Resource]
    ],
    unclaimed: tuple[
        Mapping[str, list[Resource]],
        Mapping[str | None, Key],
        list[tuple[Resource, Key]],
    ],
    absent: list[Key],
    live: Live,
    problems: list[str],
) -> tuple[dict[Key, Change], list[Change], list[tuple[Resource, Key]]]:
    """The diffs, prunes and held changes of a `--kinds` plan, before
    selection.keep drops what is outside it; prune only within ``kinds``.
    Entries of other kinds are not diffed (their problems are not this
    plan's); those ``absent`` live count as created, so a selected pool that
    wants one is refused by name, not planned without it."""
    pairs, refs, resolved = matched
    leftovers, owners, superseded = unclaimed
    superseded = [(old, key) for old, key in superseded if old.kind in kinds]
    chosen = replace(
        desired,
        resources={k: r for k, r in desired.resources.items() if k.kind in kinds},
    )
    changes = _diffs(chosen, pairs, refs, resolved, problems)
    changes |= _prunes(desired.prune & set(kinds), leftovers, owners, superseded)
    creates = {key: Create(key.kind, key.name, None) for key in absent}
    holdings = _held(chosen, pairs, changes | creates, live, problems)
    return changes | creates, holdings, superseded


def _finished(
    desired: Desired,
    live: Live,
    account_sid: str,
    changes: Mapping[Key, Change],
    holdings: list[Change],
    warnings: list[str],
    sids: dict[Ref, str],
) -> Plan:
    """The plan with what it was computed against: the live fields of every
    object it touches and the live counts behind the too-much-change check."""
    ordered = tuple(_ordered(changes.values()))
    # Held steps go between the writes and the deletes (reconcile/held.py).
    writes = [c for c in ordered if not isinstance(c, Delete)]
    deletes = [c for c in ordered if isinstance(c, Delete)]
    ordered = (*writes, *holdings, *deletes)
    ignore = dict(desired.ignore)
    counts = count_managed(ignore, live)
    too_much = too_much_change(ordered, counts)
    if too_much:
        warnings.append("apply will refuse without --force: " + "; ".join(too_much))
    by_sid = {r.sid: r for items in live.values() for r in items}
    return Plan(
        account_sid,
        ordered,
        tuple(warnings),
        sids,
        observed={c.sid: dict(by_sid[c.sid].fields) for c in ordered if c.sid},
        live_counts=counts,
        ignore=ignore,
    )


def _held(
    desired: Desired,
    pairs: Mapping[Key, Resource | None],
    changes: Mapping[Key, Change],
    live: Live,
    problems: list[str],
) -> list[Change]:
    """Pool members, nested children and sub-path settings (reconcile/held.py):
    members leave (all of them: a member may be moving), settings are set,
    then members join."""
    declared = {
        key: (want, pairs.get(key))
        for key, want in desired.resources.items()
        if REGISTRY[key.kind].parts
        or any(
            REGISTRY[key.kind].by_name.get(n, None) is not None
            and REGISTRY[key.kind].by_name[n].endpoint
            for n in want.fields
        )
    }
    members: dict[tuple[str, str], str | Ref | None] = {
        (r.kind, r.name): r.sid for items in live.values() for r in items
    }
    for c in changes.values():
        if isinstance(c, Create):
            members[(c.kind, c.name)] = Ref(c.kind, c.name)
    labels = {
        (kind, keys[0]): label
        for kind, by_label in pools.names(list(desired.resources.values())).items()
        for label, keys in by_label.items()
        if len(keys) == 1
    }
    found = held.plan(declared, changes, members, problems, labels)
    by_sid = {r.sid: r for items in live.values() for r in items}
    deletes = [c for c in changes.values() if isinstance(c, Delete)]
    found += held.removals_before_delete(deletes, by_sid)
    ignored = {
        r.key
        for items in live.values()
        for r in items
        if desired.ignored(r.kind, r.name)
    }
    found, evicted = held.evictions(
        found, [r for items in live.values() for r in items], ignored
    )
    problems += evicted
    found = held.moves(found)
    rank = {RemoveHeld: 0, SetHeld: 1, AddHeld: 2}
    return sorted(found, key=lambda c: rank[type(c)])


def _diffs(
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
        if rt.parts or want.fields.keys() - held.own_fields(rt, want.fields).keys():
            want = replace(want, fields=held.own_fields(rt, want.fields))
        change = _diff_one(rt, _resolve(want, refs), have, problems)
        if change:
            changes[key] = change
    return changes


def _prunes(
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


def _moves(
    changes: Mapping[Key, Change], superseded: list[tuple[Resource, Key]]
) -> dict[Any, Ref]:
    """What referrers hold now → the target they must point at instead."""
    moves: dict[Any, Ref] = {
        Ref(c.kind, c.name): Ref(c.kind, c.name)
        for c in changes.values()
        if isinstance(c, Replace)
    }
    moves.update({old.sid: Ref(key.kind, key.name) for old, key in superseded})
    return moves


def _match(
    wanted: Mapping[Key, Resource], live: Live, problems: list[str], warnings: list[str]
) -> tuple[
    dict[Key, Resource | None],
    dict[str, list[Resource]],
    list[tuple[Resource, Key]],
]:
    pairs: dict[Key, Resource | None] = {}
    leftovers: dict[str, list[Resource]] = {}
    superseded: list[tuple[Resource, Key]] = []
    by_kind: dict[str, list[Resource]] = defaultdict(list)
    for want in wanted.values():
        by_kind[want.kind].append(want)
    for kind in set(by_kind) | set(live):
        lives = live.get(kind, [])
        claimed = _match_pins(by_kind[kind], lives, pairs, warnings)
        by_name: dict[str, list[Resource]] = defaultdict(list)
        for r in lives:
            if r.sid not in claimed:
                by_name[r.name].append(r)
        for want in (w for w in by_kind[kind] if not w.sid):
            found = by_name.get(want.name, [])
            survivor = _replacement(REGISTRY[kind], want, found)
            if survivor is not None:
                superseded += [(r, want.key) for r in found if r is not survivor]
                found = [survivor]
            elif len(found) > 1:
                sids = ", ".join(r.sid or "?" for r in found)
                problems.append(
                    f'{want.location} {kind} "{want.name}": {len(found)} live objects '
                    f"have this identity ({sids}); add `sid:` to the entry to pin one"
                )
            pairs[want.key] = found[0] if len(found) == 1 else None
            claimed.update(r.sid for r in found)
        leftovers[kind] = [r for r in lives if r.sid not in claimed]
    return pairs, leftovers, superseded


def _match_pins(
    wants: list[Resource],
    lives: list[Resource],
    pairs: dict[Key, Resource | None],
    warnings: list[str],
) -> set[str | None]:
    """Entries with a `sid:` pin claim that object; returns the claimed SIDs."""
    by_sid = {r.sid: r for r in lives}
    claimed: set[str | None] = set()
    for want in (w for w in wants if w.sid):
        hit = by_sid.get(want.sid)
        pairs[want.key] = hit
        claimed.add(want.sid)
        if hit is None:
            warnings.append(
                f'{want.location} {REGISTRY[want.kind].title} "{want.name}" is '
                f"pinned to {want.sid}, which does not exist (deleted outside "
                "twilio-iac?): it is planned as a create."
            )
    return claimed


def _replacement(
    rt: ResourceType, want: Resource, found: list[Resource]
) -> Resource | None:
    """After an interrupted replace, the one same-named object that already has
    the manifest's create-only values is the replacement; the others are what
    the replace was going to delete."""
    fixed = [name for name in rt.create_only if name in want.fields]
    if len(found) < 2 or not fixed or rt.guard_delete:
        return None
    fits = [r for r in found if all(r.fields.get(f) == want.fields[f] for f in fixed)]
    return fits[0] if len(fits) == 1 else None


def _ref_names(
    pairs: Mapping[Key, Resource | None], leftovers: Mapping[str, list[Resource]]
) -> dict[str, Ref]:
    """SID → the name the plan calls that object (the manifest's, when matched).

    A leftover whose name another live object of its kind also has keeps its
    raw SID: mapping both to one name would make different targets compare equal.
    """
    refs = {
        have.sid: Ref(key.kind, key.name)
        for key, have in pairs.items()
        if have is not None and have.sid
    }
    taken = Counter(Ref(key.kind, key.name) for key in pairs)
    taken.update(Ref(r.kind, r.name) for items in leftovers.values() for r in items)
    for items in leftovers.values():
        for r in items:
            if r.sid and taken[Ref(r.kind, r.name)] == 1:
                refs[r.sid] = Ref(r.kind, r.name)
    return refs


def _owners(
    pairs: Mapping[Key, Resource | None], leftovers: Mapping[str, list[Resource]]
) -> dict[str | None, Key]:
    owners = {r.sid: r.key for items in leftovers.values() for r in items}
    owners.update({have.sid: key for key, have in pairs.items() if have is not None})
    return owners


def _resolve(resource: Resource, refs: Mapping[str, Ref]) -> Resource:
    found = {
        name: refs[value]
        for name in REGISTRY[resource.kind].references
        if isinstance(value := resource.fields.get(name), str) and value in refs
    }
    if not found:  # nothing to resolve: no need for a copy
        return resource
    return replace(resource, fields=resource.fields | found)


def _diff_one(
    rt: ResourceType, want: Resource, have: Resource | None, problems: list[str]
) -> Change | None:
    if have is None:
        return _create(rt, want, problems)
    changed = [
        FieldChange(name, have.fields.get(name), after)
        for name, after in want.fields.items()
        if not rt.by_name[name].write_only and have.fields.get(name) != after
    ]
    if not changed:
        return None
    names = {fc.name for fc in changed}
    if names & rt.create_only:
        return _replace(rt, want, have, changed, problems)
    send = {fc.name: fc.after for fc in changed} | _write_only(rt, want)
    return Update(rt.kind, want.name, have.sid, tuple(changed), send)


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
    notes = ("purchases this number from Twilio",) if want.purchase else ()
    return Create(
        rt.kind,
        want.name,
        None,
        fields,
        dict(want.fields) | _write_only(rt, want),
        notes,
        purchase=want.purchase,
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
        for name, value in held.own_fields(rt, have.fields).items()
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


def _ordered(changes: Any) -> list[Change]:
    position = {kind: i for i, kind in enumerate(apply_order())}
    writes = [c for c in changes if not isinstance(c, Delete)]
    deletes = [c for c in changes if isinstance(c, Delete)]
    writes.sort(key=lambda c: (position[c.kind], _RANK[c.action], c.name))
    deletes.sort(key=lambda c: (-position[c.kind], c.name))
    return writes + deletes
