"""The history verbs through cassettes, one per API: Messages (list, media,
redaction, delete), Calls (hang-up, refused and allowed deletes), Recordings
(list, audio download, delete), Lookup v2 and Voice Intelligence v2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import tape
from twilio_iac.errors import ApiError
from twilio_iac.numbering import parse
from twilio_iac.operations import (
    calls,
    delivery,
    listing,
    messages,
    number_lookup,
    recordings,
    sends,
    transcripts,
)

# The calls and recordings tests use the sandbox's hold and magic numbers.
pytestmark = pytest.mark.skipif(
    tape.TARGET == "twilio" and tape.RECORD_MODE != "none",
    reason="recorded against the emulator only (sandbox-only numbers)",
)
NO_SLEEP = delivery.Poller(sleep=lambda _: None, clock=lambda: 0.0)
HOLD = "+15005555001"


@tape.tape.use_cassette()
def test_messages_list_media_redact_delete(tmp_path: Path) -> None:
    with tape.client() as client:
        account = client.account_sid
        request = sends.sms(
            account,
            to="+14155551234",
            sender="+15005550006",
            service=None,
            body="Replay photo",
            media=["https://example.com/photo.png"],
        )
        created = sends.create(client, request)
        final, done = delivery.wait(client, account, created["sid"], 60, NO_SLEEP)
        assert done and final["status"] == "delivered"
        query = messages.list_query(
            account, to="+14155551234", after="2020-01-01", limit=10
        )
        assert created["sid"] in [m["sid"] for m in listing.stream(client, query)]
        media = list(
            listing.stream(client, messages.media_query(account, created["sid"], 10))
        )
        saved = list(messages.download_media(client, iter(media), tmp_path))
        assert saved[0].target.read_bytes().startswith(b"\x89PNG")
        assert messages.redact(client, account, created["sid"])["body"] == ""
        messages.delete(client, account, created["sid"])


@tape.tape.use_cassette()
def test_calls_hang_up_then_delete() -> None:
    with tape.client() as client:
        account = client.account_sid
        request = sends.call(
            account, to=HOLD, sender="+15005550006", url="https://example.com/t"
        )
        created = sends.create(client, request)
        for _ in range(3):
            live = client.fetch("core", calls.path(account, created["sid"]))
        assert live["status"] == "in-progress"
        with pytest.raises(ApiError) as refused:
            calls.delete(client, account, created["sid"])
        assert refused.value.code == 20009
        params = calls.update_params(hangup=True, cancel=False, url=None, twiml=None)
        ended = calls.update(client, account, created["sid"], params)
        assert ended["status"] == "completed"
        query = calls.list_query(account, to=HOLD, status="completed", limit=5)
        assert [c["sid"] for c in listing.stream(client, query)] == [created["sid"]]
        calls.delete(client, account, created["sid"])


@tape.tape.use_cassette()
def test_recordings_list_download_delete(tmp_path: Path) -> None:
    with tape.client() as client:
        account = client.account_sid
        request = sends.call(
            account,
            to="+14155551234",
            sender="+15005550006",
            twiml="<Response><Say>Recorded</Say></Response>",
            record=True,
        )
        created = sends.create(client, request)
        delivery.wait(client, account, created["sid"], 60, NO_SLEEP)
        query = recordings.list_query(account, call=created["sid"])
        (recording,) = listing.stream(client, query)
        assert recording["status"] == "completed"
        target = tmp_path / "call.wav"
        size = recordings.download(client, account, recording["sid"], "wav", target)
        assert size == target.stat().st_size and target.read_bytes()[:4] == b"RIFF"
        recordings.delete(client, account, recording["sid"])


@tape.tape.use_cassette()
def test_lookup_line_type_and_caller_name() -> None:
    fields = ["line_type_intelligence", "caller_name"]
    (number,) = number_lookup.check(["(415) 555-4321"], "US", fields)
    with tape.client() as client:
        found = number_lookup.lookup(client, number, fields)
        basic = number_lookup.lookup(client, parse("+442079460000"), [])
    assert found["valid"] and found["line_type_intelligence"]["type"] == "landline"
    assert found["caller_name"]["caller_type"] == "BUSINESS"
    assert basic["country_code"] == "GB" and basic["line_type_intelligence"] is None


@tape.tape.use_cassette()
def test_transcripts_and_sentences() -> None:
    with tape.client() as client:
        listed = list(listing.stream(client, transcripts.list_query(limit=2)))
        assert len(listed) == 2
        record = transcripts.fetch(client, listed[0]["sid"])
        found = transcripts.sentences(client, record["sid"])
    assert record["status"] == "completed"
    assert [s["sentence_index"] for s in found] == list(range(len(found)))
    assert found[0]["transcript"]
