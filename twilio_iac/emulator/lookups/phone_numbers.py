"""Lookup v2: GET /v2/PhoneNumbers/{PhoneNumber}, with deterministic answers.

Validation follows the shared numbering plan (twilio_iac.numbering): an
invalid number is answered 200 with ``valid: false`` and its
validation_errors, as Twilio does. Data packages are answered from the
number itself, so the same number always gets the same answer:

- toll-free area codes (800, 833, 844, 855, 866, 877, 888) are tollFree and
  900 is premium; any other number's type comes from its last four digits:
  0000-3999 mobile, 4000-5999 landline, 6000-6999 fixedVoip,
  7000-7999 nonFixedVoip, 8000-8999 personal, 9000-9999 unknown;
- caller_name is answered for US and Canadian numbers only (error 60600
  elsewhere); line_status is active, except for the unknown range (inactive);
- sim_swap and call_forwarding are answered for mobile numbers only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...numbering import parse
from ..http.actions import ActionCall, register_action
from ..http.problems import VERIFY_INVALID_PARAMETER, bad_request
from ..store import Store

PATH = "/v2/PhoneNumbers/"  # answered on the host the request was sent to
FIELDS = (
    "validation",
    "caller_name",
    "sim_swap",
    "call_forwarding",
    "line_status",
    "line_type_intelligence",
    "identity_match",
    "reassigned_number",
    "sms_pumping_risk",
    "phone_number_quality_score",
    "pre_fill",
)
PACKAGES = FIELDS[1:]  # every field but validation is a package, null unless asked
TOLL_FREE = frozenset({"800", "833", "844", "855", "866", "877", "888"})
RANGES = (
    (3999, "mobile"),
    (5999, "landline"),
    (6999, "fixedVoip"),
    (7999, "nonFixedVoip"),
    (8999, "personal"),
    (9999, "unknown"),
)
CARRIERS = {
    "mobile": "Sandbox Mobile",
    "landline": "Sandbox Telephone Company",
    "fixedVoip": "Sandbox Fixed VoIP",
    "nonFixedVoip": "Sandbox Cloud VoIP",
    "personal": "Sandbox Personal Numbers",
    "tollFree": "Sandbox Toll-Free",
    "premium": "Sandbox Premium Rate",
    "unknown": "Unknown",
}
NAMES = ("ALEX MORGAN", "SAM RIVERA", "JORDAN LEE", "TAYLOR KIM", "CASEY PATEL")
NOT_COVERED = 60600  # "Unprovisioned or Out of Coverage"
NOT_MOBILE = 60606  # the package answers for mobile numbers only


def line_type(calling_code: str, national: str) -> str:
    if calling_code == "1" and national[:3] in TOLL_FREE:
        return "tollFree"
    if calling_code == "1" and national[:3] == "900":
        return "premium"
    last = int(national[-4:])
    return next(kind for bound, kind in RANGES if last <= bound)


def lookup(store: Store, call: ActionCall) -> dict[str, Any]:
    wanted = [f.strip() for f in (call.values.get("Fields") or "").split(",")]
    wanted = [f for f in wanted if f]
    unknown = [f for f in wanted if f not in FIELDS]
    if unknown:
        raise bad_request(
            VERIFY_INVALID_PARAMETER,
            f"Invalid parameter Fields: {', '.join(unknown)} (known: "
            f"{', '.join(FIELDS)})",
        )
    number = parse(call.ids["PhoneNumber"], call.values.get("CountryCode"))
    shown = number.e164 or call.ids["PhoneNumber"]
    body: dict[str, Any] = {
        "calling_country_code": number.calling_code if number.valid else None,
        "country_code": number.country if number.valid else None,
        "phone_number": shown,
        "national_format": number.national_format(),
        "valid": number.valid,
        "validation_errors": list(number.errors),
        **dict.fromkeys(PACKAGES),
        "url": f"{call.base_url}{PATH}{shown}",
    }
    if number.valid and number.national and number.calling_code:
        kind = line_type(number.calling_code, number.national)
        subject = _Subject(kind, number.country or "", shown)
        for field in wanted:
            if field in PACKAGES:
                body[field] = ANSWERS[field](subject)
    return body


@dataclass(frozen=True)
class _Subject:
    """The number a package is answered for, and what its answers derive from."""

    kind: str
    country: str
    number: str

    @property
    def digest(self) -> int:
        # A hash, not a counter, so the same number always gets the same answer.
        return int(hashlib.sha256(self.number.encode()).hexdigest()[:8], 16)

    @property
    def mobile(self) -> bool:
        return self.kind == "mobile"

    @property
    def network(self) -> dict[str, str]:
        if self.country != "US":
            return {"mobile_country_code": "001", "mobile_network_code": "01"}
        return {"mobile_country_code": "310", "mobile_network_code": "260"}


def _line_type_intelligence(subject: _Subject) -> dict[str, Any]:
    return {
        **subject.network,
        "carrier_name": CARRIERS[subject.kind],
        "type": subject.kind,
        "error_code": None,
    }


def _caller_name(subject: _Subject) -> dict[str, Any]:
    if subject.country not in ("US", "CA"):
        return {"caller_name": None, "caller_type": None, "error_code": NOT_COVERED}
    business = subject.kind in ("landline", "tollFree", "fixedVoip", "premium")
    name = "SANDBOX BUSINESS" if business else NAMES[subject.digest % len(NAMES)]
    return {
        "caller_name": name,
        "caller_type": "BUSINESS" if business else "CONSUMER",
        "error_code": None,
    }


def _line_status(subject: _Subject) -> dict[str, Any]:
    status = "inactive" if subject.kind == "unknown" else "active"
    return {"status": status, "error_code": None}


def _sim_swap(subject: _Subject) -> dict[str, Any]:
    if not subject.mobile:
        return {
            "last_sim_swap": None,
            "carrier_name": None,
            "mobile_country_code": None,
            "mobile_network_code": None,
            "error_code": NOT_MOBILE,
        }
    return {
        "last_sim_swap": {
            "last_sim_swap_date": None,
            "swapped_period": "PT24H",
            "swapped_in_period": False,
        },
        "carrier_name": CARRIERS[subject.kind],
        **subject.network,
        "error_code": None,
    }


def _call_forwarding(subject: _Subject) -> dict[str, Any]:
    return {
        "call_forwarding_enabled": False if subject.mobile else None,
        "error_code": None if subject.mobile else NOT_MOBILE,
    }


def _sms_pumping_risk(subject: _Subject) -> dict[str, Any]:
    digest = subject.digest
    score = digest % 40 if subject.mobile else 40 + digest % 60
    return {
        "carrier_risk_category": "low" if score < 40 else "moderate",
        "number_blocked": False,
        "number_blocked_date": None,
        "number_blocked_last_3_months": None,
        "sms_pumping_risk_score": score,
        "error_code": None,
    }


def _reassigned_number(subject: _Subject) -> dict[str, Any]:
    return {
        "last_verified_date": None,
        "is_number_reassigned": None,
        "error_code": str(NOT_COVERED),
    }


IDENTITY_CHECKS = (
    "first_name_match",
    "last_name_match",
    "address_lines_match",
    "city_match",
    "state_match",
    "postal_code_match",
    "address_country_match",
    "national_id_match",
    "date_of_birth_match",
)


def _identity_match(subject: _Subject) -> dict[str, Any]:
    return {
        **dict.fromkeys(IDENTITY_CHECKS, "no_data_available"),
        "summary_score": 0,
        "error_code": None,
        "error_message": None,
    }


def _not_covered(subject: _Subject) -> dict[str, Any]:
    return {"error_code": NOT_COVERED}


# phone_number_quality_score and pre_fill are described without a schema, so
# they answer as not covered.
ANSWERS: dict[str, Callable[[_Subject], dict[str, Any]]] = {
    "caller_name": _caller_name,
    "sim_swap": _sim_swap,
    "call_forwarding": _call_forwarding,
    "line_status": _line_status,
    "line_type_intelligence": _line_type_intelligence,
    "identity_match": _identity_match,
    "reassigned_number": _reassigned_number,
    "sms_pumping_risk": _sms_pumping_risk,
    "phone_number_quality_score": _not_covered,
    "pre_fill": _not_covered,
}


register_action("GET", "/v2/PhoneNumbers/{PhoneNumber}", lookup)
