"""Verify services through a cassette: nested fields in, dotted fields out."""

from __future__ import annotations

from tests import tape
from tests.replay import flow

SERVICE = """
    verify_services:
      - friendly_name: Replay Login
        code_length: 8
        lookup_enabled: true
        push:
          include_date: false
        totp:
          issuer: Example
          time_step: 45
"""
CHANGED = """
    verify_services:
      - friendly_name: Replay Login
        code_length: 8
        lookup_enabled: true
        push:
          include_date: true
        totp:
          issuer: null
          time_step: 45
"""
PRUNED = """
    verify_services: []
    prune: [verify_services]
"""


@tape.tape.use_cassette()
def test_create_update_nested_and_prune_a_verify_service() -> None:
    with tape.client() as client:
        created, lines = flow.apply(client, SERVICE)
        assert flow.actions(created) == [("create", "verify_services", "Replay Login")]
        service = flow.fetch(client, "verify_services")["Replay Login"]
        assert service.sid is not None and service.sid.startswith("VA")
        assert lines == [f'✓ create verify_services "Replay Login" → {service.sid}']
        assert service.fields["code_length"] == 8
        assert service.fields["lookup_enabled"] is True
        assert service.fields["push.include_date"] is False
        assert service.fields["totp.issuer"] == "Example"
        assert service.fields["totp.time_step"] == 45

        updated, _ = flow.apply(client, CHANGED)
        (change,) = updated.changes
        assert (change.action, change.sid) == ("update", service.sid)
        assert change.send == {"push.include_date": True, "totp.issuer": None}
        after = flow.fetch(client, "verify_services")["Replay Login"]
        assert after.fields["push.include_date"] is True
        assert after.fields["totp.issuer"] is None
        assert after.fields["totp.time_step"] == 45
        assert flow.plan(client, CHANGED).changes == ()

        pruned, _ = flow.apply(client, PRUNED)
        assert flow.actions(pruned) == [("delete", "verify_services", "Replay Login")]
        assert flow.fetch(client, "verify_services") == {}
