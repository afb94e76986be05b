"""Subaccounts in the emulator: create, list, and the parent acting for them."""

from __future__ import annotations

import json

import httpx
import pytest

from twilio_iac.emulator import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, Emulator
from twilio_iac.emulator.store import STATE_VERSION

P = f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}"


@pytest.fixture
def http() -> httpx.Client:
    return httpx.Client(
        transport=httpx.WSGITransport(app=Emulator()),
        base_url="https://api.twilio.com",
        auth=(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN),
    )


def test_create_and_list_subaccounts(http: httpx.Client) -> None:
    made = http.post("/2010-04-01/Accounts.json", data={"FriendlyName": "staging"})
    assert made.status_code == 201
    sub = made.json()
    assert sub["sid"].startswith("AC") and sub["sid"] != SANDBOX_ACCOUNT_SID
    assert (sub["owner_account_sid"], sub["status"]) == (SANDBOX_ACCOUNT_SID, "active")
    assert sub["subresource_uris"]["messages"].startswith(
        f"/2010-04-01/Accounts/{sub['sid']}/"
    )
    listed = http.get("/2010-04-01/Accounts.json").json()["accounts"]
    assert [a["friendly_name"] for a in listed] == ["twilio-iac sandbox", "staging"]
    default = http.post("/2010-04-01/Accounts.json").json()
    assert default["friendly_name"].startswith("SubAccount Created at ")


def test_each_account_has_its_own_collections(http: httpx.Client) -> None:
    sub = http.post("/2010-04-01/Accounts.json", data={"FriendlyName": "s"}).json()
    S = f"/2010-04-01/Accounts/{sub['sid']}"
    assert (
        http.get(f"{S}/IncomingPhoneNumbers.json").json()["incoming_phone_numbers"]
        == []
    )
    app = http.post(f"{S}/Applications.json", data={"FriendlyName": "sub-app"}).json()
    assert app["account_sid"] == sub["sid"]
    assert app["uri"] == f"{S}/Applications/{app['sid']}.json"
    assert http.get(f"{P}/Applications.json").json()["applications"] == []
    assert http.get(f"{P}/Applications/{app['sid']}.json").status_code == 404
    assert http.get(f"{S}/Applications/{app['sid']}.json").status_code == 200
    # A number bought in the subaccount is the subaccount's.
    number = http.post(
        f"{S}/IncomingPhoneNumbers.json", data={"PhoneNumber": "+12125550100"}
    ).json()
    assert number["account_sid"] == sub["sid"]
    # The main account's application cannot be used by the subaccount's number.
    main_app = http.post(f"{P}/Applications.json", data={"FriendlyName": "m"}).json()
    refused = http.post(
        f"{S}/IncomingPhoneNumbers/{number['sid']}.json",
        data={"VoiceApplicationSid": main_app["sid"]},
    )
    assert refused.status_code == 400


def test_move_a_number_to_a_subaccount(http: httpx.Client) -> None:
    sub = http.post("/2010-04-01/Accounts.json", data={"FriendlyName": "s"}).json()
    numbers = http.get(f"{P}/IncomingPhoneNumbers.json").json()
    first = numbers["incoming_phone_numbers"][0]
    moved = http.post(
        f"{P}/IncomingPhoneNumbers/{first['sid']}.json",
        data={"AccountSid": sub["sid"]},
    ).json()
    assert moved["account_sid"] == sub["sid"]
    assert sub["sid"] in moved["uri"]
    S = f"/2010-04-01/Accounts/{sub['sid']}"
    owned = http.get(f"{S}/IncomingPhoneNumbers.json").json()
    assert [n["sid"] for n in owned["incoming_phone_numbers"]] == [first["sid"]]
    stranger = "AC" + "1" * 32
    refused = http.post(
        f"{S}/IncomingPhoneNumbers/{first['sid']}.json", data={"AccountSid": stranger}
    )
    assert refused.status_code == 400


def test_unknown_or_closed_accounts_are_404(http: httpx.Client) -> None:
    assert (
        http.get(f"/2010-04-01/Accounts/{'AC' + '2' * 32}/Queues.json").status_code
        == 404
    )
    sub = http.post("/2010-04-01/Accounts.json", data={"FriendlyName": "s"}).json()
    closed = http.post(
        f"/2010-04-01/Accounts/{sub['sid']}.json", data={"Status": "closed"}
    )
    assert closed.json()["status"] == "closed"
    gone = http.get(f"/2010-04-01/Accounts/{sub['sid']}/Queues.json")
    assert gone.status_code == 404
    main = http.post(f"{P}.json", data={"Status": "closed"})
    assert main.status_code == 400


def test_messages_stay_in_their_account(http: httpx.Client) -> None:
    sub = http.post("/2010-04-01/Accounts.json", data={"FriendlyName": "s"}).json()
    S = f"/2010-04-01/Accounts/{sub['sid']}"
    # The seed numbers are the main account's: the subaccount cannot send from them.
    refused = http.post(
        f"{S}/Messages.json",
        data={"To": "+14155551234", "From": "+14155550100", "Body": "x"},
    )
    assert refused.json()["code"] == 21606
    sent = http.post(
        f"{S}/Messages.json",
        data={"To": "+14155551234", "From": "+15005550006", "Body": "x"},
    )
    assert sent.status_code == 201
    assert http.get(f"{P}/Messages.json").json()["messages"] == []


def test_state_round_trips_and_old_versions_are_refused(tmp_path) -> None:
    path = tmp_path / "state.db"
    emulator = Emulator(state_path=path)
    emulator.insert("accounts", friendly_name="child")
    assert emulator.state()["version"] == STATE_VERSION == 3
    assert len(Emulator(state_path=path).records("accounts")) == 2
    old = tmp_path / "old.json"
    old.write_text(json.dumps({**emulator.state(), "version": 1}))
    from twilio_iac.errors import ConfigError

    with pytest.raises(ConfigError, match="another version"):
        Emulator(state_path=old)
