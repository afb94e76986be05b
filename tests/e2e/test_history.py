"""messages, calls, recordings, transcripts, numbers and lookup through the CLI
against the sandbox: filters reach the API, paging, --limit, every output
format, confirmations, SIDs from stdin and Twilio's refusals."""

from __future__ import annotations

import csv
import io
import json
import wave
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from twilio_iac.api.client import TwilioClient
from twilio_iac.cli import context

SENDER = "+14155550100"
HOLD = "+15005555001"  # the sandbox keeps calls to it in progress


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, dict[str, str]]]:
    """(method, path, query) of every request the client sends."""
    log: list[tuple[str, str, dict[str, str]]] = []
    real = TwilioClient._send_once

    def spy(self: TwilioClient, call):  # noqa: ANN001, ANN202
        parts = urlsplit(call.url)
        query = dict(call.query) or dict(parse_qsl(parts.query))
        log.append((call.method, parts.path, query))
        return real(self, call)

    monkeypatch.setattr(TwilioClient, "_send_once", spy)
    return log


def _sms(run, to: str = "+14155551234", body: str = "Hello") -> str:
    result = run(
        "send", "sms", "--to", to, "--from", SENDER, "--body", body, "--yes",
        "--output", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["sid"]


DELIVERED = 4  # seconds after a send when the sandbox has delivered it


def _bulk_messages(sandbox, count: int) -> None:
    emulator = sandbox()
    for index in range(count):
        emulator.insert(
            "messages",
            to=f"+1415555{index % 10000:04d}",
            **{"from": SENDER},
            body=f"bulk {index}",
            status="delivered",
        )
    emulator.save()


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# --- messages ---------------------------------------------------------------


def test_messages_list_filters_are_sent_to_the_api(advance, run, sent):
    mine = _sms(run, to="+14155551234")
    _sms(run, to="+14155559876")
    sent.clear()
    result = run(
        "messages", "list", "--to", "+14155551234", "--from", SENDER,
        "--after", "2020-01-01", "--before", "2999-12-31", "--output", "csv",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [row["sid"] for row in _csv(result.stdout)] == []  # queued: not sent yet
    (request,) = [r for r in sent if r[1].endswith("/Messages.json")]
    assert request[2] == {
        "PageSize": "50",
        "To": "+14155551234",
        "From": SENDER,
        "DateSent>": "2020-01-01T00:00:00Z",
        "DateSent<": "2999-12-31T23:59:59Z",
    }
    advance(DELIVERED)
    result = run("messages", "list", "--to", "+14155551234", "--output", "csv")
    assert [row["sid"] for row in _csv(result.stdout)] == [mine]


def test_messages_list_status_is_applied_to_each_row(advance, run, sent):
    delivered = _sms(run)
    advance(DELIVERED)
    _sms(run)
    sent.clear()
    result = run("messages", "list", "--status", "delivered", "--output", "json")
    assert result.exit_code == 0, result.output
    assert [m["sid"] for m in json.loads(result.stdout)] == [delivered]
    # The API has no status filter: it is not sent, and pages are full-size.
    assert sent[-1][2] == {"PageSize": "1000"}


def test_paging_past_one_thousand_and_the_limit(run, sandbox, sent):
    _bulk_messages(sandbox, 1500)
    result = run("messages", "list", "--limit", "1200", "--output", "csv")
    assert result.exit_code == 0, result.output
    rows = _csv(result.stdout)
    assert len(rows) == 1200 and rows[0]["body"] == "bulk 1499"  # newest first
    assert rows[-1]["body"] == "bulk 300"
    pages = [r for r in sent if r[1].endswith("/Messages.json")]
    assert len(pages) == 2 and pages[0][2]["PageSize"] == "1000"
    assert "PageToken" in pages[1][2]

    sent.clear()
    result = run("messages", "list", "--output", "csv")  # the default limit
    assert len(_csv(result.stdout)) == 50
    assert [r[2].get("PageSize") for r in sent] == ["50"]


def test_messages_list_table_fits_and_truncates(run, monkeypatch):
    sid = _sms(run, body="A long message body " * 10)
    monkeypatch.setenv("COLUMNS", "80")
    result = run("messages", "list")
    assert result.exit_code == 0, result.output
    header, row = result.stdout.splitlines()
    assert header.split() == ["SID", "DATE", "STATUS", "BODY"]
    assert row.startswith(sid) and row.endswith("…")
    assert all(len(line) <= 80 for line in result.stdout.splitlines())
    assert "T" in row.split()[1] and row.split()[1].endswith("Z")  # ISO 8601

    monkeypatch.setenv("COLUMNS", "160")
    wide = run("messages", "list").stdout.splitlines()[0].split()
    assert wide == ["SID", "DATE", "STATUS", "FROM", "TO", "BODY"]


def test_messages_json_is_the_api_record_with_iso_dates(advance, run):
    sid = _sms(run, body="Hi")
    advance(DELIVERED)
    (record,) = json.loads(run("messages", "list", "--output", "json").stdout)
    assert record["sid"] == sid and record["body"] == "Hi"
    assert record["date_sent"].endswith("Z") and "T" in record["date_sent"]
    assert {"num_segments", "price", "uri", "api_version"} <= set(record)
    shown = json.loads(run("messages", "show", sid, "--output", "json").stdout)
    assert shown["sid"] == sid and shown["status"] == "delivered"


def test_empty_lists_still_give_valid_output(run):
    assert json.loads(run("messages", "list", "--output", "json").stdout) == []
    result = run("messages", "list", "--output", "csv")
    assert result.stdout.startswith("sid,date_created,")
    assert "No messages found." in run("messages", "list").stderr


def test_messages_show_text(run):
    sid = _sms(run, body="Meet at noon")
    result = run("messages", "show", sid)
    assert result.exit_code == 0, result.output
    assert f"Message {sid}: " in result.stdout and "body: Meet at noon" in result.stdout


def test_media_list_and_download(run, tmp_path: Path):
    result = run(
        "send", "sms", "--to", "+14155551234", "--from", SENDER, "--yes",
        "--media-url", "https://example.com/cat.png",
        "--media-url", "https://example.com/dog.gif", "--output", "json",
    )  # fmt: skip
    sid = json.loads(result.stdout)["sid"]
    listed = _csv(run("messages", "media", sid, "--output", "csv").stdout)
    assert [m["content_type"] for m in listed] == ["image/png", "image/gif"]
    folder = tmp_path / "media"
    result = run("messages", "media", sid, "--download", str(folder))
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in folder.iterdir())
    assert files == sorted(
        f"{m['sid']}{ext}" for m, ext in zip(listed, [".png", ".gif"], strict=True)
    )
    assert (folder / files[0]).read_bytes()[:4] in (b"\x89PNG", b"GIF8")


def test_delete_asks_on_a_terminal(advance, run, sandbox, monkeypatch):
    sid = _sms(run)
    advance(DELIVERED)
    refused = run("messages", "delete", sid)
    assert refused.exit_code == 1
    assert "without confirmation" in refused.stderr and "--yes" in refused.stderr
    monkeypatch.setattr(context, "stdin_is_terminal", lambda: True)
    cancelled = run("messages", "delete", sid, input="no\n")
    assert cancelled.exit_code == 1 and len(sandbox().records("messages")) == 1
    confirmed = run("messages", "delete", sid, input="yes\n")
    assert confirmed.exit_code == 0, confirmed.output
    assert "Delete 1 message?" in confirmed.stdout
    assert f"deleted {sid}" in confirmed.stdout
    assert sandbox().records("messages") == []


def test_dry_run_changes_nothing(run, sandbox):
    sid = _sms(run)
    result = run("messages", "delete", sid, "--dry-run")
    assert result.exit_code == 0
    assert f"would delete {sid}" in result.stdout
    assert len(sandbox().records("messages")) == 1


def test_sids_from_stdin_with_per_item_lines_and_summary(advance, run, sandbox):
    done = [_sms(run) for _ in range(2)]
    advance(DELIVERED)
    queued = _sms(run)
    result = run("messages", "delete", "-", "--yes", input="\n".join([*done, queued]))
    assert result.exit_code == 1
    assert (
        f"deleted {done[0]}" in result.stdout and f"deleted {done[1]}" in result.stdout
    )
    assert f"FAILED {queued}: HTTP 400, Twilio error 20009" in result.stdout
    assert "delete it when it is delivered" in result.stdout
    assert "Deleted 2 of 3 messages; 1 failed." in result.stdout
    assert [m["sid"] for m in sandbox().records("messages")] == [queued]


def test_malformed_sids_are_refused_before_any_request(run, sent):
    result = run("messages", "delete", "SMnope", "CA" + "0" * 32, "--yes")
    assert result.exit_code == 1
    assert "'SMnope' is not a message SID" in result.stderr
    assert sent == []


def test_redact(advance, run, sandbox):
    sid = _sms(run, body="my PIN is 1234")
    advance(DELIVERED)
    result = run("messages", "redact", sid, "--yes")
    assert result.exit_code == 0, result.output
    assert f"redacted {sid}" in result.stdout
    assert sandbox().records("messages")[0]["body"] == ""


def test_template_send_renders_the_seeded_template(run, sandbox):
    template = "HX" + "0" * 31 + "1"
    args = (
        "send", "whatsapp", "--to", "+14155551234", "--from", "+15005550006",
        "--content-sid", template, "--content-variables", '{"1": "Ada", "2": "#7"}',
    )  # fmt: skip
    dry = run(*args, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "{{1}} = Ada" in dry.stdout and "{{2}} = #7" in dry.stdout
    assert run(*args, "--yes").exit_code == 0
    (message,) = sandbox().records("messages")
    assert message["to"] == "whatsapp:+14155551234"
    assert message["body"].startswith("Hi Ada, your order #7 has shipped")


# --- calls and recordings ---------------------------------------------------


def _call(run, to: str = HOLD, record: bool = True) -> str:
    args = ["send", "call", "--to", to, "--from", SENDER, "--yes", "--output", "json",
            "--url", "https://example.com/twiml"]  # fmt: skip
    result = run(*args, *(["--record"] if record else []))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["sid"]


def test_refused_delete_of_an_in_progress_call(advance, run, sandbox):
    sid = _call(run)
    advance(4)  # answered, and held
    assert sandbox().records("calls")[0]["status"] == "in-progress"  # held
    result = run("calls", "delete", sid, "--yes")
    assert result.exit_code == 1
    assert f"FAILED {sid}: HTTP 400, Twilio error 20009" in result.stdout
    assert "calls update SID --hangup" in result.stdout
    assert "https://www.twilio.com/docs/errors/20009" in result.stdout
    assert len(sandbox().records("calls")) == 1

    redirected = run(
        "calls", "update", sid, "--twiml", "<Response><Say>Hi</Say></Response>",
        "--yes",
    )  # fmt: skip
    assert redirected.exit_code == 0, redirected.output
    ended = run("calls", "update", sid, "--hangup", "--yes", "--output", "json")
    assert json.loads(ended.stdout)["status"] == "completed"
    again = run("calls", "update", sid, "--hangup", "--yes")
    assert again.exit_code == 1 and "21220" in again.stderr
    assert run("calls", "delete", sid, "--yes").exit_code == 0
    assert sandbox().records("calls") == []


def test_cancel_a_queued_call(run):
    sid = _call(run, record=False)
    result = run("calls", "update", sid, "--cancel", "--yes", "--output", "json")
    assert json.loads(result.stdout)["status"] == "canceled"


def test_calls_update_asks_first_and_dry_run_shows_the_request(
    run, sandbox, monkeypatch
):
    sid = _call(run, record=False)
    refused = run("calls", "update", sid, "--hangup")
    assert refused.exit_code == 1
    assert "without confirmation" in refused.stderr and "--yes" in refused.stderr
    assert sandbox().records("calls")[0]["status"] == "queued"
    dry = run("calls", "update", sid, "--url", "https://example.com/t", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Request: POST " in dry.stdout and f"/Calls/{sid}.json" in dry.stdout
    assert "Url=https://example.com/t" in dry.stdout
    assert "nothing was changed" in dry.stdout
    assert sandbox().records("calls")[0]["status"] == "queued"
    monkeypatch.setattr(context, "stdin_is_terminal", lambda: True)
    cancelled = run("calls", "update", sid, "--cancel", input="no\n")
    assert cancelled.exit_code == 1
    assert sandbox().records("calls")[0]["status"] == "queued"
    confirmed = run("calls", "update", sid, "--cancel", input="yes\n")
    assert confirmed.exit_code == 0, confirmed.output
    assert f"Cancel call {sid}?" in confirmed.stdout
    assert sandbox().records("calls")[0]["status"] == "canceled"


def test_calls_update_needs_exactly_one_change(run, sent):
    result = run("calls", "update", "CA" + "0" * 32, "--hangup", "--cancel")
    assert result.exit_code == 1 and "exactly one of" in result.stderr
    assert sent == []


def test_calls_list_filters_and_formats(advance, run, sent):
    held = _call(run, record=False)
    advance(1)  # ringing
    other = _call(run, to="+14155551234", record=False)
    sent.clear()
    result = run("calls", "list", "--to", HOLD, "--status", "ringing",
                 "--after", "2020-01-01T00:00:00+02:00", "--output", "csv")  # fmt: skip
    assert [row["sid"] for row in _csv(result.stdout)] == [held]
    assert sent[-1][2] == {
        "PageSize": "50",
        "To": HOLD,
        "Status": "ringing",
        "StartTime>": "2019-12-31T22:00:00Z",
    }
    table = run("calls", "list").stdout
    assert held in table and other in table and table.startswith("SID")
    parent = run("calls", "list", "--parent", held, "--output", "json")
    assert json.loads(parent.stdout) == []
    assert sent[-1][2]["ParentCallSid"] == held


def test_recordings_list_download_delete(advance, run, tmp_path: Path, sent):
    call = _call(run)
    advance(4)  # answered
    assert run("calls", "update", call, "--hangup", "--yes").exit_code == 0
    sent.clear()
    listed = _csv(run("recordings", "list", "--call", call, "--output", "csv").stdout)
    assert sent[-1][2] == {"PageSize": "50", "CallSid": call}
    (recording,) = listed
    assert recording["status"] == "completed" and int(recording["duration"]) > 0
    sid = recording["sid"]
    mp3 = tmp_path / "call.mp3"
    result = run("recordings", "download", sid, "--out", str(mp3))
    assert result.exit_code == 0, result.output
    assert mp3.read_bytes()[:2] == b"\xff\xfb"
    wav_path = tmp_path / "call.wav"
    wav = ("--audio-format", "wav", "--out", str(wav_path))
    assert run("recordings", "download", sid, *wav).exit_code == 0
    with wave.open(str(wav_path)) as audio:
        assert audio.getnchannels() == 1 and audio.getnframes() > 0
    again = run("recordings", "download", sid, "--out", str(mp3))
    assert again.exit_code == 1 and "--force" in again.stderr
    assert run("recordings", "delete", sid, "--yes").exit_code == 0
    assert run("recordings", "list", "--output", "json").stdout.strip() == "[]"


def test_an_unanswered_call_leaves_no_recording(advance, run):
    _call(run, to="+15005554002")  # no answer
    listed = json.loads(run("recordings", "list", "--output", "json").stdout)
    assert [row["status"] for row in listed] == ["in-progress"]
    advance(61)  # it rang for its 60 s Timeout
    assert json.loads(run("recordings", "list", "--output", "json").stdout) == []


# --- transcripts, numbers, lookup -------------------------------------------


def test_transcripts_list_and_show(run):
    listed = json.loads(
        run("transcripts", "list", "--with-text", "--output", "json").stdout
    )
    assert len(listed) == 3 and listed[0]["text"].startswith("Thanks for calling")
    table = run("transcripts", "list", "--limit", "2").stdout.splitlines()
    assert len(table) == 3  # header and two rows
    shown = run("transcripts", "show", listed[0]["sid"], listed[1]["sid"])
    assert shown.exit_code == 0, shown.output
    assert "[00:00.4] Agent: Thanks for calling Owl Bank" in shown.stdout
    assert "Customer: Hi, I'd like to move my appointment" in shown.stdout


def test_numbers_list_by_manifest_name(run, write):
    path = write(
        "twilio.yaml",
        """
        applications:
          - friendly_name: ivr
            voice_url: https://example.com/voice
        phone_numbers:
          - phone_number: "+14155550100"
            friendly_name: Front desk
            voice_application: ivr
            sms_url: https://example.com/sms
        """,
    )
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    rows = _csv(run("numbers", "list", "-f", str(path), "--output", "csv").stdout)
    first = next(r for r in rows if r["phone_number"] == "+14155550100")
    assert first["manifest_name"] == "Front desk"
    assert first["voice_routing"] == "app ivr"
    assert first["sms_routing"] == "POST https://example.com/sms"
    assert len(rows) == 4


def test_lookup_blocks_and_json(run, sent):
    result = run("lookup", "+14155550100", "(415) 555-4321", "--yes",
                 "--fields", "line_type_intelligence,caller_name")  # fmt: skip
    assert result.exit_code == 0, result.output
    blocks = result.stdout.strip().split("\n\n")
    assert (
        blocks[0].startswith("+14155550100\n")
        and "line type:       mobile" in blocks[0]
    )
    assert blocks[1].startswith("+14155554321\n") and "landline" in blocks[1]
    assert "paid per number looked up: line_type_intelligence, caller_name" in (
        result.stderr
    )
    assert "(4 paid look-ups; priced by Twilio)" in result.stderr
    assert sent[-1][2] == {"Fields": "line_type_intelligence,caller_name"}
    national = run("lookup", "020 7946 0000", "--country", "GB", "--output", "json")
    (record,) = json.loads(national.stdout)
    assert record["phone_number"] == "+442079460000" and record["country_code"] == "GB"


def test_paid_lookup_asks_first_and_refuses_without_a_terminal(run, sent, monkeypatch):
    paid = ("lookup", "+14155550100", "--fields", "caller_name")
    refused = run(*paid)
    assert refused.exit_code == 1
    assert "Refusing to run paid look-ups without confirmation" in refused.stderr
    assert "--yes" in refused.stderr and "Traceback" not in refused.output
    dry = run(*paid, "--dry-run")
    assert dry.exit_code == 0
    assert "Look up 1 number: +14155550100" in dry.stderr
    assert "Dry run: nothing was looked up." in dry.stderr
    assert sent == []
    monkeypatch.setattr(context, "stdin_is_terminal", lambda: True)
    declined = run(*paid, input="no\n")
    assert declined.exit_code == 1 and "Cancelled" in declined.stderr
    assert sent == []
    accepted = run(*paid, input="yes\n")
    assert accepted.exit_code == 0, accepted.output
    assert "Run 1 paid look-up?" in accepted.output
    assert [r[1] for r in sent] == ["/v2/PhoneNumbers/+14155550100"]


def test_free_lookup_runs_without_asking(run, sent):
    result = run("lookup", "+14155550100")
    assert result.exit_code == 0, result.output
    assert "Look up" not in result.stderr and "paid" not in result.stderr
    assert len(sent) == 1


def test_lookup_refuses_invalid_numbers_offline(run, sent):
    result = run("lookup", "+1415555010", "+999123", "0800-CALL-NOW")
    assert result.exit_code == 1
    assert "'+1415555010' is not a valid number: it is too short" in result.stderr
    assert (
        "'+999123' is not a valid number: E.164 numbers have 7 to 15" in result.stderr
    )
    assert (
        "'0800-CALL-NOW' is not a valid number: it is not a phone number"
        in result.stderr
    )
    assert sent == []


def test_lookup_strips_the_trunk_prefix_and_refuses_it_after_the_code(run, sent):
    result = run("lookup", "0201234567", "--country", "GB")
    assert result.exit_code == 1
    assert "'0201234567' is not a valid number: it is too short" in result.stderr
    after = run("lookup", "+440201234567")
    assert after.exit_code == 1
    assert "never starts with the trunk prefix 0" in after.stderr
    assert sent == []
    ok = run("lookup", "02079460000", "--country", "GB", "--output", "json")
    assert json.loads(ok.stdout)[0]["phone_number"] == "+442079460000"


def test_lookup_leaves_numbering_plans_it_lacks_to_twilio(run, sent):
    result = run("lookup", "+8613800138000", "13800138000", "--country", "cn")
    assert result.exit_code == 0, result.output
    assert [r[1] for r in sent] == [
        "/v2/PhoneNumbers/+8613800138000",
        "/v2/PhoneNumbers/13800138000",
    ]
    assert sent[-1][2] == {"CountryCode": "CN"}
    # The sandbox knows only its own table (README), and says so as Lookup would.
    assert "problems: INVALID_COUNTRY_CODE" in result.stdout


def test_lookup_fields_list_says_which_are_paid(run):
    result = run("lookup", "--fields", "list")
    assert result.exit_code == 0
    assert "validation                  free" in result.stdout
    assert "line_type_intelligence      paid" in result.stdout
    assert "paid" in run("lookup", "--help").stdout


# --- privacy ----------------------------------------------------------------


def test_logs_never_hold_bodies_or_credentials(run):
    secret_body = "my secret PIN 9876"
    _sms(run, body=secret_body)
    for args in (
        ("messages", "list"),
        ("--debug", "messages", "list", "--output", "json"),
    ):
        result = run(*args)
        assert secret_body not in result.stderr
        assert "70c3e45a" not in result.stderr and "Authorization" not in result.stderr


@pytest.mark.parametrize(
    ("args", "wanted"),
    [
        (("transcripts", "show", "GT" + "0" * 32), "No transcript GT000"),
        (("messages", "media", "SM" + "0" * 32), "No message SM000"),
        (("messages", "media", "SM" + "0" * 32, "--download"), "No message"),
    ],
)
def test_unknown_sids_say_so_without_the_raw_request(run, args, wanted, tmp_path):
    result = run(*args, *([str(tmp_path)] if args[-1] == "--download" else []))
    assert result.exit_code == 1
    assert wanted in result.stderr and "HTTP 404" in result.stderr
    assert "GET http" not in result.stderr
    assert "list` shows" in result.stderr or "--account-sid" in result.stderr


def test_show_of_an_unknown_sid_says_so(run):
    result = run("calls", "show", "CA" + "0" * 32)
    assert result.exit_code == 1
    assert "No call CA000" in result.stderr and "HTTP 404" in result.stderr


@pytest.mark.parametrize("family", ["messages", "calls", "recordings"])
def test_after_later_than_before_is_refused_offline(run, sent, family):
    result = run(family, "list", "--before", "2020-01-01", "--after", "2021-01-01")
    assert result.exit_code == 1
    assert "--after 2021-01-01 is later than --before 2020-01-01" in result.stderr
    assert sent == []
    same_day = run(family, "list", "--after", "2020-01-01", "--before", "2020-01-01")
    assert same_day.exit_code == 0, same_day.output
