"""Whose credentials act where: subaccount tokens, and every non-2010 record
belonging to the account that authenticates, as at Twilio."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from twilio_iac.emulator import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, Emulator

MAIN = SANDBOX_ACCOUNT_SID
P = f"/2010-04-01/Accounts/{MAIN}"
KEY = "SK" + "3" * 32
# (collection, create params, the response's list key) off the 2010 API.
HOSTS = [
    ("/v2/Services", {"FriendlyName": "login"}, "services"),
    ("/v1/Services", {"FriendlyName": "alerts"}, "services"),
    ("/v1/Trunks", {"FriendlyName": "pbx"}, "trunks"),
]


@pytest.fixture
def app() -> Emulator:
    return Emulator(credentials={MAIN: SANDBOX_AUTH_TOKEN, KEY: "key-secret"})


def client(app: Emulator, user: str, password: str) -> httpx.Client:
    return httpx.Client(
        transport=httpx.WSGITransport(app=app),
        base_url="https://api.twilio.com",
        auth=(user, password),
    )


@pytest.fixture
def parent(app: Emulator) -> httpx.Client:
    return client(app, MAIN, SANDBOX_AUTH_TOKEN)


def subaccount(parent: httpx.Client, name: str = "acme") -> dict:
    made = parent.post("/2010-04-01/Accounts.json", data={"FriendlyName": name})
    assert made.status_code == 201
    return made.json()


def as_sub(app: Emulator, sub: dict) -> httpx.Client:
    return client(app, sub["sid"], sub["auth_token"])


def refused(response: httpx.Response, status: int = 401, code: int = 20003) -> bool:
    return (response.status_code, response.json()["code"]) == (status, code)


def test_a_subaccount_token_is_answered_to_its_parent(parent: httpx.Client) -> None:
    sub = subaccount(parent)
    assert re.fullmatch(r"[0-9a-f]{32}", sub["auth_token"])
    assert sub["auth_token"] != subaccount(parent, "other")["auth_token"]
    fetched = parent.get(f"/2010-04-01/Accounts/{sub['sid']}.json").json()
    listed = parent.get("/2010-04-01/Accounts.json").json()["accounts"]
    tokens = {account["sid"]: account["auth_token"] for account in listed}
    assert fetched["auth_token"] == tokens[sub["sid"]] == sub["auth_token"]
    assert tokens[MAIN] is None  # the main account's is never echoed


def test_a_subaccount_reads_only_itself(app: Emulator, parent: httpx.Client) -> None:
    sub, sibling = subaccount(parent), subaccount(parent, "globex")
    mine = as_sub(app, sub)
    own = mine.get(f"/2010-04-01/Accounts/{sub['sid']}.json")
    assert own.status_code == 200 and own.json()["auth_token"] == sub["auth_token"]
    listed = mine.get("/2010-04-01/Accounts.json").json()["accounts"]
    assert [account["sid"] for account in listed] == [sub["sid"]]
    S = f"/2010-04-01/Accounts/{sub['sid']}"
    assert mine.post(f"{S}/Queues.json", data={"FriendlyName": "q"}).status_code == 201
    for other in (MAIN, sibling["sid"]):
        answer = mine.get(f"/2010-04-01/Accounts/{other}.json")
        assert refused(answer) and "WWW-Authenticate" in answer.headers
        assert refused(mine.get(f"/2010-04-01/Accounts/{other}/Queues.json"))
    assert parent.get(f"{P}/Queues.json").json()["queues"] == []


def test_what_a_subaccount_cannot_do_to_accounts(
    app: Emulator, parent: httpx.Client
) -> None:
    sub = subaccount(parent)
    mine = as_sub(app, sub)
    nested = mine.post("/2010-04-01/Accounts.json", data={"FriendlyName": "x"})
    assert refused(nested, 400, 21101)
    own = f"/2010-04-01/Accounts/{sub['sid']}.json"
    # Only the main account's credentials change a subaccount's status.
    assert refused(mine.post(own, data={"Status": "closed"}))
    renamed = mine.post(own, data={"FriendlyName": "acme-prod"})
    assert renamed.json()["friendly_name"] == "acme-prod"
    assert parent.get(own).json()["status"] == "active"


@pytest.mark.parametrize(
    "password",
    [SANDBOX_AUTH_TOKEN, "0" * 32, ""],
    ids=["parent-token", "wrong", "empty"],
)
def test_a_subaccount_sid_needs_its_own_token(
    app: Emulator, parent: httpx.Client, password: str
) -> None:
    sub = subaccount(parent)
    assert refused(client(app, sub["sid"], password).get("/v2/Services"))


@pytest.mark.parametrize(("collection", "create", "key"), HOSTS)
def test_non_2010_records_belong_to_the_authenticating_account(
    app: Emulator, parent: httpx.Client, collection: str, create: dict, key: str
) -> None:
    sub = subaccount(parent)
    mine = as_sub(app, sub)
    made = mine.post(collection, data=create).json()
    assert made["account_sid"] == sub["sid"]
    theirs = parent.post(collection, data=create).json()
    assert theirs["account_sid"] == MAIN
    # The AccountSid the parent might put in the path or the body is no way
    # in: off the 2010 API only the credentials name the account.
    assert [r["sid"] for r in mine.get(collection).json()[key]] == [made["sid"]]
    assert [r["sid"] for r in parent.get(collection).json()[key]] == [theirs["sid"]]
    for who, sid in ((parent, made["sid"]), (mine, theirs["sid"])):
        assert who.get(f"{collection}/{sid}").status_code == 404
        assert who.post(f"{collection}/{sid}", data=create).status_code == 404
        assert who.delete(f"{collection}/{sid}").status_code == 404
    assert mine.delete(f"{collection}/{made['sid']}").status_code == 204
    assert parent.get(f"{collection}/{theirs['sid']}").status_code == 200


def test_nested_records_need_the_parent_record_of_their_account(
    app: Emulator, parent: httpx.Client
) -> None:
    mine = as_sub(app, subaccount(parent))
    service = parent.post("/v2/Services", data={"FriendlyName": "login"}).json()
    base = f"/v2/Services/{service['sid']}"
    sms = {"To": "+14155551234", "Channel": "sms"}
    assert mine.post(f"{base}/Verifications", data=sms).status_code == 404
    assert parent.post(f"{base}/Verifications", data=sms).status_code == 201
    check = {"To": "+14155551234", "Code": "123456"}
    assert mine.post(f"{base}/VerificationCheck", data=check).status_code == 404
    trunk = parent.post("/v1/Trunks", data={"FriendlyName": "pbx"}).json()
    urls = f"/v1/Trunks/{trunk['sid']}/OriginationUrls"
    assert mine.get(urls).status_code == 404
    assert mine.get(f"/v1/Trunks/{trunk['sid']}/Recording").status_code == 404
    pool = parent.post("/v1/Services", data={"FriendlyName": "alerts"}).json()
    senders = f"/v1/Services/{pool['sid']}/PhoneNumbers"
    assert mine.get(senders).status_code == 404


def test_a_subaccount_sees_none_of_the_parents_transcripts(
    app: Emulator, parent: httpx.Client
) -> None:
    mine = as_sub(app, subaccount(parent))
    assert parent.get("/v2/Transcripts").json()["transcripts"]
    assert mine.get("/v2/Transcripts").json()["transcripts"] == []


def test_a_suspended_subaccount_does_not_authenticate_until_reactivated(
    app: Emulator, parent: httpx.Client
) -> None:
    sub = subaccount(parent)
    mine, own = as_sub(app, sub), f"/2010-04-01/Accounts/{sub['sid']}"
    parent.post(f"{own}.json", data={"Status": "suspended"})
    assert refused(mine.get("/v2/Services"))
    assert refused(mine.get(f"{own}/Queues.json"))
    # The parent still reaches it, if only to reactivate it.
    assert parent.get(f"{own}/Queues.json").status_code == 200
    parent.post(f"{own}.json", data={"Status": "active"})
    assert mine.get("/v2/Services").status_code == 200


def test_a_closed_subaccount_is_closed_for_good(
    app: Emulator, parent: httpx.Client
) -> None:
    sub = subaccount(parent)
    own = f"/2010-04-01/Accounts/{sub['sid']}.json"
    assert parent.post(own, data={"Status": "closed"}).json()["status"] == "closed"
    assert refused(as_sub(app, sub).get("/v2/Services"))
    for status in ("active", "suspended"):
        assert refused(parent.post(own, data={"Status": status}), 400, 21479)
    assert parent.get(own).json()["status"] == "closed"


def test_closing_a_subaccount_releases_its_numbers(
    app: Emulator, parent: httpx.Client
) -> None:
    sub = subaccount(parent)
    S = f"/2010-04-01/Accounts/{sub['sid']}"
    number = parent.post(
        f"{S}/IncomingPhoneNumbers.json", data={"PhoneNumber": "+12125550100"}
    ).json()
    pool = as_sub(app, sub).post("/v1/Services", data={"FriendlyName": "a"}).json()
    senders = f"/v1/Services/{pool['sid']}/PhoneNumbers"
    added = as_sub(app, sub).post(senders, data={"PhoneNumberSid": number["sid"]})
    assert added.status_code == 201
    parent.post(f"{S}.json", data={"Status": "closed"})
    assert [n["sid"] for n in app.records("phone_numbers")].count(number["sid"]) == 0
    assert app.records("messaging_phone_numbers") == []
    # Released: the number can be bought again.
    again = parent.post(
        f"{P}/IncomingPhoneNumbers.json", data={"PhoneNumber": "+12125550100"}
    )
    assert again.status_code == 201


def test_a_main_account_key_does_not_reach_subaccounts(
    app: Emulator, parent: httpx.Client
) -> None:
    sub = subaccount(parent)
    key = client(app, KEY, "key-secret")
    assert key.get(f"{P}/Queues.json").status_code == 200
    assert refused(key.get(f"/2010-04-01/Accounts/{sub['sid']}/Queues.json"))
    # It reads the account, but not its token (as Twilio answers a key).
    fetched = key.get(f"/2010-04-01/Accounts/{sub['sid']}.json").json()
    assert fetched["sid"] == sub["sid"] and fetched["auth_token"] is None
    listed = key.get("/2010-04-01/Accounts.json").json()["accounts"]
    assert all(account["auth_token"] is None for account in listed)
    made = key.post("/v2/Services", data={"FriendlyName": "login"}).json()
    assert made["account_sid"] == MAIN


def test_a_state_file_from_before_tokens_keeps_working(tmp_path: Path) -> None:
    """A subaccount written with a null token (as every one was before) gets
    one the first time its parent reads it, and keeps it."""
    path = tmp_path / "sandbox.db"
    old = Emulator(state_path=path)
    sid = old.insert("accounts", owner_account_sid=MAIN, status="active")["sid"]
    old.close()
    parent = client(Emulator(state_path=path), MAIN, SANDBOX_AUTH_TOKEN)
    token = parent.get(f"/2010-04-01/Accounts/{sid}.json").json()["auth_token"]
    assert re.fullmatch(r"[0-9a-f]{32}", token)
    again = Emulator(state_path=path)
    assert [a["auth_token"] for a in again.records("accounts") if a["sid"] == sid] == [
        token
    ]
    assert client(again, sid, token).get("/v2/Services").status_code == 200


def test_a_legacy_json_state_file_gets_tokens_too(tmp_path: Path) -> None:
    legacy = Emulator()
    sid = legacy.insert("accounts", owner_account_sid=MAIN, status="active")["sid"]
    state = {**legacy.state(), "version": 2}
    old = tmp_path / "sandbox.json"
    old.write_text(json.dumps(state))
    app = Emulator(state_path=tmp_path / "sandbox.db", migrate_from=old)
    listed = client(app, MAIN, SANDBOX_AUTH_TOKEN).get("/2010-04-01/Accounts.json")
    token = {a["sid"]: a["auth_token"] for a in listed.json()["accounts"]}[sid]
    assert client(app, sid, token).get(f"/2010-04-01/Accounts/{sid}.json").is_success
