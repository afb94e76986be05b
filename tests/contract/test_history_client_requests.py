"""Every request the history verbs send is one Twilio's spec allows, and every
answer matches it: the operations run through TwilioClient against the
emulator, recorded on the wire (media downloads are files, not API calls)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from tests.contract.wire import Recorder, Sent, request_problems, response_problems
from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings
from twilio_iac.emulator import SANDBOX_CREDENTIALS, Emulator
from twilio_iac.operations import (
    account_numbers,
    calls,
    listing,
    messages,
    number_lookup,
    recordings,
    sends,
    transcripts,
)

MEDIA_FILE = re.compile(
    r"(/Media/ME[0-9a-f]{32}|/Recordings/RE[0-9a-f]{32}\.(mp3|wav))$"
)


def _history(client: TwilioClient, sandbox: Emulator, folder: Path) -> None:
    account = client.account_sid
    mms = sends.create(
        client,
        sends.sms(
            account,
            to="+14155551234",
            sender="+14155550100",
            service=None,
            body="Photo",
            media=["https://example.com/a.png"],
        ),
    )
    sandbox.advance(4)  # delivered
    client.fetch("core", messages.path(account, mms["sid"]))
    query = messages.list_query(
        account,
        to="+14155551234",
        sender="+14155550100",
        after="2020-01-01",
        before="2999-01-01",
    )
    list(listing.stream(client, query))
    media = listing.stream(client, messages.media_query(account, mms["sid"], 5))
    list(messages.download_media(client, media, folder))
    messages.redact(client, account, mms["sid"])
    messages.delete(client, account, mms["sid"])

    call = sends.create(
        client,
        sends.call(
            account,
            to="+15005555001",
            sender="+14155550100",
            url="https://example.com/t",
            record=True,
        ),
    )
    sandbox.advance(4)  # answered, and held
    client.fetch("core", calls.path(account, call["sid"]))
    changes = (
        {"Twiml": "<Response><Say>Hi</Say></Response>"},
        {"Url": "https://example.com/next"},
        {"Status": "completed"},
    )
    for change in changes:
        calls.update(client, account, call["sid"], change)
    query = calls.list_query(
        account,
        to="+15005555001",
        sender="+14155550100",
        status="completed",
        parent=None,
        after="2020-01-01T00:00:00Z",
        before="2999-01-01",
    )
    list(listing.stream(client, query))
    list(listing.stream(client, calls.list_query(account, parent=call["sid"])))
    query = recordings.list_query(account, call=call["sid"], after="2020-01-01")
    (recording,) = listing.stream(client, query)
    for fmt in recordings.FORMATS:
        target = folder / f"call.{fmt}"
        recordings.download(client, account, recording["sid"], fmt, target)
    recordings.delete(client, account, recording["sid"])
    calls.delete(client, account, call["sid"])

    fields = list(number_lookup.FIELDS)
    for number in number_lookup.check(["+14155550100", "020 7946 0000"], "GB", fields):
        number_lookup.lookup(client, number, fields)
    for row in listing.stream(client, transcripts.list_query(limit=2)):
        transcripts.fetch(client, row["sid"])
        transcripts.sentences(client, row["sid"])
    list(account_numbers.rows(client, 10, []))


@pytest.fixture(scope="module")
def sent(tmp_path_factory: pytest.TempPathFactory) -> list[Sent]:
    sandbox = Emulator(clock="manual")
    recorder = Recorder(sandbox, MEDIA_FILE)
    settings = Settings.from_env({}, sandbox=SANDBOX_CREDENTIALS)
    with TwilioClient(settings, app=recorder) as client:
        _history(client, sandbox, tmp_path_factory.mktemp("media"))
    return recorder.sent


def _api_calls(sent: list[Sent]) -> list[Sent]:
    return [s for s in sent if not MEDIA_FILE.search(s.path)]


def test_every_request_is_allowed_by_the_spec(sent: list[Sent]) -> None:
    problems = request_problems(_api_calls(sent))
    assert problems == {}
    assert all(s.status < 300 for s in sent), [s for s in sent if s.status >= 300]


def test_every_response_matches_the_spec(sent: list[Sent]) -> None:
    problems = response_problems(_api_calls(sent))
    assert problems == {}


def test_the_history_operations_are_all_exercised(sent: list[Sent]) -> None:
    seen = {s.operation for s in _api_calls(sent)}
    assert seen >= {
        "ListMessage",
        "FetchMessage",
        "UpdateMessage",
        "DeleteMessage",
        "ListMedia",
        "ListCall",
        "FetchCall",
        "UpdateCall",
        "DeleteCall",
        "ListRecording",
        "DeleteRecording",
        "FetchPhoneNumber",
        "ListTranscript",
        "FetchTranscript",
        "ListSentence",
        "ListIncomingPhoneNumber",
    }
    files = [s.path for s in sent if MEDIA_FILE.search(s.path)]
    assert len(files) == 3  # one media file, the recording as mp3 and as wav


def test_list_filters_go_out_as_the_spec_names_them(sent: list[Sent]) -> None:
    queries = [parse_qs(s.query) for s in sent if s.operation == "ListMessage"]
    assert {"To", "From", "DateSent>", "DateSent<", "PageSize"} <= set(queries[0])
    assert queries[0]["DateSent<"] == ["2999-01-01T23:59:59Z"]
    calls_q = [parse_qs(s.query) for s in sent if s.operation == "ListCall"]
    assert {"To", "From", "Status", "StartTime>", "StartTime<"} <= set(calls_q[0])
    assert "ParentCallSid" in calls_q[1]
