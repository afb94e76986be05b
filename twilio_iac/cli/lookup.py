"""lookup NUMBER...: Lookup v2, one block per number."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from twilio_iac.cli.context import Options, confirm, pass_options, sandbox_option
from twilio_iac.cli.session import session
from twilio_iac.operations import number_lookup
from twilio_iac.render import records

_FIELDS_HELP = (
    "Comma-separated data packages; `--fields list` shows them and which are "
    "paid. Without it, only the free validation. Packages: "
    + ", ".join(
        f"{name}{' (paid)' if paid else ''}"
        for name, (paid, _) in number_lookup.FIELDS.items()
    )
)


@click.command()
@click.argument("numbers", nargs=-1, metavar="NUMBER...")
@click.option("--fields", default="", metavar="A,B|list", help=_FIELDS_HELP)
@click.option(
    "--country",
    metavar="CC",
    help="ISO country of numbers given in national form (e.g. GB for 020 7946 0000).",
)
@click.option(
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one block per number; json: Lookup's records.",
)
@click.option("--yes", is_flag=True, help="Run paid look-ups without asking.")
@click.option(
    "--dry-run", is_flag=True, help="Show the look-ups and what is paid; send nothing."
)
@sandbox_option
@pass_options
def lookup(
    options: Options,
    numbers: tuple[str, ...],
    fields: str,
    country: str | None,
    output: str,
    yes: bool,
    dry_run: bool,
) -> None:
    """Look numbers up: validity and formats, and any data packages asked for.

    Each number is checked offline first; an invalid one is refused, with the
    reason, before anything is sent. Paid packages are confirmed first, as
    sends are (--yes to skip, --dry-run to see and stop).
    """
    if fields.strip() == "list":
        click.echo("\n".join(number_lookup.fields_help()))
        return
    wanted = [f.strip() for f in fields.split(",") if f.strip()]
    if not numbers:
        raise click.UsageError("give at least one NUMBER (or --fields list)")
    parsed = number_lookup.check(numbers, country, wanted)
    paid = [f for f in wanted if number_lookup.FIELDS[f][0]]
    if paid or dry_run:
        _preview(parsed, wanted, paid)
    if dry_run:
        click.echo("Dry run: nothing was looked up.", err=True)
        return
    if paid and not yes:
        confirm(
            f"Run {_count(len(parsed) * len(paid), 'paid look-up')}?",
            "Refusing to run paid look-ups without confirmation: standard input "
            "is not a terminal, so nobody can answer. Rerun with --yes to run "
            "them unattended, or --dry-run to see them.",
        )
    found = []
    with session(options.sandbox, account_sid=options.account_sid) as client:
        for number in parsed:
            record = number_lookup.lookup(client, number, wanted)
            if output == "json":
                found.append(record)
            else:
                click.echo(describe(record) + "\n")
    if output == "json":
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _preview(
    targets: list[number_lookup.Target], wanted: list[str], paid: list[str]
) -> None:
    """What will be sent, and what of it Twilio bills per number (on stderr, so
    --output json stays clean)."""
    numbers = [t.number for t in targets]
    packages = ", ".join(wanted) if wanted else "validation only (free)"
    lines = [f"Look up {_count(len(numbers), 'number')}: {', '.join(numbers)}"]
    lines.append(f"  packages: {packages}")
    if paid:
        lines.append(
            f"  paid per number looked up: {', '.join(paid)} "
            f"({_count(len(numbers) * len(paid), 'paid look-up')}; priced by Twilio)"
        )
    click.echo("\n".join(lines), err=True)


def describe(record: dict[str, Any]) -> str:
    """One number's block: its formats, then each package answered."""
    pairs: list[tuple[str, Any]] = [
        ("valid", "yes" if record.get("valid") else "no"),
        ("problems", ", ".join(record.get("validation_errors") or [])),
        ("country", _country(record)),
        ("national format", record.get("national_format")),
    ]
    for field, label, show in _PACKAGES:
        package = record.get(field) or {}
        if package:
            pairs.append((label, show(package)))
    for field in _SHOWN_AS_JSON:
        if record.get(field):
            pairs.append((field.replace("_", " "), json.dumps(record[field])))
    body = records.block(pairs)
    head = record.get("phone_number") or "?"
    return head + "\n" + "\n".join("  " + line for line in body.splitlines())


def _line_type(line: dict[str, Any]) -> str:
    return _with_error(line.get("type"), line, line.get("carrier_name"))


def _caller_name(name: dict[str, Any]) -> str:
    return _with_error(name.get("caller_name"), name, name.get("caller_type"))


def _line_status(status: dict[str, Any]) -> str:
    return _with_error(status.get("status"), status)


def _sim_swap(swap: dict[str, Any]) -> str:
    last = swap.get("last_sim_swap") or {}
    changed = "yes" if last.get("swapped_in_period") else "no"
    period = last.get("swapped_period")
    return _with_error(f"{changed} (within {period})" if period else None, swap)


def _call_forwarding(forwarding: dict[str, Any]) -> str:
    on = forwarding.get("call_forwarding_enabled")
    return _with_error(None if on is None else ("on" if on else "off"), forwarding)


def _sms_pumping_risk(risk: dict[str, Any]) -> str:
    score = risk.get("sms_pumping_risk_score")
    category = risk.get("carrier_risk_category")
    return _with_error(f"{score}/100 ({category})" if score is not None else None, risk)


# (field, label, how its answer reads), in the order the block shows them.
_PACKAGES: tuple[tuple[str, str, Callable[[dict[str, Any]], str]], ...] = (
    ("line_type_intelligence", "line type", _line_type),
    ("caller_name", "caller name", _caller_name),
    ("line_status", "line status", _line_status),
    ("sim_swap", "SIM swapped", _sim_swap),
    ("call_forwarding", "call forwarding", _call_forwarding),
    ("sms_pumping_risk", "SMS pumping risk", _sms_pumping_risk),
)
# Packages with no one-line reading are shown as Twilio answered them.
_SHOWN_AS_JSON = (
    "identity_match",
    "reassigned_number",
    "phone_number_quality_score",
    "pre_fill",
)


def _country(record: dict[str, Any]) -> str | None:
    code = record.get("country_code")
    calling = record.get("calling_country_code")
    if not code:
        return None
    return f"{code} (+{calling})" if calling else code


def _with_error(value: Any, package: dict[str, Any], detail: Any = None) -> str:
    if value in (None, ""):
        code = package.get("error_code")
        return f"not available (Twilio error {code})" if code else "not available"
    return f"{value} ({detail})" if detail else str(value)
