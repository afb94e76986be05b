"""One request as the client sends it, and the errors for requests that got
no answer, apart from any HTTP library."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from twilio_iac.api import wire
from twilio_iac.api.recovery import MAYBE_CREATED
from twilio_iac.errors import TransportError


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    query: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    idempotent: bool = True
    find_existing: Callable[[], dict | None] | None = None
    content_type: str = "application/x-www-form-urlencoded"
    maybe_done_hint: str = MAYBE_CREATED

    @property
    def path(self) -> str:
        """The URL's path for logs: queries may carry phone numbers."""
        return urlsplit(self.url).path

    @property
    def bare_url(self) -> str:
        """The URL without its query, for error messages."""
        return wire.bare(self.url)


def unreachable(
    call: Call, failure: BaseException | None, timed_out: bool, hint: str | None
) -> TransportError:
    host = urlsplit(call.url).netloc
    kind = "timed out" if timed_out else "failed"
    message = f"the connection to {host} {kind} ({type(failure).__name__})"
    advice = (
        f"Could not reach {host}: check the network, and the base URL "
        "(TWILIO_API_BASE_URL / TWILIO_VERIFY_BASE_URL) if you set one."
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


def _join(first: str | None, second: str) -> str:
    return f"{first}\n  {second}" if first else second
