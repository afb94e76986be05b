"""`twilio-iac numbers list`: the account's numbers with their routing and,
with -f, the names the manifests give them (operations/account_numbers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from twilio_iac.cli.context import Options, pass_options, sandbox_option
from twilio_iac.cli.history_kit import limit_option, print_rows, table_output
from twilio_iac.cli.session import session
from twilio_iac.operations import account_numbers
from twilio_iac.render import records


@click.group("numbers")
def numbers_group() -> None:
    """The account's phone numbers."""


@numbers_group.command("list")
@click.option(
    "-f",
    "--manifest",
    "manifests",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Manifests whose names to show for the numbers they declare.",
)
@limit_option
@table_output
@sandbox_option
@pass_options
def numbers_list(
    options: Options, manifests: tuple[Path, ...], limit: int, output: str
) -> None:
    """Numbers with their voice and SMS routing; with -f, the name each has in
    the manifests beside its live one (≠ where they differ)."""
    account_numbers.declared(manifests)  # manifest errors before any request
    drifted: list[str] = []

    def watched(rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for row in rows:
            if account_numbers.renamed(row):
                drifted.append(row["phone_number"])
            yield row

    table = "declared numbers" if manifests else "numbers"
    with session(options.sandbox, account_sid=options.account_sid) as client:
        rows = account_numbers.rows(client, limit, manifests)
        print_rows("numbers", output, watched(rows), table)
    if drifted and output == "text":
        some = "1 number's" if len(drifted) == 1 else f"{len(drifted)} numbers'"
        click.echo(
            f"{records.DRIFT} {some} live name differs from the manifests; "
            "`twilio-iac plan` shows the change, `apply` makes it.",
            err=True,
        )
