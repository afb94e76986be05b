"""Accounts: the main account and the subaccounts it creates.

The main account's auth token acts for each of its subaccounts under
/2010-04-01/Accounts/{SubaccountSid}/...; every account has its own records
(numbers, applications, messages, Verify services, trunks, ...), and the seed
numbers are the main account's only. Each subaccount has its own auth token
(32 random hex digits), which Twilio answers to the parent on create, fetch
and list (twilio.com/docs/iam/api/account: "auth_token: The authorization
token for this account"), and with which the subaccount authenticates as
itself: the only way to reach its records off the 2010 API. The main
account's own token stays the credentials' (null here, never echoed).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from ..http.caller import Caller, unauthenticated
from ..http.kinds import Behaviour
from ..http.problems import INVALID_PARAMETER, bad_request
from ..store import Store, followers

# "Subaccounts cannot contain subaccounts" (twilio.com/docs/api/errors/21101).
NESTED_SUBACCOUNT = 21101
# "Unable to update Status for subaccount, subaccount is closed and can not be
# re-opened" (twilio.com/docs/api/errors/21479).
CLOSED_FOR_GOOD = 21479

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
        # A subaccount's own; the main account's is the emulator's credentials.
        "auth_token": None if sid == owner else new_token(),
        "subresource_uris": {
            key: f"{base}/{leaf}" for key, leaf in _SUBRESOURCES.items()
        },
    }


def new_token() -> str:
    return secrets.token_hex(16)


def default_name(moment: datetime) -> str:
    """Twilio's default: ``SubAccount Created at {YYYY-MM-DD HH:MM meridian}``."""
    return "SubAccount Created at " + moment.strftime("%Y-%m-%d %I:%M %p").lower()


class Accounts(Behaviour):
    def authorize(
        self,
        store: Store,
        caller: Caller,
        operation: str,
        ids: dict[str, str],
        values: dict,
    ) -> None:
        """A subaccount's credentials reach its own account only ("You can not
        use a subaccount's credentials to access the resources of your main
        Twilio account or any other subaccounts", twilio.com/docs/iam/api/
        subaccounts); they cannot make subaccounts, nor change their own
        status ("You must use your main account's authentication credentials
        to suspend a subaccount", ibid.). Twilio documents no code for the
        last: the sandbox answers 20003, as for the others."""
        if caller.account == store.account_sid:
            return
        if operation == "create":
            raise bad_request(
                NESTED_SUBACCOUNT, "Subaccounts cannot contain subaccounts"
            )
        if ids.get("Sid", caller.account) != caller.account:
            raise unauthenticated()
        if values.get("Status") is not None:
            raise unauthenticated()

    def scope(self, store: Store, caller: Caller) -> dict[str, Any]:
        """The main account lists itself and its subaccounts; a subaccount, itself."""
        return {} if caller.account == store.account_sid else {"sid": caller.account}

    def shown(
        self, store: Store, record: dict[str, Any], caller: Caller
    ) -> dict[str, Any]:
        """The account as the caller reads it. An API key reads no token:
        RJPearson94/terraform-provider-twilio #52 found it empty when the
        parent authenticates with a key."""
        if record["sid"] != store.account_sid and record["auth_token"] is None:
            # A state file from before subaccounts had tokens: one is made the
            # first time the account is read, so such files need no migration.
            record["auth_token"] = new_token()
        if caller.key:
            return {**record, "auth_token": None}
        return record

    def on_create(self, store: Store, record: dict[str, Any], values: dict) -> None:
        name = values.get("FriendlyName") or default_name(store.now())
        record.update(account_fields(record["sid"], store.account_sid, name))
        values.pop("FriendlyName", None)

    def on_update(self, store: Store, record: dict[str, Any], values: dict) -> None:
        status = values.get("Status")
        if record["status"] == "closed" and status not in (None, "closed"):
            raise bad_request(
                CLOSED_FOR_GOOD,
                "Unable to update Status for subaccount, subaccount is closed "
                "and can not be re-opened",
            )

    def on_write(self, store: Store, record: dict[str, Any], values: dict) -> None:
        if values.get("Status") != "closed":
            return
        if record["sid"] == store.account_sid:
            raise bad_request(
                INVALID_PARAMETER, "The main account cannot be closed through the API"
            )
        _release_numbers(store, record["sid"])


def _release_numbers(store: Store, account_sid: str) -> None:
    """Closing releases the numbers ("When you close a subaccount, Twilio
    will release all phone numbers assigned to it", twilio.com/docs/iam/api/
    subaccounts): they leave their trunks and Messaging Services too."""
    numbers = store.records("phone_numbers")
    for sid in numbers.having("account_sid", account_sid):
        followers.removed(store, "phone_numbers", numbers[sid])
        del numbers[sid]


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
