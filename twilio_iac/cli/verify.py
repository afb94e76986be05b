"""verify start|check: try a Verify service declared in the manifests."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import click

from .. import lookup, verification
from ..sends import SendFailed
from ..workflow import session
from .context import Options, pass_options
from .sends import dry_run_option, go, manifests_option, output_option, yes_option

SANDBOX_CODE = "123456"  # the emulator approves this code (emulator.verifications)


@click.group()
def verify() -> None:
    """Try a Verify service: start a verification, then check the code."""


_service_option = click.option(
    "--service", required=True, help="Verify service: VA… SID or friendly_name."
)


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
@yes_option
@dry_run_option
@output_option
@manifests_option
@pass_options
def verify_start(
    options: Options,
    service: str,
    to: str,
    channel: str,
    yes: bool,
    dry_run: bool,
    output: str,
    manifests: tuple[Path, ...],
) -> None:
    """Send a verification code to --to through the service."""
    verification.start("VA", to, channel)
    with session(options.sandbox, account_sid=options.account_sid) as client:
        sid = lookup.sid(client, "verify_services", service, manifests, "--service")
        request = verification.start(sid, to, channel)
        created = go(client, request, yes=yes, dry_run=dry_run, output=output)
    if created is None:
        return
    data = verification.summary(created)
    if output == "json":
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"Verification {data['sid']}: {data['status']} ({channel} to {to})")
    hint = f" (the sandbox accepts {SANDBOX_CODE})" if options.sandbox else ""
    click.echo(
        f"Check the code{hint} with: twilio-iac verify check --service "
        f"{shlex.quote(service)} --to {to} --code CODE"
    )


@verify.command("check")
@_service_option
@click.option("--to", required=True, help="The number (or email) the code went to.")
@click.option("--code", required=True, help="The code received.")
@yes_option
@dry_run_option
@output_option
@manifests_option
@pass_options
def verify_check(
    options: Options,
    service: str,
    to: str,
    code: str,
    yes: bool,
    dry_run: bool,
    output: str,
    manifests: tuple[Path, ...],
) -> None:
    """Check a code; exits non-zero unless the verification is approved."""
    verification.check("VA", to, code)
    with session(options.sandbox, account_sid=options.account_sid) as client:
        sid = lookup.sid(client, "verify_services", service, manifests, "--service")
        request = verification.check(sid, to, code)
        created = go(client, request, yes=yes, dry_run=dry_run, output=output)
    if created is None:
        return
    data = verification.summary(created)
    if output == "json":
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(f"Verification check for {to}: {data['status']}")
    if data["status"] != "approved":
        raise SendFailed(f"The code was not approved (status: {data['status']}).")
