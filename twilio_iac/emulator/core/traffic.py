"""Messages and Calls: sends that are checked like Twilio checks them, then
move through their statuses on the sandbox's clock (store/clock.py).

Magic numbers follow Twilio's test-credentials docs (www.twilio.com/docs/iam/
test-credentials): +15005550006 is a valid sender; as recipients +15005550001
is invalid, …0002 cannot be routed, …0003 lacks international permission,
…0004 is blocked and …0009 cannot receive SMS. The sandbox adds numbers for
failures that happen after Twilio accepted a send (see DELIVERY_FAILURES and
CALL_OUTCOMES).

Each send puts its coming statuses on the clock's timeline when it is
created (MESSAGE_TIMELINE, CALL_RINGS_AT…: seconds after the send), so they
happen whether anyone looks or not: a message is delivered 4 s after it was
sent, a call is answered after 4 s and lasts its made-up duration. A message
through a Messaging Service starts ``accepted``; a scheduled one
(``ScheduleType=fixed``) stays ``scheduled`` until its SendAt, and can be
canceled until then.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from twilio_iac.apis import CORE

from ...segments import count as count_segments
from ..http.dates import parse_moment
from ..http.kinds import Behaviour, Kind, register
from ..http.params import dialable
from ..http.problems import INVALID_APPLICATION_SID, bad_request
from ..store import Store, clock, rfc2822
from . import content, media, recordings, senders

P = "/2010-04-01/Accounts/{AccountSid}"
VALID_SENDER = "+15005550006"
# To → (code, message), refused at create (HTTP 400).
SMS_REFUSED_TO = {
    "+15005550001": (21211, "Invalid 'To' Phone Number"),
    "+15005550002": (21612, "The 'To' phone number is not currently reachable"),
    "+15005550003": (21408, "Permission to send an SMS has not been enabled"),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number is not a valid mobile number"),
}
SMS_REFUSED_FROM = {
    "+15005550001": (21212, "Invalid 'From' Phone Number"),
    "+15005550007": (21606, "The 'From' phone number is not owned or SMS-capable"),
    "+15005550008": (21611, "This 'From' number has exceeded the queue size"),
}
CALL_REFUSED_TO = {
    "+15005550001": (21217, "Phone number does not appear to be valid"),
    "+15005550002": (21214, "'To' phone number cannot be reached"),
    "+15005550003": (21215, "Account not authorized to call this number"),
    "+15005550004": (21216, "Account not allowed to call this number"),
}
# Sandbox-only: accepted, then not delivered (status, error code, message).
DELIVERY_FAILURES = {
    "+15005553003": ("undelivered", 30003, "Unreachable destination handset"),
    "+15005553005": ("undelivered", 30005, "Unknown destination handset"),
    "+15005553006": ("undelivered", 30006, "Landline or unreachable carrier"),
    "+15005553007": ("undelivered", 30007, "Message filtered"),
    "+15005553008": ("failed", 30008, "Unknown error"),
}
# Sandbox-only: calls to these end busy, unanswered or failed.
CALL_OUTCOMES = {
    "+15005554001": "busy",
    "+15005554002": "no-answer",
    "+15005554003": "failed",
}
# Sandbox-only: calls to +150055550xx are answered and then stay in progress
# until hung up or redirected (`calls update`), however often they are fetched.
HOLD_PREFIX = "+150055550"
# Twilio refuses to delete a message or call that has not reached a final
# status; 20009 is the code it answers with.
CANNOT_DELETE = 20009
INVALID_CALL_STATE = 21220  # "Invalid call state for the requested operation"
MESSAGE_FINAL = frozenset(
    {"delivered", "undelivered", "failed", "read", "canceled", "received"}
)
CALL_LIVE = frozenset({"queued", "ringing", "in-progress"})
SMS_PRICE = Decimal("0.0079")  # USD per segment
MMS_PRICE = Decimal("0.0200")  # USD per message
CALL_PRICE = Decimal("0.0140")  # USD per started minute
# Seconds after a message is sent (created, or its SendAt) when it reaches
# each status; the last is "delivered", or its DELIVERY_FAILURES status.
MESSAGE_TIMELINE = (("sending", 1), ("sent", 2), ("delivered", 4))
# Through a Messaging Service it is first accepted, then queued a second later.
ACCEPTED_FOR = 1
# Seconds after a call is placed: it rings, then is answered (or ends busy,
# unanswered after its Timeout, or failed); answered, it lasts call_seconds.
CALL_RINGS_AT, CALL_ANSWERED_AT = 1, 4
# Twilio's window for SendAt (error 35114, www.twilio.com/docs/api/errors/35114).
SCHEDULE_MIN, SCHEDULE_MAX = timedelta(seconds=300), timedelta(days=35)
MESSAGE_LIVE = frozenset({"accepted", "scheduled", "queued", "sending", "sent"})


def _refuse(code: int, message: str) -> None:
    raise bad_request(code, message)


def _address(value: str) -> str:
    """The E.164 part of ``whatsapp:+1…`` (or the value itself)."""
    return value.removeprefix("whatsapp:")


def _owned(store: Store, account: str, number: str) -> dict | None:
    for record in store.records("phone_numbers").values():
        if record["phone_number"] == number and record["account_sid"] == account:
            return record
    return None


class Messages(Behaviour):
    def on_create(self, store: Store, record: dict[str, Any], values: dict) -> None:
        to, sender = values["To"], values.get("From")
        if not dialable(_address(to)):
            _refuse(21211, f"The 'To' number {to} is not a valid phone number.")
        if to in SMS_REFUSED_TO:
            _refuse(*SMS_REFUSED_TO[to])
        if sender is not None:
            _check_sender(store, record["account_sid"], sender)
        else:
            service = values["MessagingServiceSid"]
            record["from"] = senders.pick_sender(store, service, to)
        files = values.get("MediaUrl") or []
        body = values.get("Body") or ""
        if values.get("ContentSid"):
            body = content.render(values["ContentSid"], values.get("ContentVariables"))
            record["body"] = body
            values.pop("Body", None)
        if len(body) > 1600:
            _refuse(21617, "The concatenated message body exceeds the 1600 limit")
        if files:
            record["sid"] = store.new_sid("MM")
            record["uri"] = MESSAGES.uri(record["account_sid"], record["sid"])
            media.add_media(store, record, files)
        segments = 1 if files else count_segments(body).count
        record.update(
            status="queued" if sender is not None else "accepted",
            num_segments=str(segments),
            num_media=str(len(files)),
            subresource_uris={
                "media": record["uri"].removesuffix(".json") + "/Media.json",
                "feedback": record["uri"].removesuffix(".json") + "/Feedback.json",
            },
        )
        _schedule_message(store, record, values)

    def on_update(self, store: Store, record: dict[str, Any], values: dict) -> None:
        if values.get("Status") == "canceled":
            if record["status"] != "scheduled":
                _refuse(
                    30409,
                    f"Message {record['sid']} cannot be canceled: only a scheduled "
                    f"message can be, and this one is {record['status']}",
                )
            record["status"] = "canceled"
            clock.announce(store, record, "canceled", store.now())
            clock.unschedule(store, record["sid"])
        if "Body" in values and not values["Body"]:
            # Redaction: Twilio keeps an empty body, not a null one.
            values.pop("Body")
            record["body"] = ""

    def on_delete(self, store: Store, record: dict[str, Any]) -> None:
        if record["status"] not in MESSAGE_FINAL:
            _refuse(
                CANNOT_DELETE,
                f"Cannot delete message {record['sid']}: it is still "
                f"{record['status']}, and only a message in a final status can "
                "be deleted",
            )
        clock.unschedule(store, record["sid"])
        media.remove_media(store, record["sid"])


def _schedule_message(store: Store, record: dict[str, Any], values: dict) -> None:
    """Its statuses to come: from now, from a second after it is accepted,
    or from its SendAt."""
    now = store.now()
    start = now
    if values.get("ScheduleType") == "fixed" and values.get("MessagingServiceSid"):
        start = _send_at(values.get("SendAt"), now)
        record["status"] = "scheduled"
        steps = [(start, "queued")]
    elif values.get("MessagingServiceSid"):
        # Twilio: "accepted" until the service picks the sender and queues it.
        start = now + timedelta(seconds=ACCEPTED_FOR)
        record["status"] = "accepted"
        steps = [(start, "queued")]
    else:
        steps = []
    steps += message_steps(values["To"], start)
    clock.schedule(store, "messages", record["sid"], steps)


def message_steps(to: str, start: datetime) -> list[tuple[datetime, str]]:
    """A queued message's statuses to come, from ``start`` on."""
    failure = DELIVERY_FAILURES.get(_address(to))
    steps = []
    for status, after in MESSAGE_TIMELINE:
        final = failure[0] if status == "delivered" and failure else status
        steps.append((start + timedelta(seconds=after), final))
    return steps


def _send_at(given: Any, now: datetime) -> datetime:
    """A scheduled message's SendAt, checked against Twilio's window."""
    if not given:
        _refuse(35111, "SendAt timestamp is missing")
    moment = given if isinstance(given, datetime) else parse_moment(str(given))
    if not isinstance(moment, datetime):
        _refuse(35114, f"SendAt {given!r} is not a date-time (YYYY-MM-DDTHH:MM:SSZ)")
    if not now + SCHEDULE_MIN <= moment <= now + SCHEDULE_MAX:
        _refuse(
            35114,
            "Scheduling does not support this timestamp: SendAt must be between "
            "300 seconds and 35 days (3024000 seconds) in the future",
        )
    return moment


def _message_step(
    store: Store, record: dict[str, Any], status: str, due: datetime
) -> None:
    if status == "sent":
        record["date_sent"] = rfc2822(due)
        record["price"] = f"-{message_price(record):.5f}"
    if status in ("undelivered", "failed"):
        _, record["error_code"], record["error_message"] = DELIVERY_FAILURES[
            _address(record["to"])
        ]
    record["status"] = status
    record["date_updated"] = rfc2822(due)


def _check_sender(store: Store, account: str, sender: str) -> None:
    number = _address(sender)
    if number in SMS_REFUSED_FROM:
        _refuse(*SMS_REFUSED_FROM[number])
    if sender.startswith("whatsapp:") or number == VALID_SENDER:
        return
    if _owned(store, account, number) is None:
        _refuse(
            21606,
            f"The From phone number {sender} is not a valid, SMS-capable inbound "
            "phone number or short code for your account.",
        )


def message_price(record: dict[str, Any]) -> Decimal:
    if record["sid"].startswith("MM"):
        return MMS_PRICE
    return SMS_PRICE * int(record["num_segments"])


class Calls(Behaviour):
    def on_create(self, store: Store, record: dict[str, Any], values: dict) -> None:
        to, sender = values["To"], values["From"]
        if to in CALL_REFUSED_TO:
            _refuse(*CALL_REFUSED_TO[to])
        if not dialable(to):
            _refuse(21211, f"Invalid 'To' Phone Number: {to}")
        if sender == "+15005550001":
            _refuse(21212, f"Invalid 'From' Phone Number {sender}")
        owned = _owned(store, record["account_sid"], sender)
        if owned is None and sender != VALID_SENDER:
            _refuse(
                21210,
                f"The source phone number provided, {sender}, is not yet verified "
                "for your account.",
            )
        app = values.get("ApplicationSid")
        known = store.records("applications").get(app or "")
        if (
            app is not None
            and (known or {}).get("account_sid") != record["account_sid"]
        ):
            _refuse(INVALID_APPLICATION_SID, f"ApplicationSid {app} is not valid")
        record.update(
            status="queued",
            phone_number_sid=owned["sid"] if owned else None,
            to_formatted=to,
            from_formatted=sender,
            queue_time="0",
            subresource_uris={
                "recordings": record["uri"].removesuffix(".json") + "/Recordings.json",
                "notifications": record["uri"].removesuffix(".json")
                + "/Notifications.json",
            },
        )
        if values.get("Record"):
            recordings.start(store, record)
        steps = call_steps(record["sid"], to, values, store.now())
        clock.schedule(store, "calls", record["sid"], steps)

    def on_update(self, store: Store, record: dict[str, Any], values: dict) -> None:
        """Hang up (completed), cancel (canceled) or redirect (Url/Twiml)."""
        status, wanted = record["status"], values.pop("Status", None)
        redirect = values.get("Url") or values.get("Twiml")
        if status not in CALL_LIVE and (redirect or wanted):
            _refuse(
                INVALID_CALL_STATE,
                f"Call {record['sid']} is not in progress ({status}): it cannot "
                "be redirected or ended",
            )
        now = store.now()
        if wanted == "completed" or (wanted == "canceled" and status != "in-progress"):
            answered = status == "in-progress"
            record["status"] = "completed" if answered else "canceled"
            _end(record, now, _talked(record, now) if answered else 0)
            recordings.finish(store, record)
            clock.unschedule(store, record["sid"])

    def on_delete(self, store: Store, record: dict[str, Any]) -> None:
        if record["status"] in CALL_LIVE:
            _refuse(
                CANNOT_DELETE,
                f"Cannot delete call {record['sid']}: it is {record['status']}; "
                "only a call that has ended can be deleted",
            )
        clock.unschedule(store, record["sid"])


def call_steps(
    sid: str, to: str, values: dict, start: datetime
) -> list[tuple[datetime, str]]:
    """A placed call's statuses to come: it rings, then is answered and ends
    after call_seconds (or stays up, for HOLD_PREFIX), or ends busy, failed,
    or unanswered once its Timeout (60 s by default) has passed."""

    def at(seconds: float) -> datetime:
        return start + timedelta(seconds=seconds)

    steps = [(at(CALL_RINGS_AT), "ringing")]
    outcome = CALL_OUTCOMES.get(to)
    if outcome == "no-answer":
        timeout = int(values.get("Timeout") or 60)
        return [*steps, (at(CALL_RINGS_AT + timeout), outcome)]
    if outcome:
        return [*steps, (at(CALL_ANSWERED_AT), outcome)]
    steps.append((at(CALL_ANSWERED_AT), "in-progress"))
    if not to.startswith(HOLD_PREFIX):
        ends = CALL_ANSWERED_AT + call_seconds(sid)
        steps.append((at(ends), "completed"))
    return steps


def _call_step(
    store: Store, record: dict[str, Any], status: str, due: datetime
) -> None:
    if status == "ringing":  # Twilio's start_time: when the call was dialed
        record["start_time"] = rfc2822(due)
    if status in CALL_OUTCOMES.values():
        record["duration"] = "0"
    record["status"] = status
    record["date_updated"] = rfc2822(due)
    if status == "completed":
        _end(record, due, call_seconds(record["sid"]))
    if status not in CALL_LIVE:
        recordings.finish(store, record)


def _talked(record: dict[str, Any], now: datetime) -> int:
    """Seconds since a hung-up call was answered (at least one)."""
    rang = parse_moment(record.get("start_time") or "")
    if not isinstance(rang, datetime):
        return call_seconds(record["sid"])
    answered = rang + timedelta(seconds=CALL_ANSWERED_AT - CALL_RINGS_AT)
    return max(1, int((now - answered).total_seconds()))


def _end(record: dict[str, Any], now: datetime, seconds: int) -> None:
    record["end_time"] = rfc2822(now)
    record["duration"] = str(seconds)
    record["price"] = f"-{call_price(record):.5f}"
    record["date_updated"] = rfc2822(now)


def call_seconds(sid: str) -> int:
    """A made-up but stable duration: 5 to 64 seconds, so that a sandbox call
    ends within about a minute."""
    return 5 + int(hashlib.sha256(sid.encode()).hexdigest()[:6], 16) % 60


def call_minutes(record: dict[str, Any]) -> int:
    return math.ceil(int(record["duration"] or 0) / 60)


def call_price(record: dict[str, Any]) -> Decimal:
    return CALL_PRICE * call_minutes(record)


# What every message and call the sandbox places starts with.
SENT_DEFAULTS = {
    "direction": "outbound-api",
    "api_version": "2010-04-01",
    "price_unit": "USD",
}


def _dates(param: str, name: str) -> dict[str, str]:
    """A date filter: on the day, before it, after it (the API's ``<``/``>``)."""
    return {param: name, f"{param}<": name, f"{param}>": name}


def _history(
    name: str, prefix: str, schema: str, filters: dict[str, str], **extra: Any
) -> Kind:
    """A kind of the account's traffic: listed newest first, as Twilio does."""
    return register(
        Kind(
            name=name,
            api=CORE,
            collection=f"{P}/{name.title()}.json",
            instance=f"{P}/{name.title()}/{{Sid}}.json",
            list_key=name,
            prefix=prefix,
            schema=schema,
            defaults=SENT_DEFAULTS,
            filters=filters,
            newest_first=True,
            **extra,
        )
    )


MESSAGES = _history(
    "messages",
    "SM",
    "api.v2010.account.message",
    {"To": "to", "From": "from", **_dates("DateSent", "date_sent")},
    behaviour=Messages(),
)
CALLS = _history(
    "calls",
    "CA",
    "api.v2010.account.call",
    {
        "To": "to",
        "From": "from",
        "Status": "status",
        "ParentCallSid": "parent_call_sid",
        **_dates("StartTime", "start_time"),
        **_dates("EndTime", "end_time"),
    },
    operations=frozenset({"list", "create", "fetch", "update", "delete"}),
    behaviour=Calls(),
)


clock.on_step(MESSAGES.name, _message_step)
clock.on_step(CALLS.name, _call_step)


def resume(store: Store) -> None:
    """Put the sends of a state from before the clock on its timeline: each
    goes on from where it stands, from now."""
    now = store.now()
    for kind, live, steps_of in (
        (MESSAGES.name, MESSAGE_LIVE, lambda r: message_steps(r["to"], now)),
        (CALLS.name, CALL_LIVE, lambda r: call_steps(r["sid"], r["to"], {}, now)),
    ):
        for record in store.records(kind).values():
            status = record["status"]
            if status not in live or clock.pending(store, record["sid"]):
                continue
            steps = steps_of(record)
            known = [step for _, step in steps]
            left = steps[known.index(status) + 1 :] if status in known else steps
            clock.schedule(store, kind, record["sid"], left)
