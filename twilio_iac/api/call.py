"""One request as the client sends it, apart from any HTTP library."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from twilio_iac.api import wire
from twilio_iac.api.recovery import MAYBE_CREATED


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    # Which API (apis.py): it decides the credentials a subaccount's request
    # carries, which the URL cannot tell when every API shares one base.
    api: str
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
