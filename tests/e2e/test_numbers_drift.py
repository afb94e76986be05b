"""numbers list -f shows the live friendly_name beside the manifests' name,
so a number renamed outside the manifests stands out; JSON and CSV keep the
API's record with manifest_name added."""

from __future__ import annotations

import csv
import io
import json

import pytest

MANIFEST = """
phone_numbers:
  - phone_number: "+14155550100"
    friendly_name: {name}
    voice_url: https://example.com/voice
"""


@pytest.fixture
def drifted(run, write):
    """+14155550100 is "Front desk" in the manifest, "Lobby" live."""
    live = write("live.yaml", MANIFEST.format(name="Lobby"))
    assert run("apply", str(live), "--auto-approve").exit_code == 0
    return write("twilio.yaml", MANIFEST.format(name="Front desk"))


def test_table_shows_live_and_manifest_names_and_marks_drift(run, drifted):
    result = run("numbers", "list", "-f", str(drifted))
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert header.split()[:3] == ["NUMBER", "NAME", "MANIFEST"]
    row = next(r for r in rows if r.startswith("+14155550100"))
    assert "Lobby" in row and "≠ Front desk" in row
    assert "1 number's live name differs from the manifests" in result.stderr


def test_table_without_drift_or_manifests_has_no_mark(run, write):
    path = write("twilio.yaml", MANIFEST.format(name="Front desk"))
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    result = run("numbers", "list", "-f", str(path))
    assert "≠" not in result.output and "Front desk" in result.stdout
    plain = run("numbers", "list")
    assert "MANIFEST" not in plain.stdout and "Front desk" in plain.stdout


def test_json_and_csv_keep_the_live_name_with_the_manifest_name(run, drifted):
    out = run("numbers", "list", "-f", str(drifted), "--output", "json").stdout
    record = next(r for r in json.loads(out) if r["phone_number"] == "+14155550100")
    assert record["friendly_name"] == "Lobby"
    assert record["manifest_name"] == "Front desk"
    out = run("numbers", "list", "-f", str(drifted), "--output", "csv").stdout
    row = next(
        r
        for r in csv.DictReader(io.StringIO(out))
        if r["phone_number"] == "+14155550100"
    )
    assert (row["friendly_name"], row["manifest_name"]) == ("Lobby", "Front desk")
