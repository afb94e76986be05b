"""Plan → text (for people) or JSON (for machines), one function each.

Rows are built as data first and formatted once; colour is applied here and
only here, and only when the caller says the output is a terminal.
"""

from __future__ import annotations

import json
from typing import Any

import click

from twilio_iac.model import Ref
from twilio_iac.reconcile import structure
from twilio_iac.reconcile.plan import (
    Change,
    Create,
    Delete,
    FieldChange,
    MemberChange,
    Plan,
    Update,
)
from twilio_iac.resources import REGISTRY

NO_CHANGES = "No changes. Live state matches the manifests."
_COLOURS = {
    "+": "green",
    "+$": "cyan",
    "~": "yellow",
    "-/+": "magenta",
    "-": "red",
    "−": "red",
}
_ARROW = "→"


def summary(plan: Plan) -> str:
    c, h = plan.counts, plan.member_counts
    # Purchases are named only when there are some: they cost money monthly.
    bought = f"{c['purchase']} to purchase, " if c["purchase"] else ""
    text = (
        f"Plan: {bought}{c['create']} to create, {c['update']} to update, "
        f"{c['replace']} to replace, {c['delete']} to delete."
    )
    if any(h.values()):
        text += (
            f" Pool members and nested objects: {h['add']} to add, "
            f"{h['remove']} to remove, {h['set']} to change."
        )
    return text


def text(plan: Plan, colour: bool = False) -> str:
    lines = [f"Account {plan.account_sid}", ""]
    if plan.scope:
        lines[1:1] = [_paint(plan.scope, "yellow", colour)]
    if plan.empty:
        lines.append(NO_CHANGES)
    created = {Ref(c.kind, c.name) for c in plan.changes if isinstance(c, Create)}
    for change, member_changes in grouped(plan):
        lines += _change_lines(change, created, colour)
        lines += member_lines(member_changes, colour)
    warnings = list(plan.warnings)
    if plan.purchases:
        warnings.insert(0, purchase_warning(plan))
    if plan.releases:
        count = len(plan.releases)
        warnings.insert(
            0,
            f"this plan releases {count} phone number{'s' if count > 1 else ''}; "
            "apply refuses without --allow-release",
        )
    if warnings:
        lines += ["", _paint("Warnings:", "yellow", colour)]
        lines += [f"  ! {w}" for w in warnings]
    if not plan.empty:
        lines += ["", _paint(summary(plan), None, colour, bold=True)]
    return "\n".join(lines) + "\n"


def purchase_warning(plan: Plan) -> str:
    names = [c.name for c in plan.purchases]
    shown = ", ".join(names[:5]) + (", …" if len(names) > 5 else "")
    noun = "phone number" if len(names) == 1 else "phone numbers"
    return (
        f"this plan buys {len(names)} {noun} ({shown}); each is billed monthly, "
        "at the price Twilio sets for its country and type, until released"
    )


def _change_lines(change: Change, created: set[Ref], colour: bool) -> list[str]:
    head = f"{change.symbol} {change.label}"
    sid = "(sid known after apply)" if isinstance(change, Create) else change.sid
    lines = [_paint(head, _COLOURS[change.symbol], colour, bold=True) + f"  {sid}"]
    if not isinstance(change, Delete):
        new = isinstance(change, Create)
        rows = [
            row
            for fc in change.fields
            for row in _field_rows(fc, change.kind, created, new)
        ]
        width = max((len(label) for label, _ in rows), default=0)
        lines += [f"    {label.ljust(width)}  {value}" for label, value in rows]
    lines += [f"    # {note}" for note in change.notes]
    return lines


def grouped(plan: Plan) -> list[tuple[Change, list[MemberChange]]]:
    """Each owner once, with what it holds changing listed under it: where
    its own change is, else where its first member change is (shown as ~)."""
    groups: dict[tuple[str, str], tuple[Change, list[MemberChange]]] = {}
    for change in plan.changes:
        key = (change.kind, change.name)
        if not isinstance(change, MemberChange):
            member_changes = groups[key][1] if key in groups else []
            groups[key] = (change, member_changes)
            continue
        if key not in groups:
            head: Change = Update(change.kind, change.name, change.sid)
            if change.sid is None:
                head = Create(change.kind, change.name, None)
            groups[key] = (head, [])
        groups[key][1].append(change)
    return list(groups.values())


def member_lines(member_changes: list[MemberChange], colour: bool) -> list[str]:
    """``senders.phone_numbers:  + "Support line"  − "+14155550102"``, then
    one indented line per nested object that changes and per note."""
    rows: dict[str, list[str]] = {}
    details: list[str] = []
    for c in member_changes:
        if not c.member:  # settings at a sub-path: plain field rows
            details += [
                f"    {fc.name}:  {_value(fc.after, set())}"
                if c.sid is None  # the owner is new: only what it sets
                else f"    {fc.name}:  {_value(fc.before, set())} {_ARROW} "
                f"{_value(fc.after, set())}"
                for fc in c.fields
            ]
            continue
        item = f"{c.symbol} {json.dumps(c.member, ensure_ascii=False)}"
        if c.moved:
            item += f" (moved {'to' if c.action == 'remove' else 'from'} "
            item += f'"{c.moved}")'
        rows.setdefault(c.part, []).append(_paint(item, _COLOURS[c.symbol], colour))
        if c.fields and c.action != "remove":
            shown = ", ".join(
                f"{fc.name}: {_value(fc.after, set())}"
                if c.action == "add"
                else f"{fc.name}: {_value(fc.before, set())} {_ARROW} "
                f"{_value(fc.after, set())}"
                for fc in c.fields
            )
            details.append(f"      {c.part}[{json.dumps(c.member)}] {shown}")
        details += [f"      # {c.member}: {note}" for note in c.notes]
    lines = [f"    {part}:  " + "  ".join(items) for part, items in rows.items()]
    return lines + details


def _field_rows(
    fc: FieldChange, kind: str, created: set[Ref], new: bool
) -> list[tuple[str, str]]:
    """One row per field; a structured one (a flow's definition) as one row
    per property that changes, never the whole value."""
    field = REGISTRY[kind].by_name.get(fc.name)
    if field is None or field.type != "json":
        return [_field_row(fc, kind, created, new)]
    if new:
        return [(f"{fc.name}:", structure.summary(fc.after))]
    return [
        (f"{path}:", value)
        for path, value in structure.definition(fc.before, fc.after).lines()
    ]


def _field_row(
    fc: FieldChange, kind: str, created: set[Ref], new: bool
) -> tuple[str, str]:
    label = fc.label(kind) + ":"
    after = _value(fc.after, created)
    # A create lists only the values it sets; an update keeps the arrow even
    # from null, so the reviewer sees the field was unset.
    value = after if new else f"{_value(fc.before, set())} {_ARROW} {after}"
    if fc.note:
        value += f"  ({fc.note})"
    return label, value


def _value(value: Any, created: set[Ref]) -> str:
    if isinstance(value, Ref):
        shown = json.dumps(value.name)
        return f"{shown} (known after apply)" if value in created else shown
    return json.dumps(value, ensure_ascii=False)


def _paint(text_: str, fg: str | None, colour: bool, bold: bool = False) -> str:
    return click.style(text_, fg=fg, bold=bold) if colour else text_


def as_json(plan: Plan) -> str:
    return json.dumps(plan.data, indent=2, ensure_ascii=False) + "\n"
