"""Passwords in webhook URLs (`https://user:pass@host/…`, Twilio's basic auth
for webhooks).

Wherever a URL is shown or saved its password is masked (`https://bob:***@…`).
A manifest must take the password from one variable (`https://bob:${VAR}@…`);
the value it resolves to is remembered with that template, so a saved plan
holds the template, never the password, and `apply FILE` resolves it again.
In memory the full URL is kept, so live and desired compare as they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MASK = "***"
_PASSWORD = re.compile(
    r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:]*:)(?P<password>[^\s/?#@]*)@"
)
_PLACEHOLDER = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)\}")
# Each URL resolved from a manifest → the same URL with its password's ${VAR}.
_TEMPLATES: dict[str, str] = {}


def mask(text: str) -> str:
    """``text`` with the password of every URL in it masked; a ``${VAR}``
    placeholder is not a password and stays."""
    if "@" not in text or "://" not in text:
        return text
    return _PASSWORD.sub(_masked, text)


def _masked(match: re.Match[str]) -> str:
    password = match["password"]
    if password == MASK or _PLACEHOLDER.fullmatch(password):
        return match[0]
    return f"{match['head']}{MASK}@"


def mask_data(value: Any) -> Any:
    """JSON-like data with every URL password masked in its strings."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, Mapping):
        return {key: mask_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_data(item) for item in value]
    return value


def problem(raw: str, resolved: str) -> str | None:
    """Why a manifest string may not hold the URL it resolves to, if it may not:
    a password must be written as exactly one ``${VAR}``. Remembers the
    template of an allowed one."""
    written = _PASSWORD.search(raw)
    found = _PASSWORD.search(resolved)
    if written is None and found is None:
        return None
    fix = "write it as https://user:${VAR}@host/… and set VAR in the environment"
    if written is None or found is None:
        return f"a URL's password must be a variable of its own; {fix}"
    placeholder = _PLACEHOLDER.fullmatch(written["password"])
    if placeholder is None:
        return f"this URL's password is written in the manifest; {fix}"
    head, tail = resolved[: found.start("password")], resolved[found.end("password") :]
    _TEMPLATES[resolved] = f"{head}{placeholder[0]}{tail}"
    return None


def template(value: str) -> str:
    """The value to save: its template if it came from a manifest with a
    password variable, else the value with any password masked."""
    return _TEMPLATES.get(value) or mask(value)


def resolve(value: str, env: Mapping[str, str]) -> tuple[str, str | None]:
    """A saved template with its password variable read again from ``env``;
    else the value as it is. The second item names a variable that is unset."""
    found = _PASSWORD.search(value) if "${" in value else None
    placeholder = found and _PLACEHOLDER.fullmatch(found["password"])
    if not placeholder:
        return value, None
    name = placeholder["name"]
    if not env.get(name):
        return value, name
    resolved = value[: found.start("password")] + env[name] + value[found.end() - 1 :]
    _TEMPLATES[resolved] = value
    return resolved, None
