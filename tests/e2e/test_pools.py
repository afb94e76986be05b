"""Messaging Services and SIP trunks through the CLI: pools as exact memberships."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from tests.conftest import plan_json

PLAN_SCHEMA = Path(__file__).parents[2] / "schemas" / "plan.schema.json"

NUMBERS = """
    phone_numbers:
      - phone_number: "+14155550100"
        friendly_name: Support line
      - phone_number: "+14155550101"
        friendly_name: Alerts line
"""
TWO = (
    NUMBERS
    + """
    messaging_services:
      - friendly_name: Alerts
        senders:
          phone_numbers: [Support line, "+14155550101"]
          alpha_senders: [ACME]
      - friendly_name: Marketing
        use_inbound_webhook_on_number: true
        senders:
          phone_numbers: []
"""
)


def _pool(sandbox, name: str) -> list[str]:
    emulator = sandbox()
    (service,) = [
        s for s in emulator.records("messaging_services") if s["friendly_name"] == name
    ]
    return sorted(
        r["phone_number"]
        for r in emulator.records("messaging_phone_numbers")
        if r["service_sid"] == service["sid"]
    )


def _numbers(emulator, number: str) -> list[dict]:
    return [n for n in emulator.records("phone_numbers") if n["phone_number"] == number]


def _apply(run, path: Path) -> str:
    result = run("apply", str(path), "--auto-approve")
    assert result.exit_code == 0, result.output
    return result.stdout


def test_create_a_service_with_a_pool_of_two(run, write, sandbox):
    path = write("twilio.yaml", TWO)
    plan = plan_json(run, path)
    jsonschema.validate(plan, json.loads(PLAN_SCHEMA.read_text()))
    assert plan["summary"]["held"] == {"add": 3, "remove": 0, "set": 0}
    adds = [c for c in plan["changes"] if c["action"] == "add"]
    assert [(c["name"], c["part"], c["member"]) for c in adds] == [
        ("Alerts", "senders.phone_numbers", "Support line"),
        ("Alerts", "senders.phone_numbers", "+14155550101"),
        ("Alerts", "senders.alpha_senders", "ACME"),
    ]
    # Service created first: each add waits for it.
    assert adds[0]["after"] == ["create:messaging_services:Alerts"]
    assert "takes over its incoming SMS" in adds[0]["notes"][0]

    text = run("plan", str(path)).stdout
    assert 'senders.phone_numbers:  + "Support line"  + "+14155550101"' in text

    out = _apply(run, path)
    assert out.index('create messaging_services "Alerts"') < out.index(
        'add messaging_services "Alerts" senders.phone_numbers "Support line"'
    )
    assert _pool(sandbox, "Alerts") == ["+14155550100", "+14155550101"]
    assert "No changes." in run("plan", str(path)).stdout


def test_move_a_number_to_another_service(run, write, sandbox):
    path = write("twilio.yaml", TWO)
    _apply(run, path)
    both = 'phone_numbers: [Support line, "+14155550101"]'
    moved = TWO.replace(both, 'phone_numbers: ["+14155550101"]')
    moved = moved.replace("phone_numbers: []", "phone_numbers: [Support line]")
    write("twilio.yaml", moved)

    text = run("plan", str(path)).stdout
    assert (
        '~ messaging_services "Alerts"' in text
        and 'senders.phone_numbers:  − "Support line" (moved to "Marketing")' in text
    )
    assert 'senders.phone_numbers:  + "Support line" (moved from "Alerts")' in text
    # Marketing uses the numbers' own webhooks: no takeover note.
    assert "takes over" not in text
    plan = plan_json(run, path)
    remove, add = (c for c in plan["changes"] if c["action"] in ("add", "remove"))
    assert (remove["action"], remove["name"], remove["moved"]) == (
        "remove",
        "Alerts",
        "Marketing",
    )
    assert remove["member"] == "Support line"  # the manifest's name for it
    assert add["after"] == [
        "remove:messaging_services:Alerts:senders.phone_numbers:+14155550100"
    ]

    out = _apply(run, path)
    assert out.index("remove messaging_services") < out.index("add messaging_services")
    assert _pool(sandbox, "Alerts") == ["+14155550101"]
    assert _pool(sandbox, "Marketing") == ["+14155550100"]
    assert "No changes." in run("plan", str(path)).stdout


def test_empty_a_pool_and_leave_one_unmanaged(run, write, sandbox):
    path = write("twilio.yaml", TWO)
    _apply(run, path)
    # phone_numbers: [] empties that pool; alpha_senders left out stays as is.
    both = 'phone_numbers: [Support line, "+14155550101"]'
    emptied = TWO.replace(
        f"{both}\n          alpha_senders: [ACME]", "phone_numbers: []"
    )
    write("twilio.yaml", emptied)
    plan = plan_json(run, path)
    assert plan["summary"]["held"] == {"add": 0, "remove": 2, "set": 0}
    _apply(run, path)
    assert _pool(sandbox, "Alerts") == []
    senders = sandbox().records("messaging_alpha_senders")
    assert [r["alpha_sender"] for r in senders] == ["ACME"]
    assert "No changes." in run("plan", str(path)).stdout


def test_prune_a_service_removes_its_members_first(run, write, sandbox):
    path = write("twilio.yaml", TWO)
    _apply(run, path)
    write(
        "twilio.yaml",
        NUMBERS
        + """
    messaging_services:
      - friendly_name: Marketing
        use_inbound_webhook_on_number: true
    prune: [messaging_services]
""",
    )
    plan = plan_json(run, path)
    actions = [(c["action"], c["name"]) for c in plan["changes"]]
    # Both numbers and the sender ID leave before the service goes.
    assert actions == [
        ("remove", "Alerts"),
        ("remove", "Alerts"),
        ("remove", "Alerts"),
        ("delete", "Alerts"),
    ]
    out = _apply(run, path)
    assert out.index("remove messaging_services") < out.index(
        'delete messaging_services "Alerts"'
    )
    names = [s["friendly_name"] for s in sandbox().records("messaging_services")]
    assert names == ["Marketing"]
    assert sandbox().records("messaging_phone_numbers") == []


TRUNK = """
    phone_numbers:
      - phone_number: "+14155550102"
        friendly_name: PBX main
    sip_trunks:
      - friendly_name: PBX
        domain_name: acme-pbx.pstn.twilio.com
        secure: true
        recording:
          mode: record-from-answer
          trim: trim-silence
        origination_urls:
          - friendly_name: primary
            sip_url: sip:pbx1.example.com
            weight: 10
            priority: 10
          - friendly_name: backup
            sip_url: sip:pbx2.example.com
            priority: 20
        phone_numbers: [PBX main]
"""


def test_trunk_with_two_origination_urls_a_number_and_recording(run, write, sandbox):
    path = write("twilio.yaml", TRUNK)
    plan = plan_json(run, path)
    jsonschema.validate(plan, json.loads(PLAN_SCHEMA.read_text()))
    assert plan["summary"]["held"] == {"add": 3, "remove": 0, "set": 1}
    text = run("plan", str(path)).stdout
    assert 'origination_urls:  + "primary"  + "backup"' in text
    assert "the trunk now routes its calls" in text

    _apply(run, path)
    emulator = sandbox()
    (trunk,) = emulator.records("sip_trunks")
    assert trunk["recording"] == {"mode": "record-from-answer", "trim": "trim-silence"}
    assert trunk["secure"] is True
    urls = {u["friendly_name"]: u for u in emulator.records("origination_urls")}
    assert urls["backup"]["priority"] == 20 and urls["backup"]["weight"] == 10
    assert urls["primary"]["sip_url"] == "sip:pbx1.example.com"
    (number,) = _numbers(emulator, "+14155550102")
    assert number["trunk_sid"] == trunk["sid"]
    assert "No changes." in run("plan", str(path)).stdout

    changed = TRUNK.replace("priority: 20", "priority: 30").replace(
        "          - friendly_name: primary\n"
        "            sip_url: sip:pbx1.example.com\n"
        "            weight: 10\n"
        "            priority: 10\n",
        "",
    )
    changed = changed.replace("phone_numbers: [PBX main]", "phone_numbers: []")
    write("twilio.yaml", changed)
    plan = plan_json(run, path)
    assert plan["summary"]["held"] == {"add": 0, "remove": 2, "set": 1}
    _apply(run, path)
    emulator = sandbox()
    assert [u["friendly_name"] for u in emulator.records("origination_urls")] == [
        "backup"
    ]
    (number,) = _numbers(emulator, "+14155550102")
    assert number["trunk_sid"] is None
    assert "No changes." in run("plan", str(path)).stdout


def test_voice_routing_conflict_is_refused_offline(run, write, state_path):
    path = write(
        "twilio.yaml",
        TRUNK.replace(
            "        friendly_name: PBX main\n",
            "        friendly_name: PBX main\n"
            "        voice_url: https://example.com/voice\n"
            "        voice_application: ivr\n",
        )
        + """
    applications:
      - friendly_name: ivr
""",
    )
    result = run("plan", str(path))
    assert result.exit_code == 1
    where = f'sip_trunks "PBX" phone_numbers ({path}:7)'
    # Both fields named, and what Twilio does.
    assert (
        f"{path}:4 phone_numbers[0].voice_url: Twilio ignores voice_url while the "
        f"number is in {where} (calls follow the trunk's settings)"
    ) in result.output
    assert (
        f"{path}:5 phone_numbers[0].voice_application: conflicts with {where}, "
        "which sets this number's trunk_sid: Twilio clears one when the other is set"
    ) in result.output
    assert not state_path.exists()  # nothing was sent


def test_one_number_in_two_services_is_refused_naming_both(run, write, state_path):
    path = write(
        "twilio.yaml",
        TWO.replace("phone_numbers: []", 'phone_numbers: ["+14155550100"]'),
    )
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert '+14155550100 is also in messaging_services "Alerts"' in result.output
    assert f"({path}:8)" in result.output
    assert "in one Messaging Service only" in result.output


def test_out_of_band_removal_is_planned_as_an_add(run, write, sandbox):
    path = write("twilio.yaml", TWO)
    _apply(run, path)
    emulator = sandbox()
    (member,) = [
        r
        for r in emulator.records("messaging_phone_numbers")
        if r["phone_number"] == "+14155550101"
    ]
    emulator.remove("messaging_phone_numbers", member["sid"])
    emulator.save()

    plan = plan_json(run, path)
    (change,) = plan["changes"]
    assert (change["action"], change["name"], change["member"]) == (
        "add",
        "Alerts",
        "+14155550101",
    )
    assert change["sid"].startswith("MG")
    _apply(run, path)
    assert _pool(sandbox, "Alerts") == ["+14155550100", "+14155550101"]


def test_number_in_an_unmanaged_pool_is_moved_out_first(run, write, sandbox):
    path = write("twilio.yaml", TWO)
    _apply(run, path)
    # Only Marketing is declared now; Alerts (holding the number) is not.
    write(
        "twilio.yaml",
        NUMBERS
        + """
    messaging_services:
      - friendly_name: Marketing
        senders:
          phone_numbers: [Support line]
""",
    )
    text = run("plan", str(path)).stdout
    assert '− "+14155550100" (moved to "Marketing")' in text
    assert "the manifests do not manage this pool" in text
    _apply(run, path)
    assert _pool(sandbox, "Marketing") == ["+14155550100"]


def test_saved_plan_with_pool_changes_applies_exactly(run, write, sandbox, tmp_path):
    path = write("twilio.yaml", TWO)
    write("trunk.yaml", TRUNK)
    out = tmp_path / "plan.json"
    result = run("plan", str(path.parent), "--out", str(out))
    assert result.exit_code == 0, result.output
    applied = run("apply", str(out), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert _pool(sandbox, "Alerts") == ["+14155550100", "+14155550101"]
    assert (
        sandbox().records("sip_trunks")[0]["recording"]["mode"] == "record-from-answer"
    )
    assert "No changes." in run("plan", str(path.parent)).stdout


def test_export_round_trip_keeps_pools(run, write, tmp_path):
    path = write("twilio.yaml", TWO)
    write("trunk.yaml", TRUNK)
    _apply(run, path.parent)
    out = tmp_path / "exported"
    assert run("export", "--out", str(out)).exit_code == 0
    exported = (out / "messaging_services.yaml").read_text()
    assert "- '+14155550100'" in exported and "- ACME" in exported
    trunks = (out / "sip_trunks.yaml").read_text()
    assert "- '+14155550102'" in trunks and "sip_url: sip:pbx1.example.com" in trunks
    assert "mode: record-from-answer" in trunks
    # The trunk's pool says it; the number's entry does not repeat trunk_sid.
    assert "trunk_sid" not in (out / "phone_numbers.yaml").read_text()
    again = run("plan", str(out))
    assert again.exit_code == 0, again.output
    assert "No changes." in again.stdout


def test_member_removals_count_toward_the_threshold(run, write, sandbox):
    sandbox_ = sandbox()
    sandbox_.seed_phone_numbers(10, start="+14155561000")
    sandbox_.save()
    numbers = [f'"+1415556{1000 + i}"' for i in range(10)]
    path = write(
        "twilio.yaml",
        f"""
    messaging_services:
      - friendly_name: Bulk
        senders:
          phone_numbers: [{", ".join(numbers)}]
""",
    )
    _apply(run, path)
    write(
        "twilio.yaml",
        f"""
    messaging_services:
      - friendly_name: Bulk
        senders:
          phone_numbers: [{", ".join(numbers[:5])}]
""",
    )
    refused = run("apply", str(path), "--auto-approve")
    assert refused.exit_code == 1
    assert "messaging_services.senders.phone_numbers: 5 of 10" in refused.output
    forced = run("apply", str(path), "--auto-approve", "--force")
    assert forced.exit_code == 0, forced.output


def _sent_from(run, *args: str) -> str:
    result = run("send", "sms", *args, "--body", "hi", "--yes", "--output", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["from"]


def test_send_through_a_service_by_name_honours_sticky_sender(run, write):
    path = write("twilio.yaml", TWO)
    _apply(run, path)
    via = ("--messaging-service", "Alerts")
    first = _sent_from(run, *via, "--to", "+14155551234")
    assert first in ("+14155550100", "+14155550101")
    # Sticky sender (Twilio's default): the same recipient, the same number.
    assert _sent_from(run, *via, "--to", "+14155551234") == first
    assert _sent_from(run, *via, "--to", "+14155551234") == first

    write(
        "twilio.yaml",
        TWO.replace(
            "  - friendly_name: Alerts\n",
            "  - friendly_name: Alerts\n        sticky_sender: false\n",
        ),
    )
    _apply(run, path)
    turns = {_sent_from(run, *via, "--to", "+14155551234") for _ in range(2)}
    assert turns == {"+14155550100", "+14155550101"}


def test_send_through_an_unknown_or_empty_service_is_refused(run, write):
    path = write("twilio.yaml", TWO)
    _apply(run, path)
    unknown = run(
        "send",
        "sms",
        "--messaging-service",
        "Nope",
        "--to",
        "+14155551234",
        "--body",
        "hi",
        "--yes",
    )
    assert unknown.exit_code == 1
    assert "--messaging-service 'Nope' must name exactly one live" in unknown.output
    empty = run(
        "send",
        "sms",
        "--messaging-service",
        "Marketing",
        "--to",
        "+14155551234",
        "--body",
        "hi",
        "--yes",
    )
    assert empty.exit_code == 1
    assert "21704" in empty.output


def test_a_saved_plan_is_stale_when_a_pool_moved_since(run, write, sandbox, tmp_path):
    path = write("twilio.yaml", TWO)
    _apply(run, path)
    write("twilio.yaml", TWO.replace(', "+14155550101"]', "]"))
    out = tmp_path / "plan.json"
    assert run("plan", str(path), "--out", str(out)).exit_code == 0
    emulator = sandbox()
    (member,) = [
        r
        for r in emulator.records("messaging_phone_numbers")
        if r["phone_number"] == "+14155550100"
    ]
    emulator.remove("messaging_phone_numbers", member["sid"])
    emulator.save()
    stale = run("apply", str(out), "--auto-approve")
    assert stale.exit_code == 1
    assert "Stale plan" in stale.output
    assert 'messaging_services "Alerts"' in stale.output
    assert "senders.phone_numbers" in stale.output


def test_the_one_sender_id_is_swapped_remove_first(run, write, sandbox):
    path = write("twilio.yaml", TWO)
    _apply(run, path)
    write("twilio.yaml", TWO.replace("alpha_senders: [ACME]", "alpha_senders: [BRAND]"))
    plan = plan_json(run, path)
    remove, add = (c for c in plan["changes"] if c["part"] == "senders.alpha_senders")
    assert (remove["action"], remove["member"]) == ("remove", "ACME")
    assert (add["action"], add["member"]) == ("add", "BRAND")
    assert add["after"] == [
        "remove:messaging_services:Alerts:senders.alpha_senders:ACME"
    ]
    _apply(run, path)
    senders = sandbox().records("messaging_alpha_senders")
    assert [r["alpha_sender"] for r in senders] == ["BRAND"]

    write("twilio.yaml", TWO.replace("alpha_senders: [ACME]", "alpha_senders: [A, B]"))
    refused = run("validate", str(path))
    assert refused.exit_code == 1
    assert "senders.alpha_senders: lists 2 values; at most 1 are allowed" in (
        refused.output
    )


def test_a_pool_member_cannot_be_released_by_prune(run, write, sandbox):
    path = write(
        "twilio.yaml",
        """
    phone_numbers:
      - phone_number: "+14155550100"
    messaging_services:
      - friendly_name: Alerts
        senders:
          phone_numbers: ["+14155550101"]
    prune: [phone_numbers]
""",
    )
    result = run("plan", str(path))
    assert result.exit_code == 1
    assert "+14155550101 is in the pool, but this plan releases it" in result.output


def test_one_number_twice_in_one_pool_is_refused_naming_both(
    run, write, state_path, monkeypatch
):
    path = write(
        "twilio.yaml",
        NUMBERS
        + """
    messaging_services:
      - friendly_name: Alerts
        senders:
          phone_numbers:
            - Support line
            - "+14155550101"
            - "+14155550100"
""",
    )
    monkeypatch.chdir(path.parent)
    for verb in ("validate", "plan"):
        result = run(verb, "twilio.yaml")
        assert result.exit_code == 1, result.output
        assert (
            "twilio.yaml:13 messaging_services[0].senders.phone_numbers[2]: "
            "'+14155550100' and 'Support line' (twilio.yaml:11) are the same "
            "number +14155550100, listed twice in this pool"
        ) in result.output
        assert "No changes" not in result.output
    assert not state_path.exists()  # nothing was sent


def test_a_removed_member_is_shown_by_its_manifest_name(run, write, sandbox):
    path = write("twilio.yaml", TWO)
    _apply(run, path)
    write(
        "twilio.yaml",
        TWO.replace('[Support line, "+14155550101"]', "[Support line]"),
    )
    plan = plan_json(run, path)
    (removal,) = [c for c in plan["changes"] if c["action"] == "remove"]
    assert removal["member"] == "Alerts line"
    assert 'senders.phone_numbers:  − "Alerts line"' in run("plan", str(path)).stdout
    _apply(run, path)
    assert _pool(sandbox, "Alerts") == ["+14155550100"]


def test_numbers_list_names_the_trunk_as_the_manifest_does(run, write):
    path = write("twilio.yaml", TRUNK)
    _apply(run, path)
    args = ("numbers", "list", "--output", "json")
    named = json.loads(run(*args, "-f", str(path)).stdout)
    (row,) = [r for r in named if r["phone_number"] == "+14155550102"]
    assert row["voice_routing"] == "trunk PBX"
    assert row["manifest_name"] == "PBX main"
    # Without manifests too: a trunk by name, never a SID that breaks columns.
    bare = json.loads(run(*args).stdout)
    (row,) = [r for r in bare if r["phone_number"] == "+14155550102"]
    assert row["voice_routing"] == "trunk PBX"
    table = run("numbers", "list").stdout
    assert "trunk PBX" in table and "TK" not in table


def test_numbers_list_shows_the_service_that_takes_a_numbers_sms(run, write):
    path = write("twilio.yaml", TWO)
    _apply(run, path)
    rows = json.loads(run("numbers", "list", "--output", "json").stdout)
    routing = {r["phone_number"]: r["sms_routing"] for r in rows}
    # In Alerts (which takes its numbers' SMS): the service, not the number's URL.
    assert routing["+14155550100"] == "service Alerts"
    assert routing["+14155550101"] == "service Alerts"
    # Not in a service: the number's own routing.
    assert not routing["+14155550102"].startswith("service")


def test_a_stale_plan_names_each_changed_key_once(run, write, sandbox, tmp_path):
    from tests.e2e.test_gitops import _out_of_band

    path = write("twilio.yaml", TRUNK)
    _apply(run, path)
    write("twilio.yaml", TRUNK.replace("secure: true", "secure: false"))
    out = tmp_path / "plan.json"
    assert run("plan", str(path), "--out", str(out)).exit_code == 0
    (trunk,) = sandbox().records("sip_trunks")
    (primary,) = [
        u
        for u in sandbox().records("origination_urls")
        if u["friendly_name"] == "primary"
    ]

    def move(client, _account):
        url = f"/v1/Trunks/{trunk['sid']}/OriginationUrls/{primary['sid']}"
        client.update("trunking", url, {"Priority": 15})

    _out_of_band(sandbox, move)
    stale = run("apply", str(out), "--auto-approve")
    assert stale.exit_code == 1
    problems = [line for line in stale.stderr.splitlines() if line.startswith("  - ")]
    assert problems == [
        '  - sip_trunks "PBX" origination_urls["primary"].priority: 10 when planned, '
        "15 now"
    ]


def test_a_saved_plan_with_pools_applied_twice_is_already_applied(run, write, tmp_path):
    path = write("twilio.yaml", TWO)
    out = tmp_path / "plan.json"
    assert run("plan", str(path), "--out", str(out)).exit_code == 0
    assert run("apply", str(out), "--auto-approve").exit_code == 0
    again = run("apply", str(out), "--auto-approve")
    assert again.exit_code == 0, again.output
    assert "Already applied" in again.stdout
