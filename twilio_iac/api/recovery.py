"""Create recovery: a create that may have reached Twilio is looked for, never
resent, so an ambiguous failure cannot create the object twice.

The original request may still be in Twilio's hands (a timeout says nothing
about that), so it is looked for over a window as long as the client's
timeout before its outcome is called unknown.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog

from twilio_iac.api.retry import seconds
from twilio_iac.errors import ApiError, OutcomeUnknown

MAYBE_CREATED = (
    "The create may have happened on Twilio's side: run `twilio-iac plan` "
    "to check before applying again."
)
# How often a create of unknown outcome is looked for while its window lasts.
_LOOKUPS = 4

log = structlog.get_logger(__name__)


def look_for(
    find_existing: Callable[[], dict | None],
    sleep: Callable[[float], None],
    window: float,
    path: str,
) -> dict | None:
    """The object the create made, looked for over ``window`` seconds, or None."""
    pause = window / _LOOKUPS
    for lookup in range(_LOOKUPS + 1):
        if lookup:
            sleep(pause)
        found = find_existing()
        if found is not None:
            log.info("http.create_recovered", path=path, sid=found.get("sid"))
            return found
    return None


def outcome_unknown(
    method: str, url: str, cause: ApiError, window: float
) -> OutcomeUnknown:
    """The error for a create that failed ambiguously and was not found."""
    return OutcomeUnknown(
        method,
        url,
        cause.status,
        cause.code,
        f"outcome unknown: {cause.message}",
        cause.more_info,
        f"The request may have reached Twilio, and the object did not appear "
        f"within {seconds(window)}. It was not sent again, so it was "
        "not created twice. Wait a minute, then run `twilio-iac plan`: it "
        "shows whether it landed.",
    )
