"""Message media, redaction and deletes, call updates and deletes, recordings,
Lookup v2 and Voice Intelligence transcripts: every request and response the
emulator gives for them matches Twilio's spec, and the audio is valid."""

from __future__ import annotations

import io
import wave

import httpx
import pytest

from tests.contract.test_emulator_contract import Checked
from twilio_iac.emulator import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, Emulator

P = f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}"
TEMPLATE = "HX" + "0" * 31 + "1"


def _raw(app: Emulator, path: str) -> httpx.Response:
    with httpx.Client(
        transport=httpx.WSGITransport(app=app),
        base_url="https://api.twilio.com",
        auth=(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN),
    ) as http:
        return http.get(path)


def _final(api: Checked, app: Emulator, path: str) -> dict:
    app.advance(70)  # past every status of a message or call
    return api.send("GET", path)


def test_message_media_redaction_and_delete(api: Checked, app: Emulator) -> None:
    mms = api.send(
        "POST",
        f"{P}/Messages.json",
        {
            "To": "+14155551234",
            "From": "+15005550006",
            "Body": "Photo",
            "MediaUrl": ["https://example.com/a.png", "https://example.com/b.gif"],
        },
    )
    media = api.send("GET", f"{P}/Messages/{mms['sid']}/Media.json", {"PageSize": "1"})
    assert media["media_list"][0]["content_type"] == "image/png"
    assert media["next_page_uri"]
    one = api.send("GET", media["media_list"][0]["uri"])
    content = _raw(app, one["uri"].removesuffix(".json"))
    assert content.headers["content-type"] == "image/png"
    assert content.content.startswith(b"\x89PNG")
    api.send("GET", f"{P}/Messages.json", {"DateSent>": "2020-01-01T00:00:00Z"})
    _final(api, app, f"{P}/Messages/{mms['sid']}.json")
    redacted = api.send("POST", f"{P}/Messages/{mms['sid']}.json", {"Body": ""})
    assert redacted["body"] == ""
    api.send("DELETE", f"{P}/Messages/{mms['sid']}.json")
    assert app.records("media") == []


def test_template_send(api: Checked) -> None:
    sent = api.send(
        "POST",
        f"{P}/Messages.json",
        {
            "To": "whatsapp:+14155551234",
            "From": "whatsapp:+15005550006",
            "ContentSid": TEMPLATE,
            "ContentVariables": '{"1": "Ada", "2": "#42"}',
        },
    )
    assert sent["body"].startswith("Hi Ada, your order #42 has shipped")


def test_call_hang_up_redirect_delete_and_recording(api: Checked, app: Emulator):
    call = api.send(
        "POST",
        f"{P}/Calls.json",
        {
            "To": "+15005555001",  # a hold number: stays in progress
            "From": "+15005550006",
            "Url": "https://example.com/twiml",
            "Record": "true",
        },
    )
    path = f"{P}/Calls/{call['sid']}.json"
    assert _final(api, app, path)["status"] == "in-progress"
    api.send("POST", path, {"Twiml": "<Response><Say>Moved</Say></Response>"})
    ended = api.send("POST", path, {"Status": "completed"})
    assert ended["status"] == "completed" and int(ended["duration"]) > 0
    listed = api.send("GET", f"{P}/Recordings.json", {"CallSid": call["sid"]})
    (recording,) = listed["recordings"]
    assert recording["status"] == "completed"
    api.send("GET", recording["uri"])
    api.send(
        "GET",
        f"{P}/Calls.json",
        {"StartTime>": "2020-01-01T00:00:00Z", "Status": "completed"},
    )
    mp3 = _raw(app, recording["uri"].removesuffix(".json") + ".mp3")
    assert mp3.headers["content-type"] == "audio/mpeg"
    assert mp3.content[:2] == b"\xff\xfb" and len(mp3.content) % 104 == 0
    wav = _raw(app, recording["uri"].removesuffix(".json") + ".wav")
    with wave.open(io.BytesIO(wav.content)) as audio:
        assert audio.getnframes() == audio.getframerate()  # one second
    api.send("DELETE", recording["uri"])
    api.send("DELETE", path)


def test_lookup(lookups: Checked) -> None:
    fields = "line_type_intelligence,caller_name,sim_swap,call_forwarding,line_status"
    fields += ",sms_pumping_risk,identity_match,reassigned_number"
    found = lookups.send("GET", "/v2/PhoneNumbers/+14155550100", {"Fields": fields})
    assert found["valid"] is True and found["national_format"] == "(415) 555-0100"
    assert found["line_type_intelligence"]["type"] == "mobile"
    national = lookups.send(
        "GET", "/v2/PhoneNumbers/02079460000", {"CountryCode": "GB"}
    )
    assert national["phone_number"] == "+442079460000"
    invalid = lookups.send("GET", "/v2/PhoneNumbers/+141599299600")
    assert invalid["validation_errors"] == ["TOO_LONG"]


def test_lookup_trunk_prefix(lookups: Checked) -> None:
    """A national number loses its trunk prefix whatever its length; after +CC
    a leading 0 (where the trunk prefix is 0) is invalid."""
    short = lookups.send("GET", "/v2/PhoneNumbers/0201234567", {"CountryCode": "GB"})
    assert short["phone_number"] == "+44201234567" and short["valid"] is False
    assert short["validation_errors"] == ["TOO_SHORT"]
    kept = lookups.send("GET", "/v2/PhoneNumbers/+440201234567")
    assert kept["valid"] is False
    assert kept["validation_errors"] == ["INVALID_BUT_POSSIBLE"]


def test_transcripts_and_sentences(intelligence: Checked) -> None:
    listed = intelligence.send("GET", "/v2/Transcripts", {"PageSize": "2"})
    assert len(listed["transcripts"]) == 2 and listed["meta"]["next_page_url"]
    intelligence.send("GET", listed["meta"]["next_page_url"])
    sid = listed["transcripts"][0]["sid"]
    intelligence.send("GET", f"/v2/Transcripts/{sid}")
    sentences = intelligence.send(
        "GET", f"/v2/Transcripts/{sid}/Sentences", {"WordTimestamps": "true"}
    )
    assert sentences["sentences"][0]["transcript"]
    assert sentences["sentences"][0]["words"]
    intelligence.send("DELETE", f"/v2/Transcripts/{sid}")


@pytest.mark.parametrize("collection", ["Messages.json", "Calls.json"])
@pytest.mark.parametrize("to", ["+1", "12345", "not-a-number"])
def test_an_invalid_to_answers_21211(app: Emulator, collection: str, to: str) -> None:
    """Invalid 'To' Phone Number; 21421 is the code for buying an invalid number."""
    form = {"To": to, "From": "+15005550006", "Body": "x"}
    if collection == "Calls.json":
        form = {"To": to, "From": "+15005550006", "Url": "https://example.com/t"}
    with httpx.Client(
        transport=httpx.WSGITransport(app=app),
        base_url="https://api.twilio.com",
        auth=(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN),
    ) as http:
        response = http.post(f"{P}/{collection}", data=form)
    assert response.status_code == 400
    assert response.json()["code"] == 21211


def test_deletes_of_unfinished_records_are_refused(api: Checked, app: Emulator):
    sms = api.send(
        "POST",
        f"{P}/Messages.json",
        {"To": "+14155551234", "From": "+15005550006", "Body": "x"},
    )
    with httpx.Client(
        transport=httpx.WSGITransport(app=app),
        base_url="https://api.twilio.com",
        auth=(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN),
    ) as http:
        refused = http.delete(f"{P}/Messages/{sms['sid']}.json")
    assert (refused.status_code, refused.json()["code"]) == (400, 20009)
