"""Plan → text (for people) or JSON (for machines), one function each.

Rows are built as data first and formatted once; colour is applied here and
only here, and only when the caller says the output is a terminal.
"""

from __future__ import annotations

import json
from typing import Any

import click

from twilio_iac.model import Ref
from twilio_iac.reconcile.plan import Change, Create, Delete, FieldChange, Plan

NO_CHANGES = "No changes. Live state matches the manifests."
_COLOURS = {"+": "green", "~": "yellow", "-/+": "magenta", "-": "red"}
_ARROW = "→"


def summary(plan: Plan) -> str:
    c = plan.counts
    return (
        f"Plan: {c['create']} to create, {c['update']} to update, "
        f"{c['replace']} to replace, {c['delete']} to delete."
    )


def text(plan: Plan, colour: bool = False) -> str:
    lines = [f"Account {plan.account_sid}", ""]
    if plan.empty:
        lines.append(NO_CHANGES)
    created = {Ref(c.kind, c.name) for c in plan.changes if isinstance(c, Create)}
    for change in plan.changes:
        lines += _change_lines(change, created, colour)
    warnings = list(plan.warnings)
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


def _change_lines(change: Change, created: set[Ref], colour: bool) -> list[str]:
    head = f"{change.symbol} {change.label}"
    sid = "(sid known after apply)" if isinstance(change, Create) else change.sid
    lines = [_paint(head, _COLOURS[change.symbol], colour, bold=True) + f"  {sid}"]
    if not isinstance(change, Delete):
        new = isinstance(change, Create)
        rows = [_field_row(fc, change.kind, created, new) for fc in change.fields]
        width = max((len(label) for label, _ in rows), default=0)
        lines += [f"    {label.ljust(width)}  {value}" for label, value in rows]
    lines += [f"    # {note}" for note in change.notes]
    return lines


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
