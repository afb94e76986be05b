"""Usage Records, computed from the sandbox's own traffic plus a seeded history.

The history covers HISTORY_DAYS days before the state's ``history_anchor``
(the day the sandbox was created) with made-up but stable daily volumes: the
same date always gets the same figures, weekends are quieter, and a few days
spike. Messages and completed calls sent through the sandbox are added on the
day they were created; owned numbers are charged on the 1st of each month.
Every category is listed for every period, zero or not, as Twilio does.
"""

from __future__ import annotations

import functools
import hashlib
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from ..http.actions import ActionCall, register_action
from ..http.problems import INVALID_PARAMETER, bad_request
from ..store import Store
from .accounts import subaccounts
from .traffic import CALL_PRICE, MMS_PRICE, SMS_PRICE, call_minutes

HISTORY_DAYS = 120
TOTAL = "totalprice"
# category → (description, count unit, usage unit, price per usage unit)
CATEGORIES: dict[str, tuple[str, str, str, Decimal]] = {
    "calls-inbound": ("Inbound Voice Minutes", "calls", "minutes", Decimal("0.0085")),
    "calls-outbound": ("Outbound Voice Minutes", "calls", "minutes", CALL_PRICE),
    "mms-outbound": ("Outbound MMS", "messages", "messages", MMS_PRICE),
    "phonenumbers-local": (
        "Local Phone Numbers",
        "phone-numbers",
        "phone-numbers",
        Decimal("1.15"),
    ),
    "phonenumbers-tollfree": (
        "Toll-free Phone Numbers",
        "phone-numbers",
        "phone-numbers",
        Decimal("2.15"),
    ),
    "sms-inbound": ("Inbound SMS", "messages", "segments", Decimal("0.0079")),
    "sms-outbound": ("Outbound SMS", "messages", "segments", SMS_PRICE),
    "mms-inbound": ("Inbound MMS", "messages", "messages", Decimal("0.0100")),
    "phonenumbers-mobile": (
        "Mobile Phone Numbers",
        "phone-numbers",
        "phone-numbers",
        Decimal("1.15"),
    ),
}
# Twilio's aggregate categories over the leaves above (Usage Categories,
# https://www.twilio.com/docs/usage/api/usage-record#usage-categories: "calls"
# is all voice minutes, "sms" all SMS, inbound and outbound, and so on).
# Each one's count, usage and price are the sums of its leaves'.
AGGREGATES: dict[str, tuple[str, tuple[str, ...]]] = {
    "calls": ("Voice Minutes", ("calls-inbound", "calls-outbound")),
    "sms": ("SMS Messages", ("sms-inbound", "sms-outbound")),
    "mms": ("MMS Messages", ("mms-inbound", "mms-outbound")),
    "phonenumbers": (
        "Phone Numbers",
        ("phonenumbers-local", "phonenumbers-mobile", "phonenumbers-tollfree"),
    ),
}
MODELLED = frozenset({*CATEGORIES, *AGGREGATES, TOTAL})


@functools.cache
def known() -> frozenset[str]:
    """Every category Twilio has (usage_categories.txt): those the sandbox
    does not model answer zero when asked for, and any other is refused."""
    text = (resources.files(__package__) / "usage_categories.txt").read_text()
    names = (line.strip() for line in text.splitlines())
    return MODELLED | {name for name in names if name and not name.startswith("#")}


SUBRESOURCES = {
    "all_time": "AllTime",
    "daily": "Daily",
    "last_month": "LastMonth",
    "monthly": "Monthly",
    "this_month": "ThisMonth",
    "today": "Today",
    "yearly": "Yearly",
    "yesterday": "Yesterday",
}
Volumes = dict[str, list[int]]  # category → [count, usage]
Totals = dict[str, tuple[int, int, Decimal]]  # category → (count, usage, price)
_BASE = "/2010-04-01/Accounts/{AccountSid}/Usage/Records"


def history(day: date) -> Volumes:
    """The seeded volumes of one day (before the anchor)."""
    seed = int(hashlib.sha256(day.isoformat().encode()).hexdigest()[:12], 16)
    sms = 20 + seed % 60
    if day.weekday() >= 5:
        sms //= 3
    if seed % 29 == 0:  # a spike, about one day a month
        sms *= 8
    calls = 2 + (seed >> 8) % 10
    minutes = calls * (1 + (seed >> 16) % 4)
    volumes: Volumes = {
        "sms-outbound": [sms, sms + (seed >> 24) % 7],
        "calls-outbound": [calls, minutes],
        "mms-outbound": [(seed >> 20) % 4] * 2,
    }
    if day.day == 1:
        volumes["phonenumbers-local"] = [3, 3]
        volumes["phonenumbers-tollfree"] = [1, 1]
    return volumes


def traffic(store: Store, accounts: list[str]) -> dict[date, Volumes]:
    """Volumes of the sandbox's own sends, by the day they were created."""
    days: dict[date, Volumes] = defaultdict(dict)

    def add(day: date, category: str, count: int, usage: int) -> None:
        total = days[day].setdefault(category, [0, 0])
        total[0] += count
        total[1] += usage

    for record in store.records("messages").values():
        if record["account_sid"] in accounts and record["status"] != "failed":
            day = parsedate_to_datetime(record["date_created"]).date()
            if record["sid"].startswith("MM"):
                add(day, "mms-outbound", 1, 1)
            else:
                add(day, "sms-outbound", 1, int(record["num_segments"]))
    for record in store.records("calls").values():
        if record["account_sid"] in accounts and record["status"] == "completed":
            day = parsedate_to_datetime(record["date_created"]).date()
            add(day, "calls-outbound", 1, call_minutes(record))
    return days


def _numbers(store: Store, accounts: list[str]) -> Volumes:
    counts = {"local": 0, "tollfree": 0, "mobile": 0}
    for record in store.records("phone_numbers").values():
        if record["account_sid"] in accounts:
            counts[record["type"] if record["type"] in counts else "local"] += 1
    return {f"phonenumbers-{kind}": [n, n] for kind, n in counts.items()}


class Ledger:
    """Daily volumes of some accounts, summed over any range of days."""

    def __init__(self, store: Store, accounts: list[str], today: date) -> None:
        self.anchor = date.fromisoformat(store.state["history_anchor"])
        self.first = self.anchor - timedelta(days=HISTORY_DAYS)
        self.today = today
        self.seeded = store.account_sid in accounts
        self.sent = traffic(store, accounts)
        self.owned = _numbers(store, accounts)

    def day(self, day: date) -> Volumes:
        volumes: Volumes = {}
        if self.seeded and self.first <= day < self.anchor:
            volumes = history(day)
        elif day >= self.anchor and day.day == 1:
            volumes = {key: list(value) for key, value in self.owned.items()}
        for category, (count, usage) in self.sent.get(day, {}).items():
            total = volumes.setdefault(category, [0, 0])
            total[0] += count
            total[1] += usage
        return volumes

    def span(self, start: date, end: date) -> Volumes:
        totals: Volumes = {category: [0, 0] for category in CATEGORIES}
        day = max(start, self.first)
        while day <= min(end, self.today):
            for category, (count, usage) in self.day(day).items():
                totals[category][0] += count
                totals[category][1] += usage
            day += timedelta(days=1)
        return totals


def parse_date(raw: str | None, today: date, name: str) -> date | None:
    """``YYYY-MM-DD``, or an offset from today such as ``-30days``."""
    if raw is None:
        return None
    if raw.endswith("days") and raw[:1] in "+-" and raw[1:-4].isdigit():
        return today + timedelta(days=int(raw[:-4]))
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise bad_request(
            INVALID_PARAMETER, f"{name} {raw!r} is not a date (YYYY-MM-DD)"
        ) from None


def periods(sub: str, start: date, end: date, today: date) -> list[tuple[date, date]]:
    """The (first, last) day of each period a sub-resource reports."""
    month = today.replace(day=1)
    last_month_end = month - timedelta(days=1)
    fixed = {
        "Today": (today, today),
        "Yesterday": (today - timedelta(days=1),) * 2,
        "ThisMonth": (month, today),
        "LastMonth": (last_month_end.replace(day=1), last_month_end),
    }
    if sub in fixed:
        return [fixed[sub]]
    if sub in ("", "AllTime"):
        return [(start, end)]
    spans: list[tuple[date, date]] = []
    day = start
    while day <= end:
        if sub == "Daily":
            stop = day
        elif sub == "Monthly":
            stop = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
            stop -= timedelta(days=1)
        else:
            stop = day.replace(month=12, day=31)
        spans.append((day, min(stop, end)))
        day = min(stop, end) + timedelta(days=1)
    return spans


def _record(
    call: ActionCall, sub: str, span: tuple[date, date], category: str, totals: Totals
) -> dict[str, Any]:
    count, usage, price = totals[category]
    if category == TOTAL:
        description, count_unit, usage_unit = "Total Price", "", "usd"
        count, usage = "0", f"{price:.5f}"
    elif category not in MODELLED:
        description, count_unit, usage_unit = category, "", ""
        count, usage = "0", "0"
    else:
        leaf = AGGREGATES[category][1][0] if category in AGGREGATES else category
        _, count_unit, usage_unit, _ = CATEGORIES[leaf]
        description = (AGGREGATES.get(category) or CATEGORIES[category])[0]
        count, usage = str(count), str(usage)
    base = _BASE.format(AccountSid=call.account)
    dates = {"StartDate": span[0].isoformat(), "EndDate": span[1].isoformat()}
    query = urlencode({"Category": category, **dates})
    return {
        "account_sid": call.account,
        "api_version": "2010-04-01",
        "as_of": call.now.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "category": category,
        "count": count,
        "count_unit": count_unit,
        "description": description,
        "end_date": dates["EndDate"],
        "price": float(round(price, 5)),
        "price_unit": "usd",
        "start_date": dates["StartDate"],
        "subresource_uris": {
            key: f"{base}/{leaf}.json?Category={category}"
            for key, leaf in SUBRESOURCES.items()
        },
        "uri": f"{base}{'/' + sub if sub else ''}.json?{query}",
        "usage": usage,
        "usage_unit": usage_unit,
    }


def _records(store: Store, call: ActionCall, sub: str) -> list[dict[str, Any]]:
    today = call.now.date()
    include = call.values.get("IncludeSubaccounts")
    accounts = subaccounts(store, call.account) if include is not False else []
    ledger = Ledger(store, accounts or [call.account], today)
    start = parse_date(call.values.get("StartDate"), today, "StartDate")
    end = parse_date(call.values.get("EndDate"), today, "EndDate")
    start, end = start or ledger.first, end or today
    if start > end:
        raise bad_request(INVALID_PARAMETER, "StartDate is after EndDate")
    wanted = call.values.get("Category")
    if wanted is not None and wanted not in known():
        # Twilio's answer to an unknown category is not documented; the
        # sandbox refuses it rather than answer an empty list that reads as
        # "no usage".
        raise bad_request(
            INVALID_PARAMETER,
            f"Category {wanted!r} is not a Twilio usage category (the sandbox "
            f"models {', '.join(sorted(MODELLED))})",
        )
    records = []
    for span in periods(sub, start, end, today):
        totals = tree(ledger.span(*span))
        if wanted is not None and wanted not in totals:
            totals[wanted] = (0, 0, Decimal(0))  # a category no sandbox use reaches
        for category in sorted(totals):
            if wanted in (None, category):
                records.append(_record(call, sub, span, category, totals))
    return records


def tree(volumes: Volumes) -> Totals:
    """Each leaf's (count, usage, price), each aggregate's sums over its leaves,
    and totalprice's sum of every leaf's price: totals that add up."""
    totals: Totals = {
        leaf: (count, usage, CATEGORIES[leaf][3] * usage)
        for leaf, (count, usage) in volumes.items()
    }
    for name, (_, leaves) in AGGREGATES.items():
        parts = [totals[leaf] for leaf in leaves]
        totals[name] = (
            sum(p[0] for p in parts),
            sum(p[1] for p in parts),
            sum((p[2] for p in parts), Decimal(0)),
        )
    price = sum((totals[leaf][2] for leaf in CATEGORIES), Decimal(0))
    totals[TOTAL] = (0, 0, price)
    return totals


def _page(call: ActionCall, records: list[dict[str, Any]]) -> dict[str, Any]:
    size = call.values.get("PageSize") or 50
    number = call.values.get("Page") or 0
    token = call.values.get("PageToken")
    start = int(token[2:]) if token and token[2:].isdigit() else number * size
    items = records[start : start + size]
    filters = [
        (name, str(value).lower() if isinstance(value, bool) else str(value))
        for name, value in call.values.items()
        if name not in ("PageSize", "Page", "PageToken") and value is not None
    ]

    def uri(page: int, offset: int | None) -> str:
        query = [*filters, ("PageSize", str(size)), ("Page", str(page))]
        if offset is not None:
            query.append(("PageToken", f"PA{offset}"))
        return f"{call.path}?{urlencode(query)}"

    more = start + size < len(records)
    return {
        "first_page_uri": uri(0, None),
        "next_page_uri": uri(number + 1, start + size) if more else None,
        "previous_page_uri": uri(number - 1, max(start - size, 0)) if start else None,
        "page": number,
        "page_size": size,
        "start": start,
        "end": start + max(len(items) - 1, 0),
        "uri": uri(number, start if token else None),
        "usage_records": items,
    }


def _handler(sub: str):  # noqa: ANN202 (a closure per sub-resource)
    def handle(store: Store, call: ActionCall) -> dict[str, Any]:
        return _page(call, _records(store, call, sub))

    return handle


register_action("GET", f"{_BASE}.json", _handler(""))
for _leaf in SUBRESOURCES.values():
    register_action("GET", f"{_BASE}/{_leaf}.json", _handler(_leaf))
