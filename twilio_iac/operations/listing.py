"""Lists of the account's history: the query, and the rows as they arrive.

A list asks for pages of min(limit, 1000) records (1000 is Twilio's largest
page), sends every filter the API takes as a query parameter, and yields each
record as soon as its page is read, stopping at the limit. Only a filter the
API does not have (a message's status) is applied here, row by row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from twilio_iac.api.client import TwilioClient
from twilio_iac.api.wire import PAGE_SIZE
from twilio_iac.errors import SendRejected

DEFAULT_LIMIT = 50
E164 = re.compile(r"^(whatsapp:)?\+[1-9][0-9]{1,14}$")


@dataclass(frozen=True)
class Records:
    """An account's records of one kind in the 2010 API: ``Records("Calls")``."""

    name: str
    list_key: str

    def collection(self, account_sid: str) -> str:
        return f"/2010-04-01/Accounts/{account_sid}/{self.name}.json"

    def path(self, account_sid: str, sid: str) -> str:
        return f"/2010-04-01/Accounts/{account_sid}/{self.name}/{sid}.json"

    def delete(self, client: TwilioClient, account_sid: str, sid: str) -> None:
        client.delete("core", self.path(account_sid, sid))

    def query(
        self,
        account_sid: str,
        params: Mapping[str, Any],
        limit: int,
        keep: Callable[[dict[str, Any]], bool] | None = None,
    ) -> Query:
        """The list, with the filters given (those that are None left out)."""
        return Query(
            "core",
            self.collection(account_sid),
            self.list_key,
            drop_none(params),
            limit,
            keep,
        )


@dataclass(frozen=True)
class Query:
    api: str
    path: str
    list_key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    limit: int = DEFAULT_LIMIT
    keep: Callable[[dict[str, Any]], bool] | None = None  # a filter the API lacks

    @property
    def page_size(self) -> int:
        # A filter applied here may drop rows: then read full pages.
        return PAGE_SIZE if self.keep else max(1, min(self.limit, PAGE_SIZE))


def stream(client: TwilioClient, query: Query) -> Iterator[dict[str, Any]]:
    """The query's records in the API's order, at most ``limit`` of them."""
    if query.limit <= 0:
        return
    count = 0
    pages = client.pages(
        query.api, query.path, query.list_key, query.params, query.page_size
    )
    for page in pages:
        for record in page:
            if query.keep is not None and not query.keep(record):
                continue
            yield record
            count += 1
            if count >= query.limit:
                return


def bound(
    flag: str, value: str | None, end_of_day: bool
) -> tuple[str | None, list[str]]:
    """A date filter's value in ISO 8601 UTC, as the API's date-time params take.

    A day alone (2024-05-01) means its start for --after and its last second
    for --before, so both bounds include the day given."""
    if value is None:
        return None, []
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            clock = "23:59:59" if end_of_day else "00:00:00"
            return f"{day.isoformat()}T{clock}Z", []
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None, [
            f"{flag} {value!r} is not a date: give YYYY-MM-DD or an ISO 8601 "
            "date and time such as 2024-05-01T13:00:00Z"
        ]
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), []


def window(
    field: str, after: str | None, before: str | None
) -> tuple[dict[str, str | None], list[str]]:
    """--after/--before as the API's ``field>`` and ``field<`` params, both
    days included; an --after later than --before would list nothing."""
    start, problems = bound("--after", after, end_of_day=False)
    end, more = bound("--before", before, end_of_day=True)
    problems += more
    if start and end and start > end:
        problems.append(
            f"--after {after} is later than --before {before}, so nothing could "
            "match: swap them, or widen the window"
        )
    return {f"{field}>": start, f"{field}<": end}, problems


def parties(
    field: str,
    statuses: Sequence[str],
    to: str | None,
    sender: str | None,
    status: str | None,
    after: str | None,
    before: str | None,
) -> tuple[dict[str, str | None], list[str]]:
    """The filters messages and calls share: the dated window as the API's
    params, and every problem with --to, --from, --status and the dates."""
    dates, problems = window(field, after, before)
    problems += number("--to", to) + number("--from", sender)
    problems += choice("--status", status, statuses)
    return dates, problems


def number(flag: str, value: str | None) -> list[str]:
    if value is None or E164.match(value):
        return []
    return [f"{flag} {value!r} is not a phone number in E.164 form (+14155550100)"]


def choice(flag: str, value: str | None, allowed: Sequence[str]) -> list[str]:
    if value is None or value in allowed:
        return []
    return [f"{flag} {value!r} is not one of: {', '.join(allowed)}"]


def is_sid(value: str, prefixes: str) -> bool:
    """Whether ``value`` is a SID with one of ``prefixes`` ("CA", "SM|MM")."""
    return re.fullmatch(rf"({prefixes})[0-9a-fA-F]{{32}}", value) is not None


def sid(flag: str, value: str | None, prefixes: str) -> list[str]:
    """Problems with a SID; ``prefixes`` like "CA" or "SM|MM"."""
    if value is None or is_sid(value, prefixes):
        return []
    shown = " or ".join(f"{p}…" for p in prefixes.split("|"))
    return [f"{flag} {value!r} is not a {shown} SID"]


def refuse(problems: Sequence[str], headline: str = "Not listed") -> None:
    if problems:
        raise SendRejected(problems, headline=headline)


def drop_none(params: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in params.items() if value is not None}
