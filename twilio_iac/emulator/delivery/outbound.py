"""Requests the sandbox makes to the user's webhooks, signed as Twilio signs them.

Standard library only (urllib.request): the emulator never imports the client.
Only loopback hosts are allowed unless the caller allows remote ones, so a
sandbox run cannot post phone numbers and message bodies across the network
by accident.
"""

from __future__ import annotations

import ipaddress
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from ... import __version__, webhooks
from ...errors import ConfigError

TIMEOUT = 15.0  # Twilio's default for webhook requests, in seconds
_BODY_LIMIT = 64 * 1024  # of a response kept for the caller (TwiML is small)


@dataclass(frozen=True)
class Response:
    status: int | None  # None when no HTTP response came back
    body: str
    content_type: str = ""
    error: str = ""  # why no response came back


def check_url(url: str, allow_remote: bool) -> None:
    """ConfigError unless ``url`` is http(s) and, by default, on loopback."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"The webhook URL {url!r} is not an http(s) URL.")
    if not allow_remote and not is_loopback(parts.hostname):
        raise ConfigError(
            f"Refusing to send a webhook to {parts.hostname}: the sandbox delivers "
            "to loopback hosts only (localhost, 127.0.0.1, ::1). Pass "
            "--allow-remote-webhooks to deliver to other hosts."
        )


def is_loopback(host: str) -> bool:
    """By name or address, without resolving anything (no DNS lookups)."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def send(
    url: str,
    params: Sequence[tuple[str, str]],
    token: str,
    method: str = "POST",
    timeout: float = TIMEOUT,
) -> Response:
    """One signed webhook request; GET puts the parameters in the query."""
    if method.upper() == "GET":
        if params:
            url += ("&" if urlsplit(url).query else "?") + urlencode(params)
        data, signed = None, webhooks.signature(url, None, token)
    else:
        data, signed = (
            urlencode(params).encode(),
            webhooks.signature(url, params, token),
        )
    request = urllib.request.Request(url, data=data, method=method.upper())
    request.add_header(webhooks.HEADER, signed)
    request.add_header(
        "User-Agent", f"TwilioProxy/1.1 (twilio-iac sandbox {__version__})"
    )
    request.add_header("Accept", "*/*")
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    # No proxies: a loopback webhook must not be sent through one.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as reply:
            return _response(reply.status, reply.read(_BODY_LIMIT), reply.headers)
    except urllib.error.HTTPError as exc:
        return _response(exc.code, exc.read(_BODY_LIMIT), exc.headers)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Response(None, "", error=f"{type(exc).__name__}: {reason}")


def _response(status: int, raw: bytes, headers: object) -> Response:
    content_type = getattr(headers, "get", lambda *_: "")("Content-Type", "") or ""
    return Response(status, raw.decode("utf-8", "replace"), content_type)
