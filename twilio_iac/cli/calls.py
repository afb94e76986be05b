"""`twilio-iac calls list|show|update|delete`: calls already placed or
received (operations/calls.py). update changes a live call, so it shows the
request and asks first, like a send."""

from __future__ import annotations

import json
from typing import Any

import click

from twilio_iac.cli.context import Options, confirm, pass_options, sandbox_option
from twilio_iac.cli.history_kit import (
    add_batch,
    add_list,
    add_show,
    party_filters,
    show_output,
    yes_option,
)
from twilio_iac.cli.sends import sends_value
from twilio_iac.cli.session import session
from twilio_iac.errors import ApiError, SendRejected, TwilioIacError
from twilio_iac.operations import batch, calls, delivery, listing, shapes
from twilio_iac.render import records


@click.group("calls")
def calls_group() -> None:
    """List, show, hang up, redirect and delete calls."""


def _describe(record: dict[str, Any]) -> list[str]:
    lines = delivery.describe(shapes.shape("call", record))
    lines.append(f"  started: {records.iso(record.get('start_time')) or '-'}")
    lines.append(f"  ended: {records.iso(record.get('end_time')) or '-'}")
    return lines


add_list(
    calls_group,
    "calls",
    calls.list_query,
    "Calls, newest first as Twilio lists them (every filter sent to the API).",
    filters=(
        *party_filters("Placed", calls.STATUSES),
        click.option(
            "--parent", metavar="CA…", help="Only the child calls of this call."
        ),
    ),
)
add_show(
    calls_group,
    "call",
    calls.SID,
    calls.path,
    _describe,
    "One call: its status, duration, price and error (--output json: all of it).",
)


@calls_group.command("update")
@click.argument("sid")
@click.option("--hangup", is_flag=True, help="End the call (Status=completed).")
@click.option("--cancel", is_flag=True, help="Cancel a queued or ringing call.")
@click.option("--url", help="Redirect the live call to the TwiML at this URL.")
@click.option("--twiml", help="Redirect the live call to this TwiML.")
@yes_option
@click.option("--dry-run", is_flag=True, help="Show the request; change nothing.")
@show_output
@sandbox_option
@pass_options
def calls_update(
    options: Options, sid: str, output: str, yes: bool, dry_run: bool, **change: Any
) -> None:
    """Hang up, cancel or redirect a live call (POST Calls/{Sid}.json).

    Shows the request, then asks on a terminal; without one it needs --yes.
    """
    problems = listing.sid("SID", sid, calls.SID)
    try:
        params = calls.update_params(**change)
    except SendRejected as exc:
        problems += exc.problems
    if problems:
        raise SendRejected(problems, headline="Not changed")
    aside = output == "json"  # stdout carries only the JSON record
    with session(options.sandbox, account_sid=options.account_sid) as client:
        url = client.settings.base_urls["core"] + calls.path(client.account_sid, sid)
        click.echo(f"Request: POST {url}", err=aside)
        for name, value in params.items():
            click.echo(f"  {name}={sends_value(value)}", err=aside)
        if dry_run:
            click.echo("Dry run: nothing was changed.", err=aside)
            return
        if not yes:
            confirm(
                f"{calls.describe_change(params)} call {sid}?",
                f"Refusing to change call {sid} without confirmation: standard "
                "input is not a terminal, so nobody can answer. Review the request "
                "above and rerun with --yes to do it unattended.",
            )
        try:
            record = calls.update(client, client.account_sid, sid, params)
        except ApiError as error:
            raise TwilioIacError(
                f"Call {sid} was not changed: {batch.explain('call', error)}"
            ) from error
    if output == "json":
        click.echo(json.dumps(shapes.shape("call", record), indent=2))
    else:
        click.echo("\n".join(delivery.describe(shapes.shape("call", record))))


add_batch(
    calls_group,
    "delete",
    "call",
    calls.SID,
    calls.delete,
    "Delete the records of calls that have ended.",
)
