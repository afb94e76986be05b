"""Planner table tests: (live, desired) → the changes, as one line each."""

from __future__ import annotations

import pytest

from twilio_iac.errors import AmbiguousLiveState, PlanError
from twilio_iac.manifests.desired import Desired
from twilio_iac.model import Ref, Resource
from twilio_iac.reconcile.planner import plan

ACCOUNT = "AC" + "5a4db0c0" * 4


def sid(prefix: str, n: int) -> str:
    return f"{prefix}{n:032x}"


def live(kind: str, name: str, n: int, **fields) -> Resource:
    identity = "phone_number" if kind == "phone_numbers" else "friendly_name"
    prefix = {
        "applications": "AP",
        "queues": "QU",
        "addresses": "AD",
        "phone_numbers": "PN",
        "verify_services": "VA",
    }[kind]
    return Resource(kind, name, {identity: name, **fields}, sid=sid(prefix, n))


def want(
    kind: str, name: str, pin: str | None = None, purchase: bool = False, **fields
) -> Resource:
    identity = "phone_number" if kind == "phone_numbers" else "friendly_name"
    return Resource(
        kind,
        name,
        {identity: name, **fields},
        sid=pin,
        location="m.yaml:1",
        purchase=purchase,
    )


def lines(wanted: list[Resource], lives: list[Resource], prune=()) -> list[str]:
    by_kind: dict[str, list[Resource]] = {}
    for r in lives:
        by_kind.setdefault(r.kind, []).append(r)
    desired = Desired(
        {r.key: r for r in wanted}, None, frozenset(prune), ("m.yaml",), ()
    )
    result = plan(desired, by_kind, ACCOUNT)
    out = []
    for c in result.changes:
        fields = (
            ",".join(f"{f.name}:{f.before}>{f.after}" for f in c.fields)
            if c.action != "delete"
            else ""
        )
        out.append(f"{c.action} {c.kind}/{c.name} {fields}".rstrip())
    return out


APP = "applications"
CASES = [
    ("nothing", [], [], [], []),
    (
        "create",
        [want(APP, "ivr", voice_url="https://e.com/v")],
        [],
        [],
        [
            "create applications/ivr friendly_name:None>ivr,voice_url:None>https://e.com/v"
        ],
    ),
    (
        "equal",
        [want(APP, "ivr", voice_url="https://e.com/v")],
        [live(APP, "ivr", 1, voice_url="https://e.com/v", sms_url="x")],
        [],
        [],
    ),
    (
        "update only managed field",
        [want(APP, "ivr", voice_url="https://e.com/2")],
        [live(APP, "ivr", 1, voice_url="https://e.com/v", sms_url="x")],
        [],
        ["update applications/ivr voice_url:https://e.com/v>https://e.com/2"],
    ),
    ("unmanaged leftover kept", [], [live(APP, "other", 1)], [], []),
    (
        "pruned leftover deleted",
        [],
        [live(APP, "other", 1)],
        [APP],
        ["delete applications/other"],
    ),
    (
        "pin renames",
        [want(APP, "new", pin=sid("AP", 1))],
        [live(APP, "old", 1)],
        [],
        ["update applications/new friendly_name:old>new"],
    ),
    (
        "pin to a missing sid creates",
        [want(APP, "a", pin=sid("AP", 9))],
        [],
        [],
        ["create applications/a friendly_name:None>a"],
    ),
    (
        "raw sid equal to managed ref",
        [
            want(APP, "ivr"),
            want("phone_numbers", "+14155550100", voice_application_sid=sid("AP", 1)),
        ],
        [
            live(APP, "ivr", 1),
            live(
                "phone_numbers", "+14155550100", 2, voice_application_sid=sid("AP", 1)
            ),
        ],
        [],
        [],
    ),
    (
        "ref to created app orders app first",
        [
            want(
                "phone_numbers", "+14155550100", voice_application_sid=Ref(APP, "ivr")
            ),
            want(APP, "ivr"),
        ],
        [live("phone_numbers", "+14155550100", 2, voice_application_sid=None)],
        [],
        [
            "create applications/ivr friendly_name:None>ivr",
            "update phone_numbers/+14155550100 voice_application_sid:None>ivr",
        ],
    ),
    (
        "replace address repoints numbers",
        [want("addresses", "HQ", iso_country="CA")],
        [
            live("addresses", "HQ", 1, iso_country="US", street="1 Main"),
            live("phone_numbers", "+14155550100", 2, address_sid=sid("AD", 1)),
        ],
        [],
        [
            "replace addresses/HQ iso_country:US>CA",
            "update phone_numbers/+14155550100 address_sid:HQ>HQ",
        ],
    ),
    (
        "deletes after writes, reverse dependency order",
        [want(APP, "keep")],
        [live(APP, "gone", 1), live("queues", "q", 2), live("phone_numbers", "+1", 3)],
        [APP, "queues", "phone_numbers"],
        [
            "create applications/keep friendly_name:None>keep",
            "delete phone_numbers/+1",
            "delete queues/q",
            "delete applications/gone",
        ],
    ),
]


@pytest.mark.parametrize(
    "name,wanted,lives,prune,expected", CASES, ids=[c[0] for c in CASES]
)
def test_plan_table(name, wanted, lives, prune, expected):
    assert lines(wanted, lives, prune) == expected


def test_replace_carries_over_unmanaged_values():
    desired = Desired(
        {(w := want("addresses", "HQ", iso_country="CA")).key: w},
        None,
        frozenset(),
        (),
        (),
    )
    lives = {
        "addresses": [live("addresses", "HQ", 1, iso_country="US", street="1 Main")]
    }
    (change,) = plan(desired, lives, ACCOUNT).changes
    assert change.send["street"] == "1 Main" and change.send["iso_country"] == "CA"


def test_duplicate_live_identity_names_both_sids():
    with pytest.raises(AmbiguousLiveState) as info:
        lines([want(APP, "ivr")], [live(APP, "ivr", 1), live(APP, "ivr", 2)])
    assert sid("AP", 1) in str(info.value) and sid("AP", 2) in str(info.value)


def test_phone_number_is_never_replaced():
    with pytest.raises(PlanError, match="would release it"):
        lines(
            [want("phone_numbers", "+14155550100", pin=sid("PN", 1))],
            [live("phone_numbers", "+14155550199", 1)],
        )


def test_number_not_owned_without_purchase_is_an_error():
    with pytest.raises(PlanError, match=r"\+14155550123 is not owned"):
        lines([want("phone_numbers", "+14155550123")], [])


def test_purchase_plans_a_create():
    assert lines([want("phone_numbers", "+14155550123", purchase=True)], []) == [
        "purchase phone_numbers/+14155550123 phone_number:None>+14155550123"
    ]


def test_create_missing_required_fields_is_an_error():
    with pytest.raises(PlanError, match="creating it needs: customer_name, street"):
        lines([want("addresses", "HQ", iso_country="US")], [])


def test_pruning_a_target_still_in_use_is_refused():
    with pytest.raises(PlanError, match='address "HQ" would be deleted'):
        lines(
            [],
            [
                live("addresses", "HQ", 1),
                live("phone_numbers", "+1", 2, address_sid=sid("AD", 1)),
            ],
            ["addresses"],
        )


def test_setting_voice_application_explains_trunk_is_cleared():
    desired = Desired(
        {
            (
                w := want("phone_numbers", "+1", voice_application_sid=Ref(APP, "ivr"))
            ).key: w,
            (a := want(APP, "ivr")).key: a,
        },
        None,
        frozenset(),
        (),
        (),
    )
    lives = {
        APP: [live(APP, "ivr", 1)],
        "phone_numbers": [
            live(
                "phone_numbers",
                "+1",
                2,
                trunk_sid=sid("TK", 3),
                voice_application_sid=None,
            )
        ],
    }
    result = plan(desired, lives, ACCOUNT)
    assert any("clear trunk_sid" in w for w in result.warnings)


def test_write_only_field_sent_but_never_diffed():
    desired = Desired(
        {
            (
                w := want(
                    "addresses", "HQ", street="2 Main", auto_correct_address=False
                )
            ).key: w
        },
        None,
        frozenset(),
        (),
        (),
    )
    lives = {"addresses": [live("addresses", "HQ", 1, street="1 Main")]}
    (change,) = plan(desired, lives, ACCOUNT).changes
    assert [f.name for f in change.fields] == ["street"]
    assert change.send == {"street": "2 Main", "auto_correct_address": False}
    same = Desired(
        {(w := want("addresses", "HQ", auto_correct_address=False)).key: w},
        None,
        frozenset(),
        (),
        (),
    )
    assert plan(same, lives, ACCOUNT).changes == ()


def _with_ignore(wanted, lives, prune, ignore):
    by_kind: dict[str, list[Resource]] = {}
    for r in lives:
        by_kind.setdefault(r.kind, []).append(r)
    desired = Desired(
        {r.key: r for r in wanted}, None, frozenset(prune), (), (), ignore=ignore
    )
    return plan(desired, by_kind, ACCOUNT)


def test_ignored_objects_are_never_diffed_or_deleted():
    result = _with_ignore(
        [],
        [live(APP, "Legacy IVR", 1), live(APP, "Legacy SMS", 2), live(APP, "x", 3)],
        [APP],
        {APP: ("Legacy *",)},
    )
    assert [(c.action, c.name) for c in result.changes] == [("delete", "x")]


def test_ignored_referrer_of_a_replaced_target_is_an_error():
    with pytest.raises(
        PlanError, match="ignore rule keeps twilio-iac from re-pointing"
    ):
        _with_ignore(
            [want("addresses", "HQ", iso_country="CA")],
            [
                live("addresses", "HQ", 1, iso_country="US"),
                live("phone_numbers", "+1", 2, address_sid=sid("AD", 1)),
            ],
            [],
            {"phone_numbers": ("+1",)},
        )


def test_references_to_same_named_objects_compare_by_sid():
    # Two live applications named "dup": a number pointing at the second must
    # not look equal to a manifest naming the first by SID.
    desired = Desired(
        {(w := want("phone_numbers", "+1", voice_application_sid=sid("AP", 1))).key: w},
        None,
        frozenset(),
        (),
        (),
    )
    lives = {
        APP: [live(APP, "dup", 1), live(APP, "dup", 2)],
        "phone_numbers": [
            live("phone_numbers", "+1", 3, voice_application_sid=sid("AP", 2))
        ],
    }
    (change,) = plan(desired, lives, ACCOUNT).changes
    assert change.fields[0].before == sid("AP", 2)
    assert change.fields[0].after == sid("AP", 1)


def test_the_plan_comes_finished_with_what_it_was_computed_against() -> None:
    """Observed fields, live counts, ignore rules and the too-much-change
    warning are part of the planner's result, not patched on afterwards."""
    queues = [live("queues", f"q{n}", n, max_size=10) for n in range(12)]
    desired = Desired(
        {want("queues", "q0", max_size=20).key: want("queues", "q0", max_size=20)},
        None,
        frozenset({"queues"}),
        ("m.yaml",),
        (),
        ignore={"queues": ("q11",)},
    )
    result = plan(desired, {"queues": queues}, ACCOUNT)
    assert result.live_counts == {"queues": 11}
    assert result.ignore == {"queues": ("q11",)}
    assert result.observed[sid("QU", 0)]["max_size"] == 10
    assert set(result.observed) == {c.sid for c in result.changes}
    assert result.warnings[-1].startswith("apply will refuse without --force")


def test_the_readme_states_the_threshold_and_its_minimum():
    """--force's gate has two numbers (30%, and kinds of at least 10): the
    docs' safety gates must give both, as plan.py has them."""
    from pathlib import Path

    from twilio_iac.reconcile.plan import THRESHOLD, THRESHOLD_MIN

    docs = Path(__file__).parents[2] / "docs"
    readme = "".join(
        (docs / page).read_text() for page in ("gitops.md", "manifests.md")
    )
    gates = readme.split("### Safety gates", 1)[1].split("\n### ", 1)[0]
    gates = " ".join(gates.split())
    assert f"{THRESHOLD:.0%} of a kind's live objects, unless `--force`" in gates
    assert f"at least {THRESHOLD_MIN} live objects" in gates
    pools = readme.split("### Pools:", 1)[1].split("\n## ", 1)[0]
    assert f"at least {THRESHOLD_MIN} members" in " ".join(pools.split())


def test_too_much_change_words_objects_and_members():
    from twilio_iac.reconcile.plan import Delete, too_much_change

    deletes = tuple(Delete("queues", f"q{i}", f"QU{i}") for i in range(4))
    (reason,) = too_much_change(deletes, {"queues": 10, "queues.x": 10})
    assert reason == (
        "queues: 4 of 10 live objects would be deleted or replaced "
        "(40%; the limit is 30%)"
    )
