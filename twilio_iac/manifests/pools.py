"""Pools in manifests, offline: what each member's name means, and Twilio's rules.

The manifest side of pools has two entry points, one per stage of loading:
check() (called by schema.check) refuses what Twilio would refuse or silently
undo, and resolve() (called by desired.load) turns the parts of built
Resources into the shape the planner compares.

A member of a pool whose members are objects (phone numbers) is written as an
E.164 number or as the friendly_name of a declared entry of that kind; both
resolve to the number. check() refuses a name nothing declares, one member
listed twice in a pool (by name and by number: the plan would show no change),
one member in two exclusive pools of the same kind, and a member entry
setting a field its pool's owner takes over.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from twilio_iac.manifests.located import Entry, LocatedList, Reason
from twilio_iac.model import Resource
from twilio_iac.resources import REGISTRY, Precedence, ResourceType
from twilio_iac.resources.pools import Part, Pool, dig

E164 = re.compile(r"^\+[1-9]\d{1,14}$")

Names = Mapping[str, Mapping[str, list[str]]]  # member kind → friendly_name → keys


def names(entries: Sequence[Any]) -> dict[str, dict[str, list[str]]]:
    """For each member kind, the identities its declared entries' friendly_names
    stand for (works on manifest Entries and on built Resources alike)."""
    member_kinds = {
        p.member_kind
        for rt in REGISTRY.values()
        for p in _pools(rt.kind)
        if p.member_kind
    }
    found: dict[str, dict[str, list[str]]] = {
        kind: defaultdict(list) for kind in member_kinds
    }
    for item in entries:
        if item.kind not in found:
            continue
        data = item.data if isinstance(item, Entry) else item.fields
        identity = REGISTRY[item.kind].identity
        key = data.get(identity) if isinstance(item, Entry) else item.name
        label = data.get("friendly_name")
        if isinstance(label, str) and isinstance(key, str):
            found[item.kind][label].append(key)
    return found


def resolve(resources: list[Resource]) -> list[Resource]:
    """Each part as the planner compares it: a pool as {member key: label as
    written}, members written by friendly_name resolved to the numbers they
    name; children as {identity: {field: value}}, normalized like any field."""
    known: Names | None = None  # only when some resource declares a part
    result = []
    for r in resources:
        parts = [p for p in REGISTRY[r.kind].parts if p.name in r.fields]
        if not parts:
            result.append(r)
            continue
        known = names(resources) if known is None else known
        fields = dict(r.fields)
        for part in parts:
            fields[part.name] = _shaped(part, fields[part.name], known)
        result.append(replace(r, fields=fields))
    return result


def _shaped(part: Part, value: Any, known: Names) -> dict[str, Any]:
    items = value or []
    if isinstance(part, Pool):
        return {_member_key(part, label, known) or label: label for label in items}
    return {
        child[part.identity]: {
            name: v if name == "sid" else part.by_name[name].normalize(v)
            for name, v in child.items()
        }
        for child in items
    }


def _pools(kind: str) -> list[Pool]:
    return [p for p in REGISTRY[kind].parts if isinstance(p, Pool)]


def _member_key(pool: Pool, label: str, known: Names) -> str | None:
    """The member key a manifest's label means; None when it means nothing."""
    if pool.member_kind is None:
        return label
    if E164.match(label):
        return label
    keys = known.get(pool.member_kind, {}).get(label, [])
    return keys[0] if len(keys) == 1 else None


def _written(entry: Entry) -> Iterator[tuple[Pool, list[str]]]:
    """Each pool the entry declares, with its members as written."""
    for pool in _pools(entry.kind):
        value = dig(entry.data, pool.name)
        if isinstance(value, list):
            yield pool, [v for v in value if isinstance(v, str)]


# (owner kind, pool, member key) → where it is declared.
_Places = dict[tuple[str, str, str], list[tuple[Entry, str]]]


def check(entries: Sequence[Entry]) -> list[Reason]:
    owners = {kind for kind in REGISTRY if _pools(kind)}
    written = [
        (entry, pool, labels)
        for entry in entries
        if entry.kind in owners
        for pool, labels in _written(entry)
    ]
    if not written:  # no pool declared: nothing to look up
        return []
    known = names(entries)
    by_key = _by_key(entries)
    problems: list[Reason] = []
    places: _Places = defaultdict(list)
    for entry, pool, labels in written:
        problems += _members(entry, pool, labels, known, by_key, places)
    return problems + _in_two_pools(places)


def _by_key(entries: Sequence[Entry]) -> dict[str, list[Entry]]:
    """Entries by kind and identity, so a member's own entry can be found."""
    by_key: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        identity = entry.data.get(REGISTRY[entry.kind].identity)
        if isinstance(identity, str):
            by_key[f"{entry.kind}\0{identity}"].append(entry)
    return by_key


def _members(
    entry: Entry,
    pool: Pool,
    labels: list[str],
    known: Names,
    by_key: Mapping[str, list[Entry]],
    places: _Places,
) -> list[Reason]:
    """One pool's members as written: each must resolve, once; an exclusive
    pool's are recorded in places for _in_two_pools."""
    problems: list[Reason] = []
    seen: dict[str, int] = {}
    for index, label in enumerate(labels):
        key = _member_key(pool, label, known)
        if key is None:
            problems.append(_unknown(entry, pool, label, known))
            continue
        if key in seen:
            problems.append(_twice(entry, pool, seen[key], index, key))
            continue
        seen[key] = index
        if pool.exclusive:
            places[(entry.kind, pool.name, key)].append((entry, label))
        problems += _taken_over(entry, pool, key, by_key)
    return problems


def _in_two_pools(places: _Places) -> list[Reason]:
    """A member of an exclusive pool declared in two owners' pools."""
    problems: list[Reason] = []
    for (kind, name, _key), where in places.items():
        owners = list(dict.fromkeys(id(e) for e, _ in where))
        if len(owners) < 2:
            continue
        first, _ = where[0]
        for entry, label in where[1:]:
            if entry is not first:
                problems.append(_also_in(entry, label, first, kind, name))
    return problems


def _also_in(entry: Entry, label: str, first: Entry, kind: str, name: str) -> Reason:
    return entry.reason(
        name.split(".")[0],
        f"{label} is also in {kind} "
        f'"{first.data.get(REGISTRY[kind].identity)}" ({first.location}); '
        f"Twilio allows {_a(_member_title(kind, name))} in one "
        f"{REGISTRY[kind].title} only, so keep it in one of the two pools",
    )


def _twice(entry: Entry, pool: Pool, first: int, again: int, key: str) -> Reason:
    """The same member under two labels: Twilio holds it once, so the plan
    would say "No changes" while the manifest seems to ask for two."""
    top = pool.name.split(".")[0]
    source = entry.origins.get(top, entry)
    listed = dig(source.data, pool.name)
    lines = listed if isinstance(listed, LocatedList) else LocatedList()
    line = lines.line(first) or source.data.line(top)
    labels = [listed[i] if isinstance(listed, list) else key for i in (first, again)]
    return Reason(
        source.file,
        lines.line(again) or source.data.line(top),
        f"{source.path}.{pool.name}[{again}]",
        f"{labels[1]!r} and {labels[0]!r} ({source.file}:{line}) are the same "
        f"number {key}, listed twice in this pool; list it once",
    )


def _member_title(kind: str, name: str) -> str:
    return REGISTRY[kind].parts_by_name[name].title


def _a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _unknown(entry: Entry, pool: Pool, label: str, known: Names) -> Reason:
    member = REGISTRY[pool.member_kind or ""]
    keys = known.get(pool.member_kind or "", {}).get(label, [])
    if len(keys) > 1:
        message = (
            f"{label!r} is the friendly_name of {len(keys)} {member.kind} entries "
            f"({', '.join(keys)}); write the number instead"
        )
    else:
        message = (
            f"{label!r} is neither an E.164 number nor the friendly_name of a "
            f"declared {member.kind} entry"
        )
    return entry.reason(pool.name.split(".")[0], message)


def _taken_over(
    owner: Entry, pool: Pool, key: str, by_key: Mapping[str, list[Entry]]
) -> list[Reason]:
    """Membership sets ``pool.sets`` on the member (a number's trunk_sid): the
    member kind's Precedence rules for that field apply to its entry."""
    if not pool.sets or pool.member_kind is None:
        return []
    member_rt = REGISTRY[pool.member_kind]
    owner_name = owner.data.get(REGISTRY[owner.kind].identity)
    where = f'{owner.kind} "{owner_name}" {pool.name} ({owner.location})'
    problems = []
    for member in by_key.get(f"{pool.member_kind}\0{key}", []):
        own = _set_by(member, member_rt, pool.sets)
        if own:
            problems.append(
                member.reason(
                    own,
                    f"{where} already sets this number's {pool.sets}; declare the "
                    "membership in one place",
                )
            )
            continue  # its own precedence rules already speak for the rest
        problems += _overruled(member, member_rt, pool.sets, where)
    return problems


def _overruled(
    member: Entry, member_rt: ResourceType, sets: str, where: str
) -> list[Reason]:
    """The member's own fields that the pool's ``sets`` wins over."""
    kept = member.data.get("allow_ignored")
    kept = set(kept) if isinstance(kept, list) else set()
    problems = []
    for rule in member_rt.precedence:
        if rule.winner != sets:
            continue
        for name in rule.fields:
            used = _set_by(member, member_rt, name)
            # allow_ignored may keep a field Twilio ignores, never one it clears.
            if not used or (used in kept and not rule.clears):
                continue
            problems.append(
                member.reason(used, _overruled_message(rule, used, sets, where))
            )
    return problems


def _overruled_message(rule: Precedence, used: str, sets: str, where: str) -> str:
    if rule.clears:
        return (
            f"conflicts with {where}, which sets this number's "
            f"{sets}: {rule.effect}, so every apply would flap; "
            f"remove {used} here, or take the number out of the pool"
        )
    return (
        f"Twilio ignores {used} while the number is in {where} "
        f"({rule.effect}), so it would never take effect; remove "
        f"it, or take the number out of the pool"
    )


def _set_by(entry: Entry, rt: ResourceType, name: str) -> str | None:
    """The manifest key giving field ``name`` a non-null value, if any."""
    alias = rt.by_name[name].alias
    for key in (name, alias):
        if key and entry.data.get(key) is not None:
            return key
    return None
