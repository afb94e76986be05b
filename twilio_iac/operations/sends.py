"""One-off sends: SMS/MMS/WhatsApp messages and calls, checked before any request.

A send is a SendRequest (method, path, params) built offline by sms()/call(),
then created exactly once by create(): after an ambiguous failure (timeout,
reset, 5xx) it is never resent, since it may already have gone out; a 429 is
retried by the client because Twilio did not accept it. delivery.py follows it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from twilio_iac.api.client import TwilioClient
from twilio_iac.errors import ApiError, SendRejected, SendUnconfirmed
from twilio_iac.numbering import impossible
from twilio_iac.segments import MAX_BODY, Segments, count

MAX_MEDIA = 10  # Twilio's limit of media per message (MediaUrl description)

E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
# One line on what Twilio's common send errors mean (www.twilio.com/docs/errors).
MEANINGS = {
    21210: "the caller ID is not a number of this account or a verified caller ID",
    21211: "the 'To' number is not a valid phone number",
    21212: "the 'From' number is not a valid phone number",
    21214: "the 'To' number cannot be reached",
    21215: "the account's geographic permissions do not allow calling this number",
    21216: "the account is not allowed to call this number",
    21217: "the 'To' number does not appear to be valid",
    21408: "the account has no permission to send SMS to this region "
    "(Console → Messaging → Geo permissions)",
    21606: "the 'From' number is not an SMS-capable number of this account",
    21610: "the recipient opted out (replied STOP); they must reply START first",
    21611: "the sender's outgoing message queue is full",
    21612: "Twilio cannot route to this number from this sender",
    21614: "the 'To' number is not a mobile number and cannot receive SMS",
    21617: "the body is longer than 1,600 characters",
    30003: "unreachable handset: the phone is off or out of coverage",
    30004: "the message was blocked (the recipient blocked the sender or opted out)",
    30005: "unknown handset: the number does not exist or is no longer in service",
    30006: "a landline or an unreachable carrier",
    30007: "filtered by the carrier as spam or against its content rules",
    30008: "an unknown error from the carrier",
    30032: "the toll-free sender is not verified",
    30034: "the sender is not registered for A2P 10DLC",
    21655: "the ContentSid is not an approved content template of this account",
    21656: "ContentVariables must be a JSON object of the template's variables",
    63016: "WhatsApp allows free-form messages only within 24 hours of the "
    "user's last message; send an approved template (--content-sid) instead",
}


@dataclass(frozen=True)
class SendRequest:
    what: str  # "message", "call", "verification", "verification check"
    api: str
    path: str
    params: tuple[tuple[str, Any], ...]
    segments: Segments | None = None
    notes: tuple[str, ...] = field(default=())

    def form(self) -> dict[str, Any]:
        form: dict[str, Any] = {}
        for name, value in self.params:
            if name in form:
                form[name] = [*_as_list(form[name]), value]
            else:
                form[name] = value
        return form

    def data(self, base_url: str) -> dict[str, Any]:
        """The request as printed and as --output json shows it; no credentials."""
        return {"method": "POST", "url": base_url + self.path, "params": self.form()}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def check_number(name: str, value: str, whatsapp: bool = False) -> list[str]:
    """E.164 of a length its country's numbers can have, as Twilio refuses
    anything else with 21211/21212 (twilio_iac.numbering says which lengths)."""
    number = value.removeprefix("whatsapp:") if whatsapp else value
    if not E164.match(number):
        form = "E.164 (+14155550100) or whatsapp:+E.164" if whatsapp else "E.164"
        return [f"{name} {value!r} is not a phone number in {form} form"]
    reason = impossible(number)
    if reason is not None:
        return [f"{name} {value!r} is not a possible phone number: {reason}"]
    return []


def check_url(name: str, value: str | None) -> list[str]:
    if value is None:
        return []
    if value != value.strip():
        where = "leading" if value != value.lstrip() else "trailing"
        return [f"{name} {value!r} has a {where} space; remove it"]
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc:
        return []
    return [f"{name} {value!r} is not an absolute http(s) URL"]


def sms(
    account_sid: str,
    *,
    to: str,
    sender: str | None,
    service: str | None,
    body: str | None,
    media: Sequence[str] = (),
    status_callback: str | None = None,
    content_sid: str | None = None,
    content_variables: str | None = None,
) -> SendRequest:
    """A Messages create, or SendRejected listing every problem.

    With ``content_sid`` the message is an approved content template (the
    only kind WhatsApp accepts outside the 24-hour customer-service window);
    ``content_variables`` is a JSON object filling its placeholders."""
    variables, problems = _template_problems(content_sid, content_variables, body)
    templated = content_sid is not None
    problems += _sms_problems(to, sender, service, body, media, templated)
    problems += check_url("--status-callback", status_callback)
    if problems:
        raise SendRejected(problems)
    params: list[tuple[str, Any]] = [("To", to)]
    params.append(("From", sender) if sender else ("MessagingServiceSid", service))
    params += _given(Body=body)
    params += [("MediaUrl", url) for url in media]
    params += _given(
        ContentSid=content_sid,
        ContentVariables=content_variables,
        StatusCallback=status_callback,
    )
    channel = "WhatsApp" if to.startswith("whatsapp:") else "MMS" if media else "SMS"
    segments = count(body or "") if channel == "SMS" and not templated else None
    path = f"/2010-04-01/Accounts/{account_sid}/Messages.json"
    notes = [f"Channel: {channel}"]
    if templated:
        notes.append(f"Template: {content_sid} (Twilio renders the body)")
        notes += [f"  {{{{{name}}}}} = {value}" for name, value in variables.items()]
    return SendRequest("message", "core", path, tuple(params), segments, tuple(notes))


def _given(**params: str | None) -> list[tuple[str, str]]:
    """Those of the parameters that have a value, in order."""
    return [(name, value) for name, value in params.items() if value]


def _template_problems(
    content_sid: str | None, variables: str | None, body: str | None
) -> tuple[dict[str, str], list[str]]:
    """The template's variables, and what is wrong with the template flags."""
    if content_sid is None:
        extra = ["--content-variables needs --content-sid"] if variables else []
        return {}, extra
    problems = []
    if not re.fullmatch(r"HX[0-9a-fA-F]{32}", content_sid):
        problems.append(f"--content-sid {content_sid!r} is not an HX… content SID")
    if body:
        problems.append(
            "give --body or --content-sid, not both: a template has its own text"
        )
    parsed: Any = {}
    if variables:
        try:
            parsed = json.loads(variables)
        except ValueError as exc:
            problems.append(f"--content-variables is not valid JSON ({exc.msg})")
            parsed = {}
        if not isinstance(parsed, dict):
            problems.append('--content-variables must be a JSON object: {"1": "Ada"}')
            parsed = {}
    return {str(k): str(v) for k, v in parsed.items()}, problems


def _sms_problems(
    to: str,
    sender: str | None,
    service: str | None,
    body: str | None,
    media: Sequence[str],
    templated: bool = False,
) -> list[str]:
    problems = check_number("--to", to, whatsapp=True)
    if (sender is None) == (service is None):
        problems.append("give exactly one sender: --from or --messaging-service")
    if sender is not None:
        problems += check_number("--from", sender, whatsapp=True)
    if service is not None and not re.fullmatch(r"MG[0-9a-fA-F]{32}", service):
        problems.append(f"--messaging-service {service!r} is not an MG… SID")
    if sender and to.startswith("whatsapp:") != sender.startswith("whatsapp:"):
        problems.append("--to and --from must both be whatsapp: addresses, or neither")
    if not body and not media and not templated:
        problems.append(
            "give a --body, one or more --media-url, or a --content-sid template"
        )
    if body and len(body) > MAX_BODY:
        problems.append(f"the body is {len(body)} characters; the limit is {MAX_BODY}")
    if len(media) > MAX_MEDIA:
        problems.append(f"{len(media)} --media-url given; a message takes {MAX_MEDIA}")
    for url in media:
        problems += check_url("--media-url", url)
    return problems


def call(
    account_sid: str,
    *,
    to: str,
    sender: str,
    url: str | None = None,
    twiml: str | None = None,
    application_sid: str | None = None,
    status_callback: str | None = None,
    timeout: int | None = None,
    record: bool = False,
) -> SendRequest:
    """A Calls create, or SendRejected listing every problem."""
    problems = check_number("--to", to) + check_number("--from", sender)
    sources = [s for s in (url, twiml, application_sid) if s is not None]
    if len(sources) != 1:
        problems.append("give exactly one of --url, --twiml or --application")
    problems += check_url("--url", url) + check_url(
        "--status-callback", status_callback
    )
    if twiml is not None and "<Response" not in twiml:
        problems.append("--twiml must be a TwiML document (<Response>…</Response>)")
    if timeout is not None and not 1 <= timeout <= 600:
        problems.append(f"--timeout {timeout} is not between 1 and 600 seconds")
    if problems:
        raise SendRejected(problems)
    params: list[tuple[str, Any]] = [("To", to), ("From", sender)]
    for name, value in (
        ("Url", url),
        ("Twiml", twiml),
        ("ApplicationSid", application_sid),
        ("StatusCallback", status_callback),
        ("Timeout", timeout),
    ):
        if value is not None:
            params.append((name, value))
    if record:
        params.append(("Record", True))
    path = f"/2010-04-01/Accounts/{account_sid}/Calls.json"
    return SendRequest("call", "core", path, tuple(params))


class _Ambiguous(Exception):
    """Raised by the client's find_existing hook: only ambiguous failures call it."""


def create(client: TwilioClient, request: SendRequest) -> dict[str, Any]:
    """POST once; an ambiguous failure becomes SendUnconfirmed, never a resend."""

    def ambiguous() -> dict | None:
        raise _Ambiguous

    try:
        return client.create(
            request.api, request.path, request.form(), find_existing=ambiguous
        )
    except _Ambiguous:
        raise SendUnconfirmed(_unconfirmed(request)) from None
    except ApiError as error:
        meaning = MEANINGS.get(error.code or 0)
        if error.code == 20404 and request.what == "verification check":
            # Twilio's answer when nothing is pending for that number.
            meaning = (
                "no pending verification for this number: start one with `verify "
                "start` (a verification expires after 10 minutes or once approved)"
            )
        if meaning is None or error.hint:
            raise
        raise type(error)(
            error.method,
            error.url,
            error.status,
            error.code,
            error.message,
            error.more_info,
            hint=f"Meaning: {meaning}.",
        ) from error


def _unconfirmed(request: SendRequest) -> str:
    form = request.form()
    to = form.get("To", "")
    prefix = {"message": "SM…/MM…", "call": "CA…"}.get(request.what, "")
    status = f"`twilio-iac status {prefix}`" if prefix else "the Twilio Console"
    return (
        f"The {request.what} to {to} got no clear answer from Twilio (a server "
        "error, or the connection broke or timed out after the request was "
        f"sent). It may already have gone out, so it was NOT sent again.\n"
        f"  Check before retrying: find it in the Console's logs (Monitor → Logs) "
        f"and follow it with {status}."
    )
