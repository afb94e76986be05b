"""API keys: the 2010 ``Keys`` and IAM v1's ``/v1/Keys``, one collection.

A key belongs to the account that created it (the path's account in 2010,
``AccountSid`` in IAM v1, which may name a subaccount) and authenticates as
that account: SID as the user, secret as the password. The secret is shown
once, in the create answer; the state keeps only its SHA-256. IAM v1 is
served here because its Keys are the same records, not another product.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from twilio_iac.apis import CORE

from ..http.actions import ActionCall, register_action
from ..http.kinds import Kind
from ..http.problems import INVALID_PARAMETER, bad_request, not_found
from ..store import Store, rfc2822
from .listing import page_of

P = "/2010-04-01/Accounts/{AccountSid}"
KEYS = "keys"  # the store collection


def _pager(api: str, collection: str, schema: str) -> Kind:
    return Kind(KEYS, api, collection, collection, "keys", "SK", schema)


V2010 = _pager(CORE, f"{P}/Keys.json", "api.v2010.account.key")
IAM = _pager("iam", "/v1/Keys", "iam.v1.get_keys")
_FIELDS = ("sid", "friendly_name", "date_created", "date_updated")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def key_account(store: Store, sid: str, secret: str) -> str | None:
    """The account a key SID and secret authenticate as, or None."""
    record = store.records(KEYS).get(sid)
    if record is None or not hmac.compare_digest(
        record["secret_sha256"], _digest(secret)
    ):
        return None
    return record["account_sid"]


def _account(store: Store, sid: str) -> bool:
    """Is ``sid`` the main account or one of its open subaccounts?"""
    account = store.records("accounts").get(sid)
    return (
        account is not None
        and account["status"] != "closed"
        and (
            sid == store.account_sid
            or account["owner_account_sid"] == store.account_sid
        )
    )


def _create(store: Store, call: ActionCall, account: str) -> dict[str, Any]:
    secret = secrets.token_hex(16)
    stamp = rfc2822(call.now)
    record = {
        "sid": store.new_sid("SK"),
        "account_sid": account,
        "friendly_name": call.values.get("FriendlyName") or None,
        "date_created": stamp,
        "date_updated": stamp,
        "policy": call.values.get("Policy"),
        "flags": [],
        "secret_sha256": _digest(secret),
    }
    store.records(KEYS)[record["sid"]] = record
    return {**_shown(record), "secret": secret}


def _shown(record: dict[str, Any]) -> dict[str, Any]:
    return {field: record[field] for field in _FIELDS}


def _mine(store: Store, account: str) -> list[dict[str, Any]]:
    return [r for r in store.records(KEYS).values() if r["account_sid"] == account]


def _key(store: Store, call: ActionCall, account: str | None) -> dict[str, Any]:
    """The key the path names, if ``account`` (None: any of this sandbox's) owns it."""
    record = store.records(KEYS).get(call.ids["Sid"])
    if record is None or account not in (None, record["account_sid"]):
        raise not_found(call.path)
    return record


def _update(store: Store, call: ActionCall, account: str | None) -> dict[str, Any]:
    record = _key(store, call, account)
    for param, field in (("FriendlyName", "friendly_name"), ("Policy", "policy")):
        if param in call.values:
            record[field] = call.values[param]
    record["date_updated"] = rfc2822(call.now)
    return record


def _delete(store: Store, call: ActionCall, account: str | None) -> None:
    del store.records(KEYS)[_key(store, call, account)["sid"]]


def _iam_account(store: Store, call: ActionCall) -> str:
    sid = call.values["AccountSid"]
    if not _account(store, sid):
        raise bad_request(
            INVALID_PARAMETER, f"AccountSid {sid} is not this account or a subaccount"
        )
    return sid


def _iam_key(record: dict[str, Any]) -> dict[str, Any]:
    return {**_shown(record), "policy": record["policy"]}


register_action(
    "GET", V2010.collection, lambda s, c: page_of(V2010, c, _mine(s, c.account))
)
register_action("POST", V2010.collection, lambda s, c: _create(s, c, c.account))
register_action(
    "GET", f"{P}/Keys/{{Sid}}.json", lambda s, c: _shown(_key(s, c, c.account))
)
register_action(
    "POST", f"{P}/Keys/{{Sid}}.json", lambda s, c: _shown(_update(s, c, c.account))
)
register_action(
    "DELETE", f"{P}/Keys/{{Sid}}.json", lambda s, c: _delete(s, c, c.account)
)
register_action(
    "GET",
    IAM.collection,
    lambda s, c: page_of(IAM, c, _mine(s, _iam_account(s, c))),
)
register_action(
    "POST",
    IAM.collection,
    lambda s, c: {
        **_create(s, c, _iam_account(s, c)),
        "policy": c.values.get("Policy"),
    },
)
register_action("GET", "/v1/Keys/{Sid}", lambda s, c: _iam_key(_key(s, c, None)))
register_action("POST", "/v1/Keys/{Sid}", lambda s, c: _iam_key(_update(s, c, None)))
register_action("DELETE", "/v1/Keys/{Sid}", lambda s, c: _delete(s, c, None))
