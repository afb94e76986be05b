"""Incoming phone numbers: purchase, references to applications and addresses.

Any valid E.164 number the account does not own can be bought, except
Twilio's magic test number +15005550000, which is always unavailable; the
magic area code 533 has no numbers (both from Twilio's test-credentials docs).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from ..http.kinds import Behaviour
from ..http.problems import (
    INVALID_ADDRESS_SID,
    INVALID_APPLICATION_SID,
    INVALID_AREA_CODE,
    INVALID_PARAMETER,
    NO_NUMBERS_IN_AREA_CODE,
    PHONE_NUMBER_UNAVAILABLE,
    bad_request,
)
from ..store import Store

PHONE_NUMBER_URI = "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json"
UNAVAILABLE_NUMBER = "+15005550000"
EMPTY_AREA_CODE = "533"
TOLL_FREE = frozenset({"800", "833", "844", "855", "866", "877", "888"})
_AREA_CODE = re.compile(r"^[2-9][0-9]{2}$")
# Parameter → (kind it must name, error code when it does not).
REFERENCES = {
    "VoiceApplicationSid": ("applications", INVALID_APPLICATION_SID),
    "SmsApplicationSid": ("applications", INVALID_APPLICATION_SID),
    "AddressSid": ("addresses", INVALID_ADDRESS_SID),
    "EmergencyAddressSid": ("addresses", INVALID_ADDRESS_SID),
}


def number_fields(phone_number: str) -> dict[str, Any]:
    """The fields Twilio derives from the number itself."""
    toll_free = phone_number.startswith("+1") and phone_number[2:5] in TOLL_FREE
    # GB's 0808 is toll-free, 07 mobile (the drama ranges the sandbox offers).
    toll_free = toll_free or phone_number.startswith("+44808")
    mobile = phone_number.startswith("+447")
    return {
        "phone_number": phone_number,
        "friendly_name": friendly(phone_number),
        "type": "tollfree" if toll_free else "mobile" if mobile else "local",
        "capabilities": {
            "voice": True,
            "sms": True,
            "mms": not toll_free,
            "fax": False,
        },
    }


def friendly(phone_number: str) -> str:
    """``+14155550100`` → ``(415) 555-0100``; other countries stay E.164."""
    if len(phone_number) == 12 and phone_number.startswith("+1"):
        digits = phone_number[2:]
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return phone_number


class PhoneNumbers(Behaviour):
    def on_create(self, store: Store, record: dict[str, Any], values: dict) -> None:
        number, area_code = (
            values.pop("PhoneNumber", None),
            values.pop("AreaCode", None),
        )
        if number and area_code:
            raise bad_request(
                INVALID_PARAMETER, "Give PhoneNumber or AreaCode, not both"
            )
        owned = store.records("phone_numbers").values_of("phone_number")
        if number is None:
            number = _free_number(area_code, owned)
        elif number == UNAVAILABLE_NUMBER or number in owned:
            raise bad_request(
                PHONE_NUMBER_UNAVAILABLE, f"PhoneNumber {number} is not available"
            )
        record.update(number_fields(number))

    def on_write(self, store: Store, record: dict[str, Any], values: dict) -> None:
        _move(store, record, values.get("AccountSid"))
        for param, (kind, code) in REFERENCES.items():
            sid = values.get(param)
            target = store.records(kind).get(sid) if sid is not None else None
            if sid is not None and (
                target is None or target["account_sid"] != record["account_sid"]
            ):
                raise bad_request(
                    code, f"{param} {sid} is not a {kind[:-1]} of this account"
                )
        if values.get("VoiceApplicationSid") and values.get("TrunkSid"):
            raise bad_request(
                INVALID_PARAMETER, "VoiceApplicationSid and TrunkSid exclude each other"
            )
        # Spec: "Setting a voice_application_sid will automatically delete your
        # trunk_sid and vice versa."
        if values.get("VoiceApplicationSid"):
            record["trunk_sid"] = None
        if values.get("TrunkSid"):
            record["voice_application_sid"] = None


def _move(store: Store, record: dict[str, Any], account_sid: str | None) -> None:
    """Move the number to the main account or one of its subaccounts.

    apply_values has already copied AccountSid into the record; the URI still
    names the account the number belonged to.
    """
    if account_sid is None or account_sid == record["uri"].split("/")[3]:
        return
    target = store.records("accounts").get(account_sid)
    if target is None or target["owner_account_sid"] != store.account_sid:
        raise bad_request(
            INVALID_PARAMETER,
            f"AccountSid {account_sid} is not a subaccount of this account",
        )
    record["account_sid"] = account_sid
    record["uri"] = PHONE_NUMBER_URI.format(AccountSid=account_sid, Sid=record["sid"])


def _free_number(area_code: str, owned: Collection[str]) -> str:
    if not _AREA_CODE.match(area_code):
        raise bad_request(
            INVALID_AREA_CODE, f"AreaCode {area_code} is not a valid area code"
        )
    if area_code != EMPTY_AREA_CODE:
        for line in range(10000):
            candidate = f"+1{area_code}555{line:04d}"
            if candidate not in owned and candidate != UNAVAILABLE_NUMBER:
                return candidate
    raise bad_request(
        NO_NUMBERS_IN_AREA_CODE,
        f"No phone numbers are available in area code {area_code}",
    )


def release_application(store: Store, application_sid: str) -> None:
    """Numbers that used a deleted application stop pointing at it."""
    numbers = store.records("phone_numbers")
    for field in ("voice_application_sid", "sms_application_sid"):
        for sid in numbers.having(field, application_sid):
            numbers[sid][field] = None


def numbers_using_address(store: Store, address_sid: str) -> list[str]:
    return [
        number["phone_number"]
        for number in store.records("phone_numbers").values()
        if address_sid in (number["address_sid"], number["emergency_address_sid"])
    ]
