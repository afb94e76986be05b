"""Through `emulator serve`: refusals and answers as strict as Twilio's —
ISO country codes on addresses, queue names unique per account, Lookup's
empty validation_errors and its URL on the served host."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.served import P, Served, serving

ADDRESS = {
    "CustomerName": "Ada", "Street": "1 Main St", "City": "SF", "Region": "CA",
    "PostalCode": "94105",
}  # fmt: skip


@pytest.fixture
def served() -> Iterator[Served]:
    with serving() as served:
        yield served


def test_an_address_needs_an_iso_country(served) -> None:
    refused = served.post(f"{P}/Addresses.json", **ADDRESS, IsoCountry="ZZ")
    assert refused.status_code == 400 and refused.json()["code"] == 21628
    assert "ZZ" in refused.json()["message"]
    made = served.post(f"{P}/Addresses.json", **ADDRESS, IsoCountry="GB")
    assert made.status_code == 201


def test_queue_names_are_unique_per_account(served) -> None:
    first = served.post(f"{P}/Queues.json", FriendlyName="support")
    assert first.status_code == 201
    again = served.post(f"{P}/Queues.json", FriendlyName="support")
    assert again.status_code == 400 and "support" in again.json()["message"]
    other = served.post(f"{P}/Queues.json", FriendlyName="sales").json()
    renamed = served.post(f"{P}/Queues/{other['sid']}.json", FriendlyName="support")
    assert renamed.status_code == 400
    sub = served.post("/2010-04-01/Accounts.json", FriendlyName="team").json()["sid"]
    theirs = served.post(
        f"/2010-04-01/Accounts/{sub}/Queues.json", FriendlyName="support"
    )
    assert theirs.status_code == 201  # another account's names are its own


def test_lookup_answers_an_empty_error_list_and_the_served_url(served) -> None:
    body = served.get("/v2/PhoneNumbers/+14155550123").json()
    assert body["validation_errors"] == []
    assert body["url"] == f"{served.base}/v2/PhoneNumbers/+14155550123"
    invalid = served.get("/v2/PhoneNumbers/+1415").json()
    assert invalid["valid"] is False and invalid["validation_errors"]


def test_the_sdk_sees_the_same(served) -> None:
    pytest.importorskip("twilio.rest")
    exceptions = pytest.importorskip("twilio.base.exceptions")
    client = served.sdk()
    with pytest.raises(exceptions.TwilioRestException) as refused:
        client.addresses.create(
            customer_name="Ada", street="1 Main St", city="SF", region="CA",
            postal_code="94105", iso_country="ZZ",
        )  # fmt: skip
    assert refused.value.code == 21628
    number = client.lookups.v2.phone_numbers("+14155550123").fetch()
    assert number.validation_errors == [] and number.url.startswith(served.base)


def test_a_messaging_service_send_starts_accepted(served) -> None:
    service = served.post("/v1/Services", FriendlyName="Alerts").json()["sid"]
    numbers = served.get(f"{P}/IncomingPhoneNumbers.json").json()
    pn = numbers["incoming_phone_numbers"][0]["sid"]
    served.post(f"/v1/Services/{service}/PhoneNumbers", PhoneNumberSid=pn)
    sent = served.post(f"{P}/Messages.json", To="+14155551234",
                       MessagingServiceSid=service, Body="hi").json()  # fmt: skip
    assert sent["status"] == "accepted"
    direct = served.post(f"{P}/Messages.json", To="+14155551234",
                         From="+14155550100", Body="hi").json()  # fmt: skip
    assert direct["status"] == "queued"
