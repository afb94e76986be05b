"""A client session for one command: credentials → client, or the sandbox.

The CLI is the one place that wires the client to the in-process emulator, so
neither side imports the other.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import structlog

from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings, gateway_settings
from twilio_iac.errors import AuthError, NotFound, PlanError

log = structlog.get_logger(__name__)

DEFAULT_SANDBOX_STATE = Path(".twilio-iac") / "sandbox.json"


def sandbox_state_path(env: Mapping[str, str]) -> Path:
    return Path(env.get("TWILIO_IAC_SANDBOX_STATE") or DEFAULT_SANDBOX_STATE)


@contextmanager
def session(
    sandbox: bool,
    env: Mapping[str, str] | None = None,
    account_sid: str | None = None,
    target_source: str = "--account-sid",
) -> Iterator[TwilioClient]:
    """A client for the chosen account; ``target_source`` names where a given
    ``account_sid`` came from, for the error when it cannot be reached."""
    env = os.environ if env is None else env
    settings = _settings(env, sandbox, account_sid)
    emulator = None
    if sandbox:
        from twilio_iac.emulator import Emulator  # only the sandbox needs it

        path = sandbox_state_path(env)
        if not path.exists():
            log.warning("sandbox.created", state=str(path))
        emulator = Emulator(state_path=path)
    try:
        with TwilioClient(settings, app=emulator) as client:
            if account_sid:
                _check_reachable(client, target_source)
            yield client
    finally:
        if emulator is not None:
            emulator.save()


def _settings(
    env: Mapping[str, str], sandbox: bool, account_sid: str | None
) -> Settings:
    if not sandbox:
        return Settings.from_env(env, account_sid=account_sid)
    from twilio_iac.emulator import SANDBOX_CREDENTIALS

    return Settings.from_env(env, sandbox=SANDBOX_CREDENTIALS, account_sid=account_sid)


def _check_reachable(client: TwilioClient, source: str) -> None:
    """A targeted account must be these credentials' own or a subaccount of it.

    This is also the manifests' `account_sid` guard: credentials of an unrelated
    account cannot read it, so nothing is planned against the wrong account.
    """
    target = client.account_sid
    try:
        client.fetch("core", f"/2010-04-01/Accounts/{target}.json")
    except (NotFound, AuthError) as exc:
        raise PlanError(
            f"The credentials from {client.settings.source} cannot reach account "
            f"{target} (from {source}): it is neither their account nor one of "
            f"its subaccounts (Twilio answered HTTP {exc.status}). Nothing was "
            "read or changed. Check the account SID, or use that account's "
            "credentials."
        ) from exc


@contextmanager
def gateway_session(
    sandbox: bool, env: Mapping[str, str] | None = None
) -> Iterator[TwilioClient]:
    """A client for the gateway's control endpoints (MATON_API_KEY), or the
    sandbox's copy of them."""
    env = os.environ if env is None else env
    if not sandbox:
        with TwilioClient(gateway_settings(env)) as client:
            yield client
        return
    from twilio_iac.emulator import SANDBOX_CREDENTIALS, Emulator

    emulator = Emulator(state_path=sandbox_state_path(env))
    try:
        settings = gateway_settings(env, sandbox=SANDBOX_CREDENTIALS)
        with TwilioClient(settings, app=emulator) as client:
            yield client
    finally:
        emulator.save()
