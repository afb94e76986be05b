"""Voice Intelligence v2 transcripts and their sentences."""

from __future__ import annotations

from typing import Any

from twilio_iac.api.client import TwilioClient
from twilio_iac.operations import listing
from twilio_iac.operations.listing import Query

API = "intelligence"
SID = "GT"


def list_query(limit: int = listing.DEFAULT_LIMIT) -> Query:
    return Query(API, "/v2/Transcripts", "transcripts", {}, limit)


def fetch(client: TwilioClient, sid: str) -> dict[str, Any]:
    listing.refuse(listing.sid("SID", sid, SID), headline="Not shown")
    return client.fetch(API, f"/v2/Transcripts/{sid}")


def sentences(client: TwilioClient, sid: str) -> list[dict[str, Any]]:
    """Every sentence of a transcript, in order."""
    found = client.list(API, f"/v2/Transcripts/{sid}/Sentences", "sentences")
    return sorted(found, key=lambda s: s.get("sentence_index") or 0)
