"""The errors for failed requests, apart from any HTTP library: the client
hands over what it got (status, body text, reason, URL, or no answer at all)
and gets the one ApiError subclass that says what happened and what to do.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from twilio_iac import logs
from twilio_iac.api import wire
from twilio_iac.api.call import Call
from twilio_iac.api.settings import Settings
from twilio_iac.apis import APIS
from twilio_iac.errors import (
    ApiError,
    AuthError,
    NotFound,
    RateLimited,
    TransportError,
    WrongAccount,
)


def answered(
    method: str,
    url: str,
    status: int,
    text: str,
    reason: str,
    settings: Settings,
    hint: str | None = None,
) -> ApiError:
    """The one mapping from an HTTP error response to an ApiError."""
    code, message, more_info = wire.error_fields(text, reason)
    if status == 401:
        cls, hint = AuthError, hint or settings.rejected_hint()
    elif status == 403:
        cls = AuthError
        hint = hint or (
            f"The credentials from {settings.source} were accepted but "
            "may not do this: restricted API keys and subaccounts lack some "
            "permissions."
        )
    else:
        cls = {404: NotFound, 429: RateLimited}.get(status, ApiError)
    # A server may quote the request back, credentials included.
    error = cls(
        method, wire.bare(url), status, code, logs.scrub(message), more_info, hint
    )
    error.details = wire.error_details(text)
    return error


def not_json(method: str, url: str, status: int, settings: Settings) -> ApiError:
    return ApiError(
        method,
        wire.bare(url),
        status,
        message="the response is not a JSON object",
        hint=f"Check that {settings.source} points at a Twilio API.",
    )


def unreachable(
    call: Call, failure: BaseException | None, timed_out: bool, hint: str | None
) -> TransportError:
    host = urlsplit(call.url).netloc
    kind = "timed out" if timed_out else "failed"
    message = f"the connection to {host} {kind} ({type(failure).__name__})"
    api = APIS.get(getattr(call, "api", "") or "")
    variable = api.base_url_var if api else "the API's base-URL variable"
    advice = (
        f"Could not reach {host}: check the network, and the base URL "
        f"({variable}) if you set one."
    )
    return TransportError(
        call.method, call.bare_url, None, message=message, hint=_join(hint, advice)
    )


def not_sent(call: Call) -> TransportError:
    return TransportError(
        call.method,
        call.bare_url,
        None,
        message="not sent: the run was interrupted while it waited its turn",
        hint="Nothing was changed by this request; apply again to finish.",
    )


def stopped(call: Call, cause: WrongAccount) -> WrongAccount:
    """A write refused because an earlier answer came from another account."""
    return WrongAccount(
        call.method,
        call.bare_url,
        None,
        cause.found,
        cause.expected,
        message=(
            f"not sent: an earlier answer held records of account {cause.found}, "
            f"not of {cause.expected}, the account targeted"
        ),
        hint=cause.hint,
    )


def _join(first: str | None, second: str) -> str:
    return f"{first}\n  {second}" if first else second
