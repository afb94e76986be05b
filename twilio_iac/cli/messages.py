"""`twilio-iac messages list|show|media|redact|delete`: messages already sent
or received (operations/messages.py)."""

from __future__ import annotations

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
from twilio_iac.errors import NotFound
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
                print_rows("media", output, rows)
                return
            count = 0
            for item, target, size in messages.download_media(client, rows, folder):
                count += 1
                kind = item["content_type"]
                click.echo(f"saved {item['sid']} ({kind}, {size:,} bytes) to {target}")
        except NotFound as error:
            raise absent("message", sid, client) from error
    click.echo(f"{count} file{'s' if count != 1 else ''} saved in {folder}.")


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
