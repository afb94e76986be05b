"""Lists nested under records the sandbox holds, and the account's balance.

- A queue's members: the calls waiting in it. The sandbox never enqueues a
  call (it runs no TwiML), so the list is empty and a member is not found.
- An address's dependent phone numbers: the numbers that use it.
- A call's recordings: the account's recordings of that call.
- The balance: a starting credit less what the sandbox's own sends cost
  (their ``price``, which Twilio gives as a negative amount).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from twilio_iac.apis import CORE

from ..http.actions import ActionCall, register_action
from ..http.kinds import Kind
from ..http.problems import not_found
from ..store import Store
from .catalog import ADDRESSES, PHONE_NUMBERS, QUEUES
from .listing import page_of, shown

P = "/2010-04-01/Accounts/{AccountSid}"
STARTING_BALANCE = Decimal("20.00")  # USD
# Kinds whose records carry a price (other products' records are read by name).
PRICED = ("messages", "calls", "recordings")


def _pager(name: str, collection: str, list_key: str, schema: str) -> Kind:
    return Kind(
        name=name,
        api=CORE,
        collection=collection,
        instance=collection.removesuffix(".json") + "/{Sid}.json",
        list_key=list_key,
        prefix="",
        schema=schema,
    )


MEMBERS = _pager(
    "queue_members",
    f"{P}/Queues/{{QueueSid}}/Members.json",
    "queue_members",
    "api.v2010.account.queue.member",
)
DEPENDENTS = _pager(
    "dependent_phone_numbers",
    f"{P}/Addresses/{{AddressSid}}/DependentPhoneNumbers.json",
    "dependent_phone_numbers",
    "api.v2010.account.address.dependent_phone_number",
)
CALL_RECORDINGS = _pager(
    "call_recordings",
    f"{P}/Calls/{{CallSid}}/Recordings.json",
    "recordings",
    "api.v2010.account.call.call_recording",
)


def _parent(store: Store, call: ActionCall, kind: str, param: str) -> dict:
    """The record a nested path hangs under, if the path's account owns it."""
    record = store.records(kind).get(call.ids[param])
    if record is None or record["account_sid"] != call.account:
        raise not_found(call.path)
    return record


def members(store: Store, call: ActionCall) -> dict[str, Any]:
    _parent(store, call, QUEUES.name, "QueueSid")
    return page_of(MEMBERS, call, [])


def member(store: Store, call: ActionCall) -> dict[str, Any]:
    _parent(store, call, QUEUES.name, "QueueSid")
    raise not_found(call.path)


def dependents(store: Store, call: ActionCall) -> dict[str, Any]:
    sid = _parent(store, call, ADDRESSES.name, "AddressSid")["sid"]
    users = [
        number
        for number in store.records(PHONE_NUMBERS.name).values()
        if sid in (number["address_sid"], number["emergency_address_sid"])
    ]
    return page_of(DEPENDENTS, call, users)


def _call_recording(record: dict[str, Any]) -> dict[str, Any]:
    base = f"/2010-04-01/Accounts/{record['account_sid']}/Calls/{record['call_sid']}"
    price = record["price"]  # a number here, a string in /Recordings
    return {
        **record,
        "uri": f"{base}/Recordings/{record['sid']}.json",
        "price": float(price) if price else None,
    }


def call_recordings(store: Store, call: ActionCall) -> dict[str, Any]:
    sid = _parent(store, call, "calls", "CallSid")["sid"]
    mine = [
        _call_recording(r)
        for r in reversed(store.records("recordings").values())  # newest first
        if r["call_sid"] == sid
    ]
    return page_of(CALL_RECORDINGS, call, mine)


def call_recording(store: Store, call: ActionCall) -> dict[str, Any]:
    sid = _parent(store, call, "calls", "CallSid")["sid"]
    record = store.records("recordings").get(call.ids["Sid"])
    if record is None or record["call_sid"] != sid:
        raise not_found(call.path)
    return shown(CALL_RECORDINGS, _call_recording(record))


def balance(store: Store, call: ActionCall) -> dict[str, Any]:
    spent = sum(
        (
            -Decimal(record["price"])
            for kind in PRICED
            for record in store.records(kind).values()
            if record.get("account_sid") == call.account and record.get("price")
        ),
        Decimal(0),
    )
    return {
        "account_sid": call.account,
        "balance": f"{STARTING_BALANCE - spent:.2f}",
        "currency": "USD",
    }


register_action("GET", MEMBERS.collection, members)
register_action("GET", f"{P}/Queues/{{QueueSid}}/Members/{{CallSid}}.json", member)
register_action("GET", DEPENDENTS.collection, dependents)
register_action("GET", CALL_RECORDINGS.collection, call_recordings)
register_action("GET", CALL_RECORDINGS.instance, call_recording)
register_action("GET", f"{P}/Balance.json", balance)
