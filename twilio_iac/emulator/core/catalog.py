"""The 2010-04-01 collections (accounts, incoming phone numbers, applications,
queues, addresses), with Twilio's server-side defaults."""

from __future__ import annotations

from typing import Any

from twilio_iac.apis import CORE

from ..http.kinds import Behaviour, Kind, register
from ..http.problems import (
    ADDRESS_IN_USE,
    ADDRESS_NOT_VALID,
    QUEUE_NAME_TAKEN,
    bad_request,
)
from ..store import Store
from .accounts import Accounts
from .countries import ISO_COUNTRIES
from .numbers import PhoneNumbers, numbers_using_address, release_application

P = "/2010-04-01/Accounts/{AccountSid}"
_WEBHOOK_METHODS = {
    name: "POST"
    for name in (
        "voice_method",
        "voice_fallback_method",
        "sms_method",
        "sms_fallback_method",
        "status_callback_method",
    )
}


class Applications(Behaviour):
    def on_delete(self, store: Store, record: dict[str, Any]) -> None:
        release_application(store, record["sid"])


# Twilio's AutoCorrectAddress (default true) may rewrite what it was sent;
# USPS-style suffixes are the simplest visible case to imitate.
_SUFFIXES = {"Street": "St", "Avenue": "Ave", "Road": "Rd", "Boulevard": "Blvd"}


class Queues(Behaviour):
    def on_write(self, store: Store, record: dict[str, Any], values: dict) -> None:
        name = record["friendly_name"]
        for other in store.records("queues").values():
            if (
                other["sid"] != record["sid"]
                and other["account_sid"] == record["account_sid"]
                and other["friendly_name"] == name
            ):
                raise bad_request(
                    QUEUE_NAME_TAKEN,
                    f"A queue named {name!r} already exists ({other['sid']}): "
                    "queue names are unique within an account",
                )


class Addresses(Behaviour):
    def on_write(self, store: Store, record: dict[str, Any], values: dict) -> None:
        country = record.get("iso_country")
        if country is not None and country not in ISO_COUNTRIES:
            raise bad_request(
                ADDRESS_NOT_VALID,
                f"The address cannot be validated: IsoCountry {country} is not an "
                "ISO 3166-1 alpha-2 country code (such as US or GB)",
            )
        if values.get("AutoCorrectAddress") is False or not record.get("street"):
            return
        words = record["street"].split(" ")
        record["street"] = " ".join(_SUFFIXES.get(w, w) for w in words)

    def on_delete(self, store: Store, record: dict[str, Any]) -> None:
        users = numbers_using_address(store, record["sid"])
        if users:
            raise bad_request(
                ADDRESS_IN_USE,
                f"Address {record['sid']} cannot be deleted: it is used by "
                f"{', '.join(users)}",
            )


ACCOUNTS = register(
    Kind(
        name="accounts",
        api=CORE,
        collection="/2010-04-01/Accounts.json",
        instance="/2010-04-01/Accounts/{Sid}.json",
        list_key="accounts",
        prefix="AC",
        schema="api.v2010.account",
        defaults={"status": "active", "type": "Full"},
        filters={"FriendlyName": "friendly_name", "Status": "status"},
        operations=frozenset({"list", "fetch", "create", "update"}),
        behaviour=Accounts(),
    )
)
PHONE_NUMBERS = register(
    Kind(
        name="phone_numbers",
        api=CORE,
        collection=f"{P}/IncomingPhoneNumbers.json",
        instance=f"{P}/IncomingPhoneNumbers/{{Sid}}.json",
        list_key="incoming_phone_numbers",
        prefix="PN",
        schema="api.v2010.account.incoming_phone_number",
        defaults={
            **_WEBHOOK_METHODS,
            "api_version": "2010-04-01",
            "address_requirements": "none",
            "beta": False,
            "voice_caller_id_lookup": False,
            "voice_receive_mode": "voice",
            "emergency_status": "Inactive",
            "emergency_address_status": "unregistered",
            "origin": "twilio",
            "status": "in-use",
        },
        filters={
            "FriendlyName": "friendly_name",
            "PhoneNumber": "phone_number",
            "Origin": "origin",
        },
        behaviour=PhoneNumbers(),
    )
)
APPLICATIONS = register(
    Kind(
        name="applications",
        api=CORE,
        collection=f"{P}/Applications.json",
        instance=f"{P}/Applications/{{Sid}}.json",
        list_key="applications",
        prefix="AP",
        schema="api.v2010.account.application",
        defaults={
            **_WEBHOOK_METHODS,
            "api_version": "2010-04-01",
            "voice_caller_id_lookup": False,
            "public_application_connect_enabled": False,
        },
        filters={"FriendlyName": "friendly_name"},
        behaviour=Applications(),
    )
)
QUEUES = register(
    Kind(
        name="queues",
        api=CORE,
        collection=f"{P}/Queues.json",
        instance=f"{P}/Queues/{{Sid}}.json",
        list_key="queues",
        prefix="QU",
        schema="api.v2010.account.queue",
        defaults={"max_size": 1000, "current_size": 0, "average_wait_time": 0},
        behaviour=Queues(),
    )
)
ADDRESSES = register(
    Kind(
        name="addresses",
        api=CORE,
        collection=f"{P}/Addresses.json",
        instance=f"{P}/Addresses/{{Sid}}.json",
        list_key="addresses",
        prefix="AD",
        schema="api.v2010.account.address",
        defaults={"emergency_enabled": False, "validated": False, "verified": False},
        filters={
            "CustomerName": "customer_name",
            "FriendlyName": "friendly_name",
            "EmergencyEnabled": "emergency_enabled",
            "IsoCountry": "iso_country",
        },
        behaviour=Addresses(),
    )
)
