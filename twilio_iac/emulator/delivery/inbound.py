"""An incoming SMS, delivered as Twilio delivers it to the number's webhook.

The number's sms_application_sid wins over its own sms_url (as at Twilio).
A number in a Messaging Service whose use_inbound_webhook_on_number is false
goes to the service's inbound_request_url instead, and to its fallback_url when
that gives no usable answer; a service without an inbound_request_url receives
nothing (Twilio's messaging v1 description of these fields).
The request carries Twilio's parameters and signature; what the app answers
(TwiML) comes back to the caller. Nothing is stored: the state may belong to
a running server, which would overwrite it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from xml.etree import ElementTree

from ...errors import ConfigError
from ...segments import count as count_segments
from ..app import Emulator
from . import outbound


@dataclass(frozen=True)
class Delivery:
    url: str
    method: str
    params: list[tuple[str, str]]
    response: outbound.Response
    failed_first: Delivery | None = None  # the inbound_request_url, fallen back from


@dataclass(frozen=True)
class _Route:
    url: str
    method: str
    fallback: tuple[str, str] | None = None


def sms(
    emulator: Emulator,
    to: str,
    sender: str,
    body: str,
    *,
    allow_remote: bool = False,
    timeout: float = outbound.TIMEOUT,
) -> Delivery:
    """POST (or GET) the incoming message to the webhook configured for ``to``."""
    number = _number(emulator, to)
    route = _service_route(emulator, number) or _webhook(emulator, number)
    outbound.check_url(route.url, allow_remote)
    if route.fallback:
        outbound.check_url(route.fallback[0], allow_remote)
    sid = "SM" + secrets.token_hex(16)  # a new message's SID; nothing is stored
    params = [
        ("AccountSid", number["account_sid"]),
        ("ApiVersion", "2010-04-01"),
        ("Body", body),
        ("From", sender),
        ("MessageSid", sid),
        ("NumMedia", "0"),
        ("NumSegments", str(count_segments(body).count)),
        ("SmsMessageSid", sid),
        ("SmsSid", sid),
        ("SmsStatus", "received"),
        ("To", number["phone_number"]),
    ]
    if number.get("iso_country"):
        params.append(("ToCountry", number["iso_country"]))
    token = emulator.token_of(number["account_sid"])
    reply = outbound.send(route.url, params, token, route.method, timeout)
    done = Delivery(route.url, route.method, params, reply)
    if route.fallback and not _usable(reply):
        url, method = route.fallback
        again = outbound.send(url, params, token, method, timeout)
        return Delivery(url, method, params, again, failed_first=done)
    return done


def _usable(reply: outbound.Response) -> bool:
    """An answer Twilio can execute; otherwise it tries the fallback_url."""
    if reply.status is None or not 200 <= reply.status < 300:
        return False
    return twiml_problem(reply) is None


def twiml_problem(response: outbound.Response) -> str | None:
    """Why Twilio could not use the reply as TwiML, if it could not.

    A plain-text reply is sent back as the message; an empty one sends nothing.
    """
    kind = response.content_type.split(";")[0].strip().lower()
    if not response.body.strip() or kind == "text/plain":
        return None
    try:
        root = ElementTree.fromstring(response.body.strip())
    except ElementTree.ParseError as exc:
        return (
            f"Twilio error 12100 (Document parse failure): the reply is not XML ({exc})"
        )
    if root.tag != "Response":
        return (
            "Twilio error 12100 (Document parse failure): the root element is "
            f"<{root.tag}>; TwiML starts with <Response>"
        )
    return None


def _number(emulator: Emulator, to: str) -> dict:
    for number in emulator.records("phone_numbers"):
        if number["phone_number"] == to:
            return number
    raise ConfigError(
        f"The sandbox has no number {to}: use one of its numbers (`twilio-iac "
        "--sandbox export --kinds phone_numbers` lists them) in E.164 form."
    )


def _service_route(emulator: Emulator, number: dict) -> _Route | None:
    """The Messaging Service's webhook, when the number is in one that does
    not leave inbound messages to the number's own webhook."""
    member = next(
        (
            m
            for m in emulator.records("messaging_phone_numbers")
            if m["sid"] == number["sid"]
        ),
        None,
    )
    if member is None:
        return None
    service = next(
        s
        for s in emulator.records("messaging_services")
        if s["sid"] == member["service_sid"]
    )
    if service.get("use_inbound_webhook_on_number"):
        return None
    url = service.get("inbound_request_url")
    if not url:
        raise ConfigError(
            f"{number['phone_number']} is in Messaging Service "
            f"{service.get('friendly_name') or service['sid']}, which has no "
            "inbound_request_url: Twilio receives no inbound messages for it (none "
            "is logged, no webhook is called). Set the service's "
            "inbound_request_url, or use_inbound_webhook_on_number: true to use "
            "the number's own sms_url, and apply it to the sandbox first."
        )
    fallback = service.get("fallback_url")
    return _Route(
        url,
        (service.get("inbound_method") or "POST").upper(),
        (fallback, (service.get("fallback_method") or "POST").upper())
        if fallback
        else None,
    )


def _webhook(emulator: Emulator, number: dict) -> _Route:
    app_sid = number.get("sms_application_sid")
    if app_sid:
        for app in emulator.records("applications"):
            if app["sid"] == app_sid:
                return _configured(app.get("sms_url"), app, f"application {app_sid}")
        raise ConfigError(
            f"{number['phone_number']} routes SMS to application {app_sid}, which "
            "the sandbox does not have."
        )
    return _configured(number.get("sms_url"), number, number["phone_number"])


def _configured(url: str | None, owner: dict, what: str) -> _Route:
    if not url:
        raise ConfigError(
            f"{what} has no sms_url, so Twilio would not call any webhook. Set "
            "sms_url (or an sms_application) in its manifest and apply it to the "
            "sandbox first."
        )
    return _Route(url, (owner.get("sms_method") or "POST").upper())
