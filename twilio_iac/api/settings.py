"""Credentials and endpoints, read from the environment under twilio-cli's names.

Settings.from_env picks one credential set (API key, auth token, Maton gateway
or the sandbox), validates it, and never lets a secret reach a repr or message.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from twilio_iac.apis import APIS, MATON_BASE_URL, SANDBOX_BASE_URL
from twilio_iac.errors import ConfigError

DEFAULT_BASE_URLS: Mapping[str, str] = {api.name: api.base_url for api in APIS.values()}

SOURCE_API_KEY = "TWILIO_API_KEY/TWILIO_API_SECRET"
SOURCE_AUTH_TOKEN = "TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN"
SOURCE_MATON = "MATON_API_KEY"
SOURCE_SANDBOX = "the sandbox"

_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_API_KEY_SET = ("TWILIO_ACCOUNT_SID", "TWILIO_API_KEY", "TWILIO_API_SECRET")
_AUTH_TOKEN_SET = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")

_REJECTED_HINTS = {
    SOURCE_API_KEY: (
        "Twilio rejected the API key {user} from {source} for account {account}: "
        "check that the key still exists, that TWILIO_API_SECRET is its secret "
        "and that it belongs to that account (or its parent)"
    ),
    SOURCE_AUTH_TOKEN: (
        "Twilio rejected the credentials from {source} for account {account}: "
        "check that the auth token is current (it changes when rotated) "
        "or use an API key (TWILIO_API_KEY/TWILIO_API_SECRET)"
    ),
    SOURCE_MATON: (
        "The Maton gateway rejected the key from {source} for account {account}: "
        "check the key at maton.ai/settings and that its Twilio connection is "
        "active (MATON_CONNECTION picks one)"
    ),
    SOURCE_SANDBOX: (
        "The sandbox rejected its own credentials for account {account}: "
        "an explicit account SID must be one the sandbox knows"
    ),
}


@dataclass(frozen=True)
class Auth:
    kind: Literal["basic", "bearer"]
    username: str | None
    secret: str = field(repr=False)

    def authorization(self) -> str:
        """The Authorization header value; callers must never log it."""
        if self.kind == "bearer":
            return f"Bearer {self.secret}"
        pair = f"{self.username}:{self.secret}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")


@dataclass(frozen=True)
class Settings:
    account_sid: str | None
    auth: Auth
    base_urls: Mapping[str, str]
    headers: Mapping[str, str] = field(default_factory=dict)
    source: str = ""
    sandbox: bool = False

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str],
        *,
        sandbox: tuple[str, str] | None = None,
        account_sid: str | None = None,
    ) -> Settings:
        """``sandbox`` is the emulator's (account SID, auth token): the emulator
        owns them, and this side never imports the emulator."""
        env = {key: value.strip() for key, value in env.items() if value.strip()}
        if account_sid is not None:
            _check_account_sid(account_sid, "The account SID given")
        if sandbox is not None:
            return _sandbox_settings(sandbox, account_sid)
        found = _twilio_settings(env, account_sid) or _maton_settings(env, account_sid)
        if found is None:
            raise ConfigError(_missing_message(env))
        return found

    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in output or logs."""
        return (self.auth.secret,)

    def rejected_hint(self) -> str:
        """What to check when Twilio answers 401, naming variables, never values."""
        template = _REJECTED_HINTS.get(self.source, _REJECTED_HINTS[SOURCE_API_KEY])
        return template.format(
            user=self.auth.username,
            source=self.source,
            account=self.account_sid or "(not yet known)",
        )


def _sandbox_settings(
    credentials: tuple[str, str], account_sid: str | None
) -> Settings:
    sid, token = credentials
    return Settings(
        account_sid=account_sid or sid,
        auth=Auth("basic", sid, token),
        base_urls=dict.fromkeys(APIS, SANDBOX_BASE_URL),
        source=SOURCE_SANDBOX,
        sandbox=True,
    )


def _twilio_settings(
    env: Mapping[str, str], account_sid: str | None
) -> Settings | None:
    """twilio-cli's order: an API key first, then the account's auth token."""
    parent = env.get("TWILIO_ACCOUNT_SID")
    if parent is not None:
        _check_account_sid(parent, "TWILIO_ACCOUNT_SID")
    key, secret = env.get("TWILIO_API_KEY"), env.get("TWILIO_API_SECRET")
    token = env.get("TWILIO_AUTH_TOKEN")
    if key and secret and (parent or account_sid):
        auth, source = Auth("basic", key, secret), SOURCE_API_KEY
    elif parent and token:
        auth, source = Auth("basic", parent, token), SOURCE_AUTH_TOKEN
    else:
        return None
    return Settings(
        account_sid=account_sid or parent,
        auth=auth,
        base_urls=_base_urls(env, DEFAULT_BASE_URLS),
        source=source,
    )


def _maton_settings(env: Mapping[str, str], account_sid: str | None) -> Settings | None:
    key = env.get("MATON_API_KEY")
    if not key:
        return None
    connection = env.get("MATON_CONNECTION")
    return Settings(
        # None: the client asks the gateway which account it is connected to.
        account_sid=account_sid or env.get("TWILIO_ACCOUNT_SID"),
        auth=Auth("bearer", None, key),
        base_urls=_base_urls(env, dict.fromkeys(APIS, MATON_BASE_URL)),
        headers={"Maton-Connection": connection} if connection else {},
        source=SOURCE_MATON,
    )


def _base_urls(env: Mapping[str, str], defaults: Mapping[str, str]) -> dict[str, str]:
    urls = {}
    for api, default in defaults.items():
        var = APIS[api].base_url_var
        url = env.get(var, default).rstrip("/")
        if not re.match(r"^https?://[^/\s]+(/\S*)?$", url):
            raise ConfigError(
                f"{var} must be an http(s) URL such as {APIS[api].base_url}, "
                f"got {url!r}"
            )
        urls[api] = url
    return urls


def _check_account_sid(value: str, where: str) -> None:
    # The value is not echoed: a pasted auth token in the wrong variable is a
    # common mistake, and this message goes to the terminal and CI logs.
    if not _ACCOUNT_SID.match(value):
        raise ConfigError(
            f"{where} is not an account SID: it should be 'AC' followed by "
            f"32 hexadecimal digits ({len(value)} characters were given)"
        )


def _missing_message(env: Mapping[str, str]) -> str:
    sets = [
        (_API_KEY_SET, "an API key (recommended)"),
        (_AUTH_TOKEN_SET, "the account's auth token"),
        (("MATON_API_KEY",), "the Maton gateway; MATON_CONNECTION optional"),
    ]
    present = set(env) & {name for names, _ in sets for name in names}
    if present:
        headline = "The Twilio credentials in the environment are incomplete."
    else:
        headline = "No Twilio credentials were found in the environment."
    lines = [headline, "Set one of these sets of environment variables:"]
    for names, label in sets:
        missing = [name for name in names if name not in env]
        note = f" (missing: {', '.join(missing)})" if present and missing else ""
        lines.append(f"  - {' + '.join(names)}: {label}{note}")
    lines.append("Or add --sandbox to try twilio-iac against a local sandbox account.")
    return "\n".join(lines)
