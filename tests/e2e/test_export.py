"""`twilio-iac export` against the sandbox: round trip, pins, filtering, safety."""

from __future__ import annotations

from pathlib import Path

import yaml

from twilio_iac.reconcile.export import schema_comment
from twilio_iac.resources import REGISTRY

REPO = Path(__file__).resolve().parents[2]
URL = "https://example.com/"


def seed(sandbox) -> dict[str, str]:
    """An account with references, values equal to defaults, and duplicates."""
    e = sandbox()
    ivr = e.insert(
        "applications",
        friendly_name="ivr",
        voice_url=URL + "voice",
        voice_method="POST",  # Twilio's default: left out
        api_version="2010-04-01",  # likewise
    )
    twin1 = e.insert("applications", friendly_name="twin", voice_url=URL + "1")
    twin2 = e.insert("applications", friendly_name="twin", sms_url=URL + "2")
    hq = e.insert(
        "addresses",
        friendly_name="HQ",
        customer_name="Example Inc",
        street="1 Main St",
        city="San Francisco",
        region="CA",
        postal_code="94105",
        iso_country="US",
    )
    e.insert(
        "addresses",
        friendly_name=None,
        customer_name="Nameless",
        street="2 Side St",
        city="Oakland",
        region="CA",
        postal_code="94607",
        iso_country="US",
    )
    e.insert("queues", friendly_name="support", max_size=50)
    e.insert("queues", friendly_name="overflow", max_size=1000)  # the default
    e.insert(
        "verify_services",
        friendly_name="Login",
        code_length=6,
        push={
            "include_date": True,
            "apn_credential_sid": None,
            "fcm_credential_sid": None,
        },
    )
    e.insert(
        "phone_numbers",
        phone_number="+14155550150",
        voice_application_sid=ivr["sid"],
        sms_application_sid=twin2["sid"],
        address_sid=hq["sid"],
        voice_method="GET",
    )
    e.save()
    return {"ivr": ivr["sid"], "twin1": twin1["sid"], "twin2": twin2["sid"]}


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def _by(entries: list[dict], key: str, value: str) -> dict:
    (found,) = [e for e in entries if e.get(key) == value]
    return found


def test_export_then_validate_then_plan_shows_no_changes(run, sandbox, tmp_path):
    sids = seed(sandbox)
    out = tmp_path / "exported"
    result = run("export", "--out", str(out))
    assert result.exit_code == 0, result.output
    # Kinds this seed has no objects of write empty files; they are not shown.
    wrote = [line for line in result.stdout.splitlines() if ": 0 " not in line]
    assert wrote[:5] == [
        f"Wrote {out}/addresses.yaml: 1 address (1 as a comment)",
        f"Wrote {out}/applications.yaml: 3 applications (2 pinned by sid)",
        f"Wrote {out}/queues.yaml: 2 queues",
        f"Wrote {out}/verify_services.yaml: 1 Verify service",
        f"Wrote {out}/phone_numbers.yaml: 5 phone numbers",
    ]
    assert (
        f"2 live objects share this friendly_name ({sids['twin1']}, {sids['twin2']})"
        in result.stderr
    )
    assert "has no friendly_name" in result.stderr

    validated = run("validate", str(out))
    assert validated.exit_code == 0, validated.output
    planned = run("plan", str(out))
    assert planned.exit_code == 0, planned.output
    assert "No changes. Live state matches the manifests." in planned.stdout


def test_exported_values(run, sandbox, tmp_path):
    sids = seed(sandbox)
    tmp_path /= "out"
    assert run("export", "--short", "--out", str(tmp_path)).exit_code == 0
    apps = _load(tmp_path / "applications.yaml")["applications"]
    assert _by(apps, "friendly_name", "ivr") == {
        "friendly_name": "ivr",
        "voice_url": URL + "voice",
    }
    twins = [a for a in apps if a["friendly_name"] == "twin"]
    assert [t["sid"] for t in twins] == [sids["twin1"], sids["twin2"]]

    number = _by(
        _load(tmp_path / "phone_numbers.yaml")["phone_numbers"],
        "phone_number",
        "+14155550150",
    )
    assert number == {
        "phone_number": "+14155550150",
        "friendly_name": "(415) 555-0150",
        # voice_method: GET is left out: Twilio ignores it while an application
        # is set, and a manifest declaring both is refused.
        "voice_application": "ivr",
        "sms_application_sid": sids["twin2"],  # its name is ambiguous
        "address": "HQ",
    }
    queues = _load(tmp_path / "queues.yaml")["queues"]
    assert queues == [
        {"friendly_name": "support", "max_size": 50},
        {"friendly_name": "overflow"},
    ]
    (service,) = _load(tmp_path / "verify_services.yaml")["verify_services"]
    assert service == {"friendly_name": "Login", "push": {"include_date": True}}
    address = _load(tmp_path / "addresses.yaml")["addresses"][0]
    assert address["iso_country"] == "US" and address["postal_code"] == "94105"


def test_schema_line_is_relative_to_the_vendored_schemas(run, tmp_path):
    assert run("init", str(tmp_path)).exit_code == 0
    out = tmp_path / "exported"
    result = run("export", "--out", str(out))
    assert result.exit_code == 0, result.output
    first = (out / "queues.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/manifest.schema.json"
    assert "schemas/" not in result.stderr
    inside = schema_comment(REPO / "examples" / "exported")
    assert (
        inside == "# yaml-language-server: $schema=../../schemas/manifest.schema.json\n"
    )


def test_no_schemas_folder_means_no_machine_specific_path(run, tmp_path):
    out = tmp_path / "out"
    result = run("export", "--out", str(out))
    assert result.exit_code == 0, result.output
    text = (out / "queues.yaml").read_text()
    assert "yaml-language-server" not in text
    assert str(tmp_path) not in text
    assert text.startswith("# queues exported by `twilio-iac export`")
    assert "Note: no schemas/ folder in" in result.stderr
    assert "`twilio-iac init` first" in result.stderr
    assert run("validate", str(out)).exit_code == 0


def test_empty_kind_and_kinds_filter(run, tmp_path):
    tmp_path /= "out"
    result = run("export", "--kinds", "queues,addresses", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "addresses.yaml",
        "queues.yaml",
    ]
    assert f"Wrote {tmp_path}/queues.yaml: 0 queues" in result.stdout
    assert _load(tmp_path / "queues.yaml") == {"queues": []}
    assert run("validate", str(tmp_path)).exit_code == 0
    assert "No changes." in run("plan", str(tmp_path)).stdout


def test_kinds_not_exported_are_referenced_by_sid(run, sandbox, tmp_path):
    tmp_path /= "out"
    sids = seed(sandbox)
    result = run("export", "--kinds", "phone_numbers", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "applications are not exported (--kinds)" in result.stderr
    number = _by(
        _load(tmp_path / "phone_numbers.yaml")["phone_numbers"],
        "phone_number",
        "+14155550150",
    )
    assert number["voice_application_sid"] == sids["ivr"]
    assert run("validate", str(tmp_path)).exit_code == 0
    assert "No changes." in run("plan", str(tmp_path)).stdout


def test_unknown_kind_is_a_usage_error(run, tmp_path):
    tmp_path /= "out"
    result = run("export", "--kinds", "queus", "--out", str(tmp_path))
    assert result.exit_code == 1
    assert "unknown kind queus" in result.output
    assert not tmp_path.exists()


def test_a_singular_kind_gets_a_suggestion(run, tmp_path):
    result = run("export", "--kinds", "queue", "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "unknown kind queue; did you mean queues?" in result.output


def test_refuses_to_overwrite_unless_forced(run, tmp_path):
    tmp_path /= "out"
    tmp_path.mkdir()
    (tmp_path / "queues.yaml").write_text("queues: []\n")
    result = run("export", "--out", str(tmp_path))
    assert result.exit_code == 1
    assert "Refusing to overwrite existing files" in result.output
    assert f"{tmp_path}/queues.yaml" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["queues.yaml"]
    forced = run("export", "--out", str(tmp_path), "--force")
    assert forced.exit_code == 0, forced.output
    assert len(list(tmp_path.iterdir())) == len(REGISTRY)


def test_all_fields_export_catches_drift_away_from_defaults(run, sandbox, tmp_path):
    """The issue's case: the short form left defaults unmanaged, so a Console
    change away from them (voice_method → GET, a new sms_fallback_url) never
    showed in plan. The default export writes them, and plan sees both."""
    seed(sandbox)
    out = tmp_path / "out"
    result = run("export", "--out", str(out))
    assert result.exit_code == 0, result.output
    text = (out / "applications.yaml").read_text()
    assert "# Every writable field is written (`export --all-fields`)" in text
    ivr = _by(_load(out / "applications.yaml")["applications"], "friendly_name", "ivr")
    assert ivr["voice_method"] == "POST" and ivr["sms_fallback_url"] is None
    assert "No changes." in run("plan", str(out)).stdout
    e = sandbox()
    (record,) = [a for a in e.records("applications") if a["friendly_name"] == "ivr"]
    e.remove("applications", record["sid"])
    e.insert(
        "applications",
        **(record | {"voice_method": "GET", "sms_fallback_url": URL + "fb"}),
    )
    e.save()
    drift = run("plan", str(out)).stdout
    assert '"GET" → "POST"' in drift
    assert "sms_fallback_url" in drift
    short = tmp_path / "short"
    assert run("export", "--short", "--out", str(short)).exit_code == 0
    assert "(`export --short`)" in (short / "applications.yaml").read_text()


def test_an_empty_reference_is_exported_under_its_names_key(run, sandbox, tmp_path):
    seed(sandbox)
    out = tmp_path / "out"
    assert run("export", "--out", str(out)).exit_code == 0
    numbers = _load(out / "phone_numbers.yaml")["phone_numbers"]
    unset = [n for n in numbers if n.get("voice_application", "x") is None]
    assert unset, "a number without an application writes voice_application: null"
    assert all("voice_application_sid" not in n for n in numbers)
    assert "No changes." in run("plan", str(out)).stdout
