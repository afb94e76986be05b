"""Elastic SIP trunks (trunking.twilio.com/v1): origination URLs, numbers, recording.

A number's trunk is its IncomingPhoneNumber ``trunk_sid``: adding it to a
trunk sets that (and, as Twilio does, clears its voice application), and
setting TrunkSid on the number adds it to the trunk's list. Deleting a trunk
frees its numbers, whose voice routing falls back to their own settings.
"""

from __future__ import annotations

import copy
from typing import Any

from ..http.actions import ActionCall, register_action
from ..http.kinds import Behaviour, Kind, register
from ..http.problems import INVALID_PARAMETER, bad_request, not_found
from ..store import Store, followers, iso8601, utcnow

TRUNKS = "sip_trunks"
NUMBERS = "trunk_phone_numbers"
ORIGINATION = "origination_urls"
DOMAIN_SUFFIX = ".pstn.twilio.com"
RECORDING = {"mode": "do-not-record", "trim": "do-not-trim"}


class Trunks(Behaviour):
    def on_write(self, store: Store, record: dict[str, Any], values: dict) -> None:
        domain = values.get("DomainName")
        if domain is None:
            return
        if not domain.endswith(DOMAIN_SUFFIX) or len(domain) == len(DOMAIN_SUFFIX):
            raise bad_request(
                INVALID_PARAMETER, f"DomainName must end with pstn.twilio.com: {domain}"
            )
        for other in store.records(TRUNKS).values():
            if other["sid"] != record["sid"] and other["domain_name"] == domain:
                raise bad_request(
                    INVALID_PARAMETER, f"DomainName {domain} is already in use"
                )

    def on_delete(self, store: Store, record: dict[str, Any]) -> None:
        for sid in store.records(NUMBERS).having("trunk_sid", record["sid"]):
            _leave(store, sid)
        urls = store.records(ORIGINATION)
        for sid in urls.having("trunk_sid", record["sid"]):
            del urls[sid]


class OriginationUrls(Behaviour):
    def on_write(self, store: Store, record: dict[str, Any], values: dict) -> None:
        url = values.get("SipUrl")
        if url is not None and not url.lower().startswith("sip:"):
            raise bad_request(INVALID_PARAMETER, f"SipUrl must be a sip: URI: {url}")
        for param, low in (("Weight", 1), ("Priority", 0)):
            value = values.get(param)
            if value is not None and not low <= value <= 65535:
                raise bad_request(
                    INVALID_PARAMETER, f"{param} must be between {low} and 65535"
                )


class TrunkNumbers(Behaviour):
    def on_create(self, store: Store, record: dict[str, Any], values: dict) -> None:
        sid = values.pop("PhoneNumberSid")
        number = store.records("phone_numbers").get(sid)
        if number is None or number["account_sid"] != record["account_sid"]:
            raise not_found(f"PhoneNumberSid {sid}")
        store.records(NUMBERS).pop(sid, None)  # a number is in one trunk at most
        number["trunk_sid"] = record["trunk_sid"]
        number["voice_application_sid"] = None
        record.update(_view(number, record))

    def on_delete(self, store: Store, record: dict[str, Any]) -> None:
        number = store.records("phone_numbers").get(record["sid"])
        if number is not None:
            number["trunk_sid"] = None


def _view(number: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    """The trunk's copy of a number: the number's fields its schema lists."""
    # Dates stay the trunk entry's own: v1 APIs write ISO 8601, not RFC 2822.
    skip = {"uri", "date_created", "date_updated"}
    keep = {
        key: copy.deepcopy(number[key])
        for key in record
        if key in number and key not in skip
    }
    keep["links"] = None
    return keep


def _leave(store: Store, number_sid: str) -> None:
    store.records(NUMBERS).pop(number_sid, None)
    number = store.records("phone_numbers").get(number_sid)
    if number is not None:
        number["trunk_sid"] = None


def _follow_number(store: Store, number: dict[str, Any]) -> None:
    """After a write through the 2010 API: the trunk lists follow trunk_sid."""
    trunk = number.get("trunk_sid")
    listed = store.records(NUMBERS).get(number["sid"])
    if trunk is None:
        store.records(NUMBERS).pop(number["sid"], None)
        return
    found = store.records(TRUNKS).get(trunk)
    if found is None or found["account_sid"] != number["account_sid"]:
        # A trunk the sandbox does not hold (inserted by hand), or another
        # account's: no trunk lists a number of another account.
        return
    if listed is None or listed["trunk_sid"] != trunk:
        template = {key: None for key in TRUNK_NUMBERS.properties()}
        view = template | _view(number, template) | {"trunk_sid": trunk}
        view["date_created"] = view["date_updated"] = iso8601(utcnow())
        store.records(NUMBERS)[number["sid"]] = view


def _drop_number(store: Store, number: dict[str, Any]) -> None:
    """A released number leaves its trunk."""
    store.records(NUMBERS).pop(number["sid"], None)


def _recording(store: Store, call: ActionCall) -> dict[str, Any]:
    trunk = store.records(TRUNKS).get(call.ids["TrunkSid"])
    if trunk is None or trunk["account_sid"] != call.account:
        raise not_found(call.path)
    current = trunk.get("recording") or dict(RECORDING)
    for param, field in (("Mode", "mode"), ("Trim", "trim")):
        if call.values.get(param) is not None:
            current[field] = call.values[param]
    if any(call.values.get(p) is not None for p in ("Mode", "Trim")):
        trunk["recording"] = current
        trunk["date_updated"] = iso8601(call.now)
    return dict(current)


_SUB = "/v1/Trunks/{TrunkSid}"
_PARENT = ("TrunkSid", TRUNKS, "trunk_sid")

SIP_TRUNKS = register(
    Kind(
        name=TRUNKS,
        api="trunking",
        collection="/v1/Trunks",
        instance="/v1/Trunks/{Sid}",
        list_key="trunks",
        prefix="TK",
        schema="trunking.v1.trunk",
        defaults={
            "disaster_recovery_method": "POST",
            "secure": False,
            "cnam_lookup_enabled": False,
            "symmetric_rtp_enabled": False,
            "recording": dict(RECORDING),
            "transfer_mode": "disable-all",
            "transfer_caller_id": "from-transferee",
            "auth_type": "",
            "auth_type_set": [],
        },
        links={
            "origination_urls": "OriginationUrls",
            "credential_lists": "CredentialLists",
            "ip_access_control_lists": "IpAccessControlLists",
            "phone_numbers": "PhoneNumbers",
        },
        behaviour=Trunks(),
    )
)
ORIGINATION_URLS = register(
    Kind(
        name=ORIGINATION,
        api="trunking",
        collection=f"{_SUB}/OriginationUrls",
        instance=f"{_SUB}/OriginationUrls/{{Sid}}",
        list_key="origination_urls",
        prefix="OU",
        schema="trunking.v1.trunk.origination_url",
        parent=_PARENT,
        behaviour=OriginationUrls(),
    )
)
TRUNK_NUMBERS = register(
    Kind(
        name=NUMBERS,
        api="trunking",
        collection=f"{_SUB}/PhoneNumbers",
        instance=f"{_SUB}/PhoneNumbers/{{Sid}}",
        list_key="phone_numbers",
        prefix="PN",
        schema="trunking.v1.trunk.phone_number",
        operations=frozenset({"list", "create", "fetch", "delete"}),
        parent=_PARENT,
        behaviour=TrunkNumbers(),
    )
)
register_action("GET", f"{_SUB}/Recording", _recording)
register_action("POST", f"{_SUB}/Recording", _recording)
followers.on_written("phone_numbers", _follow_number)
followers.on_removed("phone_numbers", _drop_number)
