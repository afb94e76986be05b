"""verify start|check: try a Verify service declared in the manifests."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from typing import Any

import click

from twilio_iac.cli.context import Options, command
from twilio_iac.cli.sends import confirm_options, go, pop_flags
from twilio_iac.cli.session import session
from twilio_iac.errors import SendFailed
from twilio_iac.operations import names, verification
from twilio_iac.operations.sends import SendRequest

SANDBOX_CODE = "123456"  # the emulator approves this code (emulator.verifications)


@click.group()
def verify() -> None:
    """Try a Verify service: start a verification, then check the code."""


_service_option = click.option(
    "--service", required=True, help="Verify service: VA… SID or friendly_name."
)


def _run(
    options: Options,
    params: dict[str, Any],
    build: Callable[[str], SendRequest],
    describe: Callable[[dict[str, Any]], str],
) -> dict[str, Any] | None:
    """Check offline, find the service, send and print; None for a dry run."""
    flags = pop_flags(params)
    build("VA" + "0" * 32)  # every problem, before opening a session
    service, manifests = params["service"], params["manifests"]
    with session(options.sandbox, account_sid=options.account_sid) as client:
        sid = names.sid(client, "verify_services", service, manifests, "--service")
        created = go(client, build(sid), flags)
    if created is None:
        return None
    data = verification.summary(created)
    text = json.dumps(data, indent=2) if flags.output == "json" else describe(data)
    click.echo(text)
    return data


@verify.command("start")
@_service_option
@click.option(
    "--to", required=True, help="E.164 number (or email for --channel email)."
)
@click.option(
    "--channel",
    type=click.Choice(verification.CHANNELS),
    default="sms",
    show_default=True,
)
@confirm_options
def verify_start(options: Options, to: str, channel: str, **params: Any) -> None:
    """Send a verification code to --to through the service."""
    hint = f" (the sandbox accepts {SANDBOX_CODE})" if options.sandbox else ""
    check = (
        f"Check the code{hint} with: {command(options)} verify check --service "
        f"{shlex.quote(params['service'])} --to {to} --code CODE"
        + "".join(f" -f {shlex.quote(str(p))}" for p in params.get("manifests") or ())
    )

    def describe(data: dict[str, Any]) -> str:
        return (
            f"Verification {data['sid']}: {data['status']} ({channel} to {to})\n{check}"
        )

    _run(options, params, lambda sid: verification.start(sid, to, channel), describe)


@verify.command("check")
@_service_option
@click.option("--to", required=True, help="The number (or email) the code went to.")
@click.option("--code", required=True, help="The code received.")
@confirm_options
def verify_check(options: Options, to: str, code: str, **params: Any) -> None:
    """Check a code; exits non-zero unless the verification is approved."""
    data = _run(
        options,
        params,
        lambda sid: verification.check(sid, to, code),
        lambda data: f"Verification check for {to}: {data['status']}",
    )
    if data is not None and data["status"] != "approved":
        raise SendFailed(f"The code was not approved (status: {data['status']}).")
