"""Phone numbers through a cassette: fetch, configure, purchase, release.

Numbers are never created or deleted casually: the purchase test buys a number
and releases it again, so re-recording it against a real account costs money
and is skipped unless TWILIO_IAC_RECORD_PURCHASES=1.
"""

from __future__ import annotations

import os
import re

import pytest

from tests import tape
from tests.replay import flow
from twilio_iac.resources import REGISTRY

NEW_NUMBER = "+14155559999"
READ_FIELDS = {f.name for f in REGISTRY["phone_numbers"].fields if not f.write_only}
costs_money = pytest.mark.skipif(
    tape.TARGET == "twilio"
    and tape.RECORD_MODE != "none"
    and not os.environ.get("TWILIO_IAC_RECORD_PURCHASES"),
    reason="buys a real number; set TWILIO_IAC_RECORD_PURCHASES=1 to record it",
)


def _entry(number: str, **fields: str) -> str:
    lines = [f'  - phone_number: "{number}"']
    lines += [f"    {name}: {value}" for name, value in fields.items()]
    return "\n".join(lines) + "\n"


@tape.tape.use_cassette()
def test_fetch_normalizes_every_owned_number() -> None:
    with tape.client() as client:
        numbers = flow.fetch(client, "phone_numbers")
    assert numbers
    for name, number in numbers.items():
        assert re.fullmatch(r"\+[1-9]\d{6,14}", name)
        assert number.sid is not None and number.sid.startswith("PN")
        assert set(number.fields) == READ_FIELDS
        assert number.fields["phone_number"] == name
        assert number.fields["voice_method"] in ("GET", "POST")
        assert number.fields["emergency_status"] in ("Active", "Inactive")
        assert isinstance(number.fields["voice_caller_id_lookup"], bool)


@tape.tape.use_cassette()
def test_configure_a_number_then_restore_it() -> None:
    with tape.client() as client:
        number, before = min(flow.fetch(client, "phone_numbers").items())
        changed = _entry(
            number,
            friendly_name="Replay line",
            voice_url="https://example.com/replay",
            voice_method="get",
            voice_caller_id_lookup="true",
        )
        updated, lines = flow.apply(client, "phone_numbers:\n" + changed)
        (change,) = updated.changes
        assert (change.action, change.sid) == ("update", before.sid)
        assert change.send["voice_method"] == "GET"
        assert lines == [f'✓ update phone_numbers "{number}"']
        after = flow.fetch(client, "phone_numbers")[number]
        assert after.sid == before.sid
        assert after.fields["friendly_name"] == "Replay line"
        assert after.fields["voice_url"] == "https://example.com/replay"
        assert after.fields["voice_method"] == "GET"
        assert after.fields["voice_caller_id_lookup"] is True
        assert flow.plan(client, "phone_numbers:\n" + changed).changes == ()

        restore = _entry(
            number,
            friendly_name=f'"{before.fields["friendly_name"]}"',
            voice_url=before.fields["voice_url"] or "null",
            voice_method=before.fields["voice_method"],
            voice_caller_id_lookup=str(before.fields["voice_caller_id_lookup"]),
        )
        flow.apply(client, "phone_numbers:\n" + restore)
        assert flow.fetch(client, "phone_numbers")[number].fields == before.fields


@costs_money
@tape.tape.use_cassette()
def test_purchase_then_release_a_number() -> None:
    with tape.client() as client:
        owned = flow.fetch(client, "phone_numbers")
        assert NEW_NUMBER not in owned
        buy = _entry(NEW_NUMBER, friendly_name="Bought", purchase="true")
        bought, lines = flow.apply(client, "phone_numbers:\n" + buy)
        assert flow.actions(bought) == [("purchase", "phone_numbers", NEW_NUMBER)]
        new = flow.fetch(client, "phone_numbers")[NEW_NUMBER]
        assert new.sid is not None and new.sid.startswith("PN")
        assert new.fields["friendly_name"] == "Bought"
        assert lines == [f'✓ purchase phone_numbers "{NEW_NUMBER}" → {new.sid}']

        keep = "".join(_entry(number) for number in owned)
        manifest = "phone_numbers:\n" + keep + "prune: [phone_numbers]\n"
        released, lines = flow.apply(client, manifest)
        (change,) = released.changes
        assert (change.action, change.sid, change.guarded) == (
            "delete",
            new.sid,
            True,
        )
        assert lines == [f'✓ release phone_numbers "{NEW_NUMBER}" ({new.sid})']
        assert set(flow.fetch(client, "phone_numbers")) == set(owned)
