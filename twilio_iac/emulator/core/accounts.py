"""Accounts: the main account and the subaccounts it creates.

The main account's credentials act for each of its subaccounts, under
/2010-04-01/Accounts/{SubaccountSid}/...; every account has its own records
(numbers, applications, messages, ...), and the seed numbers are the main
account's only. Subaccount auth tokens are not modelled (null, as for the main).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..http.kinds import Behaviour
from ..http.problems import INVALID_PARAMETER, bad_request
from ..store import Store, utcnow

# Twilio's own list (the description's example): served or, where the sandbox
# does not emulate one, answered as such (http.problems.not_emulated).
_SUBRESOURCES = {
    "available_phone_numbers": "AvailablePhoneNumbers.json",
    "calls": "Calls.json",
    "conferences": "Conferences.json",
    "incoming_phone_numbers": "IncomingPhoneNumbers.json",
    "notifications": "Notifications.json",
    "outgoing_caller_ids": "OutgoingCallerIds.json",
    "recordings": "Recordings.json",
    "transcriptions": "Transcriptions.json",
    "addresses": "Addresses.json",
    "signing_keys": "SigningKeys.json",
    "connect_apps": "ConnectApps.json",
    "sip": "SIP.json",
    "authorized_connect_apps": "AuthorizedConnectApps.json",
    "usage": "Usage.json",
    "keys": "Keys.json",
    "applications": "Applications.json",
    "short_codes": "SMS/ShortCodes.json",
    "queues": "Queues.json",
    "messages": "Messages.json",
    "balance": "Balance.json",
}


def account_fields(sid: str, owner: str, friendly_name: str) -> dict[str, Any]:
    base = f"/2010-04-01/Accounts/{sid}"
    return {
        "friendly_name": friendly_name,
        "owner_account_sid": owner,
        # The real API returns the auth token here; a test double need not.
        "auth_token": None,
        "subresource_uris": {
            key: f"{base}/{leaf}" for key, leaf in _SUBRESOURCES.items()
        },
    }


def default_name(moment: datetime) -> str:
    """Twilio's default: ``SubAccount Created at {YYYY-MM-DD HH:MM meridian}``."""
    return "SubAccount Created at " + moment.strftime("%Y-%m-%d %I:%M %p").lower()


class Accounts(Behaviour):
    def on_create(self, store: Store, record: dict[str, Any], values: dict) -> None:
        name = values.get("FriendlyName") or default_name(utcnow())
        record.update(account_fields(record["sid"], store.account_sid, name))
        values.pop("FriendlyName", None)

    def on_write(self, store: Store, record: dict[str, Any], values: dict) -> None:
        if record["sid"] == store.account_sid and values.get("Status") == "closed":
            raise bad_request(
                INVALID_PARAMETER, "The main account cannot be closed through the API"
            )


def subaccounts(store: Store, account_sid: str) -> list[str]:
    """The account and, for the main account, its subaccounts that are not closed."""
    if account_sid != store.account_sid:
        return [account_sid]
    return [
        sid
        for sid, record in store.records("accounts").items()
        if sid == account_sid
        or (record["owner_account_sid"] == account_sid and record["status"] != "closed")
    ]
