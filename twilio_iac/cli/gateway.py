"""`twilio-iac gateway connections ...`: the managed-OAuth gateway's Twilio
connections, at its control endpoints (MATON_API_KEY).

Which connection the other commands use stays MATON_CONNECTION's choice (sent
as the Maton-Connection header); without it the gateway uses the oldest
active connection. `list` marks that one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from twilio_iac.api.client import TwilioClient
from twilio_iac.cli.context import (
    Options,
    confirm,
    output_option,
    pass_options,
    sandbox_option,
)
from twilio_iac.cli.session import gateway_session
from twilio_iac.errors import ApiError, NotFound, TransportError, TwilioIacError
from twilio_iac.render.connections import (
    connection_lines,
    connections_csv,
    connections_table,
)

APP = "twilio"
STATUSES = ("ACTIVE", "PENDING", "FAILED")
_MAYBE_CREATED = (
    "The connection may have been created: run `twilio-iac gateway connections "
    "list` before creating another."
)


_LIST_THEM = "`twilio-iac gateway connections list` shows those there are."
# What to do next, by the gateway's HTTP status: its errors are its own, not
# Twilio's, so no Twilio error code or docs link applies.
_NEXT_STEP = {
    401: "Check MATON_API_KEY: the gateway did not accept it (keys are at "
    "maton.ai/settings).",
    403: "The key in MATON_API_KEY may not manage connections: check it at "
    "maton.ai/settings.",
    404: f"The gateway has no such connection. {_LIST_THEM}",
    429: "The gateway is limiting requests: wait a minute, then run it again.",
}


# With --sandbox no gateway key is involved: the sandbox answers for itself.
_SANDBOX_REFUSED = (
    "The sandbox's gateway did not accept the sandbox's own credentials "
    "(--sandbox uses no MATON_API_KEY). Its state file (TWILIO_IAC_SANDBOX_STATE, "
    "default .twilio-iac/sandbox.db) may be damaged: move it aside to start a "
    "fresh sandbox, and report it."
)


def gateway_error(error: ApiError, sandbox: bool = False) -> TwilioIacError:
    """An error from the gateway in its own terms: status, message, next step
    (the sandbox's own, when it is the sandbox that answered)."""
    if isinstance(error, TransportError):
        return TwilioIacError(
            f"Could not reach the gateway ({error.method} {error.url}): "
            f"{error.message}. Check the network, and MATON_CTRL_BASE_URL if you "
            "set it."
        )
    said = f": {error.message}" if error.message else ""
    if sandbox and error.status in (401, 403):
        step = _SANDBOX_REFUSED
    elif error.status in _NEXT_STEP:
        step = _NEXT_STEP[error.status]
    elif error.status and error.status >= 500:
        step = "The gateway failed, not the request: try again in a few minutes."
    else:
        step = "Check the command's options (--help); if they are right, report it."
    if error.hint and error.status not in (401, 403):
        step += f" {error.hint}"  # e.g. a create that may have been made
    who = "The sandbox's gateway" if sandbox else "The gateway"
    return TwilioIacError(
        f"{who} answered {error.method} {error.url} with HTTP "
        f"{error.status}{said}. {step}"
    )


@contextmanager
def _gateway(sandbox: bool) -> Iterator[TwilioClient]:
    """A gateway session whose failures are told as the gateway's."""
    try:
        with gateway_session(sandbox) as client:
            yield client
    except ApiError as error:
        raise gateway_error(error, sandbox) from error


list_output = output_option(
    ["text", "json", "csv"],
    "text: a table for people; json (the gateway's records) or csv for scripts.",
)


@click.group()
def gateway() -> None:
    """The managed-OAuth gateway (MATON_API_KEY): its Twilio connections."""


@gateway.group()
def connections() -> None:
    """List, show, create and delete the gateway's Twilio connections.

    MATON_CONNECTION (a connection ID) picks the connection every other
    command uses; without it the gateway uses the oldest active one.
    """


@connections.command("list")
@click.option(
    "--status", type=click.Choice(STATUSES), help="Only connections in this status."
)
@list_output
@sandbox_option
@pass_options
def list_connections(options: Options, status: str | None, output: str) -> None:
    """The Twilio connections, oldest first; `*` marks the one in use."""
    query = {"app": APP, **({"status": status} if status else {})}
    with _gateway(options.sandbox) as client:
        found = client.send_json("GET", "gateway", "/connections", query=query)
    rows = sorted(found.get("connections") or [], key=lambda c: c["creation_time"])
    chosen = os.environ.get("MATON_CONNECTION", "").strip()
    used = _in_use(rows, chosen) if status in (None, "ACTIVE") else chosen
    if output == "json":
        click.echo(json.dumps(rows, indent=2))
    elif output == "csv":
        click.echo(connections_csv(rows, used), nl=False)
    else:
        click.echo(connections_table(rows, used, chosen))
    ids = {row["connection_id"] for row in rows}
    if chosen and status in (None, "ACTIVE") and chosen not in ids:
        which = "active " if status else ""
        click.echo(
            f"Warning: MATON_CONNECTION is {chosen}, which matches no {which}"
            "connection here: requests through the gateway will fail until it "
            "names an active one.",
            err=True,
        )


@connections.command("show")
@click.argument("connection_id")
@output_option(["text", "json"], "text for people; json for the gateway's record.")
@sandbox_option
@pass_options
def show(options: Options, connection_id: str, output: str) -> None:
    """One connection; a PENDING one with the URL that authorises it."""
    with _gateway(options.sandbox) as client:
        record = _fetch(client, connection_id)
    if output == "json":
        click.echo(json.dumps(record, indent=2))
        return
    click.echo("\n".join(connection_lines(record)))


@connections.command("create")
@click.option("--yes", is_flag=True, help="Create without asking.")
@click.option("--dry-run", is_flag=True, help="Show the request; send nothing.")
@sandbox_option
@pass_options
def create(options: Options, yes: bool, dry_run: bool) -> None:
    """Start a new Twilio connection and print the URL that authorises it.

    Shows the request, then asks on a terminal; without one it needs --yes.
    Open the URL in a browser and sign in to Twilio there; the connection is
    ACTIVE once that is done.
    """
    with _gateway(options.sandbox) as client:
        url = client.settings.base_urls["gateway"] + "/connections"
        click.echo(f'Request: POST {url} {{"app": "{APP}"}}')
        if dry_run:
            click.echo("Dry run: nothing was sent.")
            return
        if not yes:
            confirm(
                "Create a new Twilio connection at the gateway?",
                "Refusing to create a connection without confirmation: standard "
                "input is not a terminal, so nobody can answer. Rerun with --yes "
                "to create it unattended, or --dry-run to only look.",
            )
        body = client.send_json(
            "POST",
            "gateway",
            "/connections",
            body={"app": APP},
            maybe_done_hint=_MAYBE_CREATED,
        )
    record = body.get("connection", body)
    click.echo(f"Created connection {record['connection_id']} ({record['status']}).")
    click.echo("Open this URL in a browser to authorise it with your Twilio account:")
    click.echo(f"  {record.get('url')}")
    click.echo(f"Then use it with: export MATON_CONNECTION={record['connection_id']}")


@connections.command("delete")
@click.argument("connection_ids", nargs=-1, required=True)
@click.option("--yes", is_flag=True, help="Delete without asking.")
@click.option("--dry-run", is_flag=True, help="Show what would be deleted.")
@sandbox_option
@pass_options
def delete(
    options: Options, connection_ids: tuple[str, ...], yes: bool, dry_run: bool
) -> None:
    """Delete connections (asks first; --yes without a terminal).

    Twilio commands through the gateway stop working with a deleted
    connection; the Twilio account itself is not touched.
    """
    chosen = os.environ.get("MATON_CONNECTION", "").strip()
    with _gateway(options.sandbox) as client:
        records = [_fetch(client, each) for each in connection_ids]
        base = client.settings.base_urls["gateway"]
        for record in records:
            click.echo(f"DELETE {base}/connections/{record['connection_id']}")
            click.echo("\n".join("  " + line for line in connection_lines(record)))
            if record["connection_id"] == chosen:
                click.echo("  (this is MATON_CONNECTION: the one in use)")
        if dry_run:
            click.echo("Dry run: nothing was deleted.")
            return
        if not yes:
            many = f"these {len(records)} connections" if len(records) > 1 else ""
            confirm(
                f"Delete {many or 'this connection'}?",
                "Refusing to delete without confirmation: standard input is not "
                "a terminal, so nobody can answer. Rerun with --yes to delete "
                "unattended, or --dry-run to only look.",
            )
        failed = _delete_each(client, [r["connection_id"] for r in records])
    done = len(records) - failed
    click.echo(f"{done} deleted, {failed} failed.")
    if failed:
        raise TwilioIacError(f"{failed} of {len(records)} deletes failed (see above).")


def _delete_each(client: TwilioClient, ids: list[str]) -> int:
    failed = 0
    for connection_id in ids:
        try:
            client.send_json("DELETE", "gateway", f"/connections/{connection_id}")
        except ApiError as exc:
            failed += 1
            error = gateway_error(exc, client.settings.sandbox)
            click.echo(f"✗ {connection_id}: {error}")
        else:
            click.echo(f"✓ deleted {connection_id}")
    return failed


def _fetch(client: TwilioClient, connection_id: str) -> dict[str, Any]:
    try:
        body = client.send_json("GET", "gateway", f"/connections/{connection_id}")
    except NotFound as error:
        said = f" ({error.message})" if error.message else ""
        raise TwilioIacError(
            f"No connection {connection_id} at the gateway: it answered HTTP 404"
            f"{said}. It was deleted, or never existed; {_LIST_THEM}"
        ) from error
    record: dict[str, Any] = body.get("connection", body)
    if record.get("app", APP) != APP:
        raise TwilioIacError(
            f"Connection {connection_id} is a {record.get('app')} connection, not "
            "a Twilio one; manage it with the gateway's own tools."
        )
    return record


def _in_use(rows: list[dict[str, Any]], chosen: str) -> str:
    """MATON_CONNECTION, else the gateway's default: the oldest active one."""
    if chosen:
        return chosen
    active = [row for row in rows if row["status"] == "ACTIVE"]
    return active[0]["connection_id"] if active else ""
