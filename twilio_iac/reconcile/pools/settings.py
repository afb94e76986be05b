"""Settings an owner keeps at a sub-path (a trunk's Recording): dotted Fields
with ``endpoint`` set, written by one POST per sub-path rather than with the
owner's own fields."""

from __future__ import annotations

from twilio_iac.model import Resource
from twilio_iac.reconcile.plan import FieldChange, MemberChange, SetMember
from twilio_iac.resources import ResourceType

# The part name of fields naming the owner's children (a workspace's default
# activity), set at the owner's own path.
NAMED = "defaults"


def endpoint_fields(rt: ResourceType, want: Resource) -> list[str]:
    """Fields at a sub-path, and fields naming the owner's children (set at
    the owner's own path once those exist)."""
    return [
        n
        for n in want.fields
        if n in rt.by_name and (rt.by_name[n].endpoint or rt.by_name[n].names_part)
    ]


def changes(
    rt: ResourceType, want: Resource, have: Resource | None, after: tuple[str, ...]
) -> list[MemberChange]:
    """One SetMember per sub-path with changes."""
    by_path: dict[str, list[FieldChange]] = {}
    for name in endpoint_fields(rt, want):
        field = rt.by_name[name]
        before = have.fields.get(name) if have else None
        wanted = want.fields[name]
        if have is not None and before == wanted:
            continue
        if have is None and wanted == field.default:
            continue  # a new object starts with Twilio's default
        by_path.setdefault(field.endpoint or "", []).append(
            FieldChange(name, before, wanted)
        )
    return [
        SetMember(
            rt.kind,
            want.name,
            have.sid if have else None,
            tuple(fcs),
            {fc.name: fc.after for fc in fcs},
            part=path.strip("/").lower() or NAMED,
            member="",
            target=path,
            after=after,
        )
        for path, fcs in by_path.items()
    ]
