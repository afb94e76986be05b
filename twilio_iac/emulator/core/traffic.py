"""Messages and Calls: sends that are checked like Twilio checks them, then
advance one status per fetch toward a final state.

Magic numbers follow Twilio's test-credentials docs (www.twilio.com/docs/iam/
test-credentials): +15005550006 is a valid sender; as recipients +15005550001
is invalid, …0002 cannot be routed, …0003 lacks international permission,
…0004 is blocked and …0009 cannot receive SMS. The sandbox adds numbers for
failures that happen after Twilio accepted a send (see DELIVERY_FAILURES and
CALL_OUTCOMES). Each fetch of a message or call moves it one step, so a
client polling for the final status gets there in three fetches.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime
from decimal import Decimal
from typing import Any

from twilio_iac.apis import CORE

from ...segments import count as count_segments
from ..http.kinds import Behaviour, Kind, register
from ..http.params import E164
from ..http.problems import INVALID_APPLICATION_SID, bad_request
from ..store import Store, rfc2822, utcnow
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
# A send through a Messaging Service (no From) starts "accepted", as on Twilio,
# while the service picks its sender.
MESSAGE_STEPS = ("accepted", "queued", "sending", "sent", "delivered")
CALL_STEPS = ("queued", "ringing", "in-progress", "completed")


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
        if not E164.match(_address(to)):
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

    def on_fetch(self, store: Store, record: dict[str, Any], now: datetime) -> bool:
        status = record["status"]
        if status not in MESSAGE_STEPS[:-1]:
            return False
        step = MESSAGE_STEPS[MESSAGE_STEPS.index(status) + 1]
        if step == "sent":
            record["date_sent"] = rfc2822(now)
            record["price"] = f"-{message_price(record):.5f}"
        failure = DELIVERY_FAILURES.get(record["to"])
        if step == "delivered" and failure:
            step, record["error_code"], record["error_message"] = failure
        record["status"] = step
        record["date_updated"] = rfc2822(now)
        return True

    def on_update(self, store: Store, record: dict[str, Any], values: dict) -> None:
        if values.get("Status") == "canceled" and record["status"] != "scheduled":
            _refuse(
                30409,
                f"Message {record['sid']} cannot be canceled: only a scheduled "
                f"message can be, and this one is {record['status']}",
            )
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
        media.remove_media(store, record["sid"])


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
        if not E164.match(to):
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

    def on_fetch(self, store: Store, record: dict[str, Any], now: datetime) -> bool:
        status = record["status"]
        if status not in CALL_STEPS[:-1]:
            return False
        if status == "in-progress" and record["to"].startswith(HOLD_PREFIX):
            return False
        step = CALL_STEPS[CALL_STEPS.index(status) + 1]
        outcome = CALL_OUTCOMES.get(record["to"])
        if step == "in-progress" and outcome:
            step, record["duration"] = outcome, "0"
        if step == "ringing":  # Twilio's start_time: when the call was dialed
            record["start_time"] = rfc2822(now)
        if step == "completed":
            _end(record, now, call_seconds(record["sid"]))
        record["status"] = step
        record["date_updated"] = rfc2822(now)
        if step not in CALL_LIVE:
            recordings.finish(store, record)
        return True

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
        now = utcnow()
        if wanted == "completed" or (wanted == "canceled" and status != "in-progress"):
            answered = status == "in-progress"
            record["status"] = "completed" if answered else "canceled"
            seconds = call_seconds(record["sid"]) if answered else 0
            _end(record, now, seconds)
            recordings.finish(store, record)

    def on_delete(self, store: Store, record: dict[str, Any]) -> None:
        if record["status"] in CALL_LIVE:
            _refuse(
                CANNOT_DELETE,
                f"Cannot delete call {record['sid']}: it is {record['status']}; "
                "only a call that has ended can be deleted",
            )


def _end(record: dict[str, Any], now: datetime, seconds: int) -> None:
    record["end_time"] = rfc2822(now)
    record["duration"] = str(seconds)
    record["price"] = f"-{call_price(record):.5f}"
    record["date_updated"] = rfc2822(now)


def call_seconds(sid: str) -> int:
    """A made-up but stable duration: 5 to 304 seconds."""
    return 5 + int(hashlib.sha256(sid.encode()).hexdigest()[:6], 16) % 300


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
