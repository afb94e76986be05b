"""Messages already sent or received: list, show, media, redact, delete."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twilio_iac.api.client import TwilioClient
from twilio_iac.operations import downloads, listing
from twilio_iac.operations.listing import Query

SID = "SM|MM"
MEDIA_SID = "ME"
# message_enum_status in Twilio's description.
STATUSES = (
    "queued",
    "sending",
    "sent",
    "failed",
    "delivered",
    "undelivered",
    "receiving",
    "received",
    "accepted",
    "scheduled",
    "read",
    "partially_delivered",
    "canceled",
)


RECORDS = listing.Records("Messages", "messages")
path = RECORDS.path
delete = RECORDS.delete


def list_query(
    account_sid: str,
    *,
    to: str | None = None,
    sender: str | None = None,
    status: str | None = None,
    after: str | None = None,
    before: str | None = None,
    limit: int = listing.DEFAULT_LIMIT,
) -> Query:
    """Messages.json filters by To, From and DateSent; it has no status
    filter, so --status is applied to each row as it arrives."""
    dates, problems = listing.parties(
        "DateSent", STATUSES, to, sender, status, after, before
    )
    listing.refuse(problems)
    keep = (lambda m: m.get("status") == status) if status else None
    return RECORDS.query(account_sid, {"To": to, "From": sender, **dates}, limit, keep)


def media_query(account_sid: str, sid: str, limit: int) -> Query:
    listing.refuse(listing.sid("SID", sid, SID))
    media = f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}/Media.json"
    return Query("core", media, "media_list", {}, limit)


@dataclass(frozen=True)
class Download:
    """One media file of a download: where it went, or why it did not."""

    item: dict[str, Any]
    target: Path
    size: int | None  # None: not written, the file exists and --force was not given
    refused: str | None = None  # why the API's SID was not used as the name


def download_media(
    client: TwilioClient,
    media: Iterator[dict[str, Any]],
    folder: Path,
    force: bool = False,
) -> Iterator[Download]:
    """Each media file saved in ``folder`` as <ME sid>.<extension>, or as
    media-<n>.<extension> when the API's SID is not one (see downloads.py)."""
    folder.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    for number, item in enumerate(media, 1):
        extension = mimetypes.guess_extension(item.get("content_type") or "") or ""
        if extension == ".jpe":
            extension = ".jpg"
        name = downloads.name_for(
            item.get("sid"), MEDIA_SID, extension, f"media-{number}", taken
        )
        target = folder / name.file
        content = str(item["uri"]).removesuffix(".json")
        try:
            size: int | None = downloads.save(client, content, target, force)
        except FileExistsError:
            size = None
        yield Download(item, target, size, name.refused)


def redact(client: TwilioClient, account_sid: str, sid: str) -> dict[str, Any]:
    """Twilio's redaction: the body set to an empty string."""
    return client.update("core", path(account_sid, sid), {"Body": ""})
