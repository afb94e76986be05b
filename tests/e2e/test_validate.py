"""`validate` without production variables, and its reports for machines."""

from __future__ import annotations

import json

import pytest

MANIFEST = """\
applications:
  - friendly_name: ivr
    voice_url: ${BASE}/voice
    sms_url: ${SMS_URL:-https://example.com/sms}
phone_numbers:
  - phone_number: "+14155550100"
    voice_application: ${APP}
"""


@pytest.fixture
def unset(monkeypatch):
    for name in ("BASE", "APP", "SMS_URL"):
        monkeypatch.delenv(name, raising=False)


def test_validate_checks_the_rest_without_values(run, write, unset):
    path = write("a.yaml", MANIFEST)
    result = run("validate", str(path))
    assert result.exit_code == 0, result.output
    assert "Valid: 1 file, 1 application, 1 phone number." in result.stdout
    assert "Not set, checked without their values: APP, BASE" in result.stderr


def test_an_unset_variable_does_not_hide_other_problems(run, write, unset):
    path = write("a.yaml", MANIFEST.replace("${SMS_URL:-https", "ftp"))
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert "a.yaml:4 applications[0].sms_url: must be an absolute" in result.stderr
    assert "BASE" not in result.stderr and "APP" not in result.stderr


def test_require_vars_and_plan_refuse_unset_variables(run, write, unset):
    path = write("a.yaml", MANIFEST)
    for args in (("validate", "--require-vars"), ("plan",)):
        result = run(*args, str(path))
        assert result.exit_code == 1, args
        assert "a.yaml:3 applications[0].voice_url: environment variable BASE " in (
            result.stderr
        )
        # Said once: the failed value is not also an unknown application.
        assert "no application named" not in result.stderr


def test_validate_json(run, write, unset):
    good = run("validate", str(write("a.yaml", MANIFEST)), "--output", "json")
    assert good.exit_code == 0
    data = json.loads(good.stdout)
    assert data["valid"] is True and data["problems"] == []
    assert data["resources"] == {"applications": 1, "phone_numbers": 1}
    assert data["unset_variables"] == ["APP", "BASE"]
    bad = write("b.yaml", "queues:\n  - friendly_name: q\n    max_size: big\n")
    result = run("validate", str(bad), "--output", "json")
    assert result.exit_code == 1
    (problem,) = json.loads(result.stdout)["problems"]
    assert problem["file"].endswith("b.yaml") and problem["line"] == 3
    assert problem["message"].startswith("queues[0].max_size: ")


def test_validate_github_annotations(run, write, unset):
    bad = write("b.yaml", "queues:\n  - friendly_name: q\n    max_size: big\n")
    result = run("validate", str(bad), "--output", "github")
    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith(f"::error file={bad},line=3::queues[0].max_size: ")
    good = run("validate", str(write("a.yaml", MANIFEST)), "--output", "github")
    assert good.exit_code == 0
    assert good.stdout.splitlines() == [
        "::notice::Not set, checked without their values: APP, BASE",
        "Valid: 1 file.",
    ]


def test_a_syntax_error_is_annotated_too(run, write):
    bad = write("c.yaml", "queues: [\n")
    result = run("validate", str(bad), "--output", "github")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"::error file={bad},line=")
