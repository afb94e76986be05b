"""The sandbox account and what a fresh emulator starts with.

The constants are fixed and documented so that sandbox runs, cassettes and
tests agree; the token is a test double's password, never a real secret.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import gateway, intelligence
from .accounts import account_fields
from .catalog import ACCOUNTS, PHONE_NUMBERS
from .kinds import new_record
from .numbers import number_fields
from .store import Store, utcnow

SANDBOX_ACCOUNT_SID = "AC" + "5a4db0c0" * 4
SANDBOX_AUTH_TOKEN = "70c3e45a" * 4
SEED_NUMBERS = ("+14155550100", "+14155550101", "+14155550102", "+18005550199")


def fresh_store(account_sid: str) -> Store:
    """The account, owning the seed numbers."""
    store = Store.empty(account_sid)
    now = utcnow()
    account = new_record(ACCOUNTS, store, now, account_sid)
    account.update(account_fields(account_sid, account_sid, "twilio-iac sandbox"))
    store.records("accounts")[account_sid] = account
    add_numbers(store, SEED_NUMBERS, now)
    gateway.seed(store, now)
    intelligence.seed(store, now)
    return store


def add_numbers(store: Store, numbers: Any, now: datetime) -> None:
    """Own each number, with defaults only; fast enough for 10,000 at once."""
    template = new_record(PHONE_NUMBERS, store, now, "PN")
    records = store.records("phone_numbers")
    for number in numbers:
        record = {**template, **number_fields(number)}
        record["sid"] = sid = store.new_sid("PN")
        record["uri"] = PHONE_NUMBERS.uri(store.account_sid, sid)
        records[sid] = record
