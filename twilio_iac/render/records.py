"""Records of the account's history as a table, CSV or JSON, row by row.

Every format is written as the records arrive, so the first rows show before
the last page is read: the table's column widths are fixed up front from the
terminal's width (columns that do not fit are left out, least useful first,
and the one free-text column takes what is left, cut with "…"; with no width,
as into a file or pipe, every column is shown and nothing is cut); CSV has a
header row and full values; JSON is one array of the API's records (messages
and calls in their one shape, operations/shapes.py). Dates
are ISO 8601 in UTC everywhere (the 2010-04-01 API writes RFC 2822).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from twilio_iac.operations.account_numbers import renamed
from twilio_iac.operations.shapes import DATE_FIELDS, iso, shape, with_iso_dates

GAP = "  "
DRIFT = "≠"  # marks a manifest name the live friendly_name differs from
# Tables whose JSON rows take the one shape of their object (operations/shapes).
_SHAPED = {"messages": "message", "calls": "call"}


def iso_minute(value: Any) -> str:
    """The table's shorter ISO 8601 form, ``2015-07-30T23:19Z``."""
    full = iso(value)
    return f"{full[:16]}Z" if len(full) == 20 else full


@dataclass(frozen=True)
class Column:
    title: str
    get: Callable[[Mapping[str, Any]], Any]
    width: int  # a fixed width, or a flexible column's least width
    keep: int = 0  # lower is kept longer when the terminal is narrow
    flex: bool = False


def _field(name: str) -> Callable[[Mapping[str, Any]], Any]:
    return lambda record: record.get(name)


def _manifest_name(record: Mapping[str, Any]) -> str:
    name = record.get("manifest_name") or ""
    return f"{DRIFT} {name}" if renamed(record) else name


def _when(title: str, keep: int, *names: str) -> Column:
    """A date column from the first of ``names`` the record has."""
    return Column(
        title,
        lambda r: iso_minute(next((r[n] for n in names if r.get(n)), None)),
        17,
        keep,
    )


def _seconds(record: Mapping[str, Any]) -> str:
    value = record.get("duration")
    return "" if value in (None, "") else f"{value}s"


SID = Column("SID", _field("sid"), 34)
NUMBER = Column("NUMBER", _field("phone_number"), 16)
LIVE_NAME = Column("NAME", _field("friendly_name"), 14, 1, flex=True)  # (415) 555-0100
VOICE = Column("VOICE", _field("voice_routing"), 12, 2, flex=True)
SMS = Column("SMS", _field("sms_routing"), 12, 3, flex=True)
TABLES: dict[str, list[Column]] = {
    "messages": [
        SID,
        _when("DATE", 1, "date_sent", "date_created"),
        Column("STATUS", _field("status"), 11, 2),
        Column("FROM", _field("from"), 16, 5),
        Column("TO", _field("to"), 16, 4),
        Column("BODY", _field("body"), 12, 0, flex=True),
    ],
    "calls": [
        SID,
        _when("START", 1, "start_time", "date_created"),
        Column("STATUS", _field("status"), 11, 2),
        Column("LENGTH", _seconds, 6, 4),
        Column("FROM", _field("from"), 16, 5),
        Column("TO", _field("to"), 12, 3, flex=True),
    ],
    "recordings": [
        SID,
        _when("DATE", 1, "date_created"),
        Column("STATUS", _field("status"), 11, 2),
        Column("LENGTH", _seconds, 6, 3),
        Column("CALL", _field("call_sid"), 34, 4),
    ],
    "media": [
        SID,
        _when("DATE", 2, "date_created"),
        Column("TYPE", _field("content_type"), 10, 0, flex=True),
    ],
    "transcripts": [
        SID,
        _when("DATE", 1, "date_created"),
        Column("STATUS", _field("status"), 10, 3),
        Column("LANG", _field("language_code"), 5, 4),
        Column("LENGTH", _seconds, 6, 2),
        Column("TEXT", _field("text"), 10, 0, flex=True),
    ],
    "numbers": [NUMBER, LIVE_NAME, VOICE, SMS],
    # numbers list -f: the live name beside the manifests' one, so drift shows.
    "declared numbers": [
        NUMBER,
        LIVE_NAME,
        Column("MANIFEST", _manifest_name, 12, 1, flex=True),
        VOICE,
        SMS,
    ],
}
CSV: dict[str, list[str]] = {
    "messages": [
        "sid", "date_created", "date_sent", "status", "direction", "from", "to",
        "num_segments", "num_media", "price", "price_unit", "error_code", "body",
    ],
    "calls": [
        "sid", "date_created", "start_time", "end_time", "status", "direction",
        "from", "to", "duration", "price", "price_unit", "parent_call_sid",
    ],
    "recordings": [
        "sid", "date_created", "status", "duration", "channels", "source",
        "call_sid", "price", "price_unit",
    ],
    "media": ["sid", "date_created", "content_type", "parent_sid"],
    "transcripts": [
        "sid", "date_created", "status", "language_code", "duration", "text",
    ],
    "numbers": [
        "phone_number", "sid", "friendly_name", "manifest_name", "voice_routing",
        "sms_routing",
    ],
}  # fmt: skip
CSV["declared numbers"] = CSV["numbers"]


def fit(columns: list[Column], width: int | None) -> list[tuple[Column, int]]:
    """The columns that fit ``width``, each with its width (None: no limit)."""
    shown = list(columns)
    if width is None:
        return [(column, column.width) for column in shown]

    def needed() -> int:
        return sum(c.width for c in shown) + len(GAP) * (len(shown) - 1)

    while needed() > width and len(shown) > 1:
        droppable = [c for c in shown if c.keep > 0]
        if not droppable:
            break
        shown.remove(max(droppable, key=lambda c: c.keep))
    spare = max(0, width - needed())
    flexible = [c for c in shown if c.flex]
    sized = []
    for column in shown:
        extra = 0
        if column.flex:
            index = flexible.index(column)
            extra = spare // len(flexible) + (1 if index < spare % len(flexible) else 0)
        sized.append((column, column.width + extra))
    return sized


def cell(value: Any, width: int, cut: bool = True) -> str:
    text = "" if value is None else " ".join(str(value).split())
    if cut and len(text) > width:
        text = text[: max(0, width - 1)] + "…"
    return text.ljust(width)


class Printer:
    """Writes records of one kind in one format as they come."""

    def __init__(
        self,
        kind: str,
        output: str,
        echo: Callable[[str], None],
        width: int | None = 80,
    ) -> None:
        self.kind, self.output, self.echo = kind, output, echo
        self.count = 0
        self._columns = fit(TABLES[kind], width)
        self._cut = width is not None

    def row(self, record: Mapping[str, Any]) -> None:
        if self.count == 0:
            self._start()
        self.count += 1
        if self.output == "json":
            what = _SHAPED.get(self.kind)
            data = shape(what, record) if what else with_iso_dates(record)
            text = json.dumps(data, indent=2, ensure_ascii=False)
            indented = "\n".join("  " + line for line in text.splitlines())
            self.echo(("" if self.count == 1 else ",\n") + indented)
        elif self.output == "csv":
            self.echo(_csv_line([_csv_value(record, f) for f in CSV[self.kind]]))
        else:
            self.echo(self._line([c.get(record) for c, _ in self._columns]))

    def finish(self) -> None:
        if self.output == "json":
            self.echo("[]\n" if self.count == 0 else "\n]\n")
        elif self.count == 0 and self.output == "csv":
            self._start()

    def _start(self) -> None:
        if self.output == "json":
            self.echo("[\n")
        elif self.output == "csv":
            self.echo(_csv_line(CSV[self.kind]))
        else:
            self.echo(self._line([c.title for c, _ in self._columns]))

    def _line(self, values: list[Any]) -> str:
        cells = [
            cell(v, w, self._cut)
            for v, (_, w) in zip(values, self._columns, strict=True)
        ]
        return GAP.join(cells).rstrip() + "\n"


def _csv_value(record: Mapping[str, Any], name: str) -> Any:
    value = record.get(name)
    if name in DATE_FIELDS:
        return iso(value)
    return "" if value is None else value


def _csv_line(values: list[Any]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values)
    return out.getvalue()


def block(pairs: list[tuple[str, Any]]) -> str:
    """A record as aligned ``name: value`` lines, for show and lookup."""
    shown = [(name, value) for name, value in pairs if value not in (None, "")]
    if not shown:
        return ""
    width = max(len(name) for name, _ in shown)
    return "\n".join(
        f"{(name + ':').ljust(width + 1)} {value}" for name, value in shown
    )
