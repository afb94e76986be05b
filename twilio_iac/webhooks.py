"""Twilio's X-Twilio-Signature: compute and check it, without Twilio's SDK.

The signature is base64(HMAC-SHA1(auth token, URL + each POST parameter's
name and value, sorted by name)). For a JSON body Twilio adds
``bodySHA256=<hex sha256 of the body>`` to the URL and signs the URL alone.
Twilio's SDKs accept the URL both with and without the scheme's standard
port, because proxies add or drop it; ``check`` does the same and names the
variant that matched.

Standard library only: a base module that the emulator imports too, to sign
the webhooks it delivers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit, urlunsplit

# Form parameters: a mapping (a value may be a list, for repeated names) or
# (name, value) pairs in any order.
Params = Mapping[str, "str | Iterable[str]"] | Iterable[tuple[str, str]]

HEADER = "X-Twilio-Signature"
_STANDARD_PORTS = {"https": 443, "http": 80}


def url_problem(url: str) -> str | None:
    """Why Twilio could never request ``url``, if so: it calls only http(s)
    URLs with a host and a port from 1 to 65535."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = 0  # not a number, or out of range
    if parts.scheme in _STANDARD_PORTS and parts.hostname and port != 0:
        return None
    return (
        f"{url!r} is not a URL Twilio can request: a webhook URL is http:// or "
        "https:// with a host, and a port (if any) from 1 to 65535. Give the URL "
        "exactly as Twilio requests it, e.g. https://example.com/sms."
    )


def signature_problem(signature_: str) -> str | None:
    """Why ``signature_`` cannot be any X-Twilio-Signature, if so: it is the
    base64 of a 20-byte HMAC-SHA1, 28 characters ending in "="."""
    try:
        digest = base64.b64decode(signature_.strip(), validate=True)
    except (ValueError, TypeError):
        digest = b""
    if len(digest) == hashlib.sha1().digest_size:
        return None
    return (
        f"The signature is malformed: {signature_!r} is not the base64 of an "
        "HMAC-SHA1 (28 characters, such as RSOYDt4T1cUTdK1PDd93/VVr8B8=), so no "
        "URL, parameter or key could match it. Pass the X-Twilio-Signature "
        "header's value exactly as received, quoted for the shell."
    )


def signature(url: str, params: Params | None, token: str) -> str:
    """The X-Twilio-Signature Twilio sends for a POST of ``params`` to ``url``."""
    data = url + "".join(name + value for name, value in _sorted_pairs(params))
    digest = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def body_sha256(body: bytes | str) -> str:
    """The hex digest Twilio puts in ``bodySHA256`` for a JSON body."""
    raw = body.encode() if isinstance(body, str) else body
    return hashlib.sha256(raw).hexdigest()


def url_for_body(url: str, body: bytes | str) -> str:
    """``url`` with the ``bodySHA256`` parameter Twilio adds for a JSON body."""
    separator = "&" if urlsplit(url).query else "?"
    return f"{url}{separator}bodySHA256={body_sha256(body)}"


def is_valid(
    url: str, params: Params | bytes | str | None, token: str, signature_: str
) -> bool:
    """Whether ``signature_`` is Twilio's for this request.

    ``params`` is the form body (a mapping or pairs), or the raw body (bytes
    or str) of a JSON webhook, whose URL then carries ``bodySHA256``.
    """
    return check(url, params, token, signature_).valid


@dataclass(frozen=True)
class Verdict:
    valid: bool
    variant: str = ""  # which form of the URL matched, when valid
    causes: tuple[str, ...] = ()  # the likely reasons, when not


def check(
    url: str, params: Params | bytes | str | None, token: str, signature_: str
) -> Verdict:
    """Like ``is_valid``, saying which URL variant matched, or why none did."""
    malformed = signature_problem(signature_)
    if malformed:
        return Verdict(False, causes=(malformed,))
    if isinstance(params, (bytes, str)):
        return _check_body(url, params, token, signature_)
    pairs = _sorted_pairs(params)
    for variant, candidate in port_variants(url):
        if _equal(signature(candidate, pairs, token), signature_):
            return Verdict(True, variant)
    return Verdict(False, causes=_diagnose(url, pairs, token, signature_))


def port_variants(url: str) -> list[tuple[str, str]]:
    """The URL as given, then without its port or with the standard one."""
    parts = urlsplit(url)
    variants = [("the URL as given", url)]
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    if parts.username or parts.password:
        userinfo = parts.netloc.rpartition("@")[0]
        host = f"{userinfo}@{host}"
    if parts.port is not None:
        bare = urlunsplit(parts._replace(netloc=host))
        variants.append((f"the URL without its port :{parts.port}", bare))
    elif parts.scheme in _STANDARD_PORTS:
        port = _STANDARD_PORTS[parts.scheme]
        padded = urlunsplit(parts._replace(netloc=f"{host}:{port}"))
        variants.append((f"the URL with the standard port :{port}", padded))
    return variants


def _check_body(url: str, body: bytes | str, token: str, signature_: str) -> Verdict:
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    given = query.get("bodySHA256")
    if given is None:
        return Verdict(
            False,
            causes=(
                "The URL has no bodySHA256 parameter. Twilio adds it to the URL "
                "of a webhook with a JSON body: use the URL exactly as it was "
                "requested, query string included.",
            ),
        )
    if not hmac.compare_digest(given.lower(), body_sha256(body)):
        return Verdict(
            False,
            causes=(
                "The body's SHA-256 differs from the URL's bodySHA256: the body "
                "was changed (re-serialised JSON, different whitespace or "
                "encoding). Check the raw bytes as received.",
            ),
        )
    verdict = check(url, None, token, signature_)
    if verdict.valid:
        return verdict
    return Verdict(False, causes=verdict.causes)


def _diagnose(
    url: str, pairs: list[tuple[str, str]], token: str, signature_: str
) -> tuple[str, ...]:
    """Try the usual distortions; name the one that explains the mismatch."""
    for label, candidate in _nearby_urls(url):
        for _, variant in port_variants(candidate):
            if _equal(signature(variant, pairs, token), signature_):
                return (f"It matches {label}: {variant}. {_URL_ADVICE}",)
    return (
        "The URL differs from the one Twilio requested: behind a proxy or load "
        "balancer the app may see http:// for https://, another host, a port "
        "the proxy added or removed, or a changed query string. " + _URL_ADVICE,
        "A parameter differs: every POST parameter Twilio sent counts, "
        "including ones the app does not use; none may be added, dropped or "
        "decoded differently.",
        "The auth token is not the one of the account that sent the webhook: "
        "it changes when rotated, a subaccount has its own, and an API key's "
        "secret cannot sign.",
    )


_URL_ADVICE = (
    "Validate against the public URL configured at Twilio (for example from "
    "X-Forwarded-Proto and X-Forwarded-Host), not the one the app sees."
)


def _nearby_urls(url: str) -> list[tuple[str, str]]:
    parts = urlsplit(url)
    found = []
    other = {"http": "https", "https": "http"}.get(parts.scheme)
    if other:
        swapped = urlunsplit(parts._replace(scheme=other))
        found.append((f"the URL with {other}:// instead of {parts.scheme}://", swapped))
    path = parts.path
    slashed = path[:-1] if path.endswith("/") else path + "/"
    if slashed:
        found.append(
            (
                "the URL with its trailing slash toggled",
                urlunsplit(parts._replace(path=slashed)),
            )
        )
    return found


def _sorted_pairs(params: Params | None) -> list[tuple[str, str]]:
    if params is None:
        return []
    items: Iterable = params.items() if isinstance(params, Mapping) else params
    pairs = []
    for name, value in items:
        if isinstance(value, (list, tuple)):
            pairs += [(name, str(each)) for each in value]
        else:
            pairs.append((name, str(value)))
    # Twilio sorts by name (case-sensitive); repeated names by value.
    return sorted(pairs)


def _equal(computed: str, given: str) -> bool:
    return hmac.compare_digest(computed.encode(), given.strip().encode())
