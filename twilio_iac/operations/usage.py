"""Usage reports: query Usage Records, summarise them as rows with exact prices.

query() checks the flags offline and picks the sub-resource (Today.json,
Daily.json, ...); fetch() follows every page; report() hides zero rows, sorts
and totals; the render functions draw a table (with a bar chart of cost per
period when broken down daily/monthly/yearly), CSV or JSON.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from twilio_iac.api.client import TwilioClient
from twilio_iac.errors import UsageQueryError

PERIODS = {
    "today": "Today",
    "yesterday": "Yesterday",
    "this-month": "ThisMonth",
    "last-month": "LastMonth",
    "all-time": "AllTime",
}
BREAKDOWNS = {"daily": "Daily", "monthly": "Monthly", "yearly": "Yearly"}
SORTS = ("price", "count", "category")
TOTAL_CATEGORY = "totalprice"  # Twilio's own total of every category
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Query:
    subresource: str  # "" (Records.json), "Today", ..., "Daily", ...
    start: date | None
    end: date | None
    categories: tuple[str, ...]
    include_subaccounts: bool
    breakdown: str | None  # "daily" | "monthly" | "yearly"

    def path(self, account_sid: str) -> str:
        leaf = f"/{self.subresource}" if self.subresource else ""
        return f"/2010-04-01/Accounts/{account_sid}/Usage/Records{leaf}.json"

    def params(self) -> list[dict[str, Any]]:
        """One parameter set per request: Twilio filters one category at a time."""
        base: dict[str, Any] = {"IncludeSubaccounts": self.include_subaccounts}
        if self.start is not None and self.end is not None:
            base["StartDate"] = self.start.isoformat()
            base["EndDate"] = self.end.isoformat()
        if not self.categories:
            return [base]
        return [{**base, "Category": category} for category in self.categories]


def parse_date(flag: str, raw: str) -> date:
    try:
        if not _DATE.match(raw):
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise UsageQueryError(
            f"{flag} {raw!r} is not a date: use YYYY-MM-DD, e.g. 2025-03-31. "
            "Nothing was sent to Twilio."
        ) from None


def one_breakdown(chosen: Sequence[str]) -> str | None:
    """The one breakdown asked for; several (--daily --monthly) is an error."""
    if len(chosen) > 1:
        flags = " and ".join(f"--{name}" for name in chosen)
        raise UsageQueryError(
            f"Give one of --daily, --monthly or --yearly, not {flags}. "
            "Nothing was sent to Twilio."
        )
    return chosen[0] if chosen else None


def period_dates(period: str, today: date) -> tuple[date | None, date | None]:
    """The first and last day a named period covers (None for all time)."""
    month = today.replace(day=1)
    last_month_end = month - timedelta(days=1)
    return {
        "today": (today, today),
        "yesterday": (today - timedelta(days=1), today - timedelta(days=1)),
        "this-month": (month, today),
        "last-month": (last_month_end.replace(day=1), last_month_end),
        "all-time": (None, None),
    }[period]


def query(
    *,
    period: str | None,
    start: str | None,
    end: str | None,
    breakdown: str | None,
    categories: Sequence[str],
    include_subaccounts: bool,
    today: date,
) -> Query:
    """Check the flags (no request yet) and choose what to ask for."""
    if period is not None and period not in PERIODS:
        raise UsageQueryError(
            f"Unknown period {period!r}: use one of {', '.join(PERIODS)}. "
            "Nothing was sent to Twilio."
        )
    if period is not None and (start or end):
        raise UsageQueryError("Give --period or --start/--end, not both.")
    if (start is None) != (end is None):
        raise UsageQueryError("--start and --end go together: give both dates.")
    first = parse_date("--start", start) if start else None
    last = parse_date("--end", end) if end else None
    if first and last and first > last:
        raise UsageQueryError(
            f"--start {first} is after --end {last}. Nothing was sent to Twilio."
        )
    cats = tuple(dict.fromkeys(c.strip() for c in categories if c.strip()))
    if first is None and period is None:
        period = "this-month"
    if breakdown is None:
        sub = PERIODS[period] if period else ""
        return Query(sub, first, last, cats, include_subaccounts, None)
    if period is not None:
        first, last = period_dates(period, today)
    return Query(
        BREAKDOWNS[breakdown], first, last, cats, include_subaccounts, breakdown
    )


@dataclass(frozen=True)
class Row:
    start: str
    end: str
    category: str
    description: str
    count: str
    count_unit: str
    usage: str
    usage_unit: str
    price: Decimal
    currency: str

    @property
    def empty(self) -> bool:
        return _number(self.count) == 0 and _number(self.usage) == 0 and not self.price


def _number(text: str) -> Decimal:
    try:
        return Decimal(text or "0")
    except ArithmeticError:
        return Decimal(0)


def _price(value: Any) -> Decimal:
    # JSON numbers arrive as floats: str() gives back the digits Twilio sent.
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def to_row(record: dict[str, Any]) -> Row:
    return Row(
        start=record.get("start_date") or "",
        end=record.get("end_date") or "",
        category=record.get("category") or "",
        description=record.get("description") or "",
        count=str(record.get("count") or "0"),
        count_unit=record.get("count_unit") or "",
        usage=str(record.get("usage") or "0"),
        usage_unit=record.get("usage_unit") or "",
        price=_price(record.get("price")),
        currency=(record.get("price_unit") or "").upper(),
    )


def fetch(
    client: TwilioClient, query: Query, page_size: int | None = None
) -> list[Row]:
    """Every record the query asks for, following every page of each request."""
    path = query.path(client.account_sid)
    rows: list[Row] = []
    for params in query.params():
        if page_size is not None:
            params = {**params, "PageSize": page_size}
        rows += [to_row(r) for r in client.list("core", path, "usage_records", params)]
    return rows if query.categories else leaves(rows)


def leaves(rows: list[Row]) -> list[Row]:
    """The rows without Twilio's aggregate categories (``sms`` sums
    ``sms-inbound`` and ``sms-outbound``…), which would count usage twice; an
    aggregate is a category that prefixes another's (totalprice stays)."""
    names = {row.category for row in rows}
    return [
        row
        for row in rows
        if not any(other.startswith(row.category + "-") for other in names)
    ]
