"""A client session for one command: credentials → client, or the sandbox.

The CLI is the one place that wires the client to the in-process emulator, so
neither side imports the other.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from twilio_iac.api.client import TwilioClient, shared_transport
from twilio_iac.api.reach import check_reachable
from twilio_iac.api.settings import Settings, gateway_settings
from twilio_iac.errors import ConfigError

if TYPE_CHECKING:
    from twilio_iac.emulator import Emulator
    from twilio_iac.reconcile.fleet import FleetConnect

log = structlog.get_logger(__name__)

DEFAULT_SANDBOX_STATE = Path(".twilio-iac") / "sandbox.db"
# Where versions before the SQLite state file kept it; migrated on first use.
LEGACY_SANDBOX_STATE = Path(".twilio-iac") / "sandbox.json"


def sandbox_state_path(env: Mapping[str, str]) -> Path:
    return Path(env.get("TWILIO_IAC_SANDBOX_STATE") or DEFAULT_SANDBOX_STATE)


def legacy_state_path(env: Mapping[str, str]) -> Path | None:
    """The old default state file, to migrate when the default path is used."""
    return None if env.get("TWILIO_IAC_SANDBOX_STATE") else LEGACY_SANDBOX_STATE


_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s)?\s*$")


def parse_duration(text: str, source: str) -> float:
    """Seconds from ``50ms`` or ``0.05s`` (a bare number only for 0, since
    ``50`` could mean either); ``source`` names the input in the error."""
    found = _DURATION.match(text)
    if not found or (found.group(2) is None and float(found.group(1)) != 0):
        raise ConfigError(
            f"{source} is {text!r}, not a duration; write e.g. 50ms or 0.05s."
        )
    number = float(found.group(1))
    return number / 1000 if found.group(2) == "ms" else number


def sandbox_options(env: Mapping[str, str]) -> dict[str, Any]:
    """Latency, rate limit and clock for the in-process sandbox, from the
    environment."""
    latency = env.get("TWILIO_IAC_SANDBOX_LATENCY") or "0"
    limit = env.get("TWILIO_IAC_SANDBOX_RATE_LIMIT") or ""
    if limit and (not limit.strip().isdigit() or int(limit) < 1):
        raise ConfigError(
            f"TWILIO_IAC_SANDBOX_RATE_LIMIT is {limit!r}; set it to a whole number "
            "of requests in flight, 1 or more, or unset it."
        )
    clock = (env.get("TWILIO_IAC_SANDBOX_CLOCK") or "").strip().lower()
    if clock not in ("", "real", "manual"):
        raise ConfigError(
            f"TWILIO_IAC_SANDBOX_CLOCK is {clock!r}; set it to manual (time "
            "moves only with `twilio-iac emulator advance`) or real, or unset it."
        )
    return {
        "latency": parse_duration(latency, "TWILIO_IAC_SANDBOX_LATENCY"),
        "rate_limit": int(limit) if limit else None,
        "clock": clock or None,  # unset: as the state file has it
    }


@contextmanager
def session(
    sandbox: bool,
    env: Mapping[str, str] | None = None,
    account_sid: str | None = None,
) -> Iterator[TwilioClient]:
    """A client for the chosen account (--account-sid), checked reachable."""
    with connect(sandbox, account_sid, env) as client:
        if account_sid:
            check_reachable(client, "--account-sid")
        yield client


@contextmanager
def connect(
    sandbox: bool,
    account_sid: str | None,
    env: Mapping[str, str] | None = None,
) -> Iterator[TwilioClient]:
    """A client for ``account_sid`` (None: the credentials' own), unchecked:
    plan and apply check the account they target themselves (reconcile/target.py).
    """
    env = os.environ if env is None else env
    if not sandbox:
        with TwilioClient(_settings(env, account_sid)) as client:
            yield client
        return
    emulator = open_sandbox(env)
    try:
        settings = _settings(env, account_sid, sandbox_credentials(emulator))
        with TwilioClient(settings, app=emulator) as client:
            yield client
    finally:
        emulator.close()


def open_sandbox(env: Mapping[str, str]) -> Emulator:
    """The in-process sandbox over its state file (made, or migrated, if new)."""
    from twilio_iac.emulator import Emulator  # only the sandbox needs it

    path = sandbox_state_path(env)
    legacy = legacy_state_path(env)
    if not path.exists():
        if legacy is not None and legacy.exists():
            log.warning("sandbox.migrated", state=str(path), old=str(legacy))
        else:
            log.warning("sandbox.created", state=str(path))
    return Emulator(state_path=path, migrate_from=legacy, **sandbox_options(env))


def sandbox_credentials(emulator: Emulator) -> tuple[str, str]:
    """Credentials the in-process sandbox accepts for the account its state
    holds: `emulator serve` started with TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN
    makes the state that account's, and in-process the sandbox's own token
    stands for that account's (its real token is not known here)."""
    from twilio_iac.emulator import SANDBOX_AUTH_TOKEN

    emulator.credentials.setdefault(emulator.account_sid, SANDBOX_AUTH_TOKEN)
    return emulator.account_sid, emulator.credentials[emulator.account_sid]


def _settings(
    env: Mapping[str, str],
    account_sid: str | None,
    sandbox: tuple[str, str] | None = None,
    key_vars: tuple[str, str] | None = None,
) -> Settings:
    names = {"target_key": key_vars} if key_vars else {}
    return Settings.from_env(env, sandbox=sandbox, account_sid=account_sid, **names)


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
    emulator = open_sandbox(env)
    try:
        settings = gateway_settings(env, sandbox=sandbox_credentials(emulator))
        with TwilioClient(settings, app=emulator) as client:
            yield client
    finally:
        emulator.save()


@contextmanager
def fleet_connect(
    sandbox: bool, parallelism: int, env: Mapping[str, str] | None = None
) -> Iterator[FleetConnect]:
    """Opens clients for a fleet's accounts: all share one bound on requests
    in flight and, in the sandbox, one emulator; each has its own write limit
    (Twilio's 429s are per account) and its own credentials."""
    env = os.environ if env is None else env
    in_flight = threading.BoundedSemaphore(parallelism)
    emulator = open_sandbox(env) if sandbox else None
    credentials = sandbox_credentials(emulator) if emulator is not None else None
    with ExitStack() as stack:
        # One connection pool for every account: sockets stay within the bound.
        transport = (
            None if sandbox else stack.enter_context(shared_transport(parallelism))
        )

        @contextmanager
        def open_client(
            account_sid: str | None, key_vars: tuple[str, str] | None
        ) -> Iterator[TwilioClient]:
            settings = _settings(env, account_sid, credentials, key_vars)
            with TwilioClient(
                settings, app=emulator, transport=transport, in_flight=in_flight
            ) as client:
                yield client

        try:
            yield open_client
        finally:
            if emulator is not None:
                emulator.close()
