"""lookup NUMBER...: Lookup v2, one block per number."""

from __future__ import annotations

import json
from typing import Any

import click

from twilio_iac.cli.context import Options, pass_options, sandbox_option
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
@sandbox_option
@pass_options
def lookup(
    options: Options,
    numbers: tuple[str, ...],
    fields: str,
    country: str | None,
    output: str,
) -> None:
    """Look numbers up: validity and formats, and any data packages asked for.

    Each number is checked offline first; an invalid one is refused, with the
    reason, before anything is sent.
    """
    if fields.strip() == "list":
        click.echo("\n".join(number_lookup.fields_help()))
        return
    wanted = [f.strip() for f in fields.split(",") if f.strip()]
    if not numbers:
        raise click.UsageError("give at least one NUMBER (or --fields list)")
    parsed = number_lookup.check(numbers, country, wanted)
    paid = [f for f in wanted if number_lookup.FIELDS[f][0]]
    if paid:
        click.echo(
            f"Note: {', '.join(paid)} {'is' if len(paid) == 1 else 'are'} paid per "
            f"number looked up ({len(parsed)} here).",
            err=True,
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


def describe(record: dict[str, Any]) -> str:
    """One number's block: its formats, then each package answered."""
    valid = record.get("valid")
    pairs: list[tuple[str, Any]] = [
        ("valid", "yes" if valid else "no"),
        ("problems", ", ".join(record.get("validation_errors") or [])),
        ("country", _country(record)),
        ("national format", record.get("national_format")),
    ]
    line = record.get("line_type_intelligence") or {}
    if line:
        pairs.append(
            ("line type", _with_error(line.get("type"), line, line.get("carrier_name")))
        )
    name = record.get("caller_name") or {}
    if name:
        pairs.append(
            (
                "caller name",
                _with_error(name.get("caller_name"), name, name.get("caller_type")),
            )
        )
    status = record.get("line_status") or {}
    if status:
        pairs.append(("line status", _with_error(status.get("status"), status)))
    swap = record.get("sim_swap") or {}
    if swap:
        last = swap.get("last_sim_swap") or {}
        changed = "yes" if last.get("swapped_in_period") else "no"
        period = last.get("swapped_period")
        pairs.append(
            (
                "SIM swapped",
                _with_error(f"{changed} (within {period})" if period else None, swap),
            )
        )
    forwarding = record.get("call_forwarding") or {}
    if forwarding:
        on = forwarding.get("call_forwarding_enabled")
        pairs.append(
            (
                "call forwarding",
                _with_error(
                    None if on is None else ("on" if on else "off"), forwarding
                ),
            )
        )
    risk = record.get("sms_pumping_risk") or {}
    if risk:
        score = risk.get("sms_pumping_risk_score")
        pairs.append(
            (
                "SMS pumping risk",
                _with_error(
                    f"{score}/100 ({risk.get('carrier_risk_category')})"
                    if score is not None
                    else None,
                    risk,
                ),
            )
        )
    for field in (
        "identity_match",
        "reassigned_number",
        "phone_number_quality_score",
        "pre_fill",
    ):
        if record.get(field):
            pairs.append((field.replace("_", " "), json.dumps(record[field])))
    body = records.block(pairs)
    head = record.get("phone_number") or "?"
    return head + "\n" + "\n".join("  " + line for line in body.splitlines())


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
