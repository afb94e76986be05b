"""Verify verifications and checks against a service.

No code is sent anywhere: the sandbox accepts SANDBOX_CODE for every
verification. A check finds the newest pending verification for ``To`` (or
the one named by VerificationSid); five checks without the code end it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...numbering import impossible
from ..http.actions import ActionCall, register_action
from ..http.kinds import Behaviour, Kind, register, render
from ..http.params import E164
from ..http.problems import bad_request, not_found
from ..store import Store, iso8601

SANDBOX_CODE = "123456"
MAX_CHECKS = 5
VERIFY_INVALID_TO = 60200  # "Invalid parameter"


class Verifications(Behaviour):
    def on_create(self, store: Store, record: dict[str, Any], values: dict) -> None:
        to, channel = values["To"], values["Channel"]
        # A number must also have a length its country's numbers can have.
        valid = (
            "@" in to
            if channel == "email"
            else bool(E164.match(to)) and impossible(to) is None
        )
        if not valid:
            raise bad_request(VERIFY_INVALID_TO, "Invalid parameter `To`: " + to)
        record.update(
            status="pending",
            valid=False,
            lookup={"carrier": None},
            send_code_attempts=[
                {
                    "attempt_sid": store.new_sid("VL"),
                    "channel": channel,
                    "time": record["date_created"],
                }
            ],
        )


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


def check(store: Store, call: ActionCall) -> dict[str, Any]:
    service = call.ids["ServiceSid"]
    found = store.records("verify_services").get(service)
    if found is None or found["account_sid"] != call.account:
        raise not_found(call.path)
    record = _pending(store, service, call.values)
    if record is None:
        raise not_found(call.path)
    attempts = store.state.setdefault("verification_checks", {})
    attempts[record["sid"]] = attempts.get(record["sid"], 0) + 1
    if call.values.get("Code") == SANDBOX_CODE:
        record.update(status="approved", valid=True)
    elif attempts[record["sid"]] >= MAX_CHECKS:
        # Twilio answers 429 (60202) from here on; the sandbox ends the
        # verification instead, so that clients retrying 429s do not spin.
        record["status"] = "max_attempts_reached"
    record["date_updated"] = iso8601(call.now)
    return _check_body(record, call.now)


def _pending(store: Store, service: str, values: dict) -> dict[str, Any] | None:
    wanted = values.get("VerificationSid")
    candidates = [
        record
        for record in store.records("verifications").values()
        if record["service_sid"] == service
        and record["status"] == "pending"
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


register_action("POST", "/v2/Services/{ServiceSid}/VerificationCheck", check)
