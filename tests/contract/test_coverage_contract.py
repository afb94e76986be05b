"""The answers added for the SDKs' reach (available numbers, number subtypes,
queue members, dependent numbers, call recordings, balance, API keys) match
Twilio's descriptions."""

from __future__ import annotations

from tests.contract.test_emulator_contract import Checked, P
from twilio_iac.emulator import SANDBOX_ACCOUNT_SID

TWIML = "https://example.com/twiml"


def test_available_numbers_and_buying_one(api: Checked) -> None:
    countries = api.send("GET", f"{P}/AvailablePhoneNumbers.json")["countries"]
    assert {c["country_code"] for c in countries} >= {"US", "GB"}
    api.send("GET", f"{P}/AvailablePhoneNumbers/US.json")
    found = api.send(
        "GET", f"{P}/AvailablePhoneNumbers/US/Local.json",
        {"AreaCode": "212", "Contains": "55501**", "PageSize": "3"},
    )  # fmt: skip
    api.send("GET", f"{P}/AvailablePhoneNumbers/US/TollFree.json", {"PageSize": "2"})
    api.send("GET", f"{P}/AvailablePhoneNumbers/GB/Mobile.json", {"PageSize": "2"})
    api.send("GET", found["next_page_uri"])
    number = found["available_phone_numbers"][0]["phone_number"]
    api.send("POST", f"{P}/IncomingPhoneNumbers/Local.json", {"PhoneNumber": number})
    api.send("POST", f"{P}/IncomingPhoneNumbers/TollFree.json",
             {"PhoneNumber": "+18885550100"})  # fmt: skip
    api.send("POST", f"{P}/IncomingPhoneNumbers/Mobile.json",
             {"PhoneNumber": "+447700900123"})  # fmt: skip
    for subtype in ("Local", "TollFree", "Mobile"):
        api.send("GET", f"{P}/IncomingPhoneNumbers/{subtype}.json", {"PageSize": "1"})


def test_nested_lists_and_balance(api: Checked) -> None:
    queue = api.send("POST", f"{P}/Queues.json", {"FriendlyName": "support"})
    api.send("GET", f"{P}/Queues/{queue['sid']}/Members.json")
    address = api.send(
        "POST", f"{P}/Addresses.json",
        {"CustomerName": "Ada", "Street": "1 Main St", "City": "SF",
         "Region": "CA", "PostalCode": "94105", "IsoCountry": "US"},
    )  # fmt: skip
    numbers = api.send("GET", f"{P}/IncomingPhoneNumbers.json")
    sid = numbers["incoming_phone_numbers"][0]["sid"]
    api.send("POST", f"{P}/IncomingPhoneNumbers/{sid}.json",
             {"AddressSid": address["sid"]})  # fmt: skip
    dependents = api.send(
        "GET", f"{P}/Addresses/{address['sid']}/DependentPhoneNumbers.json"
    )
    assert [n["sid"] for n in dependents["dependent_phone_numbers"]] == [sid]
    call = api.send(
        "POST", f"{P}/Calls.json",
        {"To": "+14155551234", "From": "+14155550100", "Url": TWIML, "Record": "true"},
    )  # fmt: skip
    for _ in range(3):
        api.send("GET", f"{P}/Calls/{call['sid']}.json")
    listed = api.send("GET", f"{P}/Calls/{call['sid']}/Recordings.json")
    recording = listed["recordings"][0]["sid"]
    api.send("GET", f"{P}/Calls/{call['sid']}/Recordings/{recording}.json")
    api.send("GET", f"{P}/Balance.json")


def test_keys_in_2010_and_iam(api: Checked, iam: Checked) -> None:
    made = api.send("POST", f"{P}/Keys.json", {"FriendlyName": "ci"})
    assert made["secret"]
    api.send("GET", f"{P}/Keys.json")
    key = f"{P}/Keys/{made['sid']}.json"
    api.send("GET", key)
    api.send("POST", key, {"FriendlyName": "ci-2"})
    api.send("DELETE", key)
    deploy = {"AccountSid": SANDBOX_ACCOUNT_SID, "FriendlyName": "deploy"}
    other = iam.send("POST", "/v1/Keys", deploy)
    iam.send("GET", "/v1/Keys", {"AccountSid": SANDBOX_ACCOUNT_SID})
    iam.send("GET", f"/v1/Keys/{other['sid']}")
    iam.send("POST", f"/v1/Keys/{other['sid']}", {"FriendlyName": "deploy-2"})
    iam.send("DELETE", f"/v1/Keys/{other['sid']}")


def test_usage_aggregates_and_unmodelled_categories(api: Checked) -> None:
    for category in ("sms", "calls", "phonenumbers", "recordings", "totalprice"):
        api.send("GET", f"{P}/Usage/Records.json", {"Category": category})
    days = {"Category": "mms", "StartDate": "2020-01-01", "EndDate": "2020-01-03"}
    api.send("GET", f"{P}/Usage/Records/Daily.json", days)


def test_a_verify_resend(verify: Checked) -> None:
    service = verify.send("POST", "/v2/Services", {"FriendlyName": "Login"})["sid"]
    path = f"/v2/Services/{service}/Verifications"
    first = verify.send("POST", path, {"To": "+14155551234", "Channel": "sms"})
    again = verify.send("POST", path, {"To": "+14155551234", "Channel": "call"})
    assert again["sid"] == first["sid"] and len(again["send_code_attempts"]) == 2
