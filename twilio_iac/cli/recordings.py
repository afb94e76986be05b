"""`twilio-iac recordings list|download|delete`: call recordings
(operations/recordings.py)."""

from __future__ import annotations

from pathlib import Path

import click

from twilio_iac.cli.context import Options, pass_options, sandbox_option
from twilio_iac.cli.history_kit import add_batch, add_list
from twilio_iac.cli.session import session
from twilio_iac.errors import TwilioIacError
from twilio_iac.operations import listing, recordings


@click.group("recordings")
def recordings_group() -> None:
    """List, download and delete call recordings."""


add_list(
    recordings_group,
    "recordings",
    recordings.list_query,
    "Recordings, newest first (filters sent to the API).",
    filters=(
        click.option("--call", metavar="CA…", help="Only this call's recordings."),
    ),
)


@recordings_group.command("download")
@click.argument("sid")
@click.option(
    "--audio-format",
    "fmt",
    type=click.Choice(recordings.FORMATS),
    default="mp3",
    show_default=True,
    help="Audio format (--output is for what a command prints, everywhere).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write. Default: <SID>.<audio format> here.",
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


add_batch(
    recordings_group,
    "delete",
    "recording",
    recordings.SID,
    recordings.delete,
    "Delete recordings.",
)
