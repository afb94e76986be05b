"""Call recordings: list (all, or one call's), download the audio, delete."""

from __future__ import annotations

from pathlib import Path

from twilio_iac.api.client import TwilioClient
from twilio_iac.operations import downloads, listing
from twilio_iac.operations.listing import Query

SID = "RE"
FORMATS = ("mp3", "wav")


RECORDS = listing.Records("Recordings", "recordings")
path = RECORDS.path
delete = RECORDS.delete


def list_query(
    account_sid: str,
    *,
    call: str | None = None,
    after: str | None = None,
    before: str | None = None,
    limit: int = listing.DEFAULT_LIMIT,
) -> Query:
    """Recordings.json, filtered by the API on CallSid and DateCreated."""
    dates, problems = listing.window("DateCreated", after, before)
    problems += listing.sid("--call", call, "CA")
    listing.refuse(problems)
    return RECORDS.query(account_sid, {"CallSid": call, **dates}, limit)


def download(
    client: TwilioClient,
    account_sid: str,
    sid: str,
    fmt: str,
    target: Path,
    force: bool = False,
) -> int:
    """The recording's audio in ``fmt``, streamed to ``target``; bytes written.
    FileExistsError if ``target`` exists and ``force`` is not set."""
    listing.refuse(
        listing.sid("SID", sid, SID) + listing.choice("--format", fmt, FORMATS),
        headline="Not downloaded",
    )
    media = f"/2010-04-01/Accounts/{account_sid}/Recordings/{sid}.{fmt}"
    return downloads.save(client, media, target, force)
