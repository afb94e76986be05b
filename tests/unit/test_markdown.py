"""The markdown plan renderer: golden files, escaping, and the size limit.

Regenerate the golden files after an intended change with
``UPDATE_GOLDEN=1 pytest tests/unit/test_markdown.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from twilio_iac.model import Ref
from twilio_iac.reconcile.plan import Create, Delete, FieldChange, Plan, Replace, Update
from twilio_iac.render import markdown

GOLDEN = Path(__file__).parent.parent / "golden" / "markdown"
ACCOUNT = "AC" + "5a4db0c0" * 4
IVR = Ref("applications", "ivr-main")


def _sid(prefix: str, n: int) -> str:
    return f"{prefix}{n:032x}"


def mixed() -> Plan:
    create = Create(
        "applications",
        "ivr-main",
        None,
        (
            FieldChange("friendly_name", None, "ivr-main"),
            FieldChange("voice_url", None, "https://example.com/voice"),
        ),
    )
    update = Update(
        "phone_numbers",
        "+14155550100",
        _sid("PN", 1),
        (
            FieldChange("friendly_name", "(415) 555-0100", "Main | `line`"),
            FieldChange("voice_application_sid", None, IVR),
        ),
    )
    replace = Replace(
        "addresses",
        "HQ",
        _sid("AD", 2),
        (FieldChange("iso_country", "US", "CA"),),
        notes=("iso_country cannot change in place: creates a new address",),
    )
    warning = "+14155550100: setting voice_application_sid makes Twilio clear trunk_sid"
    return Plan(ACCOUNT, (create, replace, update), (warning,))


def release() -> Plan:
    number = Delete(
        "phone_numbers",
        "+14155550101",
        _sid("PN", 3),
        (FieldChange("friendly_name", "(415) 555-0101", None),),
        notes=("releases this phone number",),
        guarded=True,
    )
    queue = Delete("queues", "old *queue*", _sid("QU", 4), ())
    return Plan(ACCOUNT, (number, queue))


def thousands(count: int = 3000) -> Plan:
    changes = tuple(
        Update(
            "phone_numbers",
            f"+1415556{n:04d}",
            _sid("PN", n),
            (
                FieldChange("voice_url", None, f"https://example.com/voice/{n}"),
                FieldChange("sms_url", None, f"https://example.com/sms/{n}"),
            ),
        )
        for n in range(count)
    )
    return Plan(ACCOUNT, changes)


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / f"{name}.md"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "plan", "limit"),
    [
        ("no-changes", Plan(ACCOUNT, ()), markdown.GITHUB_LIMIT),
        ("mixed", mixed(), markdown.GITHUB_LIMIT),
        ("release", release(), markdown.GITHUB_LIMIT),
        ("truncated-details", thousands(500), markdown.GITHUB_LIMIT),
        ("truncated-rows", thousands(3000), markdown.GITHUB_LIMIT),
        ("truncated-small-limit", thousands(40), 2000),
    ],
)
def test_golden(name: str, plan: Plan, limit: int) -> None:
    _golden(name, markdown.render(plan, limit))


def test_no_changes_is_one_line() -> None:
    out = markdown.render(Plan(ACCOUNT, ()))
    assert out.count("\n") == 1
    assert "No changes" in out


def test_warning_line_for_deletes_replaces_and_releases() -> None:
    assert "**⚠️ Warning: this plan replaces 1 object." in markdown.render(mixed())
    out = markdown.render(release())
    assert "deletes 2 objects and releases 1 phone number (+14155550101)" in out
    assert "Warning" not in markdown.render(thousands(3))


def test_reference_to_object_created_in_same_plan() -> None:
    out = markdown.render(mixed())
    assert 'voice_application:  null → "ivr-main" (known after apply)' in out
    assert "| update | +14155550100 | `friendly_name`, `voice_application` |" in out


def test_cells_are_escaped() -> None:
    assert markdown.cell("a|b`c`\nd *e* <x>") == ("a\\|b\\`c\\`<br>d \\*e\\* &lt;x&gt;")
    assert "| **delete** | old \\*queue\\* | — |" in markdown.render(release())


def test_details_fence_outlasts_backticks_in_values() -> None:
    plan = Plan(
        ACCOUNT,
        (Update("queues", "q", _sid("QU", 1), (FieldChange("x", "```", "````"),)),),
    )
    out = markdown.render(plan)
    assert "`````diff\n" in out and "\n`````\n" in out


def test_truncation_keeps_every_row_and_says_how_many_details_are_left_out() -> None:
    out = markdown.render(thousands(500))
    assert len(out) <= markdown.GITHUB_LIMIT
    assert "| update | +14155560499 |" in out  # the last row is still listed
    shown = out.count("~ phone_numbers")
    assert 0 < shown < 500
    assert f"Field-level details ({shown} of 500 changes)" in out
    assert f"**Truncated:** the field-level details of {500 - shown} of 500 " in out
    assert "Run `twilio-iac plan` locally" in out


def test_thousands_of_changes_list_what_fits_and_say_how_many_are_not() -> None:
    out = markdown.render(thousands(3000))
    assert len(out) <= markdown.GITHUB_LIMIT
    listed = out.count("| update |")
    assert 500 < listed < 3000
    assert f"_… and {3000 - listed:,} more changes not listed._" in out
    assert f"**Truncated:** {3000 - listed:,} of 3,000 changes are not listed" in out
    assert "<details>" not in out


@pytest.mark.parametrize("limit", [0, 50, 300, 700, 1500, 5000, 20000, 65536])
def test_never_longer_than_the_limit(limit: int) -> None:
    for plan in (thousands(500), mixed(), release(), Plan(ACCOUNT, ())):
        assert len(markdown.render(plan, limit)) <= limit
