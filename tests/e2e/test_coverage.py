"""Through `emulator serve`: what the official SDKs reach beyond the kinds —
available numbers and buying one, number subtypes, queue members, dependent
numbers, a call's recordings, the balance and API keys (2010 and IAM v1)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.served import P, Served, serving
from twilio_iac.emulator import SANDBOX_ACCOUNT_SID

AVAILABLE = f"{P}/AvailablePhoneNumbers"


@pytest.fixture
def served() -> Iterator[Served]:
    with serving() as served:
        yield served


def _numbers(reply: httpx.Response) -> list[str]:
    assert reply.status_code == 200, reply.text
    return [n["phone_number"] for n in reply.json()["available_phone_numbers"]]


def test_search_filters_by_area_code_contains_and_region(served) -> None:
    assert all(
        n.startswith("+1212")
        for n in _numbers(served.get(f"{AVAILABLE}/US/Local.json", AreaCode=212))
    )
    found = _numbers(
        served.get(f"{AVAILABLE}/US/Local.json", Contains="555-0199".replace("-", ""))
    )
    assert found and all("5550199" in n for n in found)
    texas = served.get(f"{AVAILABLE}/US/Local.json", InRegion="TX").json()
    assert {n["region"] for n in texas["available_phone_numbers"]} == {"TX"}
    assert _numbers(served.get(f"{AVAILABLE}/US/Local.json", AreaCode=533)) == []
    toll_free = _numbers(served.get(f"{AVAILABLE}/US/TollFree.json"))
    assert all(
        n[2:5] in ("800", "833", "844", "855", "866", "877", "888") for n in toll_free
    )
    assert _numbers(served.get(f"{AVAILABLE}/GB/Mobile.json"))[0].startswith(
        "+447700900"
    )
    assert served.get(f"{AVAILABLE}/ZZ/Local.json").status_code == 404
    assert (
        served.get(f"{AVAILABLE}/US/Local.json", AreaCode="12").json()["code"] == 21451
    )


def test_an_owned_number_is_not_offered_and_a_bought_one_leaves_the_list(
    served,
) -> None:
    first = _numbers(served.get(f"{AVAILABLE}/US/Local.json", AreaCode=415))
    assert "+14155550100" not in first  # a seed number
    bought = served.post(f"{P}/IncomingPhoneNumbers/Local.json", PhoneNumber=first[0])
    assert bought.status_code == 201 and "type" not in bought.json()
    assert first[0] not in _numbers(
        served.get(f"{AVAILABLE}/US/Local.json", AreaCode=415)
    )
    again = served.post(f"{P}/IncomingPhoneNumbers.json", PhoneNumber=first[0])
    assert again.json()["code"] == 21422
    local = served.get(f"{P}/IncomingPhoneNumbers/Local.json").json()
    assert first[0] in [n["phone_number"] for n in local["incoming_phone_numbers"]]
    toll_free = served.get(f"{P}/IncomingPhoneNumbers/TollFree.json").json()
    assert [n["phone_number"] for n in toll_free["incoming_phone_numbers"]] == [
        "+18005550199"
    ]
    wrong = served.post(
        f"{P}/IncomingPhoneNumbers/TollFree.json", PhoneNumber="+14155559999"
    )
    assert wrong.json()["code"] == 21422


def test_members_dependents_call_recordings_and_balance(served) -> None:
    queue = served.post(f"{P}/Queues.json", FriendlyName="support").json()
    members = served.get(f"{P}/Queues/{queue['sid']}/Members.json").json()
    assert members["queue_members"] == []
    assert served.get(f"{P}/Queues/QU{'0' * 32}/Members.json").status_code == 404
    address = served.post(
        f"{P}/Addresses.json", CustomerName="Ada", Street="1 Main St", City="SF",
        Region="CA", PostalCode="94105", IsoCountry="US",
    ).json()  # fmt: skip
    deps = f"{P}/Addresses/{address['sid']}/DependentPhoneNumbers.json"
    assert served.get(deps).json()["dependent_phone_numbers"] == []
    number = served.post(f"{P}/IncomingPhoneNumbers.json", PhoneNumber="+12125550150",
                         AddressSid=address["sid"]).json()  # fmt: skip
    assert [n["sid"] for n in served.get(deps).json()["dependent_phone_numbers"]] == [
        number["sid"]
    ]
    before = served.get(f"{P}/Balance.json").json()
    assert before == {
        "account_sid": SANDBOX_ACCOUNT_SID,
        "balance": "20.00",
        "currency": "USD",
    }
    call = served.post(f"{P}/Calls.json", To="+14155551234", From="+14155550100",
                       Url="https://example.com/t", Record="true").json()  # fmt: skip
    served.emulator.advance(120)  # the sandbox's clock: the call completes
    recordings = served.get(f"{P}/Calls/{call['sid']}/Recordings.json").json()[
        "recordings"
    ]
    assert [r["call_sid"] for r in recordings] == [call["sid"]]
    after = float(served.get(f"{P}/Balance.json").json()["balance"])
    assert after < 20.0


def test_a_subaccount_key_authenticates_as_that_subaccount(served) -> None:
    sub = served.post("/2010-04-01/Accounts.json", FriendlyName="team").json()["sid"]
    made = served.post("/v1/Keys", AccountSid=sub, FriendlyName="team key").json()
    assert made["secret"] and made["sid"].startswith("SK")
    listed = served.get("/v1/Keys", AccountSid=sub).json()["keys"]
    assert [k["sid"] for k in listed] == [made["sid"]] and "secret" not in listed[0]
    key = httpx.Client(base_url=served.base, auth=(made["sid"], made["secret"]))
    with key:
        own = key.get(f"/2010-04-01/Accounts/{sub}/IncomingPhoneNumbers.json")
        assert own.status_code == 200
        assert key.get(f"{P}/IncomingPhoneNumbers.json").status_code == 401
        assert (
            key.get(
                f"/2010-04-01/Accounts/{sub}/Queues.json", auth=(made["sid"], "x")
            ).status_code
            == 401
        )
    served.http.delete(f"/v1/Keys/{made['sid']}")
    gone = httpx.get(f"{served.base}/2010-04-01/Accounts/{sub}/Queues.json",
                     auth=(made["sid"], made["secret"]))  # fmt: skip
    assert gone.status_code == 401


def test_2010_keys_show_the_secret_once(served) -> None:
    made = served.post(f"{P}/Keys.json", FriendlyName="ci").json()
    fetched = served.get(f"{P}/Keys/{made['sid']}.json").json()
    assert set(fetched) == {"sid", "friendly_name", "date_created", "date_updated"}
    assert made["secret"] not in served.get("/_emulator/state").text
    assert served.http.delete(f"{P}/Keys/{made['sid']}.json").status_code == 204
    assert served.get(f"{P}/Keys/{made['sid']}.json").status_code == 404


def test_the_sdk_reaches_them(served) -> None:
    pytest.importorskip("twilio.rest")
    client = served.sdk()
    found = client.available_phone_numbers("US").local.list(area_code=212, limit=2)
    assert len(found) == 2
    bought = client.incoming_phone_numbers.local.create(
        phone_number=found[0].phone_number
    )
    assert bought.phone_number == found[0].phone_number
    assert found[0].phone_number not in [
        n.phone_number
        for n in client.available_phone_numbers("US").local.list(area_code=212, limit=5)
    ]
    assert (
        client.incoming_phone_numbers.toll_free.list()[0].phone_number == "+18005550199"
    )
    queue = client.queues.create(friendly_name="support")
    assert client.queues(queue.sid).members.list() == []
    assert client.balance.fetch().currency == "USD"
    key = client.new_keys.create(friendly_name="ci")
    assert key.secret and [k.sid for k in client.keys.list()] == [key.sid]
    iam = client.iam.v1.new_api_key.create(
        account_sid=SANDBOX_ACCOUNT_SID, friendly_name="x"
    )
    assert client.iam.v1.api_key(iam.sid).fetch().friendly_name == "x"
    assert len(client.iam.v1.get_api_keys.list(account_sid=SANDBOX_ACCOUNT_SID)) == 2
