"""Record tables, CSV and JSON: widths that fit, ISO 8601 dates, valid output."""

from __future__ import annotations

import csv
import io
import json

import pytest

from twilio_iac.render.records import TABLES, Printer, fit, iso

MESSAGE = {
    "sid": "SM" + "a" * 32,
    "date_created": "Thu, 30 Jul 2015 23:19:04 +0000",
    "date_sent": "Thu, 30 Jul 2015 23:19:05 +0000",
    "status": "delivered",
    "from": "+14155550100",
    "to": "+14155551234",
    "body": 'Line one\nline two, with a comma and "quotes" ' + "x" * 200,
}


def _printed(output: str, width: int = 80, rows: tuple[dict, ...] = (MESSAGE,)) -> str:
    out: list[str] = []
    printer = Printer("messages", output, out.append, width)
    for row in rows:
        printer.row(row)
    printer.finish()
    return "".join(out)


def test_iso_dates_from_both_of_twilios_formats() -> None:
    assert iso("Thu, 30 Jul 2015 23:19:04 +0000") == "2015-07-30T23:19:04Z"
    assert iso("2015-07-30T20:00:00Z") == "2015-07-30T20:00:00Z"
    assert iso("2015-07-30T22:00:00+02:00") == "2015-07-30T20:00:00Z"
    assert iso(None) == ""


@pytest.mark.parametrize("width", [40, 80, 100, 132, 200])
@pytest.mark.parametrize("kind", sorted(TABLES))
def test_tables_fit_the_width(kind: str, width: int) -> None:
    sized = fit(TABLES[kind], width)
    total = sum(w for _, w in sized) + 2 * (len(sized) - 1)
    first = TABLES[kind][0]
    assert sized[0][0] is first  # the identifying column is always kept
    assert total <= width or len(sized) == len([c for c in TABLES[kind] if not c.keep])


def test_table_rows_are_one_line_and_cut_with_an_ellipsis() -> None:
    lines = _printed("table", 100).splitlines()
    assert len(lines) == 2 and all(len(line) <= 100 for line in lines)
    assert lines[1].endswith("…") and "2015-07-30T23:19Z" in lines[1]


def test_csv_has_a_header_and_full_values() -> None:
    rows = list(csv.DictReader(io.StringIO(_printed("csv"))))
    assert rows[0]["body"] == MESSAGE["body"]
    assert rows[0]["date_sent"] == "2015-07-30T23:19:05Z"


def test_json_is_one_array_of_the_records() -> None:
    records = json.loads(_printed("json", rows=(MESSAGE, MESSAGE)))
    assert len(records) == 2 and records[0]["body"] == MESSAGE["body"]
    assert records[0]["date_created"] == "2015-07-30T23:19:04Z"
    assert json.loads(_printed("json", rows=())) == []
