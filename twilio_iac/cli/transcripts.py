"""`twilio-iac transcripts list|show`: Voice Intelligence transcripts, sentence
by sentence (operations/transcripts.py)."""

from __future__ import annotations

import json
from typing import Any

import click

from twilio_iac.api.client import TwilioClient
from twilio_iac.cli.context import Options, not_found, pass_options, sandbox_option
from twilio_iac.cli.history_kit import (
    limit_option,
    print_rows,
    show_output,
    table_output,
)
from twilio_iac.cli.session import session
from twilio_iac.errors import NotFound
from twilio_iac.operations import listing, transcripts
from twilio_iac.render import records


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
        print_rows("transcripts", output, rows)


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
