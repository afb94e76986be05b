"""Lookup v2: numbers checked offline, then one GET per number.

A number that cannot be valid is refused before any request, with the reason
(the same rules Lookup applies, from twilio_iac.numbering). National forms
are accepted with a country and sent in E.164.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from twilio_iac.api.client import TwilioClient
from twilio_iac.errors import SendRejected, did_you_mean
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


@dataclass(frozen=True)
class Target:
    """A number as it goes to Lookup: in the path, with CountryCode if national."""

    given: str
    number: str
    country: str | None = None


def check(
    numbers: Sequence[str], country: str | None, fields: Sequence[str]
) -> list[Target]:
    """Each number ready to send; SendRejected listing every invalid one.

    Only what is certainly invalid is refused: a calling code or a country
    outside twilio-iac's small numbering-plan table is left to Lookup."""
    problems = []
    if country is not None and not re.fullmatch(r"[A-Za-z]{2}", country):
        problems.append(f"--country {country!r} is not a two-letter ISO country code")
        country = None
    for unknown in (f for f in fields if f not in FIELDS):
        problems.append(
            f"unknown --fields {unknown}{did_you_mean(unknown, FIELDS)} "
            f"(known: {', '.join(FIELDS)})"
        )
    targets = []
    for text in numbers:
        target, reason = _target(text, country.upper() if country else None)
        if reason:
            problems.append(f"{text!r} is not a valid number: {reason}")
        elif target is not None:
            targets.append(target)
    if problems:
        raise SendRejected(problems, headline="Not looked up")
    return targets


def _target(text: str, country: str | None) -> tuple[Target | None, str]:
    national = not text.strip().startswith("+")
    if national and country is not None and country not in COUNTRIES:
        number = parse(text, "US")  # only its characters are checked
        if "NOT_A_NUMBER" in number.errors:
            return None, number.reason()
        digits = re.sub(r"\D", "", text)
        return Target(text, digits, country), ""
    number = parse(text, country)
    if number.errors == ("INVALID_COUNTRY_CODE",) and number.e164:
        digits = len(number.e164) - 1
        if 7 <= digits <= 15:  # a calling code the table lacks: Lookup decides
            return Target(text, number.e164), ""
        return None, "E.164 numbers have 7 to 15 digits"
    if not number.valid:
        return None, number.reason()
    return Target(text, number.e164 or text), ""


def lookup(
    client: TwilioClient, target: Target | Number, fields: Sequence[str]
) -> dict[str, Any]:
    if isinstance(target, Number):
        target = Target(target.given, target.e164 or target.given)
    packages = [f for f in fields if f != "validation"]
    params: dict[str, str] = {}
    if packages:
        params["Fields"] = ",".join(packages)
    if target.country:
        params["CountryCode"] = target.country
    path = "/v2/PhoneNumbers/" + quote(target.number, safe="+")
    return client.fetch(API, path, params or None)
