"""--kinds in the planner: only the selected kinds change, others are context."""

from __future__ import annotations

import pytest

from tests.unit.test_planner import ACCOUNT, live, sid, want
from twilio_iac.errors import PlanError
from twilio_iac.manifests.desired import Desired
from twilio_iac.model import Ref, Resource
from twilio_iac.reconcile.planner import plan
from twilio_iac.reconcile.selection import narrow, reads


def _plan(wanted: list[Resource], lives: list[Resource], kinds, prune=()):
    by_kind: dict[str, list[Resource]] = {}
    for r in lives:
        by_kind.setdefault(r.kind, []).append(r)
    desired = Desired(
        {r.key: r for r in wanted}, None, frozenset(prune), ("m.yaml",), ()
    )
    return plan(desired, by_kind, ACCOUNT, kinds)


def _actions(result) -> list[str]:
    return [f"{c.action} {c.kind}/{c.name}" for c in result.changes]


def test_replace_that_must_repoint_an_unselected_referrer_is_refused():
    wanted = [want("addresses", "HQ", iso_country="CA")]
    lives = [
        live("addresses", "HQ", 1, iso_country="US"),
        live("phone_numbers", "+14155550100", 2, address_sid=sid("AD", 1)),
    ]
    with pytest.raises(PlanError) as info:
        _plan(wanted, lives, ("addresses",))
    assert "must be re-pointed" in str(info.value)
    assert "Add phone_numbers to --kinds" in str(info.value)
    both = _plan(wanted, lives, ("addresses", "phone_numbers"))
    assert _actions(both) == [
        "replace addresses/HQ",
        "update phone_numbers/+14155550100",
    ]


def test_reference_to_an_unselected_kind_resolves_by_the_manifests_name():
    # The application is pinned: its manifest name is not its live name.
    wanted = [
        want("applications", "ivr", pin=sid("AP", 1), voice_url="https://new"),
        want(
            "phone_numbers",
            "+14155550100",
            voice_application_sid=Ref("applications", "ivr"),
        ),
    ]
    lives = [
        live("applications", "old-name", 1, voice_url="https://old"),
        live("phone_numbers", "+14155550100", 2, voice_application_sid=sid("AP", 1)),
    ]
    result = _plan(wanted, lives, ("phone_numbers",))
    assert result.empty and result.kinds == ("phone_numbers",)
    assert _actions(_plan(wanted, lives, None)) == ["update applications/ivr"]


def test_problems_of_unselected_kinds_do_not_block():
    wanted = [want("phone_numbers", "+14155550123"), want("queues", "q")]
    with pytest.raises(PlanError, match="not owned"):
        _plan(wanted, [], None)
    assert _actions(_plan(wanted, [], ("queues",))) == ["create queues/q"]


def test_prune_only_within_the_selection():
    lives = [live("queues", "stray", 1), live("applications", "stray", 2)]
    prune = ["queues", "applications"]
    assert _actions(_plan([], lives, None, prune)) == [
        "delete queues/stray",
        "delete applications/stray",
    ]
    result = _plan([], lives, ("queues",), prune)
    assert _actions(result) == ["delete queues/stray"]
    assert result.data["kinds"] == ["queues"]
    assert "Partial plan (--kinds): only queues" in (result.scope or "")


def test_reads_and_narrow_follow_the_selection():
    desired = Desired(
        {
            (a := want("applications", "ivr")).key: a,
            (q := want("queues", "q")).key: q,
            (n := want("phone_numbers", "+14155550100")).key: n,
        },
        None,
        frozenset({"queues", "applications"}),
        (),
        (),
    )
    assert reads(desired, ("queues",)) == {"queues"}
    assert reads(desired, ("verify_services",)) == set()
    assert reads(desired, ("phone_numbers",)) == {
        "addresses",
        "applications",
        "phone_numbers",
    }
    narrowed = narrow(desired, ("phone_numbers",))
    assert {k.kind for k in narrowed.resources} == {"applications", "phone_numbers"}
    assert narrowed.prune == frozenset()
    assert narrow(desired, None) is desired
