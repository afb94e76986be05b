"""structlog setup: events go to stderr (stdout carries command output).

Events are named ``noun.past_verb``. Every event passes through a redaction
step that removes registered secret values and credential-named keys.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

REDACTED = "[redacted]"
_DROPPED_KEYS = frozenset({"authorization", "auth_token", "password", "secret"})
_SECRETS: set[str] = set()


def register_secret(value: str) -> None:
    """Redact this value from every later log event, wherever it appears."""
    if value:
        _SECRETS.add(value)


def scrub(text: str) -> str:
    """``text`` with every registered secret replaced: for messages not logged."""
    return _scrub(text)


def configure(debug: bool, fmt: str) -> None:
    """WARNING and above normally, everything with --debug; fmt is text or json."""
    if fmt not in ("text", "json"):
        raise ValueError(f"unknown log format {fmt!r}: expected 'text' or 'json'")
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
        return value
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
    return _scrub(text) if any(secret in text for secret in _SECRETS) else value


def _renderer(fmt: str) -> Any:
    if fmt == "json":
        return structlog.processors.JSONRenderer()
    colors = sys.stderr.isatty() and not os.environ.get("NO_COLOR")
    return structlog.dev.ConsoleRenderer(colors=colors)


def _stderr_logger(*args: Any) -> structlog.PrintLogger:
    # Looked up per logger, not at configure time, so a swapped sys.stderr
    # (click's CliRunner, pytest's capsys) receives the output.
    return structlog.PrintLogger(file=sys.stderr)
