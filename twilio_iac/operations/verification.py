"""Verify checks: start a verification and check a code against a service.

Both are creates (they send a code, or consume a check attempt), so they go
through sends.create: never resent after an ambiguous failure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from twilio_iac.errors import SendRejected
from twilio_iac.operations.sends import SendRequest, check_number

CHANNELS = ("sms", "call", "whatsapp", "email")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _check_to(to: str, channel: str) -> list[str]:
    if channel == "email":
        return [] if _EMAIL.match(to) else [f"--to {to!r} is not an email address"]
    return check_number("--to", to)


def start(service_sid: str, to: str, channel: str) -> SendRequest:
    problems = _check_to(to, channel)
    if channel not in CHANNELS:
        problems.append(f"--channel must be one of {', '.join(CHANNELS)}")
    if problems:
        raise SendRejected(problems)
    path = f"/v2/Services/{service_sid}/Verifications"
    params = (("To", to), ("Channel", channel))
    return SendRequest("verification", "verify", path, params)


def check(service_sid: str, to: str, code: str) -> SendRequest:
    problems = [] if "@" in to else check_number("--to", to)
    if not re.fullmatch(r"[0-9A-Za-z]{4,10}", code):
        problems.append("--code must be 4 to 10 letters or digits")
    if problems:
        raise SendRejected(problems)
    path = f"/v2/Services/{service_sid}/VerificationCheck"
    return SendRequest(
        "verification check", "verify", path, (("To", to), ("Code", code))
    )


def summary(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: obj.get(key)
        for key in ("sid", "service_sid", "to", "channel", "status", "valid")
    }
