"""Calls already placed or received: list, show, update (hang up, cancel,
redirect) and delete."""

from __future__ import annotations

from typing import Any

from twilio_iac.api.client import TwilioClient
from twilio_iac.errors import SendRejected
from twilio_iac.operations import listing
from twilio_iac.operations.listing import Query
from twilio_iac.operations.sends import check_url

SID = "CA"
# call_enum_status in Twilio's description.
STATUSES = (
    "queued",
    "ringing",
    "in-progress",
    "completed",
    "busy",
    "failed",
    "no-answer",
    "canceled",
)


RECORDS = listing.Records("Calls", "calls")
path = RECORDS.path
delete = RECORDS.delete


def list_query(
    account_sid: str,
    *,
    to: str | None = None,
    sender: str | None = None,
    status: str | None = None,
    parent: str | None = None,
    after: str | None = None,
    before: str | None = None,
    limit: int = listing.DEFAULT_LIMIT,
) -> Query:
    """Every filter is the API's: To, From, Status, ParentCallSid, StartTime."""
    dates, problems = listing.parties(
        "StartTime", STATUSES, to, sender, status, after, before
    )
    problems += listing.sid("--parent", parent, SID)
    listing.refuse(problems)
    params = {
        "To": to,
        "From": sender,
        "Status": status,
        "ParentCallSid": parent,
        **dates,
    }
    return RECORDS.query(account_sid, params, limit)


def update_params(
    *, hangup: bool, cancel: bool, url: str | None, twiml: str | None
) -> dict[str, Any]:
    """The one change asked for, as Calls/{Sid}.json params; SendRejected otherwise."""
    chosen = [
        name
        for name, on in (
            ("--hangup", hangup),
            ("--cancel", cancel),
            ("--url", url),
            ("--twiml", twiml),
        )
        if on
    ]
    problems = []
    if len(chosen) != 1:
        problems.append(
            "give exactly one of --hangup, --cancel, --url or --twiml"
            + (f" (got {', '.join(chosen)})" if chosen else "")
        )
    problems += check_url("--url", url)
    if twiml is not None and "<Response" not in twiml:
        problems.append("--twiml must be a TwiML document (<Response>…</Response>)")
    if problems:
        raise SendRejected(problems, headline="Not changed")
    if hangup:
        return {"Status": "completed"}
    if cancel:
        return {"Status": "canceled"}
    return {"Url": url} if url else {"Twiml": twiml}


def describe_change(params: dict[str, Any]) -> str:
    """The change as a verb for the confirmation question."""
    status = params.get("Status")
    if status == "completed":
        return "Hang up"
    if status == "canceled":
        return "Cancel"
    return "Redirect"


def update(
    client: TwilioClient, account_sid: str, sid: str, params: dict[str, Any]
) -> dict[str, Any]:
    return client.update("core", path(account_sid, sid), params)
