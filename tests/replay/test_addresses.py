"""Addresses through a cassette: create, update, replace (re-pointing a number)."""

from __future__ import annotations

from tests import tape
from tests.replay import flow
from twilio_iac.api.client import TwilioClient

ADDRESS = """
    addresses:
      - friendly_name: Replay HQ
        customer_name: Example Inc
        street: 1 Main St
        city: San Francisco
        region: CA
        postal_code: "94105"
        iso_country: US
        auto_correct_address: false
"""
NUMBER = """
    phone_numbers:
      - phone_number: "{number}"
        address: {address}
"""
PRUNED = """
    addresses: []
    prune: [addresses]
"""


def _first_number(client: TwilioClient) -> str:
    return min(flow.fetch(client, "phone_numbers"))


@tape.tape.use_cassette()
def test_create_update_and_prune_an_address() -> None:
    with tape.client() as client:
        created, lines = flow.apply(client, ADDRESS)
        assert flow.actions(created) == [("create", "addresses", "Replay HQ")]
        address = flow.fetch(client, "addresses")["Replay HQ"]
        assert address.sid is not None and address.sid.startswith("AD")
        assert lines == [f'✓ create addresses "Replay HQ" → {address.sid}']
        assert address.fields["street"] == "1 Main St"
        assert address.fields["emergency_enabled"] is False
        # Twilio never returns it, so live state never holds it.
        assert "auto_correct_address" not in address.fields

        moved = ADDRESS.replace("1 Main St", "2 Market St")
        updated, _ = flow.apply(client, moved)
        (change,) = updated.changes
        assert (change.action, change.sid) == ("update", address.sid)
        # Write-only fields ride along with every update.
        assert change.send == {"street": "2 Market St", "auto_correct_address": False}
        after = flow.fetch(client, "addresses")["Replay HQ"]
        assert after.fields["street"] == "2 Market St"

        pruned, _ = flow.apply(client, PRUNED)
        assert flow.actions(pruned) == [("delete", "addresses", "Replay HQ")]
        assert flow.fetch(client, "addresses") == {}


@tape.tape.use_cassette()
def test_new_country_replaces_the_address_and_repoints_its_number() -> None:
    with tape.client() as client:
        number = _first_number(client)
        uses = NUMBER.format(number=number, address="Replay HQ")
        flow.apply(client, ADDRESS + uses)
        old = flow.fetch(client, "addresses")["Replay HQ"].sid
        assert flow.fetch(client, "phone_numbers")[number].fields["address_sid"] == old

        canada = (
            ADDRESS.replace("iso_country: US", 'iso_country: "CA"')
            .replace("San Francisco", "Toronto")
            .replace("region: CA", 'region: "ON"')  # bare ON is YAML 1.1 true
        )
        replaced, lines = flow.apply(client, canada)
        assert flow.actions(replaced) == [
            ("replace", "addresses", "Replay HQ"),
            ("update", "phone_numbers", number),
        ]
        new = flow.fetch(client, "addresses")["Replay HQ"]
        assert new.sid not in (None, old)
        assert new.fields["iso_country"] == "CA"
        assert new.fields["region"] == "ON"
        assert flow.fetch(client, "phone_numbers")[number].fields["address_sid"] == (
            new.sid
        )
        assert lines[-1] == f'✓ delete old addresses "Replay HQ" ({old})'

        flow.apply(client, NUMBER.format(number=number, address="null"))
        pruned, _ = flow.apply(client, PRUNED)
        assert flow.actions(pruned) == [("delete", "addresses", "Replay HQ")]
