"""Verify verifications and checks against a service.

No code is sent anywhere: the sandbox accepts SANDBOX_CODE for every
verification. As on Twilio (www.twilio.com/docs/verify/api/verification):

- a send to a ``To`` that has a pending verification resends it: same SID,
  one more ``send_code_attempts`` entry (the channel may change);
- a sixth send to one ``To`` within 10 minutes is refused, 429 60203
  ("Max send attempts reached");
- a check finds the pending verification for ``To`` (or VerificationSid);
  after five wrong codes the next check is refused, 429 60202 ("Max check
  attempts reached"), and the verification ends;
- an approved, canceled, expired (10 minutes) or ended verification is gone:
  fetching it answers 404 20404.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..http.actions import ActionCall, register_action
from ..http.handlers import create_record
from ..http.kinds import Behaviour, Kind, register, render
from ..http.params import dialable
from ..http.problems import ApiProblem, bad_request, not_found
from ..store import Store, iso8601

SANDBOX_CODE = "123456"
MAX_CHECKS = 5  # wrong codes a verification takes; the next check is 60202
MAX_SENDS = 5  # sends to one To within SEND_WINDOW; the next is 60203
SEND_WINDOW = timedelta(minutes=10)
LIFETIME = timedelta(minutes=10)  # Twilio: a verification expires after 10 min
VERIFY_INVALID_TO = 60200  # "Invalid parameter"
MAX_CHECK_ATTEMPTS = 60202  # "Max check attempts reached"
MAX_SEND_ATTEMPTS = 60203  # "Max send attempts reached"
# Verify's channels (the Channel parameter's description).
CHANNELS = ("sms", "call", "email", "whatsapp", "sna", "auto")
ENDED = ("approved", "canceled", "max_attempts_reached", "expired")


class Verifications(Behaviour):
    def on_create(self, store: Store, record: dict[str, Any], values: dict) -> None:
        to, channel = values["To"], values["Channel"]
        if channel not in CHANNELS:
            raise bad_request(
                VERIFY_INVALID_TO,
                f"Invalid parameter `Channel`: {channel} (use one of "
                f"{', '.join(CHANNELS)})",
            )
        # A number must also have a length its country's numbers can have.
        valid = "@" in to if channel == "email" else dialable(to)
        if not valid:
            raise bad_request(VERIFY_INVALID_TO, "Invalid parameter `To`: " + to)
        _refuse_too_many_sends(store, record["service_sid"], to)
        record.update(
            status="pending",
            valid=False,
            lookup={"carrier": None},
            send_code_attempts=[_attempt(store, channel, record["date_created"])],
        )

    def on_fetch(self, store: Store, record: dict[str, Any], now: datetime) -> bool:
        if _gone(record, now):
            raise _missing(record)
        return False

    def on_update(self, store: Store, record: dict[str, Any], values: dict) -> None:
        if _gone(record, store.now()):
            raise _missing(record)


def _attempt(store: Store, channel: str, time: str) -> dict[str, Any]:
    return {"attempt_sid": store.new_sid("VL"), "channel": channel, "time": time}


def _sends(store: Store, service: str, to: str) -> list[str]:
    """When each code was sent to ``To`` through the service (ISO 8601)."""
    return [
        attempt["time"]
        for record in store.records("verifications").values()
        if record["service_sid"] == service and record["to"] == to
        for attempt in record["send_code_attempts"] or ()
    ]


def _refuse_too_many_sends(store: Store, service: str, to: str) -> None:
    since = iso8601(store.now() - SEND_WINDOW)
    if sum(1 for time in _sends(store, service, to) if time > since) >= MAX_SENDS:
        raise ApiProblem(
            429,
            MAX_SEND_ATTEMPTS,
            f"Max send attempts reached: {MAX_SENDS} codes were sent to {to} in "
            "the last 10 minutes; wait before sending another",
        )


def _gone(record: dict[str, Any], now: datetime) -> bool:
    return record["status"] in ENDED or record["date_created"] < iso8601(now - LIFETIME)


def _missing(record: dict[str, Any]) -> ApiProblem:
    path = VERIFICATIONS.instance.format(
        ServiceSid=record["service_sid"], Sid=record["sid"]
    )
    return not_found(path)


def resend(store: Store, service: str, values: dict, now: datetime) -> dict | None:
    """The pending verification a new send to the same To reuses, with the
    new attempt counted (None: no pending one, a new verification is made)."""
    pending = _pending(store, service, {"To": values.get("To")}, now)
    if pending is None or values.get("Channel") not in CHANNELS:
        return None
    _refuse_too_many_sends(store, service, values["To"])
    stamp = iso8601(now)
    attempts = [
        *pending["send_code_attempts"],
        _attempt(store, values["Channel"], stamp),
    ]
    pending.update(
        channel=values["Channel"], send_code_attempts=attempts, date_updated=stamp
    )
    return pending


VERIFICATIONS = register(
    Kind(
        name="verifications",
        api="verify",
        collection="/v2/Services/{ServiceSid}/Verifications",
        instance="/v2/Services/{ServiceSid}/Verifications/{Sid}",
        list_key="verifications",
        prefix="VE",
        schema="verify.v2.service.verification",
        operations=frozenset({"create", "fetch", "update"}),
        parent=("ServiceSid", "verify_services", "service_sid"),
        behaviour=Verifications(),
    )
)


def send(store: Store, call: ActionCall) -> dict[str, Any]:
    """A new verification, or a resend of the pending one for the same To."""
    service = call.ids["ServiceSid"]
    found = store.records("verify_services").get(service)
    # A service of another account is not there for this caller.
    if found is None or found["account_sid"] != call.account:
        raise not_found(call.path)
    record = resend(store, service, call.values, call.now)
    if record is None:
        owner = {"service_sid": service}
        values = dict(call.values)
        record = create_record(
            VERIFICATIONS, store, values, call.now, call.account, owner
        )
    return render(VERIFICATIONS, record, call.base_url)


def check(store: Store, call: ActionCall) -> dict[str, Any]:
    service = call.ids["ServiceSid"]
    found = store.records("verify_services").get(service)
    if found is None or found["account_sid"] != call.account:
        raise not_found(call.path)
    record = _pending(store, service, call.values, call.now)
    if record is None:
        raise not_found(call.path)
    attempts = store.state.setdefault("verification_checks", {})
    wrong = attempts.get(record["sid"], 0)
    record["date_updated"] = iso8601(call.now)
    if wrong >= MAX_CHECKS:
        record["status"] = "max_attempts_reached"
        raise ApiProblem(
            429,
            MAX_CHECK_ATTEMPTS,
            f"Max check attempts reached: {MAX_CHECKS} wrong codes were checked "
            f"for verification {record['sid']}; start a new verification",
        )
    if call.values.get("Code") == SANDBOX_CODE:
        record.update(status="approved", valid=True)
    else:
        attempts[record["sid"]] = wrong + 1
    return _check_body(record, call.now)


def _pending(
    store: Store, service: str, values: dict, now: datetime
) -> dict[str, Any] | None:
    wanted = values.get("VerificationSid")
    candidates = [
        record
        for record in store.records("verifications").values()
        if record["service_sid"] == service
        and record["status"] == "pending"
        and not _gone(record, now)
        and (record["sid"] == wanted if wanted else record["to"] == values.get("To"))
    ]
    return candidates[-1] if candidates else None


def _check_body(record: dict[str, Any], now: datetime) -> dict[str, Any]:
    body = render(VERIFICATIONS, record, "")
    keep = ("sid", "service_sid", "account_sid", "to", "channel", "status", "valid")
    return {
        **{key: body[key] for key in keep},
        "amount": record["amount"],
        "payee": record["payee"],
        "date_created": record["date_created"],
        "date_updated": iso8601(now),
        "sna_attempts_error_codes": [],
    }


# Before the kind's own create: a send may reuse the pending verification.
register_action("POST", VERIFICATIONS.collection, send)
register_action("POST", "/v2/Services/{ServiceSid}/VerificationCheck", check)
