"""Through `emulator serve`: Twilio's usage category tree, aggregates whose
totals add up, zero for a real category the sandbox does not model, and an
unknown category refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.e2e.served import P, Served, serving
from twilio_iac.emulator.core.usage import AGGREGATES, CATEGORIES

RECORDS = f"{P}/Usage/Records.json"
SPAN = {"StartDate": "-90days", "EndDate": "-1days"}  # within the seeded history


@pytest.fixture
def served() -> Iterator[Served]:
    with serving() as served:
        yield served


def _by_category(served: Served, **params: str) -> dict[str, dict]:
    reply = served.get(RECORDS, PageSize=1000, **SPAN, **params)
    assert reply.status_code == 200, reply.text
    return {r["category"]: r for r in reply.json()["usage_records"]}


def test_aggregates_and_the_total_add_up(served) -> None:
    records = _by_category(served)
    assert set(records) == {*CATEGORIES, *AGGREGATES, "totalprice"}
    assert int(records["sms-outbound"]["count"]) > 0
    for name, (_, leaves) in AGGREGATES.items():
        for field in ("count", "usage"):
            parts = sum(int(records[leaf][field]) for leaf in leaves)
            assert int(records[name][field]) == parts, (name, field)
        price = sum(Decimal(str(records[leaf]["price"])) for leaf in leaves)
        assert abs(Decimal(str(records[name]["price"])) - price) < Decimal("0.00002")
    total = sum(Decimal(str(records[leaf]["price"])) for leaf in CATEGORIES)
    assert abs(Decimal(records["totalprice"]["usage"]) - total) < Decimal("0.00002")


def test_one_category_is_asked_for_by_name(served) -> None:
    sms = _by_category(served, Category="sms")
    assert list(sms) == ["sms"] and sms["sms"]["count_unit"] == "messages"
    recordings = _by_category(served, Category="recordings")
    assert recordings["recordings"]["count"] == "0"


def test_an_unknown_category_is_an_error(served) -> None:
    reply = served.get(RECORDS, Category="smss")
    assert reply.status_code == 400
    assert reply.json()["code"] == 20001
    assert "'smss' is not a Twilio usage category" in reply.json()["message"]


def test_the_sdk_filters_by_an_aggregate(served) -> None:
    pytest.importorskip("twilio.rest")
    client = served.sdk()
    last_month = date.today() - timedelta(days=30)
    calls = client.usage.records.list(
        category="calls", start_date=last_month, end_date=last_month
    )
    assert [r.category for r in calls] == ["calls"] and int(calls[0].count) > 0
