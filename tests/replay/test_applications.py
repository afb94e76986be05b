"""TwiML applications through a cassette: fetch, create, update, clear, prune."""

from __future__ import annotations

from tests import tape
from tests.replay import flow

APP = """
    applications:
      - friendly_name: replay-ivr
        voice_url: https://example.com/voice
        voice_method: get
        sms_url: https://example.com/sms
        voice_caller_id_lookup: true
"""
CHANGED = """
    applications:
      - friendly_name: replay-ivr
        voice_url: https://example.com/voice-v2
        voice_method: GET
        sms_url: null
        voice_caller_id_lookup: false
"""
PRUNED = """
    applications: []
    prune: [applications]
"""


@tape.tape.use_cassette()
def test_create_update_clear_and_prune_an_application() -> None:
    with tape.client() as client:
        created, lines = flow.apply(client, APP)
        assert flow.actions(created) == [("create", "applications", "replay-ivr")]
        app = flow.fetch(client, "applications")["replay-ivr"]
        assert app.sid is not None and app.sid.startswith("AP")
        assert lines == [f'✓ create applications "replay-ivr" → {app.sid}']
        # live.fetch normalizes: methods upper-case, booleans real, defaults filled.
        assert app.fields["voice_method"] == "GET"
        assert app.fields["sms_method"] == "POST"
        assert app.fields["voice_caller_id_lookup"] is True
        assert app.fields["sms_url"] == "https://example.com/sms"
        assert app.fields["voice_fallback_url"] is None

        updated, _ = flow.apply(client, CHANGED)
        (change,) = updated.changes
        assert (change.action, change.sid) == ("update", app.sid)
        assert change.send == {
            "voice_url": "https://example.com/voice-v2",
            "sms_url": None,
            "voice_caller_id_lookup": False,
        }
        after = flow.fetch(client, "applications")["replay-ivr"]
        assert after.fields["voice_url"] == "https://example.com/voice-v2"
        assert after.fields["sms_url"] is None
        assert after.fields["voice_caller_id_lookup"] is False
        assert flow.plan(client, CHANGED).changes == ()

        pruned, _ = flow.apply(client, PRUNED)
        assert flow.actions(pruned) == [("delete", "applications", "replay-ivr")]
        assert flow.fetch(client, "applications") == {}
