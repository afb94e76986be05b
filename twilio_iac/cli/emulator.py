"""`twilio-iac emulator serve` (the sandbox over HTTP for other clients) and
`emulator dump` (its state as JSON)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click


@click.group()
def emulator() -> None:
    """The built-in Twilio emulator (a test double, not Twilio)."""


@emulator.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="State file (default: TWILIO_IAC_SANDBOX_STATE or .twilio-iac/sandbox.db).",
)
@click.option(
    "--latency",
    default="0ms",
    show_default=True,
    help="Delay added to every API request, e.g. 50ms (to rehearse a big apply).",
)
@click.option(
    "--rate-limit",
    type=click.IntRange(1),
    default=None,
    help="Requests in flight per account beyond which Twilio's 429 is answered.",
)
def serve(port: int, state: Path | None, latency: str, rate_limit: int | None) -> None:
    """Serve the emulator on 127.0.0.1 for other clients (e.g. the Twilio SDK).

    It accepts TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN when both are set at start,
    else the documented sandbox pair; other credentials get Twilio's 401.
    """
    from twilio_iac.cli.session import (
        legacy_state_path,
        parse_duration,
        sandbox_state_path,
    )
    from twilio_iac.emulator import serve as serve_emulator

    sid = os.environ.get("TWILIO_ACCOUNT_SID")
    token = os.environ.get("TWILIO_AUTH_TOKEN")
    serve_emulator(
        port=port,
        state_path=state or sandbox_state_path(os.environ),
        migrate_from=None if state else legacy_state_path(os.environ),
        credentials={sid: token} if sid and token else None,
        latency=parse_duration(latency, "--latency"),
        rate_limit=rate_limit,
    )


@emulator.command()
@click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="State file (default: TWILIO_IAC_SANDBOX_STATE or .twilio-iac/sandbox.db).",
)
def dump(state: Path | None) -> None:
    """Print the sandbox's state as JSON: the account, every record, faults.

    Safe while `emulator serve` or a --sandbox command uses the same file.
    """
    from twilio_iac.cli.session import legacy_state_path, sandbox_state_path
    from twilio_iac.emulator import Emulator
    from twilio_iac.errors import ConfigError

    path = state or sandbox_state_path(os.environ)
    legacy = None if state else legacy_state_path(os.environ)
    if not path.exists() and not (legacy and legacy.exists()):
        raise ConfigError(
            f"There is no sandbox state at {path}, so there is nothing to dump. "
            "Run a --sandbox command or `twilio-iac emulator serve` first, or "
            "point TWILIO_IAC_SANDBOX_STATE (or --state) at an existing file."
        )
    sandbox = Emulator(state_path=path, migrate_from=legacy)
    try:
        click.echo(json.dumps(sandbox.state(), indent=2))
    finally:
        sandbox.close()
