"""Which account each request acts on, apart from any HTTP library.

The parent's credentials reach a subaccount only on the 2010 API, under
/2010-04-01/Accounts/{Sub}/...; every other host (Verify, Messaging, trunking,
...) acts on the account that authenticates and ignores any account SID. So
Credentials signs a subaccount's non-2010 requests as the subaccount: with its
own API key when one is set, else with its SID and auth token, which the
parent's auth token reads from GET /2010-04-01/Accounts/{Sub}.json once, when
the first such request is about to be sent. foreign_owner is the guard behind
it (client.py runs it on every answer): an answer about another account stops
the run, and its writes.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Mapping
from typing import Any

import structlog

from twilio_iac import logs
from twilio_iac.api.settings import Settings
from twilio_iac.apis import CORE
from twilio_iac.errors import ConfigError, TwilioIacError, WrongAccount

log = structlog.get_logger(__name__)


class Credentials:
    """The Authorization header of each request, by API; thread-safe."""

    def __init__(
        self, settings: Settings, fetch_account: Callable[[str], Mapping[str, Any]]
    ) -> None:
        """``fetch_account(sid)`` GETs that account's 2010 record with the
        parent's credentials (the only ones that can read its auth token)."""
        self._settings = settings
        self._fetch_account = fetch_account
        self._own = settings.auth.authorization()
        self._target: str | None = None
        if settings.other_account and settings.target_auth is not None:
            self._target = settings.target_auth.authorization()
        self._lock = threading.Lock()
        self._failure: TwilioIacError | None = None

    def authorization(self, api: str) -> str:
        """Never log it: it is a credential."""
        settings = self._settings
        if not settings.other_account:
            return self._own
        if settings.target_auth is None and api == CORE:
            return self._own
        return self._target or self._as_subaccount()

    def rejected_hint(self, sent: str) -> str | None:
        """What to check when the subaccount's token, read this run, was
        refused (``sent`` is the request's header); None for other headers."""
        if self._target is None or sent != self._target:
            return None
        if self._settings.target_auth is not None:
            return None  # the settings' hint names the key's variables
        key_var, secret_var = self._settings.target_key_vars
        return (
            f"Twilio rejected subaccount {self._settings.account_sid}'s auth "
            "token, read with the parent's credentials in this run: it may have "
            f"been rotated since, or the subaccount suspended. Run again, or set "
            f"{key_var} and {secret_var} to an API key made in the subaccount."
        )

    def _as_subaccount(self) -> str:
        with self._lock:
            if self._target is None:
                # A failed read is not repeated by every kind's thread.
                if self._failure is not None:
                    raise self._failure
                try:
                    self._target = self._read_token()
                except TwilioIacError as exc:
                    self._failure = exc
                    raise
            return self._target

    def _read_token(self) -> str:
        sid = self._settings.account_sid
        assert sid is not None  # other_account implies a target
        token = self._fetch_account(sid).get("auth_token")
        if not isinstance(token, str) or not token:
            raise ConfigError(_no_token(self._settings, sid))
        pair = base64.b64encode(f"{sid}:{token}".encode()).decode("ascii")
        # Registered before first use, so no log, error or plan file shows it.
        logs.register_secret(token)
        logs.register_secret(pair)
        log.debug("account.token_read", account_sid=sid)
        return "Basic " + pair


def _no_token(settings: Settings, sid: str) -> str:
    key_var, secret_var = settings.target_key_vars
    return (
        f"Twilio did not give subaccount {sid}'s auth token to the credentials "
        f"from {settings.source}, so its Verify, Messaging, trunking and other "
        "non-2010 resources cannot be reached as that account; nothing was sent "
        f"to them. Set {key_var} and {secret_var} to an API key made in the "
        "subaccount."
    )


_IN_PATH = "/2010-04-01/Accounts/"
_SID_LENGTH = 34


def meant(path: str, target: str | None) -> str | None:
    """The account a request is about: the one in a 2010 path (a client may
    read a subaccount's there), else the target (None: not yet known)."""
    at = path.find(_IN_PATH)
    if at < 0:
        return target
    start = at + len(_IN_PATH)
    sid = path[start : start + _SID_LENGTH]
    return sid if sid.startswith("AC") and len(sid) == _SID_LENGTH else target


def foreign_owner(body: Mapping[str, Any], expected: str) -> str | None:
    """The account SID of the record ``body`` is, or of a record of the list
    page it is, when that is not ``expected``: Twilio answered about another
    account."""
    found = body.get("account_sid")
    if found is not None and found != expected:
        return str(found)
    # Cheap enough for a 1,000-record page: one set per list, no copies.
    for value in body.values():
        if type(value) is list:
            owners = {i.get("account_sid") for i in value if type(i) is dict}
            owners.discard(None)
            owners.discard(expected)
            if owners:
                return str(min(owners))
    return None


def wrong_account(
    method: str,
    url: str,
    status: int | None,
    found: str,
    expected: str,
    settings: Settings,
) -> WrongAccount:
    """The error for an answer about ``found``, that stops the run's writes."""
    key_var, secret_var = settings.target_key_vars
    return WrongAccount(
        method,
        url,
        status,
        found,
        expected,
        hint=(
            f"Twilio acted on account {found}, the one the credentials "
            f"authenticate as, instead of {expected}. twilio-iac sends no more "
            "writes in this run. For a subaccount, use the parent's auth token, "
            f"or an API key made in the subaccount ({key_var} and {secret_var})."
        ),
    )
