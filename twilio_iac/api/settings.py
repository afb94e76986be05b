"""Credentials and endpoints, read from the environment under twilio-cli's names.

Settings.from_env picks one credential set (API key, auth token, Maton gateway
or the sandbox), validates it, and never lets a secret reach a repr or message.
A target account other than the credentials' own (a subaccount) may bring its
own API key (TARGET_KEY_VARIABLES); credentials.py decides which set each
request carries.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from twilio_iac.apis import APIS, MATON_BASE_URL, SANDBOX_BASE_URL
from twilio_iac.errors import ConfigError

DEFAULT_BASE_URLS: Mapping[str, str] = {api.name: api.base_url for api in APIS.values()}

SOURCE_API_KEY = "TWILIO_API_KEY/TWILIO_API_SECRET"
SOURCE_AUTH_TOKEN = "TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN"
SOURCE_MATON = "MATON_API_KEY"
SOURCE_SANDBOX = "the sandbox"

# The subaccount's own API key, for every request to it. A fleet entry names
# its own pair of variables; a single --account-sid run reads these.
TARGET_KEY_VARIABLES = ("TWILIO_IAC_TARGET_API_KEY", "TWILIO_IAC_TARGET_API_SECRET")

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
    account_sid: str | None  # the target account; None: ask the gateway
    auth: Auth
    base_urls: Mapping[str, str]
    headers: Mapping[str, str] = field(default_factory=dict)
    source: str = ""
    sandbox: bool = False
    # The account the credentials belong to, when known (not through Maton).
    own_account_sid: str | None = None
    # The target's own API key, for a subaccount only, and the variables that
    # name it (TARGET_KEY_VARIABLES unless a caller picks others).
    target_auth: Auth | None = None
    target_key_vars: tuple[str, str] = TARGET_KEY_VARIABLES

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str],
        *,
        sandbox: tuple[str, str] | None = None,
        account_sid: str | None = None,
        target_key: tuple[str, str] = TARGET_KEY_VARIABLES,
    ) -> Settings:
        """``sandbox`` is the emulator's (account SID, auth token): the emulator
        owns them, and this side never imports the emulator. ``target_key``
        names the variables of the target's own API key and secret."""
        env = {key: value.strip() for key, value in env.items() if value.strip()}
        if account_sid is not None:
            _check_account_sid(account_sid, "The account SID given")
        if sandbox is not None:
            found: Settings | None = _sandbox_settings(sandbox, account_sid)
        else:
            found = _twilio_settings(env, account_sid) or _maton_settings(
                env, account_sid
            )
        if found is None:
            raise ConfigError(_missing_message(env))
        return _for_target(found, env, target_key)

    @property
    def other_account(self) -> bool:
        """The target is not the credentials' own account: a subaccount, which
        the parent's credentials reach on the 2010 API only."""
        own, target = self.own_account_sid, self.account_sid
        return own is not None and target is not None and own != target

    @property
    def target_source(self) -> str:
        """Where the credentials the target's requests carry come from."""
        if self.target_auth is None:
            return self.source
        return "/".join(self.target_key_vars)

    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in output or logs."""
        if self.target_auth is None:
            return (self.auth.secret,)
        return (self.auth.secret, self.target_auth.secret)

    def rejected_hint(self) -> str:
        """What to check when Twilio answers 401, naming variables, never values."""
        if self.target_auth is not None:
            key, names = self.target_auth.username, self.target_source
            return (
                f"Twilio rejected the API key {key} from {names} for account "
                f"{self.account_sid}: check that the key still exists, that the "
                "secret is its own and that it was made in that subaccount"
            )
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
        own_account_sid=sid,
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
    # A parent's API key cannot act on a subaccount beyond the 2010 API (nor,
    # in practice, on it): for a subaccount, the parent's auth token wins.
    for_sub = parent is not None and account_sid not in (None, parent)
    if key and secret and (parent or account_sid) and not (for_sub and token):
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
        # Without TWILIO_ACCOUNT_SID, an API key is taken as the target's own.
        own_account_sid=parent or account_sid,
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


def _for_target(
    settings: Settings, env: Mapping[str, str], names: tuple[str, str]
) -> Settings:
    """``settings`` with the subaccount's own API key when one is set; refused
    before anything is read when nothing could authenticate as the subaccount."""
    if not settings.other_account:
        return settings
    settings = replace(settings, target_key_vars=names)
    key_var, secret_var = names
    key, secret = env.get(key_var), env.get(secret_var)
    if key and secret:
        if not key.startswith("SK"):
            raise ConfigError(
                f"{key_var} is not an API key SID: it should start with 'SK' "
                f"({len(key)} characters were given). Use an API key made in "
                f"subaccount {settings.account_sid}."
            )
        return replace(settings, target_auth=Auth("basic", key, secret))
    if key or secret:
        missing = secret_var if key else key_var
        raise ConfigError(
            f"{missing} is not set: the subaccount's API key needs both "
            f"{key_var} and {secret_var}."
        )
    if (settings.auth.username or "").startswith("SK"):
        raise ConfigError(_no_way_in(settings, key_var, secret_var))
    return settings


def _no_way_in(settings: Settings, key_var: str, secret_var: str) -> str:
    return (
        f"The API key from {settings.source} cannot act on subaccount "
        f"{settings.account_sid}: Twilio lets the parent's API keys neither read "
        "a subaccount's auth token nor reach its Verify, Messaging, trunking "
        "and other non-2010 resources. Nothing was read or changed. Set "
        f"{key_var} and {secret_var} to an API key made in that subaccount, or "
        "set TWILIO_AUTH_TOKEN to the parent's auth token (used in place of the "
        "key for subaccounts)."
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


# The gateway's connection management (its "control" endpoints) lives on its
# own host; MATON_CTRL_BASE_URL overrides it (e.g. for a served sandbox).
MATON_CTRL_BASE_URL = "https://ctrl.maton.ai"


def gateway_settings(
    env: Mapping[str, str], *, sandbox: tuple[str, str] | None = None
) -> Settings:
    """Credentials for the gateway's control endpoints: MATON_API_KEY only,
    whatever Twilio credentials are set too (or the sandbox's)."""
    if sandbox is not None:
        sid, token = sandbox
        return Settings(
            account_sid=sid,
            auth=Auth("basic", sid, token),
            base_urls={"gateway": SANDBOX_BASE_URL},
            source=SOURCE_SANDBOX,
            sandbox=True,
        )
    key = (env.get("MATON_API_KEY") or "").strip()
    if not key:
        raise ConfigError(
            "MATON_API_KEY is not set: connection management needs the gateway's "
            "API key (from maton.ai/settings). Or add --sandbox to try it against "
            "the sandbox's gateway."
        )
    url = (env.get("MATON_CTRL_BASE_URL") or MATON_CTRL_BASE_URL).strip().rstrip("/")
    if not re.match(r"^https?://[^/\s]+(/\S*)?$", url):
        raise ConfigError(
            f"MATON_CTRL_BASE_URL must be an http(s) URL such as "
            f"{MATON_CTRL_BASE_URL}, got {url!r}"
        )
    return Settings(
        account_sid=None,
        auth=Auth("bearer", None, key),
        base_urls={"gateway": url},
        source=SOURCE_MATON,
    )
