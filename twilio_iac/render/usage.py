"""Usage rows as a report: zero rows hidden, sorted, totalled, then drawn as a
table (with a bar chart of cost per period for a breakdown), CSV or JSON.

Prices stay Decimal from the API to the output; nothing is rounded.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from twilio_iac.operations.usage import TOTAL_CATEGORY, Row

CHART_WIDTH = 40
_EIGHTHS = " ▏▎▍▌▋▊▉"
_CSV_FIELDS = (
    "start_date",
    "end_date",
    "category",
    "description",
    "count",
    "count_unit",
    "usage",
    "usage_unit",
    "price",
    "price_unit",
)


@dataclass(frozen=True)
class Period:
    start: str
    end: str
    total: Decimal


@dataclass(frozen=True)
class Report:
    rows: tuple[Row, ...]
    periods: tuple[Period, ...]
    total: Decimal
    currency: str
    breakdown: str | None


def report(
    rows: Sequence[Row], *, sort: str, show_all: bool, breakdown: str | None
) -> Report:
    """Totals come from Twilio's totalprice records when they were fetched
    (the other categories overlap, so summing them would count twice)."""
    totals = {(r.start, r.end): r.price for r in rows if r.category == TOTAL_CATEGORY}
    shown = [r for r in rows if r.category != TOTAL_CATEGORY]
    spans = dict.fromkeys((r.start, r.end) for r in rows)
    periods = tuple(
        Period(start, end, totals.get((start, end), _sum(shown, start, end)))
        for start, end in sorted(spans)
    )
    if not show_all:
        shown = [r for r in shown if not r.empty]
    currency = next((r.currency for r in rows if r.currency), "")
    return Report(
        rows=tuple(sorted(shown, key=_sort_key(sort))),
        periods=periods,
        total=sum((p.total for p in periods), Decimal(0)),
        currency=currency,
        breakdown=breakdown,
    )


def _sum(rows: Sequence[Row], start: str, end: str) -> Decimal:
    return sum((r.price for r in rows if (r.start, r.end) == (start, end)), Decimal(0))


def _sort_key(sort: str):  # noqa: ANN202
    def key(row: Row) -> tuple:
        if sort == "price":
            return (row.start, -row.price, row.category)
        if sort == "count":
            return (row.start, -Decimal(row.count or 0), row.category)
        return (row.start, row.category)

    return key


def _label(report: Report, start: str, end: str) -> str:
    if report.breakdown == "daily":
        return start
    if report.breakdown == "monthly":
        return start[:7]
    if report.breakdown == "yearly":
        return start[:4]
    return f"{start} to {end}"


def _amount(value: str, unit: str) -> str:
    return f"{value} {unit}".strip()


def table(report: Report) -> str:
    prices = [r.price for r in report.rows] + [p.total for p in report.periods]
    places = _places([*prices, report.total])
    header = ["CATEGORY", "COUNT", "USAGE", _in_currency("PRICE", report)]
    body = [
        [
            r.category,
            _amount(r.count, r.count_unit),
            _amount(r.usage, r.usage_unit),
            _fixed(r.price, places),
        ]
        for r in report.rows
    ]
    total = ["TOTAL", "", "", _fixed(report.total, places)]
    if report.breakdown:
        header.insert(0, "PERIOD")
        for cells, row in zip(body, report.rows, strict=True):
            cells.insert(0, _label(report, row.start, row.end))
        total.insert(1, "")
    lines = _columns([header, *body, total], numeric_from=len(header) - 3)
    if not body:
        lines.insert(1, "(no usage in this period; --all shows zero rows)")
    if report.periods and not report.breakdown:
        first, last = report.periods[0].start, report.periods[-1].end
        lines.insert(0, f"Usage from {first} to {last}")
    text = "\n".join(lines) + "\n"
    if report.breakdown:
        text += "\n" + chart(report, places)
    return text


def _in_currency(label: str, report: Report) -> str:
    # With no rows (say --category nope) the currency is unknown: no "()".
    return f"{label} ({report.currency})" if report.currency else label


def _places(prices: Sequence[Decimal]) -> int:
    """Decimal places enough for every price: padding, never rounding."""
    exponents = [p.as_tuple().exponent for p in prices]
    return max([2, *(-e for e in exponents if isinstance(e, int))])


def _fixed(price: Decimal, places: int) -> str:
    return f"{price:.{places}f}"


def _columns(rows: list[list[str]], numeric_from: int) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(width) if i >= numeric_from else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def chart(report: Report, places: int = 2) -> str:
    """One bar per period, scaled to the most expensive one."""
    noun = {"daily": "day", "monthly": "month", "yearly": "year"}[report.breakdown]
    lines = [_in_currency(f"Cost per {noun}", report)]
    top = max((p.total for p in report.periods), default=Decimal(0))
    labels = [_label(report, p.start, p.end) for p in report.periods]
    width = max((len(label) for label in labels), default=0)
    for label, period in zip(labels, report.periods, strict=True):
        amount = _fixed(period.total, places)
        lines.append(f"{label.ljust(width)} {_bar(period.total, top)} {amount}")
    return "\n".join(lines) + "\n"


def _bar(value: Decimal, top: Decimal) -> str:
    if top <= 0 or value <= 0:
        return "".ljust(CHART_WIDTH)
    eighths = int(value / top * CHART_WIDTH * 8)
    full, part = divmod(max(eighths, 1), 8)
    return ("█" * full + (_EIGHTHS[part] if part else "")).ljust(CHART_WIDTH)


def as_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_CSV_FIELDS)
    for r in report.rows:
        writer.writerow(
            [r.start, r.end, r.category, r.description, r.count, r.count_unit]
            + [r.usage, r.usage_unit, f"{r.price:f}", r.currency]
        )
    first = report.periods[0].start if report.periods else ""
    last = report.periods[-1].end if report.periods else ""
    writer.writerow(
        [first, last, "total", "", "", "", "", "", f"{report.total:f}", report.currency]
    )
    return out.getvalue()


def as_json(report: Report) -> str:
    data = {
        "currency": report.currency,
        "total": f"{report.total:f}",
        "periods": [
            {"start_date": p.start, "end_date": p.end, "total": f"{p.total:f}"}
            for p in report.periods
        ],
        "rows": [
            {
                "start_date": r.start,
                "end_date": r.end,
                "category": r.category,
                "description": r.description,
                "count": r.count,
                "count_unit": r.count_unit,
                "usage": r.usage,
                "usage_unit": r.usage_unit,
                "price": f"{r.price:f}",
                "price_unit": r.currency,
            }
            for r in report.rows
        ],
    }
    return json.dumps(data, indent=2) + "\n"
