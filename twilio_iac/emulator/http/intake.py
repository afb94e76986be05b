"""What a request brings, read and checked before the emulator takes its lock:
its Host, its body (exactly Content-Length bytes, or a 400) and the form or the
JSON document in it.

Reading outside the lock is what keeps one slow client (a body that never
comes, ``Content-Length: -1``) from holding up every other request: it holds
up only its own thread, until the server's read timeout ends it. Malformed
input gets Twilio's 400 (20001) body, never a 500.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from .problems import INVALID_PARAMETER, ApiProblem, bad_request

FORBIDDEN = 403  # "Forbidden", the dictionary's generic entry for a refused request
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
# Far beyond any request the API takes (a 1,600-character body, ten media
# URLs, a TwiML document); a sandbox limit, not Twilio's.
MAX_BODY = 1 << 20


def loopback_hosts(host: str, port: int) -> frozenset[str]:
    """The Host values of a server listening on ``host``:``port``: its own
    address and the loopback names (port 80 may go unnamed, as browsers do)."""
    named = f"[{host}]" if ":" in host else host
    hosts = {f"{name}:{port}" for name in (named.lower(), *LOOPBACK)}
    if port == 80:
        hosts |= {named.lower(), *LOOPBACK}
    return frozenset(hosts)


def check_host(environ: Mapping[str, Any], hosts: frozenset[str] | None) -> None:
    """Refuse a Host that is not this server's own: a page whose name was
    rebound to 127.0.0.1 (DNS rebinding) sends its own name. ``hosts`` None
    (in-process, no socket) takes any; a request without Host came from no
    browser."""
    host = environ.get("HTTP_HOST")
    if hosts is None or host is None or host.lower() in hosts:
        return
    names = ", ".join(sorted(h for h in hosts if ":" in h))
    raise ApiProblem(
        FORBIDDEN,
        FORBIDDEN,
        f"Host {host!r} is not this emulator's address; send requests to one "
        f"of {names}",
    )


def read_body(environ: Mapping[str, Any]) -> bytes:
    """Exactly Content-Length bytes, or a 400 that says what was wrong."""
    given = (environ.get("CONTENT_LENGTH") or "0").strip()
    if not (given.isdigit() and given.isascii()):
        raise bad_request(
            INVALID_PARAMETER,
            f"Content-Length {given!r} is not a number of bytes; send the body's "
            "length in bytes",
        )
    length = int(given)
    if not length:
        return b""
    if length > MAX_BODY:  # read() would first allocate all of it
        raise ApiProblem(
            413,
            INVALID_PARAMETER,
            f"The request body is {length} bytes; the emulator takes at most "
            f"{MAX_BODY}",
        )
    try:
        body = environ["wsgi.input"].read(length)
    except TimeoutError:
        raise bad_request(
            INVALID_PARAMETER,
            f"The request body (Content-Length {length}) did not arrive in time; "
            "send the whole body at once",
        ) from None
    if len(body) < length:
        raise bad_request(
            INVALID_PARAMETER,
            f"The request body ended after {len(body)} of its {length} bytes "
            "(Content-Length)",
        )
    return body


def read_form(environ: Mapping[str, Any], method: str, body: bytes) -> dict:
    """The query string's parameters, and on POST the form body's after them."""
    form = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if method != "POST" or not body:
        return form
    kind = environ.get("CONTENT_TYPE") or FORM
    if not kind.startswith(FORM):
        raise bad_request(INVALID_PARAMETER, f"Unsupported Content-Type {kind}")
    for key, values in parse_qs(_text(body), keep_blank_values=True).items():
        form.setdefault(key, []).extend(values)
    return form


def read_json(environ: Mapping[str, Any], method: str, body: bytes) -> Any:
    """A control route's JSON document (None without a body). Only JSON is
    taken: a web page can send a form, text or multipart body to any address
    without asking first, but not JSON (that needs a CORS preflight)."""
    kind = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
    if method not in ("GET", "HEAD") and kind != JSON:
        raise ApiProblem(
            415,
            INVALID_PARAMETER,
            f"Unsupported Content-Type {kind or '(none)'}: the emulator's control "
            f"routes take {JSON} only",
        )
    if not body:
        return None
    try:
        return json.loads(_text(body))
    except ValueError as exc:
        raise bad_request(
            INVALID_PARAMETER, f"The body is not a JSON document: {exc}"
        ) from None


def basic_credentials(header: str) -> tuple[str, str] | None:
    """The user and password of a Basic Authorization header, if it is one."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(encoded).decode().partition(":")
    except ValueError:  # not base64, not ASCII, not UTF-8
        return None
    return user, password


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise bad_request(
            INVALID_PARAMETER,
            f"The request body is not UTF-8 (byte {exc.start}); encode it as UTF-8",
        ) from None
