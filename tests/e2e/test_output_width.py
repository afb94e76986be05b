"""Tables into a file or pipe keep every column and whole values; COLUMNS or
a terminal's width still fits them (tests/e2e/test_history.py)."""

from __future__ import annotations

import json

import pytest

LONG_BODY = "A long message body " * 10
LONG_URL = "https://example.com/" + "voice/" * 15


@pytest.fixture(autouse=True)
def _no_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)


def test_messages_list_into_a_pipe_keeps_every_column_and_the_whole_body(run):
    sent = run(
        "send", "sms", "--to", "+14155551234", "--from", "+14155550100",
        "--body", LONG_BODY, "--yes", "--output", "json",
    )  # fmt: skip
    assert sent.exit_code == 0, sent.output
    sid = json.loads(sent.stdout)["sid"]
    result = run("messages", "list")  # CliRunner's stdout is not a terminal
    assert result.exit_code == 0, result.output
    header, row = result.stdout.splitlines()
    assert header.split() == ["SID", "DATE", "STATUS", "FROM", "TO", "BODY"]
    assert row.startswith(sid) and "…" not in row
    assert row.endswith(LONG_BODY.strip())


def test_numbers_list_into_a_file_keeps_whole_urls(run, write):
    path = write(
        "twilio.yaml",
        f"""
        phone_numbers:
          - phone_number: "+14155550100"
            friendly_name: Front desk
            voice_url: {LONG_URL}
        """,
    )
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    result = run("numbers", "list")
    assert result.exit_code == 0, result.output
    assert f"POST {LONG_URL}" in result.stdout and "…" not in result.stdout


def test_columns_still_fits_a_pipe_when_set(run, write, monkeypatch):
    path = write(
        "twilio.yaml",
        f"""
        phone_numbers:
          - phone_number: "+14155550100"
            voice_url: {LONG_URL}
        """,
    )
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    monkeypatch.setenv("COLUMNS", "80")
    lines = run("numbers", "list").stdout.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert any(line.endswith("…") or "…" in line for line in lines)


def test_numbers_default_names_fit_their_column_in_a_file(run):
    lines = run("numbers", "list").stdout.splitlines()
    header, rows = lines[0], lines[1:]
    voice = header.index("VOICE")
    assert rows and all(row[voice - 2 : voice] == "  " for row in rows)
