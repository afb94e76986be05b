"""Odd input gets a located, one-paragraph error, never a crash."""

from __future__ import annotations

import json

import pytest

from twilio_iac.errors import ManifestError, PlanError
from twilio_iac.manifests import desired
from twilio_iac.reconcile import planfile


def test_unquoted_date_is_text_by_yaml_1_2(tmp_path):
    path = tmp_path / "d.yaml"
    path.write_text("queues:\n  - friendly_name: 2024-01-01\n")
    [queue] = desired.load([path]).resources.values()
    assert queue.name == "2024-01-01"


def test_non_utf8_manifest_is_named(tmp_path):
    path = tmp_path / "b.yaml"
    path.write_bytes(b"queues: []\n# caf\xe9\n")
    with pytest.raises(ManifestError, match="b.yaml:2 not UTF-8 text: byte 0xE9"):
        desired.load([path])


@pytest.mark.parametrize(
    "content",
    ['{"apply": "x"}', '{"apply": []}', "not json", '{"format_version": 1}'],
)
def test_garbage_plan_files_are_refused(tmp_path, content):
    path = tmp_path / "plan.json"
    path.write_text(content)
    with pytest.raises(PlanError, match="plan"):
        planfile.load(path)


def _cut_plan(tmp_path, **public) -> tuple:
    """A saved plan cut off mid-file, as by a failed download."""
    data = {"format_version": 1, "account_sid": "AC" + "0" * 32} | public
    text = json.dumps(data | {"apply": {"changes": []}}, indent=2)
    path = tmp_path / "trunc.json"
    path.write_text(text[: len(text) * 2 // 3])
    return path, len(path.read_text().splitlines())


def test_a_cut_off_saved_plan_is_named_damaged(tmp_path):
    path, lines = _cut_plan(tmp_path, changes=[{"action": "create"}] * 3)
    with pytest.raises(PlanError) as caught:
        planfile.is_saved_plan(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{lines}: the saved plan is damaged")
    assert "Download it again" in message and "--out trunc.json" in message
    assert "YAML" not in message
    with pytest.raises(PlanError, match="the saved plan is damaged"):
        planfile.load(path)


def test_plan_out_may_overwrite_a_damaged_plan_but_not_a_manifest(tmp_path):
    path, _ = _cut_plan(tmp_path)
    assert planfile.written_by_plan(path) is True
    manifest = tmp_path / "m.json"
    manifest.write_text('{"queues": []}')
    assert planfile.written_by_plan(manifest) is False
    assert planfile.written_by_plan(tmp_path / "missing.json") is False


def test_manifests_in_json_are_not_saved_plans(tmp_path):
    manifest = tmp_path / "m.json"
    manifest.write_text('{"queues": [{"friendly_name": "q"}]}')
    assert planfile.is_saved_plan(manifest) is False
    broken = tmp_path / "broken.json"
    broken.write_text('{"queues": [')  # the manifest reader reports it
    assert planfile.is_saved_plan(broken) is False
    assert planfile.is_saved_plan(tmp_path / "m.yaml") is False


def test_plan_file_with_unknown_action_is_refused(tmp_path):
    public = {
        "account_sid": "AC" + "0" * 32,
        "changes": [{"action": "explode", "kind": "queues", "name": "q", "sid": None}],
    }
    section = {"changes": [{"fields": [], "send": {}}], "sids": [], "observed": {}}
    section["checksum"] = planfile._checksum(public, section)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(public | {"apply": section}))
    with pytest.raises(PlanError, match="can apply .KeyError: .explode"):
        planfile.load(path)


def test_empty_directory_is_an_error_not_no_changes(tmp_path):
    (tmp_path / "notes.txt").write_text("not a manifest")
    with pytest.raises(ManifestError, match="no \\*.yaml or \\*.yml files"):
        desired.load([tmp_path])


def test_more_than_ten_media_urls_are_refused_before_sending():
    from twilio_iac.errors import SendRejected
    from twilio_iac.operations import sends

    media = [f"https://example.com/{n}.png" for n in range(11)]
    with pytest.raises(SendRejected, match="11 --media-url given; a message takes 10"):
        sends.sms(
            "AC" + "0" * 32,
            to="+14155551234",
            sender="+14155550100",
            service=None,
            body=None,
            media=media,
        )


def test_an_unpinned_redeclaration_is_one_duplicate_error_not_an_ambiguity(tmp_path):
    address = (
        "addresses:\n  - friendly_name: HQ\n    customer_name: A\n    street: B\n"
        "    city: C\n    region: D\n    postal_code: '1'\n    iso_country: US\n"
    )
    (tmp_path / "a.yaml").write_text(address)
    (tmp_path / "b.yaml").write_text(
        address + "phone_numbers:\n  - phone_number: '+14155550100'\n    address: HQ\n"
    )
    with pytest.raises(ManifestError) as info:
        desired.load([tmp_path])
    assert "already declared" in str(info.value)
    assert "names more than one" not in str(info.value)
