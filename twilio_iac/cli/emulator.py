"""`twilio-iac emulator serve|env|dump|advance|inbound`: the sandbox over HTTP
for other clients, the variables that point them at it, its state as JSON,
its clock moved, and incoming messages delivered to the user's webhooks."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from twilio_iac.cli.context import output_option, read_stdin
from twilio_iac.errors import TwilioIacError

if TYPE_CHECKING:  # the emulator is imported only when a command needs it
    from twilio_iac.emulator.delivery.inbound import Delivery
    from twilio_iac.emulator.delivery.outbound import Response

state_option = click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="State file (default: TWILIO_IAC_SANDBOX_STATE or .twilio-iac/sandbox.db).",
)
remote_option = click.option(
    "--allow-remote-webhooks",
    is_flag=True,
    help="Also deliver webhooks to hosts other than loopback (localhost, "
    "127.0.0.1, ::1).",
)


# What Twilio takes as a Messaging webhook's answer (plain text is the reply).
_TWIML_TYPES = ("text/xml", "application/xml", "text/html", "text/plain")


@click.group()
def emulator() -> None:
    """The built-in Twilio emulator (a test double, not Twilio)."""


@emulator.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@state_option
@click.option(
    "--deliver-webhooks",
    is_flag=True,
    help="POST signed status callbacks for messages and calls (StatusCallback, "
    "or the application's or sending number's), as Twilio does.",
)
@remote_option
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
@click.option(
    "--read-timeout",
    default="5s",
    show_default=True,
    help="How long a client may take to send each part of its request; a slower "
    "body is answered 400 (it never holds up other clients).",
)
@click.option(
    "--clock",
    type=click.Choice(["real", "manual"]),
    default="real",
    show_default=True,
    help="real: statuses move on in real time (a message is delivered in "
    "seconds); manual: time stands still until `emulator advance` moves it.",
)
def serve(
    port: int,
    state: Path | None,
    deliver_webhooks: bool,
    allow_remote_webhooks: bool,
    latency: str,
    rate_limit: int | None,
    read_timeout: str,
    clock: str,
) -> None:
    """Serve the emulator on 127.0.0.1 for other clients (e.g. the Twilio SDK).

    It accepts TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN when both are set at start,
    else the documented sandbox pair, and each subaccount's own SID and token;
    other credentials get Twilio's 401. Webhooks it delivers are signed with
    the auth token of the account they belong to. Its /_emulator/ routes take
    the main account's SID and token and JSON bodies only, and every request
    must name 127.0.0.1, localhost or [::1] and the port as its Host.
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
        deliver_webhooks=deliver_webhooks,
        allow_remote_webhooks=allow_remote_webhooks,
        read_timeout=_read_timeout(read_timeout),
        clock=clock,
    )


@emulator.command()
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="The port `emulator serve` listens on (default 8080).",
)
@click.option("--url", default=None, help="The server's base URL instead of a port.")
@click.option(
    "--shell",
    type=click.Choice(["sh", "fish", "powershell"]),
    default="sh",
    show_default=True,
    help="The syntax of the lines.",
)
def env(port: int | None, url: str | None, shell: str) -> None:
    """Print the lines that point a client at `emulator serve`: every API's
    base-URL variable and the credentials, as serve prints them on start.

    With TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN both set (as serve then
    uses them), the token is not printed: keep the one you set. Use it as
    `eval "$(twilio-iac emulator env)"`.
    """
    from twilio_iac.emulator import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
    from twilio_iac.emulator.exports import lines

    base = _served_url(port, url)
    sid = os.environ.get("TWILIO_ACCOUNT_SID")
    token = os.environ.get("TWILIO_AUTH_TOKEN")
    if sid and token:
        click.echo("\n".join(lines(base, sid, None, shell)))
    else:
        click.echo(
            "\n".join(lines(base, SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, shell))
        )


def _served_url(port: int | None, url: str | None) -> str:
    from urllib.parse import urlsplit

    from twilio_iac.errors import ConfigError

    if port is not None and url is not None:
        raise ConfigError("Pass --port or --url, not both.")
    if url is None:
        return f"http://127.0.0.1:{port or 8080}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"--url is {url!r}; write the server's base URL, e.g. "
            "http://127.0.0.1:8080."
        )
    return url.rstrip("/")


def _read_timeout(text: str) -> float:
    from twilio_iac.cli.session import parse_duration
    from twilio_iac.errors import ConfigError

    seconds = parse_duration(text, "--read-timeout")
    if seconds <= 0:
        raise ConfigError(
            f"--read-timeout is {text!r}; a client needs some time: write e.g. 5s."
        )
    return seconds


@emulator.command()
@state_option
def dump(state: Path | None) -> None:
    """Print the sandbox's state as JSON: the account, every record, faults.

    Safe while `emulator serve` or a --sandbox command uses the same file.
    """
    sandbox = _open_existing(state, "dump")
    try:
        click.echo(json.dumps(sandbox.state(), indent=2))
    finally:
        sandbox.close()


@emulator.command()
@click.argument("duration")
@state_option
def advance(duration: str, state: Path | None) -> None:
    """Move the sandbox's clock forward by DURATION (90s, 5m, 2h, 1d; 0s shows
    it): sends due by then reach their statuses, and callbacks go out.

    It writes the state file, so a running `emulator serve` and every
    --sandbox command using that file see the same time at once.
    """
    from twilio_iac.emulator.store import clock
    from twilio_iac.errors import ConfigError

    try:
        seconds = clock.seconds(duration)
    except ValueError as exc:
        raise ConfigError(f"DURATION {exc}.") from None
    sandbox = _open_existing(state, "advance its clock")
    try:
        shown = sandbox.advance(seconds)
    finally:
        sandbox.close()
    click.echo(f"Sandbox time: {shown['now']} ({shown['mode']} clock)")


def _open_existing(state: Path | None, what: str) -> Any:
    """The Emulator on the sandbox's state file, which must exist."""
    from twilio_iac.cli.session import legacy_state_path, sandbox_state_path
    from twilio_iac.emulator import Emulator
    from twilio_iac.errors import ConfigError

    path = state or sandbox_state_path(os.environ)
    legacy = None if state else legacy_state_path(os.environ)
    if not path.exists() and not (legacy and legacy.exists()):
        raise ConfigError(
            f"There is no sandbox state at {path}, so there is nothing to {what}. "
            "Run a --sandbox command or `twilio-iac emulator serve` first, or "
            "point TWILIO_IAC_SANDBOX_STATE (or --state) at an existing file."
        )
    return Emulator(state_path=path, migrate_from=legacy)


@emulator.group()
def inbound() -> None:
    """Deliver an incoming message to a sandbox number's webhook."""


@inbound.command("sms")
@click.option("--to", required=True, help="The sandbox number (E.164) it is sent to.")
@click.option("--from", "sender", required=True, help="The sender (E.164).")
@click.option("--body", required=True, help="The text; '-' reads standard input.")
@state_option
@remote_option
@output_option(["text", "json"], "text: the TwiML reply; json: the whole exchange.")
def inbound_sms(
    to: str,
    sender: str,
    body: str,
    state: Path | None,
    allow_remote_webhooks: bool,
    output: str,
) -> None:
    """POST an incoming SMS to the number's sms_url (or its application's),
    signed as Twilio signs it, and print the TwiML that came back."""
    from twilio_iac.emulator.delivery import inbound

    if body == "-":
        body = read_stdin("the message body").removesuffix("\n")
    done = _deliver_sms(state, to, sender, body, allow_remote_webhooks)
    if output == "json":
        click.echo(json.dumps(_delivery_json(done), indent=2))
    else:
        _echo_delivery(done)
    _judge(done.url, done.response)
    problem = inbound.twiml_problem(done.response)
    if problem:
        raise TwilioIacError(f"{problem}. Twilio would send no reply.")


def _deliver_sms(
    state: Path | None, to: str, sender: str, body: str, allow_remote: bool
) -> Delivery:
    from twilio_iac.cli.session import legacy_state_path, sandbox_state_path
    from twilio_iac.emulator import Emulator
    from twilio_iac.emulator.delivery import inbound

    # An explicit --state is never migrated from the legacy location.
    legacy = None if state else legacy_state_path(os.environ)
    path = state or sandbox_state_path(os.environ)
    sandbox = Emulator(state_path=path, migrate_from=legacy)
    try:
        return inbound.sms(sandbox, to, sender, body, allow_remote=allow_remote)
    finally:
        sandbox.close()


def _delivery_json(done: Delivery) -> dict[str, Any]:
    reply = done.response
    data: dict[str, Any] = {
        "url": done.url,
        "method": done.method,
        "params": dict(done.params),
        "status": reply.status,
        "content_type": reply.content_type,
        "twiml": reply.body,
        "error": reply.error or None,
    }
    first = done.failed_first
    if first is not None:
        data["fallback_from"] = {
            "url": first.url,
            "status": first.response.status,
            "error": first.response.error or None,
        }
    return data


def _echo_delivery(done: Delivery) -> None:
    """Where the message went on stderr; the TwiML that came back on stdout."""
    first = done.failed_first
    if first is not None:
        click.echo(
            f"{first.method} {first.url} → {_outcome(first.response)}; "
            "the service's fallback_url:",
            err=True,
        )
    click.echo(f"{done.method} {done.url} → {_outcome(done.response)}", err=True)
    if done.response.body:
        click.echo(done.response.body.rstrip("\n"))


def _outcome(reply: Response) -> str:
    # No status means the request never got an answer; the error says why.
    return f"HTTP {reply.status}" if reply.status else reply.error


def _judge(url: str, reply: Response) -> None:
    """Twilio's verdict on the answer: its error 11200 for no usable reply."""
    status = reply.status
    if status is None:
        raise TwilioIacError(
            f"Twilio error 11200 (HTTP retrieval failure): {url} did not answer "
            f"({reply.error}). Is the app running and listening there?"
        )
    if not 200 <= status < 300:
        raise TwilioIacError(
            f"Twilio error 11200 (HTTP retrieval failure): {url} answered HTTP "
            f"{status}. Twilio would log this in the Console's debugger and "
            "send no reply."
        )
    kind = reply.content_type.split(";")[0].strip().lower()
    if reply.body.strip() and kind not in _TWIML_TYPES:
        click.echo(
            f"Warning: Twilio error 12300 (Invalid Content-Type): the reply is "
            f"{kind or 'untyped'}; answer TwiML as text/xml.",
            err=True,
        )
