"""What a fresh sandbox account holds in the 2010 API: itself and the seed numbers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..http.kinds import new_record
from ..store import Store
from .accounts import account_fields
from .catalog import ACCOUNTS, PHONE_NUMBERS
from .numbers import number_fields

SEED_NUMBERS = ("+14155550100", "+14155550101", "+14155550102", "+18005550199")


def seed(store: Store, now: datetime) -> None:
    """The account, owning the seed numbers."""
    account_sid = store.account_sid
    account = new_record(ACCOUNTS, store, now, account_sid)
    account.update(account_fields(account_sid, account_sid, "twilio-iac sandbox"))
    store.records("accounts")[account_sid] = account
    add_numbers(store, SEED_NUMBERS, now)


def add_numbers(store: Store, numbers: Any, now: datetime) -> None:
    """Own each number, with defaults only; fast enough for 10,000 at once."""
    template = new_record(PHONE_NUMBERS, store, now, "PN")
    records = store.records("phone_numbers")
    for number in numbers:
        record = {**template, **number_fields(number)}
        record["sid"] = sid = store.new_sid("PN")
        record["uri"] = PHONE_NUMBERS.uri(store.account_sid, sid)
        records[sid] = record
