"""Messaging Services and their sender pools (messaging.twilio.com/v1).

A phone number or short code is in at most one service: adding it to a
second one is refused with 21710, as Twilio does. Deleting a service frees
its senders. Short codes cannot be bought through the API, so each sandbox
account owns two, with SIDs derived from the account SID (sandbox_short_codes).
"""

from __future__ import annotations

import hashlib
from typing import Any

from ..http.kinds import Behaviour, Kind, register
from ..http.problems import bad_request, not_found
from ..store import Store, followers

# "Phone Number or Short Code is already in the Messaging Service."
ALREADY_IN_SERVICE = 21710
SERVICE = "messaging_services"
SENDERS = (
    "messaging_phone_numbers",
    "messaging_alpha_senders",
    "messaging_short_codes",
)


def sandbox_short_codes(account_sid: str) -> dict[str, str]:
    """SID → short code of the two short codes a sandbox account owns."""
    codes = {}
    for index, code in enumerate(("89001", "89002")):
        seed = f"{account_sid}:short-code:{index}".encode()
        codes["SC" + hashlib.sha256(seed).hexdigest()[:32]] = code
    return codes


class Services(Behaviour):
    def on_delete(self, store: Store, record: dict[str, Any]) -> None:
        for kind in SENDERS:
            senders = store.records(kind)
            for sid in senders.having("service_sid", record["sid"]):
                del senders[sid]


def service_of(store: Store, kind: str, sid: str) -> str | None:
    found = store.records(kind).get(sid)
    return found["service_sid"] if found else None


class PoolNumbers(Behaviour):
    def on_create(self, store: Store, record: dict[str, Any], values: dict) -> None:
        sid = values.pop("PhoneNumberSid")
        number = store.records("phone_numbers").get(sid)
        if number is None or number["account_sid"] != record["account_sid"]:
            raise not_found(f"PhoneNumberSid {sid}")
        _refuse_second_service(
            store, "messaging_phone_numbers", sid, number["phone_number"]
        )
        caps = number.get("capabilities") or {}
        record.update(
            sid=sid,
            phone_number=number["phone_number"],
            country_code=number.get("iso_country") or "US",
            capabilities=[k.upper() for k, on in caps.items() if on]
            if isinstance(caps, dict)
            else [],
        )


class PoolShortCodes(Behaviour):
    def on_create(self, store: Store, record: dict[str, Any], values: dict) -> None:
        sid = values.pop("ShortCodeSid")
        code = sandbox_short_codes(record["account_sid"]).get(sid)
        if code is None:
            raise not_found(f"ShortCodeSid {sid}")
        _refuse_second_service(store, "messaging_short_codes", sid, code)
        record.update(sid=sid, short_code=code, country_code="US", capabilities=["SMS"])


class PoolAlphaSenders(Behaviour):
    def on_create(self, store: Store, record: dict[str, Any], values: dict) -> None:
        alpha = values["AlphaSender"]
        if not (1 <= len(alpha) <= 11) or not any(c.isalpha() for c in alpha):
            raise bad_request(
                20001,
                "AlphaSender must be 1 to 11 characters with at least one letter",
            )
        held = [
            r
            for r in store.records("messaging_alpha_senders").values()
            if r["service_sid"] == record["service_sid"]
        ]
        if any(r["alpha_sender"] == alpha for r in held):
            raise bad_request(
                ALREADY_IN_SERVICE,
                f"Alpha Sender {alpha} is already in the Messaging Service.",
            )
        if held:
            # "Each Messaging Services may only have one alpha sender"; the docs
            # name no code for it, so the generic invalid-parameter one stands in.
            raise bad_request(
                20001,
                "A Messaging Service may only have one alpha sender; delete "
                f"{held[0]['alpha_sender']} before adding {alpha}.",
            )
        record["capabilities"] = ["SMS"]


def _refuse_second_service(store: Store, kind: str, sid: str, shown: str) -> None:
    current = service_of(store, kind, sid)
    if current is not None:
        raise bad_request(
            ALREADY_IN_SERVICE,
            f"Phone Number or Short Code is already in the Messaging Service "
            f"({shown} is in {current}).",
        )


def _drop_number(store: Store, number: dict[str, Any]) -> None:
    """A released number leaves its service."""
    store.records("messaging_phone_numbers").pop(number["sid"], None)


_SUB = "/v1/Services/{ServiceSid}"
_POOL = frozenset({"list", "create", "fetch", "delete"})

MESSAGING_SERVICES = register(
    Kind(
        name=SERVICE,
        api="messaging",
        collection="/v1/Services",
        instance="/v1/Services/{Sid}",
        list_key="services",
        prefix="MG",
        schema="messaging.v1.service",
        defaults={
            "inbound_method": "POST",
            "fallback_method": "POST",
            "sticky_sender": True,
            "mms_converter": True,
            "smart_encoding": True,
            "scan_message_content": "inherit",
            "fallback_to_long_code": True,
            "area_code_geomatch": True,
            "validity_period": 36000,
            "synchronous_validation": True,
            "usecase": "undeclared",
            "us_app_to_person_registered": False,
            "use_inbound_webhook_on_number": False,
        },
        links={
            "phone_numbers": "PhoneNumbers",
            "short_codes": "ShortCodes",
            "alpha_senders": "AlphaSenders",
            "messages": "Messages",
            "us_app_to_person": "Compliance/Usa2p",
            "us_app_to_person_usecases": "Compliance/Usa2p/Usecases",
            "channel_senders": "ChannelSenders",
            "destination_alpha_senders": "DestinationAlphaSenders",
        },
        behaviour=Services(),
    )
)
for _name, _suffix, _key, _prefix, _schema, _behaviour in (
    (
        "messaging_phone_numbers",
        "PhoneNumbers",
        "phone_numbers",
        "PN",
        "phone_number",
        PoolNumbers(),
    ),
    (
        "messaging_alpha_senders",
        "AlphaSenders",
        "alpha_senders",
        "AI",
        "alpha_sender",
        PoolAlphaSenders(),
    ),
    (
        "messaging_short_codes",
        "ShortCodes",
        "short_codes",
        "SC",
        "short_code",
        PoolShortCodes(),
    ),
):
    register(
        Kind(
            name=_name,
            api="messaging",
            collection=f"{_SUB}/{_suffix}",
            instance=f"{_SUB}/{_suffix}/{{Sid}}",
            list_key=_key,
            prefix=_prefix,
            schema=f"messaging.v1.service.{_schema}",
            operations=_POOL,
            parent=("ServiceSid", SERVICE, "service_sid"),
            behaviour=_behaviour,
        )
    )
followers.on_removed("phone_numbers", _drop_number)
