"""messages, calls, recordings, transcripts and numbers: the account's history.

Lists stream rows as pages arrive (render/records.py); deletes and redactions
take many SIDs (or - for standard input), ask first on a terminal (or need
--yes), print one line per SID and a summary, and exit 1 if any failed.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click

from twilio_iac.api.client import TwilioClient
from twilio_iac.cli.context import (
    Options,
    confirm,
    not_found,
    pass_options,
    sandbox_option,
    subaccount_hint,
)
from twilio_iac.cli.sends import sends_value
from twilio_iac.cli.session import session
from twilio_iac.errors import ApiError, NotFound, SendRejected, TwilioIacError
from twilio_iac.operations import (
    account_numbers,
    batch,
    calls,
    delivery,
    listing,
    messages,
    recordings,
    transcripts,
)
from twilio_iac.operations.listing import Query
from twilio_iac.render import records
from twilio_iac.render.records import Printer

table_output = click.option(
    "--output",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="table (fits the terminal), json (the API's records) or csv (with a "
    "header row). Dates are ISO 8601 in UTC.",
)
show_output = click.option(
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people; json for the full record.",
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


def _echo(text: str) -> None:
    click.echo(text, nl=False)


def _width() -> int:
    return shutil.get_terminal_size((80, 24)).columns


def _print_rows(kind: str, output: str, rows: Iterable[dict[str, Any]]) -> int:
    printer = Printer(kind, output, _echo, _width())
    try:
        for row in rows:
            printer.row(row)
        printer.finish()
    except BrokenPipeError:
        # `… | head`: the reader has what it wanted; stop reading pages, and
        # keep Python from failing on the final flush of the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return printer.count
    if printer.count == 0 and output == "table":
        click.echo(f"No {kind} found.", err=True)
    return printer.count


def _list(
    options: Options, kind: str, output: str, build: Callable[[str], Query]
) -> None:
    build("AC")  # every flag checked before any request
    with session(options.sandbox, account_sid=options.account_sid) as client:
        _print_rows(kind, output, listing.stream(client, build(client.account_sid)))


def _read_sids(values: tuple[str, ...]) -> list[str]:
    """The SIDs given, with "-" replaced by those on standard input."""
    found: list[str] = []
    for value in values:
        if value == "-":
            found += click.File("r").convert("-", None, None).read().split()
        else:
            found.append(value)
    return found


def _batch(
    options: Options,
    *,
    what: str,
    verb: str,
    done: str,
    values: tuple[str, ...],
    pattern: str,
    yes: bool,
    dry_run: bool,
    act: Callable[[TwilioClient, str], object],
) -> None:
    """Delete or redact each SID: confirm, act, one line each, a summary."""
    targets = batch.sids(_read_sids(values), pattern, what)
    plural = what if len(targets) == 1 else f"{what}s"
    if dry_run:
        for sid in targets:
            click.echo(f"would {verb} {sid}")
        click.echo(
            f"Dry run: {len(targets)} {plural} would be {done}; nothing was changed."
        )
        return
    if not yes:
        confirm(
            f"{verb.title()} {len(targets)} {plural}? This cannot be undone.",
            f"Refusing to {verb} {len(targets)} {plural} without confirmation: "
            "standard input is not a terminal, so nobody can answer. Rerun with "
            "--dry-run to review, and with --yes to do it unattended.",
        )
    failed = 0
    with session(options.sandbox, account_sid=options.account_sid) as client:
        for outcome in batch.run(what, targets, lambda sid: act(client, sid)):
            if outcome.ok:
                click.echo(f"{done} {outcome.sid}")
            else:
                failed += 1
                click.echo(f"FAILED {outcome.sid}: {outcome.detail}")
    ok = len(targets) - failed
    click.echo(f"{done.title()} {ok} of {len(targets)} {plural}; {failed} failed.")
    if failed:
        raise TwilioIacError(
            f"{failed} of {len(targets)} {plural} could not be {done}; see the "
            "lines above for Twilio's reasons."
        )


def _show(
    options: Options,
    what: str,
    sid: str,
    pattern: str,
    output: str,
    path: Callable[[str, str], str],
) -> dict[str, Any]:
    listing.refuse(listing.sid("SID", sid, pattern), headline="Not shown")
    with session(options.sandbox, account_sid=options.account_sid) as client:
        try:
            record = client.fetch("core", path(client.account_sid, sid))
        except NotFound as error:
            raise not_found(
                what, sid, f"account {client.account_sid}", subaccount_hint(what)
            ) from error
    if output == "json":
        click.echo(
            json.dumps(records.with_iso_dates(record), indent=2, ensure_ascii=False)
        )
    return record


# --- messages ---------------------------------------------------------------


@click.group("messages")
def messages_group() -> None:
    """List, show, redact and delete messages; list and download their media."""


@messages_group.command("list")
@click.option("--from", "sender", metavar="NUMBER", help="Sent from this number.")
@click.option("--to", metavar="NUMBER", help="Sent to this number.")
@click.option(
    "--status",
    type=click.Choice(messages.STATUSES),
    help="Only this status (the API has no status filter: applied to each row).",
)
@after_option
@before_option
@limit_option
@table_output
@sandbox_option
@pass_options
def messages_list(options: Options, output: str, **flags: Any) -> None:
    """Messages, newest first as Twilio lists them (filters sent to the API)."""
    _list(options, "messages", output, lambda acct: messages.list_query(acct, **flags))


@messages_group.command("show")
@click.argument("sid")
@show_output
@sandbox_option
@pass_options
def messages_show(options: Options, sid: str, output: str) -> None:
    """One message: its status, price, error and body (--output json: all of it)."""
    record = _show(options, "message", sid, messages.SID, output, messages.path)
    if output == "text":
        lines = delivery.describe(delivery.summary("message", record))
        lines.append(f"  sent: {records.iso(record.get('date_sent')) or '-'}")
        lines.append(f"  body: {record.get('body') or '(empty)'}")
        click.echo("\n".join(lines))


@messages_group.command("media")
@click.argument("sid")
@click.option(
    "--download",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Save each file in this folder, as <ME… SID>.<extension>.",
)
@limit_option
@table_output
@sandbox_option
@pass_options
def messages_media(
    options: Options, sid: str, folder: Path | None, limit: int, output: str
) -> None:
    """A message's media files, and with --download the files themselves."""
    messages.media_query("AC", sid, limit)
    with session(options.sandbox, account_sid=options.account_sid) as client:
        query = messages.media_query(client.account_sid, sid, limit)
        rows = listing.stream(client, query)
        try:
            if folder is None:
                _print_rows("media", output, rows)
                return
            count = 0
            for item, target, size in messages.download_media(client, rows, folder):
                count += 1
                kind = item["content_type"]
                click.echo(f"saved {item['sid']} ({kind}, {size:,} bytes) to {target}")
        except NotFound as error:
            raise not_found(
                "message",
                sid,
                f"account {client.account_sid}",
                subaccount_hint("message"),
            ) from error
        click.echo(f"{count} file{'s' if count != 1 else ''} saved in {folder}.")


@messages_group.command("redact")
@sids_argument
@yes_option
@dry_run_option
@sandbox_option
@pass_options
def messages_redact(
    options: Options, sids: tuple[str, ...], yes: bool, dry_run: bool
) -> None:
    """Erase the body of messages (Twilio's redaction: Body set to "")."""
    _batch(
        options,
        what="message",
        verb="redact",
        done="redacted",
        values=sids,
        pattern=messages.SID,
        yes=yes,
        dry_run=dry_run,
        act=lambda client, sid: messages.redact(client, client.account_sid, sid),
    )


@messages_group.command("delete")
@sids_argument
@yes_option
@dry_run_option
@sandbox_option
@pass_options
def messages_delete(
    options: Options, sids: tuple[str, ...], yes: bool, dry_run: bool
) -> None:
    """Delete messages (only those with a final status; their media go too)."""
    _batch(
        options,
        what="message",
        verb="delete",
        done="deleted",
        values=sids,
        pattern=messages.SID,
        yes=yes,
        dry_run=dry_run,
        act=lambda client, sid: messages.delete(client, client.account_sid, sid),
    )


# --- calls ------------------------------------------------------------------


@click.group("calls")
def calls_group() -> None:
    """List, show, hang up, redirect and delete calls."""


@calls_group.command("list")
@click.option("--from", "sender", metavar="NUMBER", help="Placed from this number.")
@click.option("--to", metavar="NUMBER", help="Placed to this number.")
@click.option("--status", type=click.Choice(calls.STATUSES), help="Only this status.")
@click.option("--parent", metavar="CA…", help="Only the child calls of this call.")
@after_option
@before_option
@limit_option
@table_output
@sandbox_option
@pass_options
def calls_list(options: Options, output: str, **flags: Any) -> None:
    """Calls, newest first as Twilio lists them (every filter sent to the API)."""
    _list(options, "calls", output, lambda acct: calls.list_query(acct, **flags))


@calls_group.command("show")
@click.argument("sid")
@show_output
@sandbox_option
@pass_options
def calls_show(options: Options, sid: str, output: str) -> None:
    """One call: its status, duration, price and error (--output json: all of it)."""
    record = _show(options, "call", sid, calls.SID, output, calls.path)
    if output == "text":
        lines = delivery.describe(delivery.summary("call", record))
        lines.append(f"  started: {records.iso(record.get('start_time')) or '-'}")
        lines.append(f"  ended: {records.iso(record.get('end_time')) or '-'}")
        click.echo("\n".join(lines))


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
    with session(options.sandbox, account_sid=options.account_sid) as client:
        url = client.settings.base_urls["core"] + calls.path(client.account_sid, sid)
        click.echo(f"Request: POST {url}", err=output == "json")
        for name, value in params.items():
            click.echo(f"  {name}={sends_value(value)}", err=output == "json")
        if dry_run:
            click.echo("Dry run: nothing was changed.", err=output == "json")
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
        click.echo(json.dumps(records.with_iso_dates(record), indent=2))
    else:
        click.echo("\n".join(delivery.describe(delivery.summary("call", record))))


@calls_group.command("delete")
@sids_argument
@yes_option
@dry_run_option
@sandbox_option
@pass_options
def calls_delete(
    options: Options, sids: tuple[str, ...], yes: bool, dry_run: bool
) -> None:
    """Delete the records of calls that have ended."""
    _batch(
        options,
        what="call",
        verb="delete",
        done="deleted",
        values=sids,
        pattern=calls.SID,
        yes=yes,
        dry_run=dry_run,
        act=lambda client, sid: calls.delete(client, client.account_sid, sid),
    )


# --- recordings -------------------------------------------------------------


@click.group("recordings")
def recordings_group() -> None:
    """List, download and delete call recordings."""


@recordings_group.command("list")
@click.option("--call", metavar="CA…", help="Only this call's recordings.")
@after_option
@before_option
@limit_option
@table_output
@sandbox_option
@pass_options
def recordings_list(options: Options, output: str, **flags: Any) -> None:
    """Recordings, newest first (filters sent to the API)."""
    _list(
        options, "recordings", output, lambda acct: recordings.list_query(acct, **flags)
    )


@recordings_group.command("download")
@click.argument("sid")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(recordings.FORMATS),
    default="mp3",
    show_default=True,
    help="Audio format.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write. Default: <SID>.<format> here.",
)
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@sandbox_option
@pass_options
def recordings_download(
    options: Options, sid: str, fmt: str, out: Path | None, force: bool
) -> None:
    """Stream a recording's audio to a file."""
    listing.refuse(listing.sid("SID", sid, recordings.SID), headline="Not downloaded")
    target = out or Path(f"{sid}.{fmt}")
    if target.exists() and not force:
        raise TwilioIacError(
            f"{target} exists; pass --force to overwrite it, or --out another file."
        )
    with session(options.sandbox, account_sid=options.account_sid) as client:
        size = recordings.download(client, client.account_sid, sid, fmt, target)
    click.echo(f"saved {sid} ({fmt}, {size:,} bytes) to {target}")


@recordings_group.command("delete")
@sids_argument
@yes_option
@dry_run_option
@sandbox_option
@pass_options
def recordings_delete(
    options: Options, sids: tuple[str, ...], yes: bool, dry_run: bool
) -> None:
    """Delete recordings."""
    _batch(
        options,
        what="recording",
        verb="delete",
        done="deleted",
        values=sids,
        pattern=recordings.SID,
        yes=yes,
        dry_run=dry_run,
        act=lambda client, sid: recordings.delete(client, client.account_sid, sid),
    )


# --- transcripts ------------------------------------------------------------


@click.group("transcripts")
def transcripts_group() -> None:
    """Read Voice Intelligence transcripts."""


@transcripts_group.command("list")
@click.option(
    "--with-text",
    is_flag=True,
    help="Add each transcript's text (one more request per transcript).",
)
@limit_option
@table_output
@sandbox_option
@pass_options
def transcripts_list(
    options: Options, with_text: bool, limit: int, output: str
) -> None:
    """Transcripts, newest first."""
    with session(options.sandbox, account_sid=options.account_sid) as client:
        rows = listing.stream(client, transcripts.list_query(limit))
        if with_text:
            rows = (_with_text(client, row) for row in rows)
        _print_rows("transcripts", output, rows)


def _with_text(client: TwilioClient, row: dict[str, Any]) -> dict[str, Any]:
    found = transcripts.sentences(client, row["sid"])
    return {
        **row,
        "text": " ".join(s.get("transcript") or "" for s in found),
        "sentences": found,
    }


@transcripts_group.command("show")
@click.argument("sids", nargs=-1, required=True, metavar="SID...")
@show_output
@sandbox_option
@pass_options
def transcripts_show(options: Options, sids: tuple[str, ...], output: str) -> None:
    """Transcripts with their sentences: time, speaker and text."""
    problems = [p for sid in sids for p in listing.sid("SID", sid, transcripts.SID)]
    listing.refuse(problems, headline="Not shown")
    shown = []
    with session(options.sandbox, account_sid=options.account_sid) as client:
        for sid in sids:
            try:
                record = transcripts.fetch(client, sid)
            except NotFound as error:
                raise not_found(
                    "transcript", sid, "this account's Voice Intelligence",
                    "it was deleted, or belongs to another account; "
                    "`transcripts list` shows those there are.",
                ) from error  # fmt: skip
            found = transcripts.sentences(client, sid)
            if output == "json":
                shown.append({**record, "sentences": found})
            else:
                click.echo(_transcript_text(record, found))
    if output == "json":
        click.echo(json.dumps(shown, indent=2, ensure_ascii=False))


def _transcript_text(record: dict[str, Any], found: list[dict[str, Any]]) -> str:
    roles = {
        p.get("channel_participant"): p.get("role") or p.get("full_name")
        for p in ((record.get("channel") or {}).get("participants") or [])
    }
    head = records.block(
        [
            ("Transcript", record["sid"]),
            ("date", records.iso(record.get("date_created"))),
            ("status", record.get("status")),
            ("language", record.get("language_code")),
            ("duration", f"{record.get('duration')} s"),
        ]
    )
    lines = [head, ""]
    for sentence in found:
        start = float(sentence.get("start_time") or 0)
        who = (
            roles.get(sentence.get("media_channel"))
            or f"channel {sentence.get('media_channel')}"
        )
        when = f"{int(start // 60):02d}:{start % 60:04.1f}"
        lines.append(f"  [{when}] {who}: {sentence.get('transcript')}")
    return "\n".join(lines) + "\n"


# --- numbers ----------------------------------------------------------------


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
        _print_rows("numbers", output, account_numbers.rows(client, limit, manifests))


COMMANDS = (
    messages_group,
    calls_group,
    recordings_group,
    transcripts_group,
    numbers_group,
)
