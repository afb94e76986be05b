"""`twilio-iac numbers list`: the account's numbers with their routing and,
with -f, the names the manifests give them (operations/account_numbers.py)."""

from __future__ import annotations

from pathlib import Path

import click

from twilio_iac.cli.context import Options, pass_options, sandbox_option
from twilio_iac.cli.history_kit import limit_option, print_rows, table_output
from twilio_iac.cli.session import session
from twilio_iac.operations import account_numbers


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
    """Numbers with their voice and SMS routing, by manifest name where declared."""
    account_numbers.declared(manifests)  # manifest errors before any request
    with session(options.sandbox, account_sid=options.account_sid) as client:
        print_rows("numbers", output, account_numbers.rows(client, limit, manifests))
