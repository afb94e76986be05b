"""usage.query picks the sub-resource and checks flags; report totals exactly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings
from twilio_iac.emulator import SANDBOX_CREDENTIALS, Emulator
from twilio_iac.errors import UsageQueryError
from twilio_iac.operations import usage
from twilio_iac.operations.usage import Row
from twilio_iac.render import usage as usage_render

TODAY = date(2025, 3, 15)


def q(**flags: object) -> usage.Query:
    args = dict(period=None, start=None, end=None, breakdown=None, categories=())
    args.update(flags)
    return usage.query(include_subaccounts=True, today=TODAY, **args)


def test_defaults_to_this_month() -> None:
    query = q()
    assert (query.subresource, query.start, query.end) == ("ThisMonth", None, None)
    assert query.params() == [{"IncludeSubaccounts": True}]


def test_range_uses_records_with_dates_and_one_request_per_category() -> None:
    query = q(start="2025-01-01", end="2025-01-31", categories=("sms", "calls", "sms"))
    assert query.path("AC1") == "/2010-04-01/Accounts/AC1/Usage/Records.json"
    assert [p["Category"] for p in query.params()] == ["sms", "calls"]
    assert query.params()[0]["StartDate"] == "2025-01-01"


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        ("today", date(2025, 3, 15), date(2025, 3, 15)),
        ("yesterday", date(2025, 3, 14), date(2025, 3, 14)),
        ("this-month", date(2025, 3, 1), date(2025, 3, 15)),
        ("last-month", date(2025, 2, 1), date(2025, 2, 28)),
        ("all-time", None, None),
    ],
)
def test_period_with_breakdown_becomes_dates(period, start, end) -> None:
    query = q(period=period, breakdown="daily")
    assert (query.subresource, query.start, query.end) == ("Daily", start, end)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"period": "week"}, "Unknown period 'week'"),
        ({"start": "2025-1-1", "end": "2025-01-02"}, "is not a date"),
        ({"start": "2025-01-03", "end": "2025-01-02"}, "is after --end"),
        ({"end": "2025-01-02"}, "go together"),
        ({"period": "today", "start": "2025-01-01", "end": "2025-01-02"}, "not both"),
    ],
)
def test_bad_flags(flags, message) -> None:
    with pytest.raises(UsageQueryError, match=message):
        q(**flags)


def row(category: str, price: str, start: str = "2025-01-01", count: str = "1") -> Row:
    return Row(start, start, category, "", count, "", count, "", Decimal(price), "USD")


def test_report_totals_from_totalprice_hides_zero_rows_and_sorts() -> None:
    rows = [
        row("sms", "0.1"),
        row("calls", "0.25"),
        row("sms-inbound", "0", count="0"),
        row("totalprice", "0.35", count="0"),
    ]
    result = usage_render.report(rows, sort="price", show_all=False, breakdown=None)
    assert [r.category for r in result.rows] == ["calls", "sms"]
    assert result.total == Decimal("0.35")
    shown = usage_render.report(rows, sort="category", show_all=True, breakdown=None)
    assert [r.category for r in shown.rows] == ["calls", "sms", "sms-inbound"]


def test_without_totalprice_the_total_is_an_exact_sum() -> None:
    rows = [row("sms", "0.1"), row("sms", "0.2", start="2025-01-02")]
    result = usage_render.report(rows, sort="count", show_all=False, breakdown="daily")
    assert result.total == Decimal("0.3")  # 0.1 + 0.2 in floats is not 0.3
    assert [p.total for p in result.periods] == [Decimal("0.1"), Decimal("0.2")]
    assert "Cost per day (USD)" in usage_render.table(result)


def test_fetch_follows_every_page() -> None:
    emulator = Emulator()
    settings = Settings.from_env({}, sandbox=SANDBOX_CREDENTIALS)
    with TwilioClient(settings, app=emulator) as client:
        query = q(start="2020-01-01", end="2020-01-05", breakdown="daily")
        before = client.request_count
        rows = usage.fetch(client, query, page_size=3)
        assert client.request_count - before > 3
    # 5 days × (9 leaf categories + totalprice), each exactly once: the
    # aggregates (sms, calls, mms, phonenumbers) are left out, not summed twice.
    assert len(rows) == 50
    assert len({(r.start, r.category) for r in rows}) == 50
    assert not {"sms", "calls", "mms", "phonenumbers"} & {r.category for r in rows}


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [((), None), (("daily",), "daily"), (("yearly",), "yearly")],
)
def test_one_breakdown(chosen, expected) -> None:
    assert usage.one_breakdown(chosen) == expected


def test_two_breakdowns_are_an_error() -> None:
    with pytest.raises(UsageQueryError, match="not --daily and --monthly"):
        usage.one_breakdown(["daily", "monthly"])


@pytest.mark.parametrize("breakdown", [None, "daily"])
def test_no_rows_means_no_empty_currency_parentheses(breakdown) -> None:
    result = usage_render.report([], sort="price", show_all=False, breakdown=breakdown)
    text = usage_render.table(result)
    assert "()" not in text
    assert "PRICE" in text.splitlines()[0]
