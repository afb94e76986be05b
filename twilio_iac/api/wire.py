"""Twilio's wire conventions, apart from any HTTP library: form encoding,
the two pagination styles, and the error body. client.py is the only user.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from twilio_iac.apis import PUBLIC_ORIGINS
from twilio_iac.errors import ApiError

PAGE_SIZE = 1000  # Twilio's maximum: the fewest round trips per list


def encode_form(params: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """Form pairs in Twilio's conventions: true/false, None clears, lists repeat."""
    pairs: list[tuple[str, str]] = []
    for name, value in params.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        pairs.extend((name, _form_value(item)) for item in values)
    return tuple(pairs)


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""  # an empty value is how Twilio clears a field
    if isinstance(value, Mapping):
        raise TypeError("nested params must be flattened to dotted names first")
    return str(value)


def next_page_url(body: Mapping[str, Any], base: str, default_base: str) -> str | None:
    """The next page's URL on ``base``, or None after the last page.

    2010-04-01 lists give ``next_page_uri`` relative to the API's host (joined
    by concatenation, so a base with a path such as the Maton gateway's keeps
    it); v2 lists give an absolute ``meta.next_page_url``.
    """
    meta = body.get("meta")
    if isinstance(meta, Mapping):
        url = meta.get("next_page_url")
    else:
        url = body.get("next_page_uri")
    if not url:
        return None
    if url.startswith("/"):
        return base + url
    return _onto_base(url, base, default_base)


_NEXT = {
    key: re.compile(rb'"' + key.encode() + rb'"\s*:\s*(null|"(?:[^"\\]|\\.)*")')
    for key in ("next_page_uri", "next_page_url")
}


def peek_next(content: bytes) -> dict[str, Any] | None:
    """The paging part of a list body, found without decoding the whole page,
    so the next page can be asked for while this one is decoded; None when it
    cannot be told that way (then decode the body).

    A key inside a JSON string has its quotes escaped, so only a real key
    matches; one match exactly, or the page is decoded first.
    """
    found = {key: pattern.findall(content) for key, pattern in _NEXT.items()}
    uri, url = found["next_page_uri"], found["next_page_url"]
    if len(uri) + len(url) != 1:
        return None
    value = json.loads(uri[0] if uri else url[0])
    if value is not None and not isinstance(value, str):
        return None
    return {"next_page_uri": value} if uri else {"meta": {"next_page_url": value}}


def _onto_base(url: str, base: str, default_base: str) -> str:
    # Twilio, and gateways or emulators passing its bodies through, return
    # absolute URLs on Twilio's public hosts. Followed verbatim under an
    # overridden base they would leave the sandbox or the gateway, and send
    # that endpoint's credentials to the real Twilio: put them back on base.
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    if base != default_base and origin in PUBLIC_ORIGINS:
        return base + parts.path + (f"?{parts.query}" if parts.query else "")
    if origin != origin_of(base):
        raise ApiError(
            "GET",
            bare(url),
            None,
            message=f"the next page is on another host ({parts.netloc})",
            hint=f"twilio-iac will not send the credentials for {base} there.",
        )
    return url


def error_fields(text: str, reason: str) -> tuple[int | None, str, str | None]:
    """``(code, message, more_info)`` from Twilio's error body, or from plain text."""
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict) and ("message" in body or "code" in body):
        code = body.get("code")
        return (
            code if isinstance(code, int) else None,
            str(body.get("message") or reason),
            body.get("more_info") or None,
        )
    snippet = " ".join(text.split())[:200]
    return None, snippet or reason or "no error details", None


def error_details(text: str) -> dict | None:
    """The ``details`` object some errors carry (Studio's 81022 lists each
    widget's problem there), or None."""
    try:
        body = json.loads(text)
    except ValueError:
        return None
    details = body.get("details") if isinstance(body, dict) else None
    return details if isinstance(details, dict) else None


def bare(url: str) -> str:
    """The URL without query or fragment: queries may carry phone numbers."""
    return urlsplit(url)._replace(query="", fragment="").geturl()


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
