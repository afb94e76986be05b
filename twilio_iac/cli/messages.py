"""`twilio-iac messages list|show|media|redact|delete`: messages already sent
or received (operations/messages.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from twilio_iac.cli.context import Options, pass_options, sandbox_option
from twilio_iac.cli.history_kit import (
    absent,
    add_batch,
    add_list,
    add_show,
    limit_option,
    party_filters,
    print_rows,
    table_output,
)
from twilio_iac.cli.session import session
from twilio_iac.errors import NotFound, TwilioIacError
from twilio_iac.operations import delivery, listing, messages, shapes
from twilio_iac.render import records


@click.group("messages")
def messages_group() -> None:
    """List, show, redact and delete messages; list and download their media."""


def _describe(record: dict[str, Any]) -> list[str]:
    lines = delivery.describe(shapes.shape("message", record))
    lines.append(f"  sent: {records.iso(record.get('date_sent')) or '-'}")
    lines.append(f"  body: {record.get('body') or '(empty)'}")
    return lines


add_list(
    messages_group,
    "messages",
    messages.list_query,
    "Messages, newest first as Twilio lists them (filters sent to the API).",
    filters=party_filters(
        "Sent",
        messages.STATUSES,
        "Only this status (the API has no status filter: applied to each row).",
    ),
)
add_show(
    messages_group,
    "message",
    messages.SID,
    messages.path,
    _describe,
    "One message: its status, price, error and body (--output json: all of it).",
)


@messages_group.command("media")
@click.argument("sid")
@click.option(
    "--download",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Save each file in this folder, as <ME… SID>.<extension>.",
)
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@limit_option
@table_output
@sandbox_option
@pass_options
def messages_media(
    options: Options,
    sid: str,
    folder: Path | None,
    force: bool,
    limit: int,
    output: str,
) -> None:
    """A message's media files, and with --download the files themselves."""
    messages.media_query("AC", sid, limit)
    with session(options.sandbox, account_sid=options.account_sid) as client:
        query = messages.media_query(client.account_sid, sid, limit)
        rows = listing.stream(client, query)
        try:
            if folder is None:
                print_rows("media", output, rows)
                return
            saved = list(
                _download(messages.download_media(client, rows, folder, force))
            )
        except NotFound as error:
            raise absent("message", sid, client) from error
    _summary(saved, folder)


def _download(files: Iterator[messages.Download]) -> Iterator[messages.Download]:
    """One line per file as it lands; a name refused or a file kept on stderr."""
    for file in files:
        if file.refused:
            click.echo(
                f"refused the API's name: {file.refused}; saved as "
                f"{file.target.name} instead",
                err=True,
            )
        if file.size is None:
            click.echo(
                f"not saved: {file.target} exists (--force overwrites)", err=True
            )
        else:
            kind = file.item.get("content_type")
            click.echo(
                f"saved {file.target.name} ({kind}, {file.size:,} bytes) to "
                f"{file.target}"
            )
        yield file


def _summary(files: list[messages.Download], folder: Path) -> None:
    count = sum(file.size is not None for file in files)
    kept = len(files) - count
    click.echo(f"{count} file{'s' if count != 1 else ''} saved in {folder}.")
    if kept:
        raise TwilioIacError(
            f"{kept} of {len(files)} media files not saved: their files exist in "
            f"{folder}. Pass --force to overwrite them, or --download another folder."
        )


add_batch(
    messages_group,
    "redact",
    "message",
    messages.SID,
    messages.redact,
    'Erase the body of messages (Twilio\'s redaction: Body set to "").',
)
add_batch(
    messages_group,
    "delete",
    "message",
    messages.SID,
    messages.delete,
    "Delete messages (only those with a final status; their media go too).",
)
