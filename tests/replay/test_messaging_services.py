"""Messaging Services through a cassette: a pool of two, a move, a prune."""

from __future__ import annotations

from tests import tape
from tests.replay import flow

TWO = """
    messaging_services:
      - friendly_name: Replay Alerts
        senders:
          phone_numbers: ["{a}", "{b}"]
          alpha_senders: [ACME]
      - friendly_name: Replay Marketing
        use_inbound_webhook_on_number: true
        senders:
          phone_numbers: []
"""
PRUNED = """
    messaging_services: []
    prune: [messaging_services]
"""


@tape.tape.use_cassette()
def test_pool_of_two_then_a_move_then_prune() -> None:
    with tape.client() as client:
        a, b = sorted(flow.fetch(client, "phone_numbers"))[:2]
        created, lines = flow.apply(client, TWO.format(a=a, b=b))
        assert [c.action for c in created.changes] == [
            "create",
            "create",
            "add",
            "add",
            "add",
        ]
        services = flow.fetch(client, "messaging_services")
        alerts = services["Replay Alerts"]
        assert alerts.sid is not None and alerts.sid.startswith("MG")
        assert sorted(alerts.fields["senders.phone_numbers"]) == [a, b]
        assert list(alerts.fields["senders.alpha_senders"]) == ["ACME"]
        assert alerts.fields["sticky_sender"] is True  # Twilio's default
        assert flow.plan(client, TWO.format(a=a, b=b)).changes == ()

        moved = TWO.format(a=a, b=b).replace(f'["{a}", "{b}"]', f'["{b}"]')
        moved = moved.replace("phone_numbers: []", f'phone_numbers: ["{a}"]')
        plan, lines = flow.apply(client, moved)
        remove, add = plan.changes
        assert (remove.action, remove.name, remove.moved) == (
            "remove",
            "Replay Alerts",
            "Replay Marketing",
        )
        assert (add.action, add.name, add.key) == ("add", "Replay Marketing", a)
        assert lines[0].startswith('✓ remove messaging_services "Replay Alerts"')
        services = flow.fetch(client, "messaging_services")
        assert list(services["Replay Marketing"].fields["senders.phone_numbers"]) == [a]

        pruned, _ = flow.apply(client, PRUNED)
        actions = [(c.action, c.name) for c in pruned.changes]
        assert actions[-2:] == [
            ("delete", "Replay Alerts"),
            ("delete", "Replay Marketing"),
        ]
        assert flow.fetch(client, "messaging_services") == {}
