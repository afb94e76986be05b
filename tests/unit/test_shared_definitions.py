"""Definitions several kinds and commands share are made in one place: a
never-null enum, the pool of phone numbers, the --from/--to/--status filters
and their checks, the tables' date columns."""

from __future__ import annotations

from click.testing import CliRunner

from twilio_iac.cli import cli
from twilio_iac.operations import calls, listing, messages
from twilio_iac.render.records import TABLES
from twilio_iac.resources import REGISTRY
from twilio_iac.resources._common import choice
from twilio_iac.resources.pools import number_pool


def _field(kind: str, name: str):  # noqa: ANN202
    return next(f for f in REGISTRY[kind].fields if f.name == name)


def _part(kind: str, name: str):  # noqa: ANN202
    return next(p for p in REGISTRY[kind].parts if p.name == name)


def test_choice_is_an_enum_twilio_never_leaves_null():
    field = choice("voice_receive_mode", ("voice", "fax"), "voice")
    assert (field.type, field.enum, field.default, field.nullable) == (
        "enum",
        ("voice", "fax"),
        "voice",
        False,
    )
    assert _field("phone_numbers", "voice_receive_mode") == field
    trim = _field("sip_trunks", "recording.trim")
    assert trim.param == "Trim" and trim.nullable is False


def test_both_owners_pool_numbers_the_same_way():
    trunk = _part("sip_trunks", "phone_numbers")
    service = _part("messaging_services", "senders.phone_numbers")
    for pool in (trunk, service):
        plain = number_pool(pool.name)
        same = ("title", "collection", "list_key", "key", "param", "member_kind")
        assert all(getattr(pool, a) == getattr(plain, a) for a in same)
    assert trunk.sets == "trunk_sid" and service.sets is None


def test_parties_reports_every_problem_at_once():
    dates, problems = listing.parties(
        "DateSent", messages.STATUSES, "123", "abc", "bogus", "2024-02-01", "2024-01-01"
    )
    assert dates == {
        "DateSent>": "2024-02-01T00:00:00Z",
        "DateSent<": "2024-01-01T23:59:59Z",
    }
    assert [p.split()[0] for p in problems] == ["--after", "--to", "--from", "--status"]
    _, none = listing.parties(
        "StartTime", calls.STATUSES, None, None, "busy", None, None
    )
    assert none == []


def test_messages_and_calls_list_take_the_same_party_filters():
    for group, verb in (("messages", "Sent"), ("calls", "Placed")):
        text = CliRunner().invoke(cli, [group, "list", "--help"]).output
        assert f"{verb} from this number." in text and f"{verb} to this number." in text
        assert "--status [queued|" in text


def test_date_columns_take_the_first_date_the_record_has():
    date = TABLES["messages"][1]
    assert date.title == "DATE" and date.width == 17
    sent = {"date_sent": "Thu, 30 Jul 2015 20:12:31 +0000", "date_created": "x"}
    assert date.get(sent) == "2015-07-30T20:12Z"
    assert date.get({"date_created": "2015-07-30T20:12:31Z"}) == "2015-07-30T20:12Z"
    start = TABLES["calls"][1]
    assert start.title == "START" and start.get({"start_time": None}) == ""
