"""structlog setup, and the redaction of credentials (and of the passwords of
URLs, urlauth.py) from every output.

Events go to stderr (stdout carries command output) and are named
``noun.past_verb``. Every event passes through a redaction step that removes
registered secret values and credential-named keys; the CLI also writes
stdout, stderr and saved files through ``scrub`` (see ScrubbedStream).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, TextIO

from twilio_iac import urlauth

if TYPE_CHECKING:  # imported by configure: not needed for --version or --help
    import structlog

REDACTED = "[redacted]"
_DROPPED_KEYS = frozenset({"authorization", "auth_token", "password", "secret"})
_SECRETS: set[str] = set()
# Variables that hold a secret (settings.py reads them); manifests may not read them.
CREDENTIAL_VARIABLES = (
    "TWILIO_AUTH_TOKEN",
    "TWILIO_API_SECRET",
    "TWILIO_IAC_TARGET_API_SECRET",
    "MATON_API_KEY",
)
# Shorter values would match ordinary text; real tokens and keys are 32+ characters.
_MIN_MATCH = 8


def register_secret(value: str) -> None:
    """Redact this value from every later log event, wherever it appears.
    A value shorter than _MIN_MATCH is no real credential (Twilio's are 32
    characters) and would match ordinary text (the signature docs' test token
    "12345" inside a URL), so it is not redacted."""
    if len(value) >= _MIN_MATCH:
        _SECRETS.add(value)


def register_credentials(env: Mapping[str, str]) -> None:
    """Redact the credential variables' values, before any client is built."""
    for name in CREDENTIAL_VARIABLES:
        register_secret(env.get(name, "").strip())


def credentials(env: Mapping[str, str]) -> dict[str, str]:
    """Each credential in use (or in the environment) → where it comes from."""
    found = {secret: "a credential in use" for secret in _SECRETS}
    for name in CREDENTIAL_VARIABLES:
        found[env.get(name, "").strip()] = name
    return {value: name for value, name in found.items() if len(value) >= _MIN_MATCH}


def scrub(text: str) -> str:
    """``text`` with every registered secret replaced and every URL password
    masked: for messages not logged."""
    return _scrub(text)


def scrub_data(value: Any) -> Any:
    """JSON-like data with every registered secret replaced (and every URL
    password masked) in its strings."""
    if isinstance(value, str):
        return _scrub(value)
    if isinstance(value, Mapping):
        return {key: scrub_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub_data(item) for item in value]
    return value


class ScrubbedStream:
    """A text stream that scrubs what it writes; the CLI wraps stdout and
    stderr in it, so no output path can print a registered secret."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str | bytes) -> int:
        # click.echo writes bytes (shell completion's script, say) as text
        # when the stream has no `buffer`: scrub them as text too.
        if isinstance(text, bytes | bytearray):
            shown = bytes(text).decode(getattr(self, "encoding", None) or "utf-8")
            self._stream.write(scrub(shown))
            return len(text)
        self._stream.write(scrub(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        # flush, isatty, encoding...: as the wrapped stream. Not `buffer`,
        # which would let a writer bypass the scrubbing.
        if name == "buffer":
            raise AttributeError(name)
        return getattr(self._stream, name)


def configure(debug: bool, fmt: str) -> None:
    """WARNING and above normally, everything with --debug; fmt is text or json."""
    if fmt not in ("text", "json"):
        raise ValueError(f"unknown log format {fmt!r}: expected 'text' or 'json'")
    import structlog

    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            # Tracebacks become strings first so that redaction sees them.
            structlog.processors.format_exc_info,
            redact,
            _renderer(fmt),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.DEBUG if debug else logging.WARNING
        ),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )


def redact(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: drop credential keys, mask secret values."""
    scrubbed: MutableMapping[str, Any] = _scrub(event_dict)
    return scrubbed


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        for secret in _SECRETS:
            value = value.replace(secret, REDACTED)
        return urlauth.mask(value)
    if isinstance(value, Mapping):
        # A copy: nested mappings belong to the caller.
        return {
            key: _scrub(item)
            for key, item in value.items()
            if str(key).lower() not in _DROPPED_KEYS
        }
    if isinstance(value, (list, tuple, set, frozenset)):
        return type(value)(_scrub(item) for item in value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    # Any other object is rendered through str() later: check that text now.
    text = str(value)
    return _scrub(text) if _scrub(text) != text else value


def _renderer(fmt: str) -> Any:
    import structlog

    if fmt == "json":
        return structlog.processors.JSONRenderer()
    colors = sys.stderr.isatty() and not os.environ.get("NO_COLOR")
    return structlog.dev.ConsoleRenderer(colors=colors)


def _stderr_logger(*args: Any) -> structlog.PrintLogger:
    # Looked up per logger, not at configure time, so a swapped sys.stderr
    # (click's CliRunner, pytest's capsys) receives the output.
    import structlog

    return structlog.PrintLogger(file=sys.stderr)
