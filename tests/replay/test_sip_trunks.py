"""SIP trunks through a cassette: origination URLs, a number, recording."""

from __future__ import annotations

from tests import tape
from tests.replay import flow

TRUNK = """
    sip_trunks:
      - friendly_name: Replay PBX
        domain_name: replay-pbx.pstn.twilio.com
        recording:
          mode: record-from-answer
        origination_urls:
          - friendly_name: primary
            sip_url: sip:pbx1.example.com
          - friendly_name: backup
            sip_url: sip:pbx2.example.com
            priority: 20
        phone_numbers: ["{number}"]
"""
PRUNED = """
    sip_trunks: []
    prune: [sip_trunks]
"""


@tape.tape.use_cassette()
def test_trunk_with_urls_a_number_and_recording() -> None:
    with tape.client() as client:
        number = max(flow.fetch(client, "phone_numbers"))
        manifest = TRUNK.format(number=number)
        created, _ = flow.apply(client, manifest)
        assert [(c.action, getattr(c, "part", "")) for c in created.changes] == [
            ("create", ""),
            ("set", "recording"),
            ("add", "origination_urls"),
            ("add", "origination_urls"),
            ("add", "phone_numbers"),
        ]
        trunk = flow.fetch(client, "sip_trunks")["Replay PBX"]
        assert trunk.fields["recording.mode"] == "record-from-answer"
        assert trunk.fields["recording.trim"] == "do-not-trim"
        assert list(trunk.fields["phone_numbers"]) == [number]
        urls = trunk.fields["origination_urls"]
        assert urls["backup"]["priority"] == 20 and urls["primary"]["weight"] == 10
        live_number = flow.fetch(client, "phone_numbers")[number]
        assert live_number.fields["trunk_sid"] == trunk.sid
        assert flow.plan(client, manifest).changes == ()

        changed = manifest.replace("priority: 20", "priority: 30")
        plan, _ = flow.apply(client, changed)
        (change,) = plan.changes
        assert (change.action, change.part, change.member) == (
            "set",
            "origination_urls",
            "backup",
        )
        assert change.send == {"priority": 30}

        pruned, _ = flow.apply(client, PRUNED)
        assert [c.action for c in pruned.changes] == ["remove", "delete"]
        assert flow.fetch(client, "sip_trunks") == {}
        assert flow.fetch(client, "phone_numbers")[number].fields["trunk_sid"] is None
