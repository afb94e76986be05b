"""Messages, Calls, Usage Records, Verifications, checks and subaccounts: every
request and response the emulator gives matches Twilio's spec."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.contract.test_emulator_contract import Checked
from twilio_iac.emulator import SANDBOX_ACCOUNT_SID, Emulator

P = f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}"
SUBRESOURCES = (
    "",
    "/AllTime",
    "/Daily",
    "/LastMonth",
    "/Monthly",
    "/ThisMonth",
    "/Today",
    "/Yearly",
    "/Yesterday",
)


def test_messages(api: Checked, app: Emulator) -> None:
    sms = api.send(
        "POST",
        f"{P}/Messages.json",
        {
            "To": "+15005553003",
            "From": "+14155550100",
            "Body": "Hi 🎉",
            "StatusCallback": "https://example.com/status",
        },
    )
    mms = api.send(
        "POST",
        f"{P}/Messages.json",
        {
            "To": "+14155551234",
            "From": "+15005550006",
            "MediaUrl": ["https://example.com/a.png", "https://example.com/b.png"],
        },
    )
    assert mms["sid"].startswith("MM") and mms["num_media"] == "2"
    app.advance(4)  # through every status, to the final one
    last = api.send("GET", f"{P}/Messages/{sms['sid']}.json")
    assert (last["status"], last["error_code"]) == ("undelivered", 30003)
    api.send("GET", f"{P}/Messages.json", {"To": "+14155551234", "PageSize": "1"})


def test_calls(api: Checked, app: Emulator) -> None:
    call = api.send(
        "POST",
        f"{P}/Calls.json",
        {
            "To": "+14155551234",
            "From": "+14155550100",
            "Twiml": "<Response><Say>Hi</Say></Response>",
            "Timeout": "20",
            "Record": "true",
        },
    )
    app.advance(70)  # rung, answered, and ended after at most 64 s
    last = api.send("GET", f"{P}/Calls/{call['sid']}.json")
    assert last["status"] == "completed"
    api.send("GET", f"{P}/Calls.json", {"Status": "completed"})


def test_service_and_scheduled_messages(
    api: Checked, messaging: Checked, app: Emulator
) -> None:
    service = messaging.send("POST", "/v1/Services", {"FriendlyName": "Alerts"})
    (number,) = [
        n for n in app.records("phone_numbers") if n["phone_number"] == "+14155550100"
    ]
    messaging.send(
        "POST",
        f"/v1/Services/{service['sid']}/PhoneNumbers",
        {"PhoneNumberSid": number["sid"]},
    )
    common = {"To": "+14155551234", "MessagingServiceSid": service["sid"]}
    accepted = api.send("POST", f"{P}/Messages.json", {**common, "Body": "Now"})
    assert accepted["status"] == "accepted"
    send_at = (app.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    scheduled = api.send(
        "POST",
        f"{P}/Messages.json",
        {**common, "Body": "Later", "ScheduleType": "fixed", "SendAt": send_at},
    )
    assert scheduled["status"] == "scheduled"
    path = f"{P}/Messages/{scheduled['sid']}.json"
    assert api.send("POST", path, {"Status": "canceled"})["status"] == "canceled"
    app.advance(5)
    api.send("GET", f"{P}/Messages.json", {"DateSent>": send_at})


@pytest.mark.parametrize("leaf", SUBRESOURCES)
def test_usage_records(api: Checked, leaf: str) -> None:
    params = {"Category": "sms-outbound", "IncludeSubaccounts": "false"}
    if leaf in ("", "/Daily", "/Monthly", "/Yearly"):
        params |= {"StartDate": "-40days", "EndDate": "-1days"}
    body = api.send("GET", f"{P}/Usage/Records{leaf}.json", {**params, "PageSize": "2"})
    if body["next_page_uri"]:
        api.send("GET", body["next_page_uri"])


def test_verifications_and_checks(verify: Checked) -> None:
    service = verify.send("POST", "/v2/Services", {"FriendlyName": "Login"})
    base = f"/v2/Services/{service['sid']}"
    made = verify.send(
        "POST", f"{base}/Verifications", {"To": "+14155551234", "Channel": "sms"}
    )
    verify.send("GET", f"{base}/Verifications/{made['sid']}")
    wrong = verify.send(
        "POST", f"{base}/VerificationCheck", {"To": "+14155551234", "Code": "000000"}
    )
    assert (wrong["status"], wrong["valid"]) == ("pending", False)
    right = verify.send(
        "POST",
        f"{base}/VerificationCheck",
        {"VerificationSid": made["sid"], "Code": "123456"},
    )
    assert (right["status"], right["valid"]) == ("approved", True)
    verify.send(
        "POST", f"{base}/Verifications", {"To": "a@example.com", "Channel": "email"}
    )
    other = verify.send(
        "POST", f"{base}/Verifications", {"To": "+14155551235", "Channel": "call"}
    )
    verify.send("POST", f"{base}/Verifications/{other['sid']}", {"Status": "canceled"})


def test_subaccounts(api: Checked) -> None:
    sub = api.send("POST", "/2010-04-01/Accounts.json", {"FriendlyName": "staging"})
    api.send("GET", f"/2010-04-01/Accounts/{sub['sid']}.json")
    api.send("GET", "/2010-04-01/Accounts.json", {"FriendlyName": "staging"})
    api.send("POST", f"/2010-04-01/Accounts/{sub['sid']}.json", {"Status": "suspended"})


def test_a_subaccount_on_every_host(app: Emulator, api: Checked) -> None:
    """The subaccount's own credentials, off the 2010 API: every answer is
    Twilio's shape, and carries the subaccount's SID."""
    sub = api.send("POST", "/2010-04-01/Accounts.json", {"FriendlyName": "acme"})
    S = f"/2010-04-01/Accounts/{sub['sid']}"
    number = api.send("POST", f"{S}/IncomingPhoneNumbers.json", {"AreaCode": "415"})
    auth = (sub["sid"], sub["auth_token"])
    own = Checked(app, "api.twilio.com", auth)
    assert own.send("GET", f"{S}.json")["auth_token"] == sub["auth_token"]
    own.send("GET", "/2010-04-01/Accounts.json")
    verify = Checked(app, "verify.twilio.com", auth)
    service = verify.send("POST", "/v2/Services", {"FriendlyName": "login"})
    base = f"/v2/Services/{service['sid']}"
    sent = verify.send(
        "POST", f"{base}/Verifications", {"To": "+14155551234", "Channel": "sms"}
    )
    checked = verify.send(
        "POST", f"{base}/VerificationCheck", {"To": "+14155551234", "Code": "123456"}
    )
    messaging = Checked(app, "messaging.twilio.com", auth)
    pool = messaging.send("POST", "/v1/Services", {"FriendlyName": "alerts"})
    sender = messaging.send(
        "POST",
        f"/v1/Services/{pool['sid']}/PhoneNumbers",
        {"PhoneNumberSid": number["sid"]},
    )
    trunking = Checked(app, "trunking.twilio.com", auth)
    trunk = trunking.send("POST", "/v1/Trunks", {"FriendlyName": "pbx"})
    url = trunking.send(
        "POST",
        f"/v1/Trunks/{trunk['sid']}/OriginationUrls",
        {
            "FriendlyName": "primary",
            "SipUrl": "sip:pbx.example.com",
            "Weight": "10",
            "Priority": "10",
            "Enabled": "true",
        },
    )
    trunking.send("GET", f"/v1/Trunks/{trunk['sid']}/Recording")
    made = (service, sent, checked, pool, sender, trunk, url)
    assert {record["account_sid"] for record in made} == {sub["sid"]}
    for client, path, key in (
        (verify, "/v2/Services", "services"),
        (messaging, "/v1/Services", "services"),
        (trunking, "/v1/Trunks", "trunks"),
    ):
        assert len(client.send("GET", path)[key]) == 1
    for client in (own, verify, messaging, trunking):
        client.http.close()
