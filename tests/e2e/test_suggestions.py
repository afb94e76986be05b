"""Mistakes a newcomer makes get an error that says what was meant."""

from __future__ import annotations

import pytest


def test_a_prefix_of_one_choice_beats_a_similar_short_one():
    from twilio_iac.errors import did_you_mean

    fields = ["validation", "line_type_intelligence", "line_status"]
    assert did_you_mean("line_typ", fields) == "; did you mean line_type_intelligence?"
    assert did_you_mean("queue", ["queues", "addresses"]) == "; did you mean queues?"
    assert did_you_mean("ALERTZ", ["Alerts"]) == "; did you mean Alerts?"
    assert did_you_mean("zzz", ["queues"]) == ""
    assert did_you_mean("", ["queues"]) == ""


def test_lookup_suggests_the_field_meant(run):
    result = run("lookup", "+14155550100", "--fields", "line_typ")
    assert result.exit_code == 1
    assert (
        "unknown --fields line_typ; did you mean line_type_intelligence? (known: "
        in result.stderr
    )
    assert "nothing was sent to Twilio" in result.stderr


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("queues:\n\t- friendly_name: a\n", 2),
        ("queues:\n  - friendly_name: a\n\t  max_size: 3\n", 3),
        ("queues:\n  - friendly_name: a\n  \tmax_size: 3\n", 3),
    ],
)
def test_a_tab_in_indentation_says_to_use_spaces(run, tmp_path, text, line):
    path = tmp_path / "tabs.yaml"
    path.write_text(text)
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert (
        f"{path}:{line} a tab indents this line, and YAML cannot be indented "
        "with tabs; indent with spaces" in result.stderr
    )
    assert "cannot start any token" not in result.stderr


@pytest.mark.parametrize(
    ("url", "where"),
    [("https://example.com/v ", "a trailing"), (" https://example.com/v", "a leading")],
)
def test_a_url_with_a_stray_space_points_at_the_space(run, tmp_path, url, where):
    path = tmp_path / "apps.yaml"
    path.write_text(f'applications:\n  - friendly_name: a\n    voice_url: "{url}"\n')
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert (
        f"{path}:3 applications[0].voice_url: has {where} space; remove it "
        f'(got "{url}")' in result.stderr
    )
    assert "absolute http(s) URL" not in result.stderr


def test_a_send_url_with_a_stray_space_points_at_the_space(run):
    result = run(
        "send", "sms", "--to", "+14155551234", "--from", "+14155550100",
        "--body", "hi", "--status-callback", "https://example.com/s ", "--dry-run",
    )  # fmt: skip
    assert result.exit_code == 1
    assert (
        "--status-callback 'https://example.com/s ' has a trailing space; remove it"
        in result.stderr
    )


RENAMED = """
applications:
  - friendly_name: {name}
    voice_url: https://example.com/voice
    sms_url: https://example.com/sms
"""


def test_a_rename_is_pointed_out_with_the_pin_that_makes_it_one(run, write, sandbox):
    path = write("a.yaml", RENAMED.format(name="ivr-main"))
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    (old,) = sandbox().records("applications")
    write("a.yaml", RENAMED.format(name="ivr-primary"))
    text = run("plan", str(path)).stdout
    assert f'looks like a rename of "ivr-main" ({old["sid"]})' in text
    assert f"add `sid: {old['sid']}` to the entry ({path}:2)" in text
    # Following the hint: the same object is renamed, nothing is created.
    pinned = RENAMED.format(name="ivr-primary") + f"    sid: {old['sid']}\n"
    write("a.yaml", pinned)
    after = run("plan", str(path)).stdout
    assert "Plan: 0 to create, 1 to update" in after and "looks like" not in after


def test_no_rename_hint_when_the_fields_differ(run, write):
    path = write("a.yaml", RENAMED.format(name="ivr-main"))
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    other = RENAMED.format(name="ivr-primary").replace("/sms", "/text")
    write("a.yaml", other)
    assert "looks like a rename" not in run("plan", str(path)).stdout


def test_a_mistyped_command_names_the_one_meant(run):
    result = run("plann")
    assert result.exit_code != 0
    assert "No such command 'plann'. Did you mean 'plan'?" in result.output


def test_a_path_given_twice_is_named_as_such(run, write):
    path = write("a.yaml", "queues:\n  - friendly_name: a\n")
    result = run("validate", str(path.parent), str(path.parent))
    assert result.exit_code == 1
    assert "given twice as a PATH (layers 1 and 2)" in result.output
    assert "already declared" not in result.output
