"""The pipeline shared by plan and apply: credentials → client → live → plan.

The sandbox is wired in here: the same client, pointed at the in-process
emulator, whose state file is saved when the session ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import structlog

from . import live, planner
from .client import TwilioClient
from .desired import Desired
from .errors import PlanError
from .plan import Plan
from .resources import related_kinds
from .settings import Settings

log = structlog.get_logger(__name__)

DEFAULT_SANDBOX_STATE = Path(".twilio-iac") / "sandbox.json"


def sandbox_state_path(env: Mapping[str, str]) -> Path:
    return Path(env.get("TWILIO_IAC_SANDBOX_STATE") or DEFAULT_SANDBOX_STATE)


@contextmanager
def session(
    sandbox: bool,
    env: Mapping[str, str] | None = None,
    account_sid: str | None = None,
) -> Iterator[TwilioClient]:
    env = os.environ if env is None else env
    settings = Settings.from_env(env, sandbox=sandbox, account_sid=account_sid)
    if not sandbox:
        with TwilioClient(settings) as client:
            yield client
        return
    from .emulator import Emulator  # only the sandbox needs it

    emulator = Emulator(state_path=sandbox_state_path(env))
    try:
        with TwilioClient(settings, app=emulator) as client:
            yield client
    finally:
        emulator.save()


def make_plan(desired: Desired, client: TwilioClient) -> Plan:
    account_sid = client.account_sid
    if desired.account_sid and desired.account_sid != account_sid:
        raise PlanError(
            f"The manifests are for account {desired.account_sid}, but the "
            f"credentials ({client.settings.source}) belong to {account_sid}. "
            "Nothing was read or changed. Use the credentials of that account, "
            "or fix `account_sid` in the manifests."
        )
    kinds = {key.kind for key in desired.resources} | set(desired.prune)
    state = live.fetch(client, account_sid, related_kinds(kinds))
    result = planner.plan(desired, state, account_sid)
    log.info("plan.computed", **result.counts)
    return result
