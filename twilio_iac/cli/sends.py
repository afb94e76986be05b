"""send sms|call and status: one-off verbs, never planned (verify: cli/verify.py).

Each checks its flags offline, shows the exact request, asks (unless --yes),
then makes one create; --dry-run stops after showing the request.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import click

from twilio_iac.api.client import TwilioClient
from twilio_iac.cli import context
from twilio_iac.cli.context import (
    Options,
    command,
    confirm,
    pass_options,
    sandbox_option,
    stack,
)
from twilio_iac.cli.session import session
from twilio_iac.errors import NotFound, SendFailed
from twilio_iac.operations import delivery, names, sends, shapes
from twilio_iac.operations.sends import SendRequest

POLLER = delivery.Poller()  # tests swap in a fake sleep and clock

manifests_option = click.option(
    "-f",
    "--manifest",
    "manifests",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Manifests (files or folders) in which to look up the names given to "
    "--from, --messaging-service, --application or --service.",
)
output_option = click.option(
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for scripts (previews then go to stderr).",
)
yes_option = click.option("--yes", is_flag=True, help="Send without asking.")
dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Show the request and send nothing."
)
wait_option = click.option(
    "--wait", is_flag=True, help="Poll until a final status; non-zero exit on failure."
)
wait_timeout_option = click.option(
    "--wait-timeout",
    type=click.IntRange(1, 3600),
    default=120,
    show_default=True,
    help="Seconds --wait polls before giving up.",
)


@dataclass(frozen=True)
class Flags:
    """The flags every one-off verb shares (wait_*: only sends have them)."""

    yes: bool
    dry_run: bool
    output: str
    wait: bool = False
    wait_timeout: int = 120


def pop_flags(params: dict[str, Any]) -> Flags:
    """Take the shared flags out of a command's keyword arguments."""
    names = [f.name for f in fields(Flags) if f.name in params]
    return Flags(**{name: params.pop(name) for name in names})


confirm_options = stack(
    yes_option,
    dry_run_option,
    output_option,
    manifests_option,
    sandbox_option,
    pass_options,
)
send_options = stack(wait_option, wait_timeout_option, confirm_options)


def _show_request(client: TwilioClient, request: SendRequest, output: str) -> None:
    data = request.data(client.settings.base_urls[request.api])
    lines = [f"Request: {data['method']} {data['url']}"]
    for name, value in request.params:
        lines.append(f"  {name}={sends_value(value)}")
    lines += list(request.notes)
    if request.segments is not None:
        lines.append(f"Encoding: {request.segments.describe()}")
    click.echo("\n".join(lines), err=output == "json")


def sends_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).replace("\n", "\\n")


def _dry_run_json(client: TwilioClient, request: SendRequest) -> str:
    data: dict[str, Any] = {
        "dry_run": True,
        "request": request.data(client.settings.base_urls[request.api]),
    }
    if request.segments is not None:
        data["segments"] = request.segments.count
        data["encoding"] = request.segments.encoding
    return json.dumps(data, indent=2)


def go(
    client: TwilioClient, request: SendRequest, flags: Flags
) -> dict[str, Any] | None:
    """Show, dry-run or confirm, then create once; None for a dry run."""
    if flags.dry_run and flags.output == "json":
        click.echo(_dry_run_json(client, request))
        return None
    _show_request(client, request, flags.output)
    if flags.dry_run:
        click.echo("Dry run: nothing was sent.")
        return None
    if not flags.yes:
        confirm(
            f"Send this {request.what}?",
            f"Refusing to send the {request.what} without confirmation: standard "
            "input is not a terminal, so nobody can answer. Review the request "
            "above and rerun with --yes to send it unattended.",
        )
    return sends.create(client, request)


def _send(
    options: Options, build: Callable[[TwilioClient], SendRequest], flags: Flags
) -> None:
    """Build the request in a session, then show, confirm, send and report it."""
    with session(options.sandbox, account_sid=options.account_sid) as client:
        request = build(client)
        created = go(client, request, flags)
        if created is not None:
            _report(client, request.what, created, flags, command(options))


def _follow(
    client: TwilioClient, what: str, created: dict[str, Any], flags: Flags
) -> tuple[dict[str, Any], bool]:
    """--wait: poll to a final status, showing progress in text output."""
    text = flags.output == "text"
    if text:
        click.echo(
            f"{what.title()} {created['sid']}: {created['status']}; waiting "
            "for a final status"
        )
    shown = {created["status"]}  # the first fetch may find it still so

    def progress(status: str) -> None:
        if text and status not in shown:
            click.echo(f"  … {status}")
        shown.add(status)

    return delivery.wait(
        client, client.account_sid, created["sid"], flags.wait_timeout, POLLER, progress
    )


def _report(
    client: TwilioClient,
    what: str,
    created: dict[str, Any],
    flags: Flags,
    again: str,
) -> None:
    """Print the created message/call, follow it with --wait, fail on failure."""
    final = None
    if flags.wait:
        try:
            created, final = _follow(client, what, created, flags)
        except KeyboardInterrupt:
            raise SendFailed(_stopped_waiting(what, created["sid"], again)) from None
    data = shapes.shape(what, created)
    _print_summary(data, flags.output)
    if final is False:
        raise SendFailed(
            f"{what.title()} {data['sid']} is still {data['status']} after "
            f"{flags.wait_timeout} s. Follow it with "
            f"`{again} status {data['sid']}`."
        )
    if final and delivery.is_failure(what, data["status"]):
        code = f", Twilio error {data['error_code']}" if data.get("error_code") else ""
        raise SendFailed(f"The {what} failed: {data['status']}{code}.")


def _stopped_waiting(what: str, sid: str, again: str) -> str:
    """Ctrl-C stops the polling, not the send: say what still runs, and how
    to follow (or end) it."""
    if what == "call":
        return (
            f"Stopped waiting; the call {sid} is still in progress (Ctrl-C does "
            f"not end it). Follow it with `{again} status {sid}`, or hang it up "
            f"with `{again} calls update {sid} --hangup`."
        )
    return (
        f"Stopped waiting; the {what} {sid} was sent and Twilio goes on "
        f"delivering it (Ctrl-C does not cancel it). Follow it with "
        f"`{again} status {sid}`."
    )


def _print_summary(data: dict[str, Any], output: str) -> None:
    if output == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(delivery.describe(data)))


@click.group()
def send() -> None:
    """Send one SMS/MMS/WhatsApp message or place one call (never planned)."""


@send.command("sms")
@click.option("--to", required=True, help="E.164 number, or whatsapp:+E.164.")
@click.option(
    "--from",
    "sender",
    help="A number (E.164/whatsapp:), or its friendly_name: in the manifests "
    "with -f, else the live number's.",
)
@click.option(
    "--messaging-service",
    "service",
    help="A Messaging Service: its MG… SID or friendly_name (Twilio picks From "
    "from its sender pool).",
)
@click.option("--body", help="The text; '-' reads it from standard input.")
@click.option(
    "--media-url", "media", multiple=True, help="Media to attach (MMS); repeatable."
)
@click.option("--status-callback", help="URL Twilio posts status changes to.")
@click.option(
    "--content-sid", metavar="HX…", help="Send this approved content template."
)
@click.option(
    "--content-variables",
    metavar="JSON",
    help='The template\'s variables, e.g. \'{"1": "Ada"}\'.',
)
@send_options
def send_sms(
    options: Options,
    sender: str | None,
    body: str | None,
    manifests: tuple[Path, ...],
    **fields: Any,
) -> None:
    """Send an SMS, MMS (--media-url) or WhatsApp message (whatsapp: addresses)."""
    _send_message(options, sender, body, manifests, fields)


@send.command("whatsapp")
@click.option("--to", required=True, help="E.164 number (whatsapp: is added).")
@click.option(
    "--from",
    "sender",
    help="A WhatsApp sender (E.164), or its friendly_name (manifests with -f, "
    "else live).",
)
@click.option("--messaging-service", "service", help="An MG… Messaging Service SID.")
@click.option("--body", help="Free text (inside the 24-hour window); '-' reads stdin.")
@click.option(
    "--media-url", "media", multiple=True, help="Media to attach; repeatable."
)
@click.option("--status-callback", help="URL Twilio posts status changes to.")
@click.option(
    "--content-sid",
    metavar="HX…",
    help="An approved template: needed to start a conversation, i.e. outside "
    "the 24-hour window after the user's last message.",
)
@click.option(
    "--content-variables",
    metavar="JSON",
    help='The template\'s variables, e.g. \'{"1": "Ada"}\'.',
)
@send_options
def send_whatsapp(
    options: Options,
    to: str,
    sender: str | None,
    body: str | None,
    manifests: tuple[Path, ...],
    **fields: Any,
) -> None:
    """Send a WhatsApp message: free text, or a --content-sid template."""
    fields["to"] = "whatsapp:" + to.removeprefix("whatsapp:")
    if sender is not None:
        sender = "whatsapp:" + sender.removeprefix("whatsapp:")
    _send_message(options, sender, body, (), fields)


# Stands in for a sender named by friendly_name while the flags are checked
# offline, before the name is resolved live (a sandbox number, valid E.164).
_ANY_SENDER = "+14155550100"


@dataclass(frozen=True)
class _Named:
    name: str  # a live number's friendly_name
    prefix: str  # "whatsapp:" or ""


def _sender_name(sender: str | None, manifests: tuple[Path, ...]) -> _Named | None:
    """--from given as a name that only the live account can resolve."""
    if sender is None:
        return None
    prefix = "whatsapp:" if sender.startswith("whatsapp:") else ""
    bare = sender.removeprefix("whatsapp:")
    return _Named(bare, prefix) if names.needs_live(bare, manifests) else None


def _send_message(
    options: Options,
    sender: str | None,
    body: str | None,
    manifests: tuple[Path, ...],
    fields: dict[str, Any],
) -> None:
    flags = pop_flags(fields)
    if body == "-":
        body = context.read_stdin("the message body").removesuffix("\n")
    named = _sender_name(sender, manifests)
    if sender is not None and named is None:
        prefix = "whatsapp:" if sender.startswith("whatsapp:") else ""
        sender = prefix + names.sender(sender.removeprefix("whatsapp:"), manifests)
    fields.update(sender=sender, body=body)
    service = fields["service"]
    placeholder = "MG" + "0" * 32 if service else None
    offline = {"service": placeholder}
    if named:
        offline["sender"] = named.prefix + _ANY_SENDER
    sends.sms("AC", **(fields | offline))  # every problem, offline

    def build(client: TwilioClient) -> SendRequest:
        if service:
            fields["service"] = names.sid(
                client, "messaging_services", service, manifests, "--messaging-service"
            )
        if named:
            fields["sender"] = named.prefix + names.live_sender(client, named.name)
        return sends.sms(client.account_sid, **fields)

    _send(options, build, flags)


@send.command("call")
@click.option("--to", required=True, help="E.164 number to call.")
@click.option(
    "--from",
    "sender",
    required=True,
    help="Caller ID: E.164, or its friendly_name (manifests with -f, else live).",
)
@click.option("--url", help="URL returning the call's TwiML.")
@click.option("--twiml", help="The call's TwiML, inline.")
@click.option("--application", help="TwiML application: AP… SID or friendly_name.")
@click.option("--status-callback", help="URL Twilio posts call progress to.")
@click.option("--timeout", type=int, help="Seconds to let it ring (1-600).")
@click.option("--record", is_flag=True, help="Record the call.")
@send_options
def send_call(
    options: Options,
    sender: str,
    application: str | None,
    manifests: tuple[Path, ...],
    **fields: Any,
) -> None:
    """Place a call that runs --url, --twiml or an --application."""
    flags = pop_flags(fields)
    named = _sender_name(sender, manifests)
    fields["sender"] = _ANY_SENDER if named else names.sender(sender, manifests)
    placeholder = "AP" + "0" * 32 if application else None
    sends.call("AC", application_sid=placeholder, **fields)

    def build(client: TwilioClient) -> SendRequest:
        if named:
            fields["sender"] = names.live_sender(client, named.name)
        app_sid = None
        if application:
            app_sid = names.sid(
                client, "applications", application, manifests, "--application"
            )
        return sends.call(client.account_sid, application_sid=app_sid, **fields)

    _send(options, build, flags)


@click.command()
@sandbox_option
@click.argument("sid")
@output_option
@pass_options
def status(options: Options, sid: str, output: str) -> None:
    """Show a message (SM…/MM…) or call (CA…) and its current status."""
    delivery.resource_path("AC", sid)  # reject other SIDs before any request
    with session(options.sandbox, account_sid=options.account_sid) as client:
        what, path = delivery.resource_path(client.account_sid, sid)
        try:
            data = shapes.shape(what, client.fetch("core", path))
        except NotFound as error:
            where = f"account {client.account_sid}"
            hint = context.subaccount_hint(what)
            raise context.not_found(what, sid, where, hint) from error
    _print_summary(data, output)
