"""Plan → GitHub-flavoured markdown for a pull-request comment.

Rows are built as data first and formatted once. The field-level details reuse
the text renderer's lines, so a reviewer sees exactly what `plan` prints; the
result never exceeds ``limit`` characters (GitHub rejects longer comments).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

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
from twilio_iac.render import text as text_renderer
from twilio_iac.resources import REGISTRY

GITHUB_LIMIT = 65536
HOW_TO_SEE_ALL = (
    "Run `twilio-iac plan` locally, or download the plan artifact of this run, "
    "to see every change."
)
_ESCAPED = re.compile(r"([\\`*_\[\]|~#])")
_NEWLINES = re.compile(r"\r\n|\r|\n")
_QUIET = ("create", "update", "add", "set")  # actions not bolded in the tables


@dataclass(frozen=True)
class Row:
    """One line of a kind's table."""

    kind: str
    action: str
    name: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Document:
    heading: str
    account_sid: str
    alert: str | None  # the bold warning line
    warnings: tuple[str, ...]
    rows: tuple[Row, ...]  # grouped by kind, in plan order
    details: tuple[str, ...]  # one text block per change, in plan order
    scope: str | None = None  # a partial plan (--kinds) says so up top


def render(plan: Plan, limit: int = GITHUB_LIMIT) -> str:
    """The plan as markdown of at most ``limit`` characters."""
    if plan.empty:
        line = f"**twilio-iac plan** for `{plan.account_sid}`: No changes. "
        line += "Live state matches the manifests.\n"
        if plan.scope:
            line += f"\n> **{plan.scope}**\n"
        return _cut(line + _warnings(plan.warnings), limit)
    return _fit(document(plan), limit)


def document(plan: Plan) -> Document:
    created = {Ref(c.kind, c.name) for c in plan.changes if isinstance(c, Create)}
    kinds = list(dict.fromkeys(c.kind for c in plan.changes))
    ordered = sorted(plan.changes, key=lambda c: kinds.index(c.kind))
    return Document(
        heading=_heading(plan),
        account_sid=plan.account_sid,
        alert=_alert(plan),
        warnings=plan.warnings,
        rows=tuple(_row(change) for change in ordered),
        details=tuple(_details(change, created) for change in plan.changes),
        scope=plan.scope,
    )


def _heading(plan: Plan) -> str:
    """The summary; a partial plan says so where a reviewer looks first."""
    heading = text_renderer.summary(plan).rstrip(".")
    if plan.kinds is None:
        return heading
    return heading.replace("Plan:", f"Partial plan ({', '.join(plan.kinds)}):", 1)


def _row(change: Change) -> Row:
    if isinstance(change, MemberChange):
        labels = tuple(fc.name for fc in change.fields) or (change.part,)
        what = f" {change.member}" if change.member else ""
        moved = f" (moved {'to' if change.action == 'remove' else 'from'} "
        moved = moved + f"{change.moved})" if change.moved else ""
        return Row(
            change.kind,
            change.action,
            f"{change.name}: {change.part}{what}{moved}",
            labels,
        )
    action = change.action
    if isinstance(change, Delete) and change.guarded:
        action = "release"
    labels: tuple[str, ...] = ()
    if not isinstance(change, Delete):
        labels = tuple(_label(change, fc) for fc in change.fields)
    return Row(change.kind, action, change.name, labels)


def _label(change: Change, fc: FieldChange) -> str:
    """A field's name; a changed definition also names what in it changes."""
    label = fc.label(change.kind)
    field = REGISTRY[change.kind].by_name.get(fc.name)
    if field is None or field.type != "json" or not isinstance(change, Update):
        return label
    what = structure.definition(fc.before, fc.after).summary()
    return f"{label} ({what})" if what else label


def _details(change: Change, created: set[Ref]) -> str:
    if isinstance(change, MemberChange):
        head = f'~ {change.kind} "{change.name}"  {change.sid or ""}'.rstrip()
        lines = [head, *text_renderer.member_lines([change], False)]
        return "\n".join(lines) + "\n"
    return "\n".join(text_renderer._change_lines(change, created, False)) + "\n"


def _alert(plan: Plan) -> str | None:
    counts, releases = plan.counts, [c.name for c in plan.releases]
    parts = []
    bought = [c.name for c in plan.purchases]
    if bought:
        shown = ", ".join(bought[:5]) + (", …" if len(bought) > 5 else "")
        what = _things(len(bought), "phone number")
        parts.append(f"buys {what} ({shown}), each billed monthly until released")
    if counts["delete"]:
        parts.append(f"deletes {_things(counts['delete'], 'object')}")
    if counts["replace"]:
        parts.append(f"replaces {_things(counts['replace'], 'object')}")
    if releases:
        shown = ", ".join(releases[:5]) + (", …" if len(releases) > 5 else "")
        what = _things(len(releases), "phone number")
        parts.append(f"releases {what} ({shown}), which may never come back")
    if not parts:
        return None
    said = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
    return f"**⚠️ Warning: this plan {said}. Review it before merging.**"


def _things(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _warnings(warnings: tuple[str, ...]) -> str:
    if not warnings:
        return ""
    return "\nWarnings:\n\n" + "".join(f"- {cell(w)}\n" for w in warnings)


def cell(text: str) -> str:
    """Text safe inside a table cell or list item: no markup, one line."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _NEWLINES.sub("<br>", _ESCAPED.sub(r"\\\1", text))


def _fit(doc: Document, limit: int) -> str:
    """All rows and as many details as fit; else as many rows as fit."""
    rows, details = len(doc.rows), len(doc.details)
    if len(full := _compose(doc, rows, details)) <= limit:
        return full
    if len(_compose(doc, rows, 0)) <= limit:
        kept = _most(lambda n: len(_compose(doc, rows, n)) <= limit, details)
        return _compose(doc, rows, kept)
    kept = _most(lambda n: len(_compose(doc, n, 0)) <= limit, rows)
    return _cut(_compose(doc, kept, 0), limit)


def _most(fits: Callable[[int], bool], high: int) -> int:
    """The largest n in [0, high] with fits(n), given fits is monotone."""
    low = 0
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(middle) else (low, middle - 1)
    return low


def _compose(doc: Document, rows: int, details: int) -> str:
    total = len(doc.rows)
    parts = [f"### {doc.heading}\n\nAccount `{doc.account_sid}`\n"]
    if doc.scope:
        parts.append(f"\n> **{doc.scope}**\n")
    if doc.alert:
        parts.append(f"\n{doc.alert}\n")
    parts.append(_warnings(doc.warnings))
    parts += _tables(doc.rows[:rows])
    if rows < total:
        parts.append(f"\n_… and {total - rows:,} more changes not listed._\n")
    if details:
        parts.append(_details_block(doc.details[:details], total))
    if details < total:
        parts.append(_truncation_note(total - rows, total - details, total))
    return "".join(parts)


def _tables(rows: tuple[Row, ...]) -> list[str]:
    parts, kind = [], None
    for row in rows:
        if row.kind != kind:
            kind = row.kind
            parts.append(f"\n#### {kind}\n\n| Action | Name | Changed fields |\n")
            parts.append("| --- | --- | --- |\n")
        action = row.action if row.action in _QUIET else f"**{row.action}**"
        fields = ", ".join(f"`{name}`" for name in row.fields) or "—"
        parts.append(f"| {action} | {cell(row.name)} | {fields} |\n")
    return parts


def _details_block(blocks: tuple[str, ...], total: int) -> str:
    body = "\n".join(blocks)
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    shown = f"{len(blocks):,} of {total:,}" if len(blocks) < total else f"{total:,}"
    return (
        f"\n<details>\n<summary>Field-level details ({shown} changes)</summary>\n\n"
        f"{fence}diff\n{body}{fence}\n\n</details>\n"
    )


def _truncation_note(unlisted: int, left_out: int, total: int) -> str:
    if unlisted:
        said = f"{unlisted:,} of {total:,} changes are not listed and no "
        said += "field-level details are shown"
    else:
        said = f"the field-level details of {left_out:,} of {total:,} changes "
        said += "are left out"
    return (
        f"\n**Truncated:** {said} to fit GitHub's comment size limit. "
        f"{HOW_TO_SEE_ALL}\n"
    )


def _cut(text: str, limit: int) -> str:
    """Last resort when even the heading does not fit: cut and say so."""
    if len(text) <= limit:
        return text
    note = f"\n\n_… cut to {limit:,} characters. {HOW_TO_SEE_ALL}_\n"
    return text[: max(0, limit - len(note))] + note[:limit]
