"""`twilio-iac usage`: what the account used and what it cost."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import click

from twilio_iac.cli.context import (
    Options,
    OutputChoice,
    output_option,
    pass_options,
    sandbox_option,
)
from twilio_iac.cli.session import session
from twilio_iac.operations import usage as usage_records
from twilio_iac.render import usage as usage_render


def today() -> date:
    """Twilio dates usage in GMT; tests replace this."""
    return datetime.now(timezone.utc).date()


@click.command()
@click.option(
    "--period",
    metavar="|".join(usage_records.PERIODS),
    help="A named period (default: this-month).",
)
@click.option("--start", metavar="YYYY-MM-DD", help="First day (with --end).")
@click.option("--end", metavar="YYYY-MM-DD", help="Last day (with --start).")
@click.option("--daily", is_flag=True, help="One row set per day.")
@click.option("--monthly", is_flag=True, help="Per month.")
@click.option("--yearly", is_flag=True, help="Per year.")
@click.option(
    "--category", "categories", multiple=True, help="Only this category; repeatable."
)
@click.option(
    "--subaccounts/--no-subaccounts",
    "include_subaccounts",
    default=True,
    show_default=True,
    help="Include the subaccounts' usage.",
)
@output_option(
    ["text", "csv", "json"],
    "text: a table with bar charts; csv or json for scripts.",
    "fmt",
)
# The old name, kept working for scripts that use it, but no longer shown.
@click.option(
    "--format",
    "old_fmt",
    type=OutputChoice(["text", "csv", "json"], {"table": "text"}),
    hidden=True,
)
@click.option(
    "--sort",
    type=click.Choice(usage_records.SORTS),
    default="price",
    show_default=True,
)
@click.option("--all", "show_all", is_flag=True, help="Show zero-usage rows too.")
@sandbox_option
@pass_options
def usage(
    options: Options,
    fmt: str,
    old_fmt: str | None,
    sort: str,
    show_all: bool,
    **flags: Any,
) -> None:
    """Usage and cost per category, with a total; prices are exact decimals."""
    fmt = old_fmt or fmt
    chosen = [name for name in usage_records.BREAKDOWNS if flags.pop(name)]
    breakdown = usage_records.one_breakdown(chosen)
    query = usage_records.query(breakdown=breakdown, today=today(), **flags)
    with session(options.sandbox, account_sid=options.account_sid) as client:
        rows = usage_records.fetch(client, query)
    # Twilio lists every known category for a period, used or not: a category
    # with no record at all is most likely misspelt, not merely unused.
    seen = {row.category for row in rows}
    for category in (c for c in query.categories if c not in seen):
        click.echo(
            f"Warning: Twilio returned no usage records for category {category!r}; "
            "check its name (e.g. sms, sms-outbound, calls, phonenumbers).",
            err=True,
        )
    result = usage_render.report(
        rows, sort=sort, show_all=show_all, breakdown=query.breakdown
    )
    render = {
        "text": usage_render.table,
        "csv": usage_render.as_csv,
        "json": usage_render.as_json,
    }[fmt]
    click.echo(render(result), nl=False)
