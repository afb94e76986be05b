"""`twilio-iac usage` against the sandbox's seeded history: golden outputs.

The sandbox's history is a pure function of the date and ends the day before
its ``history_anchor``; pinning the anchor and asking for fixed past dates
makes the outputs stable. TWILIO_IAC_UPDATE_GOLDEN=1 rewrites the files.
"""

from __future__ import annotations

import importlib
import json
import os
from datetime import date
from pathlib import Path

import pytest

from twilio_iac.emulator import Emulator

cli_usage = importlib.import_module("twilio_iac.cli.usage")

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "usage"
MAY = ("--start", "2025-05-01", "--end", "2025-05-10")


@pytest.fixture(autouse=True)
def pinned(sandbox, monkeypatch):
    emulator = sandbox()
    emulator.store.state["history_anchor"] = "2025-06-15"
    emulator.save()
    monkeypatch.setattr(cli_usage, "today", lambda: date(2025, 6, 20))


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("TWILIO_IAC_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("range.txt", (*MAY,)),
        ("range.csv", (*MAY, "--output", "csv")),
        ("range.json", (*MAY, "--output", "json", "--sort", "category")),
        ("daily.txt", (*MAY, "--daily", "--category", "sms-outbound")),
        ("monthly.txt", ("--start", "2025-03-01", "--end", "2025-05-31", "--monthly")),
        ("all.txt", ("--start", "2025-05-02", "--end", "2025-05-02", "--all")),
    ],
)
def test_golden_outputs(run, name, args):
    result = run("usage", *args)
    assert result.exit_code == 0, result.output
    golden(name, result.stdout)


def test_daily_table_draws_a_bar_per_day(run):
    result = run("usage", *MAY, "--daily")
    assert result.exit_code == 0, result.output
    chart = result.stdout.split("Cost per day (USD)\n")[1].splitlines()
    assert [line[:10] for line in chart] == [f"2025-05-{d:02d}" for d in range(1, 11)]
    assert any("█" * 40 in line for line in chart)  # the costliest day


def test_json_total_is_twilio_totalprice_and_exact(run):
    data = json.loads(run("usage", *MAY, "--output", "json").stdout)
    rows = sum(float(row["price"]) for row in data["rows"])
    assert data["currency"] == "USD"
    assert abs(float(data["total"]) - rows) < 1e-9
    assert all("e" not in row["price"].lower() for row in data["rows"])


def test_zero_rows_hidden_unless_all(run):
    hidden = run("usage", *MAY, "--output", "json").stdout
    shown = run("usage", *MAY, "--output", "json", "--all").stdout
    categories = {row["category"] for row in json.loads(shown)["rows"]}
    assert "sms-inbound" in categories
    assert "sms-inbound" not in {r["category"] for r in json.loads(hidden)["rows"]}


def test_sends_in_the_sandbox_show_up_today(run):
    sent = run(
        "send",
        "sms",
        "--to",
        "+14155551234",
        "--from",
        "+14155550100",
        "--body",
        "x" * 161,
        "--yes",
    )
    assert sent.exit_code == 0, sent.output
    data = json.loads(run("usage", "--period", "today", "--output", "json").stdout)
    (row,) = data["rows"]
    assert (row["category"], row["count"], row["usage"]) == ("sms-outbound", "1", "2")
    assert data["total"] == "0.0158"


def test_subaccounts_flag(run, sandbox):
    emulator = sandbox()
    sub_with_message(emulator)
    emulator.save()
    both = json.loads(run("usage", "--period", "today", "--output", "json").stdout)
    main = json.loads(
        run("usage", "--period", "today", "--output", "json", "--no-subaccounts").stdout
    )
    assert both["total"] == "0.0079"
    assert main["rows"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--start", "2025-02-30", "--end", "2025-03-01"), "is not a date"),
        (("--start", "03/01/2025", "--end", "2025-03-01"), "use YYYY-MM-DD"),
        (("--start", "2025-03-02", "--end", "2025-03-01"), "is after --end"),
        (("--start", "2025-03-02"), "--start and --end go together"),
        (("--period", "fortnight"), "Unknown period 'fortnight'"),
        (
            ("--period", "today", "--start", "2025-03-02", "--end", "2025-03-03"),
            "not both",
        ),
    ],
)
def test_bad_flags_fail_before_any_request(run, sandbox, args, message):
    result = run("usage", *args)
    assert result.exit_code == 1
    assert message in result.stderr


def test_two_breakdowns_fail_before_any_request(run, sandbox):
    emulator = sandbox()
    # Any request would consume this fault (and fail with it).
    emulator.add_fault("*", ".*", 500, 20500, "a request was made")
    emulator.save()
    result = run("usage", "--daily", "--monthly")
    assert result.exit_code == 1
    assert "Give one of --daily, --monthly or --yearly" in result.stderr
    assert "not --daily and --monthly" in result.stderr
    assert len(sandbox().store.state["faults"]) == 1


def test_an_unmodelled_category_shows_no_empty_currency(run):
    result = run("usage", *MAY, "--category", "recordings")
    assert result.exit_code == 0, result.output
    assert "()" not in result.stdout
    assert result.stdout.splitlines()[1].split() == [
        "CATEGORY",
        "COUNT",
        "USAGE",
        "PRICE",
        "(USD)",
    ]
    daily = run("usage", *MAY, "--category", "recordings", "--daily")
    assert "()" not in daily.stdout
    assert "Cost per day (USD)\n" in daily.stdout


def sub_with_message(emulator: Emulator) -> None:
    """A subaccount with one delivered message, put straight into the store."""
    sub = emulator.insert("accounts", friendly_name="child", status="active")
    records = emulator.store.records
    records("accounts")[sub["sid"]]["owner_account_sid"] = emulator.account_sid
    message = emulator.insert(
        "messages", to="+14155551234", status="delivered", num_segments="1"
    )
    records("messages")[message["sid"]]["account_sid"] = sub["sid"]


def test_an_unknown_category_is_refused_by_the_sandbox(run):
    result = run("usage", "--category", "smss-outbound", "--period", "this-month")
    assert result.exit_code == 1
    assert "Category 'smss-outbound' is not a Twilio usage category" in result.output
    known = run("usage", "--category", "sms-outbound", "--period", "this-month")
    assert "Warning" not in known.stderr
