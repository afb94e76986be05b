"""Values that name an owner's children (resources/base.py ``names_part``),
as the wire takes them: the child's SID for a plain field, and a JSON string
whose names at ``name_paths`` are SIDs for a document. A value already
written as a SID is sent as written; so is any SID inside a filter
expression, which is text to Twilio (and to twilio-iac)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from twilio_iac.manifests import nested
from twilio_iac.model import Resource
from twilio_iac.resources import Field, ResourceType


def sent(field: Field, value: Any, find: Callable[[str, str], str]) -> Any:
    if not field.names_part:
        return json.dumps(value) if field.type == "json" else value
    part = field.names_part

    def swap(name: Any) -> Any:
        if not isinstance(name, str) or nested.SID.match(name):
            return name
        return find(part, name)

    if field.type == "json":
        return json.dumps(nested.replace_at(value, field.name_paths, swap))
    return swap(value)


def unknown(rt: ResourceType, want: Resource, have: Resource | None) -> list[str]:
    """Names of children in a part the entry leaves out (unmanaged, so not
    checked offline) that the live owner does not hold either: a problem at
    plan, not a failed step at apply. Declared parts were checked offline."""
    # A new owner holds what Twilio creates with it.
    held = (
        have.fields if have else {p.name: getattr(p, "adopted", {}) for p in rt.parts}
    )
    problems = []
    for f in rt.fields:
        value = want.fields.get(f.name)
        if f.names_part and isinstance(value, str):
            problems += _missing(rt, want, held, f.names_part, f.name, [value])
    for part in rt.parts:
        for child, fields in (want.fields.get(part.name) or {}).items():
            for f in getattr(part, "fields", ()):
                value = fields.get(f.name)
                if not f.names_part or value is None:
                    continue
                names = (
                    [n for _, n in nested.names_at(value, f.name_paths)]
                    if f.type == "json"
                    else [value]
                )
                where = f'{part.name} "{child}" {f.name}'
                problems += _missing(rt, want, held, f.names_part, where, names)
    return problems


def _missing(
    rt: ResourceType,
    want: Resource,
    held: Mapping[str, Any],
    part: str,
    where: str,
    names: list[Any],
) -> list[str]:
    if part in want.fields:  # declared: checked offline
        return []
    live = held.get(part) or {}
    at = f" ({want.location})" if want.location else ""
    return [
        f'{rt.kind} "{want.name}" {where}: names "{name}", which is not among the '
        f"live {part} of this {rt.title}{at}; declare it under {part}, or fix the "
        "name"
        for name in names
        if isinstance(name, str) and not nested.SID.match(name) and name not in live
    ]
