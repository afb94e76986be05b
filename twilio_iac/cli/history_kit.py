"""What the history commands (messages, calls, recordings, transcripts,
numbers) share: their options, and builders that make a list, show or
delete/redact command from one line of a table.

Lists stream rows as pages arrive (render/records.py); deletes and redactions
take many SIDs (or - for standard input), ask first on a terminal (or need
--yes), print one line per SID and a summary, and exit 1 if any failed.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

import click

from twilio_iac.api.client import TwilioClient
from twilio_iac.cli.context import (
    Options,
    confirm,
    not_found,
    output_option,
    pass_options,
    sandbox_option,
    stack,
    subaccount_hint,
    table_width,
)
from twilio_iac.cli.session import session
from twilio_iac.errors import NotFound, TwilioIacError
from twilio_iac.operations import batch, listing
from twilio_iac.operations.listing import Query
from twilio_iac.render import records
from twilio_iac.render.records import Printer

Decorator = Callable[[Any], Any]

table_output = output_option(
    ["text", "json", "csv"],
    "text: a table that fits the terminal; json: the API's records; csv: with "
    "a header row. Dates are ISO 8601 in UTC.",
)
show_output = output_option(
    ["text", "json"], "text for people; json for the full record."
)
limit_option = click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=listing.DEFAULT_LIMIT,
    show_default=True,
    help="At most this many rows (read in pages of up to 1,000).",
)
after_option = click.option(
    "--after", metavar="DATE", help="On or after: YYYY-MM-DD or an ISO 8601 time."
)
before_option = click.option(
    "--before", metavar="DATE", help="On or before: YYYY-MM-DD or an ISO 8601 time."
)
yes_option = click.option("--yes", is_flag=True, help="Do it without asking.")
dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Show what would be done; change nothing."
)
sids_argument = click.argument("sids", nargs=-1, metavar="SID... | -")


def party_filters(
    verb: str, statuses: tuple[str, ...], status_help: str = "Only this status."
) -> tuple[Decorator, ...]:
    """--from, --to and --status, as messages and calls list take them."""
    return (
        click.option(
            "--from", "sender", metavar="NUMBER", help=f"{verb} from this number."
        ),
        click.option("--to", metavar="NUMBER", help=f"{verb} to this number."),
        click.option("--status", type=click.Choice(statuses), help=status_help),
    )


def _echo(text: str) -> None:
    click.echo(text, nl=False)


def print_rows(
    kind: str, output: str, rows: Iterable[dict[str, Any]], table: str = ""
) -> int:
    """Rows of ``kind`` as they come, laid out as TABLES[table or kind]."""
    printer = Printer(table or kind, output, _echo, table_width())
    try:
        for row in rows:
            printer.row(row)
        printer.finish()
    except BrokenPipeError:
        # `… | head`: the reader has what it wanted; stop reading pages, and
        # keep Python from failing on the final flush of the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return printer.count
    if printer.count == 0 and output == "text":
        click.echo(f"No {kind} found.", err=True)
    return printer.count


def absent(what: str, sid: str, client: TwilioClient) -> TwilioIacError:
    """The one wording for a SID this account does not have (HTTP 404)."""
    return not_found(what, sid, f"account {client.account_sid}", subaccount_hint(what))


# --- list -------------------------------------------------------------------


def add_list(
    group: click.Group,
    kind: str,
    build: Callable[..., Query],
    doc: str,
    filters: tuple[Decorator, ...] = (),
    dated: bool = True,
) -> None:
    """``group list``: ``build(account_sid, **flags)`` makes the query, and is
    first called with a placeholder SID so every flag is checked offline."""

    def command(options: Options, output: str, **flags: Any) -> None:
        build("AC", **flags)
        with session(options.sandbox, account_sid=options.account_sid) as client:
            print_rows(
                kind, output, listing.stream(client, build(client.account_sid, **flags))
            )

    command.__doc__ = doc
    dates = (after_option, before_option) if dated else ()
    decorate = stack(
        group.command("list"),
        *filters,
        *dates,
        limit_option,
        table_output,
        sandbox_option,
        pass_options,
    )
    decorate(command)


# --- show -------------------------------------------------------------------


def fetch_one(
    options: Options,
    what: str,
    sid: str,
    pattern: str,
    path: Callable[[str, str], str],
) -> dict[str, Any]:
    listing.refuse(listing.sid("SID", sid, pattern), headline="Not shown")
    with session(options.sandbox, account_sid=options.account_sid) as client:
        try:
            return client.fetch("core", path(client.account_sid, sid))
        except NotFound as error:
            raise absent(what, sid, client) from error


def add_show(
    group: click.Group,
    what: str,
    pattern: str,
    path: Callable[[str, str], str],
    describe: Callable[[dict[str, Any]], list[str]],
    doc: str,
) -> None:
    """``group show SID``: the record as text (``describe``) or JSON."""

    def command(options: Options, sid: str, output: str) -> None:
        record = fetch_one(options, what, sid, pattern, path)
        if output == "json":
            dated = records.with_iso_dates(record)
            click.echo(json.dumps(dated, indent=2, ensure_ascii=False))
        else:
            click.echo("\n".join(describe(record)))

    command.__doc__ = doc
    decorate = stack(
        group.command("show"),
        click.argument("sid"),
        show_output,
        sandbox_option,
        pass_options,
    )
    decorate(command)


# --- delete and redact ------------------------------------------------------


def _read_sids(values: tuple[str, ...]) -> list[str]:
    """The SIDs given, with "-" replaced by those on standard input."""
    found: list[str] = []
    for value in values:
        if value == "-":
            found += click.File("r").convert("-", None, None).read().split()
        else:
            found.append(value)
    return found


def add_batch(
    group: click.Group,
    verb: str,
    what: str,
    pattern: str,
    act: Callable[[TwilioClient, str, str], object],
    doc: str,
) -> None:
    """``group VERB SID...``: ``act(client, account_sid, sid)`` for each, after
    asking; one line per SID, a summary, exit 1 if any failed."""

    def command(
        options: Options, sids: tuple[str, ...], yes: bool, dry_run: bool
    ) -> None:
        targets = batch.sids(_read_sids(sids), pattern, what)
        _run_batch(options, targets, what, verb, yes, dry_run, act)

    command.__doc__ = doc
    decorate = stack(
        group.command(verb),
        sids_argument,
        yes_option,
        dry_run_option,
        sandbox_option,
        pass_options,
    )
    decorate(command)


def _run_batch(
    options: Options,
    targets: list[str],
    what: str,
    verb: str,
    yes: bool,
    dry_run: bool,
    act: Callable[[TwilioClient, str, str], object],
) -> None:
    done = f"{verb}d" if verb.endswith("e") else f"{verb}ed"
    plural = what if len(targets) == 1 else f"{what}s"
    if dry_run:
        for sid in targets:
            click.echo(f"would {verb} {sid}")
        click.echo(
            f"Dry run: {len(targets)} {plural} would be {done}; nothing was changed."
        )
        return
    if not yes:
        _confirm_batch(verb, len(targets), plural)
    failed = _act_on_each(options, targets, what, done, act)
    ok = len(targets) - failed
    click.echo(f"{done.title()} {ok} of {len(targets)} {plural}; {failed} failed.")
    if failed:
        raise TwilioIacError(
            f"{failed} of {len(targets)} {plural} could not be {done}; see the "
            "lines above for Twilio's reasons."
        )


def _confirm_batch(verb: str, count: int, plural: str) -> None:
    confirm(
        f"{verb.title()} {count} {plural}? This cannot be undone.",
        f"Refusing to {verb} {count} {plural} without confirmation: "
        "standard input is not a terminal, so nobody can answer. Rerun with "
        "--dry-run to review, and with --yes to do it unattended.",
    )


def _act_on_each(
    options: Options,
    targets: list[str],
    what: str,
    done: str,
    act: Callable[[TwilioClient, str, str], object],
) -> int:
    """Act on every target, one line each; how many failed."""
    failed = 0
    with session(options.sandbox, account_sid=options.account_sid) as client:
        run = batch.run(what, targets, lambda sid: act(client, client.account_sid, sid))
        for outcome in run:
            if outcome.ok:
                click.echo(f"{done} {outcome.sid}")
            else:
                failed += 1
                click.echo(f"FAILED {outcome.sid}: {outcome.detail}")
    return failed
