"""A fleet's plan and apply: text (a section per account, then one summary
table), JSON (schemas/fleet-plan.schema.json) and one pull-request comment.

Rows are built as data first (``rows``) and formatted once per output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import click

from twilio_iac import logs
from twilio_iac.errors import ApiError, TwilioIacError
from twilio_iac.reconcile.fleet import AccountPlan, FleetPlan
from twilio_iac.reconcile.fleet_apply import AccountResult
from twilio_iac.render import markdown as plan_markdown
from twilio_iac.render import text as plan_text

FORMAT_VERSION = 1
COLUMNS = ("create", "update", "replace", "delete")


@dataclass(frozen=True)
class Row:
    name: str
    sid: str | None
    counts: dict[str, int]
    error: str | None  # Twilio's code, else a short word


def counts(account: AccountPlan) -> dict[str, int]:
    """The account's changes by action, the account itself included."""
    found = dict.fromkeys(COLUMNS, 0)
    if account.plan is not None:
        for action in COLUMNS:
            found[action] += account.plan.counts[action]
    if account.change is not None:
        found[account.change.action] += 1
    return found


def error_data(error: TwilioIacError | None) -> dict[str, Any] | None:
    if error is None:
        return None
    data: dict[str, Any] = {"message": logs.scrub(str(error)), "code": None}
    if isinstance(error, ApiError):
        data |= {"code": error.code, "status": error.status}
    return data


def _error_cell(error: TwilioIacError | None) -> str | None:
    if error is None:
        return None
    if isinstance(error, ApiError):
        return str(error.code or f"HTTP {error.status or '-'}")
    return "error"


def rows(planned: FleetPlan) -> list[Row]:
    return [
        Row(a.name, a.sid, counts(a), _error_cell(a.error)) for a in planned.accounts
    ]


def table(found: list[Row]) -> str:
    head = ("account", *COLUMNS, "error")
    body = [
        (r.name, *(str(r.counts[c]) for c in COLUMNS), r.error or "") for r in found
    ]
    widths = [max(len(str(x[i])) for x in [head, *body]) for i in range(len(head))]
    lines = []
    for values in [head, *body]:
        cells = [
            v.ljust(w) if i in (0, len(head) - 1) else v.rjust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def headline(planned: FleetPlan) -> str:
    total = len(planned.accounts)
    changed = sum(a.changed for a in planned.accounts)
    failed = len(planned.failed)
    text = f"Fleet: {total} account{'s' if total != 1 else ''}, {changed} with changes"
    return text + (f", {failed} failed." if failed else ".")


def account_heading(account: AccountPlan) -> str:
    sid = account.sid or "new subaccount, created by apply"
    return f"== {account.name} ({sid}) =="


def account_lines(account: AccountPlan, colour: bool) -> list[str]:
    lines = []
    if account.change is not None:
        lines += _account_change(account, colour)
    if account.plan is not None:
        # Without the single-account heading: the section's names the account.
        body = plan_text.text(account.plan, colour=colour).splitlines()[2:]
        if account.change is None or not account.plan.empty:
            lines += body
    if account.note:
        lines.append(f"Resources not planned: {account.note}.")
    if account.error is not None:
        first, *rest = logs.scrub(str(account.error)).splitlines()
        lines += [_paint(f"Error: {first}", "red", colour), *rest]
    return lines


def _account_change(account: AccountPlan, colour: bool) -> list[str]:
    change = account.change
    assert change is not None
    if change.action == "create":
        lines = [_paint(f"+ account {change.friendly_name}", "green", colour)]
    else:
        lines = [_paint(f"~ account {change.friendly_name}", "yellow", colour)]
    lines += [
        f"    {field}: {json.dumps(before)} → {json.dumps(after)}"
        for field, before, after in change.fields
    ]
    return lines


def text(planned: FleetPlan, colour: bool = False) -> str:
    out: list[str] = []
    for account in planned.accounts:
        out += [_paint(account_heading(account), None, colour, bold=True)]
        out += [*account_lines(account, colour), ""]
    out += [headline(planned), "", table(rows(planned)).rstrip("\n")]
    return "\n".join(out) + "\n"


def data(planned: FleetPlan) -> dict[str, Any]:
    accounts = [_account_data(a) for a in planned.accounts]
    totals = dict.fromkeys(COLUMNS, 0)
    for account in planned.accounts:
        for action, count in counts(account).items():
            totals[action] += count
    return {
        "format_version": FORMAT_VERSION,
        "parent_sid": planned.parent_sid,
        "accounts": accounts,
        "summary": {
            "accounts": len(accounts),
            "with_changes": sum(a.changed for a in planned.accounts),
            "failed": [a.name for a in planned.failed],
            **totals,
        },
    }


def _account_data(account: AccountPlan) -> dict[str, Any]:
    plan = account.plan.data if account.plan is not None else None
    return {
        "friendly_name": account.name,
        "sid": account.sid,
        "account": account.change.data if account.change else None,
        "changes": plan["changes"] if plan else [],
        "summary": counts(account),
        "warnings": plan["warnings"] if plan else [],
        "note": account.note,
        "error": error_data(account.error),
    }


def as_json(planned: FleetPlan) -> str:
    return json.dumps(data(planned), indent=2, ensure_ascii=False) + "\n"


def markdown(planned: FleetPlan, limit: int = plan_markdown.GITHUB_LIMIT) -> str:
    """One comment: the summary table first, then a collapsed section per
    account with changes or an error; accounts without either are only in
    the table, and sections that would pass ``limit`` are left out, counted."""
    head = _markdown_head(planned, limit // 2)
    shown = [a for a in planned.accounts if a.changed or a.error is not None]
    sections, used = [], len(head)
    for index, account in enumerate(shown):
        block = _markdown_section(account)
        left = len(shown) - index
        note = _left_out(left)
        if used + len(block) + len(note) > limit:
            return _cut(head + "".join(sections) + note, limit)
        sections.append(block)
        used += len(block)
    return _cut(head + "".join(sections), limit)


def _markdown_head(planned: FleetPlan, budget: int) -> str:
    """The summary table, failed and changed accounts first when it must be
    cut to ``budget`` characters; the rest are counted."""
    lines = [
        f"**twilio-iac plan** for a fleet: {headline(planned)[len('Fleet: ') :]}",
        "",
        "| account | SID | create | update | replace | delete | error |",
        "|---|---|--:|--:|--:|--:|---|",
    ]
    found = rows(planned)
    used = sum(len(line) + 1 for line in lines)
    table = [_markdown_row(r) for r in found]
    if used + sum(len(t) + 1 for t in table) > budget:
        order = sorted(
            range(len(found)),
            key=lambda i: (found[i].error is None, not any(found[i].counts.values())),
        )
        table = []
        for index in order:
            row = _markdown_row(found[index])
            if used + len(row) + 200 > budget:
                break
            table.append(row)
            used += len(row) + 1
        left = len(found) - len(table)
        table.append(f"| _{left} more accounts not listed_ | | | | | | |")
    return "\n".join(lines + table) + "\n\n"


def _markdown_row(row: Row) -> str:
    cell = plan_markdown.cell
    values = " | ".join(str(row.counts[c]) for c in COLUMNS)
    sid = f"`{row.sid}`" if row.sid else "new"
    return f"| {cell(row.name)} | {sid} | {values} | {cell(row.error or '')} |"


def _markdown_section(account: AccountPlan) -> str:
    c = counts(account)
    summary = ", ".join(f"{c[k]} to {k}" for k in COLUMNS if c[k])
    if account.error is not None:
        summary = "failed" + (f"; {summary}" if summary else "")
    body = "\n".join(account_lines(account, colour=False)).replace("```", "ʼʼʼ")
    title = plan_markdown.cell(f"{account.name}: {summary or 'no changes'}")
    return f"<details><summary>{title}</summary>\n\n```\n{body}\n```\n\n</details>\n"


def _left_out(count: int) -> str:
    return (
        f"\n_{count} more account{'s' if count != 1 else ''} with changes not "
        f"shown (GitHub's comment limit)._ {plan_markdown.HOW_TO_SEE_ALL}\n"
    )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 2] + "…\n"


def apply_report(results: list[AccountResult]) -> str:
    """One line per account applied, then the accounts that failed."""
    lines = []
    for result in results:
        report = result.report
        done = len(report.done) if report else 0
        total = len(report.outcomes) if report else 0
        made = " (account created)" if result.created else ""
        state = "ok" if result.ok else "FAILED"
        lines.append(
            f"{result.name} ({result.sid or '-'}): {state}, {done}/{total} "
            f"changes{made}"
        )
    failed = [r for r in results if not r.ok]
    if failed:
        lines += ["", f"{len(failed)} account(s) failed; the others were applied:"]
        lines += [f"  - {r.name}: {_why(r)}" for r in failed]
        lines.append("Run apply again: accounts already applied plan no changes.")
    return "\n".join(lines) + "\n"


def _why(result: AccountResult) -> str:
    if result.error is not None:
        return logs.scrub(str(result.error)).splitlines()[0]
    report = result.report
    assert report is not None
    errors = [o.error for o in report.failed if o.error is not None]
    if errors:
        return logs.scrub(str(errors[0])).splitlines()[0]
    return "some changes did not run"


def _paint(text_: str, fg: str | None, colour: bool, bold: bool = False) -> str:
    return click.style(text_, fg=fg, bold=bold) if colour else text_
