"""Lookup v2: numbers checked offline, then one GET per number.

A number that cannot be valid is refused before any request, with the reason
(the same rules Lookup applies, from twilio_iac.numbering). National forms
are accepted with a country and sent in E.164.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from twilio_iac.api.client import TwilioClient
from twilio_iac.errors import SendRejected
from twilio_iac.numbering import COUNTRIES, Number, parse

API = "lookups"
# field → (paid?, what it answers), from Lookup v2's Fields description and
# Twilio's pricing: only basic validation is free.
FIELDS: dict[str, tuple[bool, str]] = {
    "validation": (False, "whether the number is valid, and its formats"),
    "line_type_intelligence": (True, "line type (mobile, landline, VoIP…) and carrier"),
    "caller_name": (True, "the CNAM caller name and type (US numbers)"),
    "sim_swap": (True, "when the SIM last changed (mobile numbers)"),
    "call_forwarding": (True, "whether unconditional call forwarding is on"),
    "line_status": (True, "whether the line is active or reachable"),
    "identity_match": (True, "how name, address and ID match the line's owner"),
    "reassigned_number": (True, "whether the number changed hands since a date"),
    "sms_pumping_risk": (True, "risk that the number is used for SMS pumping"),
    "phone_number_quality_score": (True, "a quality and risk score"),
    "pre_fill": (True, "the owner's name and address, for sign-up forms"),
}


def fields_help() -> list[str]:
    width = max(len(name) for name in FIELDS)
    return [
        f"{name.ljust(width)}  {'paid' if paid else 'free'}  {about}"
        for name, (paid, about) in FIELDS.items()
    ]


def check(
    numbers: Sequence[str], country: str | None, fields: Sequence[str]
) -> list[Number]:
    """Every number parsed; SendRejected listing each invalid one and field."""
    problems = []
    if country is not None and country.upper() not in COUNTRIES:
        problems.append(
            f"--country {country!r} is not one of: {', '.join(sorted(COUNTRIES))}"
        )
        country = None
    unknown = [f for f in fields if f not in FIELDS]
    if unknown:
        problems.append(
            f"unknown --fields {', '.join(unknown)}; known: {', '.join(FIELDS)}"
        )
    parsed = [parse(text, country) for text in numbers]
    for number in parsed:
        if not number.valid:
            problems.append(
                f"{number.given!r} is not a valid number: {number.reason()}"
            )
    if problems:
        raise SendRejected(problems, headline="Not looked up")
    return parsed


def lookup(
    client: TwilioClient, number: Number, fields: Sequence[str]
) -> dict[str, Any]:
    packages = [f for f in fields if f != "validation"]
    params = {"Fields": ",".join(packages)} if packages else None
    path = "/v2/PhoneNumbers/" + quote(number.e164 or number.given, safe="+")
    return client.fetch(API, path, params)
