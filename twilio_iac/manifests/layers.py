"""Rules across files and layers: one declaration per resource, overrides, ignore.

Each PATH argument is a layer; the files of one layer merge as equals. A later
layer changes a resource of an earlier layer only through its ``overrides:``
section, field by field, so an accidental second declaration stays an error.
``account_sid`` must agree everywhere; ``prune`` and ``ignore`` are unions.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from typing import Any

from twilio_iac.manifests.located import Document, Entry, Located, Reason
from twilio_iac.resources import REGISTRY, ResourceType

_HINT = "; to change its fields from this layer, list it under overrides: instead"


@dataclass(frozen=True)
class IgnoreRule:
    """``ignore: {kind: [pattern]}``: live objects managed elsewhere."""

    kind: str
    pattern: str  # fnmatch glob on the identity, case-sensitive
    file: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def matches(self, name: str) -> bool:
        return fnmatchcase(name, self.pattern)


def mappings(documents: Sequence[Document]) -> Iterator[tuple[Document, Located]]:
    """(document, top-level mapping); schema.check reports files that are not one."""
    return ((d, d.data) for d in documents if isinstance(d.data, Located))


def declarations(documents: Sequence[Document]) -> list[Entry]:
    return [
        Entry(kind, index, doc.file, item, doc.layer)
        for doc, data in mappings(documents)
        for kind, index, item in _items(data)
    ]


def overrides(documents: Sequence[Document]) -> list[Entry]:
    return [
        Entry(kind, index, doc.file, item, doc.layer, "overrides.")
        for doc, data in mappings(documents)
        if isinstance(section := data.get("overrides"), Located)
        for kind, index, item in _items(section)
    ]


def _items(data: Located) -> Iterator[tuple[str, int, Located]]:
    for kind in REGISTRY:
        items = data.get(kind)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, Located):
                yield kind, index, item


def duplicates(entries: Sequence[Entry]) -> list[Reason]:
    """Declarations of an already-declared identity or of a pinned SID."""
    seen: dict[tuple[str, str, str], Entry] = {}
    problems = []
    for entry in entries:
        rt = REGISTRY[entry.kind]
        for key in (rt.identity, "sid"):
            value = entry.data.get(key)
            if not isinstance(value, str):
                continue
            first = seen.setdefault((entry.kind, key, value), entry)
            if first is entry or (key == rt.identity and _both_pinned(first, entry)):
                continue
            what = rt.title if key == rt.identity else f"{rt.title} pin sid"
            message = f"{what} {value} is already declared at {first.location}"
            if first.layer != entry.layer:
                message += " in an earlier layer" + _HINT
            problems.append(entry.reason(key, message))
    return problems


def _both_pinned(first: Entry, entry: Entry) -> bool:
    # Twilio allows two objects with one friendly_name; pins tell them apart
    # (export writes them so), and equal pins are caught as duplicate pins.
    return all(isinstance(e.data.get("sid"), str) for e in (first, entry))


def account_sid(documents: Sequence[Document]) -> tuple[str | None, list[Reason]]:
    """The first account_sid of any layer; any other value is a problem."""
    declared = [
        (doc.file, data)
        for doc, data in mappings(documents)
        if isinstance(data.get("account_sid"), str)
    ]
    if not declared:
        return None, []
    file, first = declared[0]
    sid, where = first["account_sid"], f"{file}:{first.line('account_sid')}"
    message = "{} disagrees with " + f"{sid} declared at {where}"
    return sid, [
        Reason(file, data.line("account_sid"), "account_sid", message.format(other))
        for file, data in declared[1:]
        if (other := data["account_sid"]) != sid
    ]


def prune(documents: Sequence[Document]) -> frozenset[str]:
    kinds: set[str] = set()
    for _, data in mappings(documents):
        items = data.get("prune")
        if isinstance(items, list):
            kinds |= {item for item in items if isinstance(item, str)}
    return frozenset(kinds)


def ignore_rules(documents: Sequence[Document]) -> list[IgnoreRule]:
    rules = []
    for doc, data in mappings(documents):
        section = data.get("ignore")
        if not isinstance(section, Located):
            continue
        for kind, patterns in section.items():
            if kind in REGISTRY and isinstance(patterns, list):
                line = section.line(kind)
                rules += [
                    IgnoreRule(kind, p, doc.file, line)
                    for p in patterns
                    if isinstance(p, str)
                ]
    return rules


def ignored_declarations(
    entries: Sequence[Entry], rules: Sequence[IgnoreRule]
) -> list[Reason]:
    """Declaring an object an ignore rule hands to someone else is a contradiction."""
    problems: list[Reason] = []
    if not rules:  # glob matching only when a rule exists
        return problems
    for entry in entries:
        rt = REGISTRY[entry.kind]
        name = entry.data.get(rt.identity)
        if not isinstance(name, str):
            continue
        for rule in (r for r in rules if r.kind == entry.kind and r.matches(name)):
            message = (
                f"{rt.title} {name} is declared, but ignore rule {rule.pattern!r} "
                f"(ignore.{rule.kind} at {rule.where}) matches it too; ignored "
                "objects are never managed, so remove the declaration or narrow "
                "the rule"
            )
            problems.append(entry.reason(rt.identity, message))
            break
    return problems


Target = tuple[str, str]  # (kind, identity) of a declaration


def apply_overrides(
    declared: Sequence[Entry], changes: Sequence[Entry]
) -> tuple[list[Entry], list[Reason]]:
    """Declarations with every later layer's overrides merged in, in layer order.

    Every declaration comes back, in order, so that the rules across fields
    still see duplicates and entries without a valid identity.
    """
    if not changes:  # no override: every declaration as it is
        return list(declared), []
    current: dict[Target, Entry] = {}  # merged so far
    firsts: dict[Target, Entry] = {}  # as declared
    problems: list[Reason] = []
    for layer in sorted({e.layer for e in [*declared, *changes]}):
        seen: dict[Target, Entry] = {}
        for change in (c for c in changes if c.layer == layer):
            target, problem = _target(change, current, declared)
            if problem is not None:
                problems.append(problem)
            elif target is not None and _first(seen, target, change, problems):
                current[target] = _merge(current[target], change)
        for entry in (e for e in declared if e.layer == layer):
            name = entry.data.get(REGISTRY[entry.kind].identity)
            if isinstance(name, str) and (entry.kind, name) not in current:
                current[(entry.kind, name)] = firsts[(entry.kind, name)] = entry
    merged = {id(firsts[target]): entry for target, entry in current.items()}
    return [merged.get(id(entry), entry) for entry in declared], problems


def _first(
    seen: dict[Target, Entry], target: Target, change: Entry, problems: list[Reason]
) -> bool:
    """True unless this layer already overrode ``target`` (which is a problem)."""
    first = seen.setdefault(target, change)
    if first is not change:
        rt = REGISTRY[change.kind]
        message = f"{rt.title} {target[1]} is already overridden at {first.location}"
        problems.append(change.reason(_match_key(rt, change), message))
    return first is change


def _match_key(rt: ResourceType, change: Entry) -> str:
    return rt.identity if isinstance(change.data.get(rt.identity), str) else "sid"


def _target(
    change: Entry, current: dict[Target, Entry], declared: Sequence[Entry]
) -> tuple[Target | None, Reason | None]:
    """The declaration ``change`` overrides, or why there is none."""
    rt = REGISTRY[change.kind]
    key = _match_key(rt, change)
    value = change.data.get(key)
    if not isinstance(value, str):
        return None, None  # schema.check reports the missing identity
    if key == rt.identity:
        if (change.kind, value) in current:
            return (change.kind, value), None
    else:  # by the sid an earlier declaration pins
        for target, entry in current.items():
            if target[0] == change.kind and entry.data.get("sid") == value:
                return target, None
    return None, change.reason(key, _undeclared(rt, key, value, change, declared))


def _undeclared(
    rt: ResourceType, key: str, value: str, change: Entry, declared: Sequence[Entry]
) -> str:
    what = rt.title if key == rt.identity else f"{rt.title} pinned to sid"
    for entry in declared:
        if entry.kind != rt.kind or entry.data.get(key) != value:
            continue
        if entry.layer == change.layer:
            return (
                f"{what} {value} is declared in this same layer at {entry.location}; "
                "overrides: only change resources of earlier layers, so edit that "
                "declaration instead"
            )
        return (
            f"{what} {value} is only declared at {entry.location}, in a later "
            "layer; overrides: only change resources of earlier layers"
        )
    earlier = sorted(
        name
        for e in declared
        if e.kind == rt.kind and e.layer < change.layer
        if isinstance(name := e.data.get(key), str)
    )
    match = difflib.get_close_matches(value, earlier, n=1)
    if change.layer == 0:
        hint = "; this is the first layer: pass the layers it builds on before it"
    elif match:
        hint = f"; did you mean {match[0]}?"
    elif key == "sid":
        hint = f"; name it by {rt.identity} instead"
    else:
        hint = f"; to add it in this layer, declare it under {rt.kind}: instead"
    return f"no {what} {value} is declared in an earlier layer to override{hint}"


def _merge(base: Entry, change: Entry) -> Entry:
    """``base`` with the fields ``change`` writes replacing its own."""
    rt = REGISTRY[base.kind]
    data, origins = base.data.copy(), dict(base.origins)
    for key, value in change.data.items():
        if key == rt.identity or key == _match_key(rt, change):
            continue  # names the target; an override cannot rename it
        for other in _spellings(rt, key):
            data.pop(other, None)
            origins.pop(other, None)
        data[key] = _overlay(data.get(key), value)
        origins[key] = change
    return replace(base, data=data, origins=origins)


def _spellings(rt: ResourceType, key: str) -> list[str]:
    """The other manifest key for the same field: a reference's alias or SID."""
    if key in rt.aliases:
        return [rt.aliases[key].name]
    field = rt.by_name.get(key)
    return [field.alias] if field and field.alias else []


def _overlay(base: Any, value: Any) -> Any:
    """Nested objects (Verify's ``push:``) merge per field; anything else replaces."""
    if not (isinstance(base, Located) and isinstance(value, Located)):
        return value
    merged = base.copy()
    for key, item in value.items():
        merged[key] = _overlay(merged.get(key), item)
        merged.key_lines[key] = value.key_lines.get(key, value.start)
    return merged
