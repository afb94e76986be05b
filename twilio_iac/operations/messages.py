"""Messages already sent or received: list, show, media, redact, delete."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from twilio_iac.api.client import TwilioClient
from twilio_iac.operations import listing
from twilio_iac.operations.listing import Query

SID = "SM|MM"
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


def download_media(
    client: TwilioClient, media: Iterator[dict[str, Any]], folder: Path
) -> Iterator[tuple[dict[str, Any], Path, int]]:
    """Each media file saved in ``folder`` as <ME sid>.<extension>."""
    folder.mkdir(parents=True, exist_ok=True)
    for item in media:
        extension = mimetypes.guess_extension(item.get("content_type") or "") or ""
        if extension == ".jpe":
            extension = ".jpg"
        target = folder / f"{item['sid']}{extension}"
        content = item["uri"].removesuffix(".json")
        size = save(client, content, target)
        yield item, target, size


def save(client: TwilioClient, path: str, target: Path) -> int:
    """Stream a media file to ``target`` through a temporary sibling, so an
    interrupted download never leaves a truncated file under the final name."""
    partial = target.with_name(f".{target.name}.part")
    size = 0
    with partial.open("wb") as out:

        def write(chunk: bytes) -> None:
            nonlocal size
            size += len(chunk)
            out.write(chunk)

        try:
            client.download("core", path, write)
        except BaseException:
            out.close()
            partial.unlink(missing_ok=True)
            raise
    partial.replace(target)
    return size


def redact(client: TwilioClient, account_sid: str, sid: str) -> dict[str, Any]:
    """Twilio's redaction: the body set to an empty string."""
    return client.update("core", path(account_sid, sid), {"Body": ""})
