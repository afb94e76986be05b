"""The From of a message sent through a Messaging Service, picked from its pool.

The pool is the messaging product's records (messaging_services and their
messaging_phone_numbers and messaging_short_codes), read here through the
store by kind name: a send is the Messages API's, and products never import
each other.
"""

from __future__ import annotations

from typing import Any

from ..http.problems import bad_request
from ..store import Store

# Twilio's codes for sending through a service: "Messaging Service does not
# exist" and "The Messaging Service contains no phone numbers".
NO_SUCH_SERVICE = 21701
EMPTY_POOL = 21704


def pick_sender(store: Store, service_sid: str, to: str) -> str:
    """The From a send through the service gets, chosen from its pool.

    Sticky sender (on by default): a recipient who already got a message from
    the service gets the same number again while it is in the pool. Area code
    geomatch: a number with the recipient's area code, when there is one.
    Otherwise the pool's numbers take turns, so the choice is repeatable.
    """
    service = store.records("messaging_services").get(service_sid)
    if service is None:
        raise bad_request(
            NO_SUCH_SERVICE, f"The Messaging Service {service_sid} does not exist"
        )
    numbers = [
        r["phone_number"]
        for r in _pooled(store, "messaging_phone_numbers", service_sid)
    ]
    codes = [
        r["short_code"] for r in _pooled(store, "messaging_short_codes", service_sid)
    ]
    senders = numbers + codes
    if not senders:
        raise bad_request(
            EMPTY_POOL, f"The Messaging Service {service_sid} contains no phone numbers"
        )
    sent = [
        m
        for m in store.records("messages").values()
        if m.get("messaging_service_sid") == service_sid
    ]
    if service.get("sticky_sender"):
        for message in reversed(sent):
            if message["to"] == to and message["from"] in senders:
                return message["from"]
    if service.get("area_code_geomatch") and to.startswith("+1"):
        local = [n for n in numbers if n[2:5] == to[2:5]]
        if local:
            return local[len(sent) % len(local)]
    return senders[len(sent) % len(senders)]


def _pooled(store: Store, kind: str, service_sid: str) -> list[dict[str, Any]]:
    """The service's senders of one sort, in the order they were added."""
    return [r for r in store.records(kind).values() if r["service_sid"] == service_sid]
