"""Children that name each other (taskrouter_workspaces), without the CLI:
a document compared per path, names to SIDs on the wire, and the order of an
owner's changes."""

from __future__ import annotations

import json

from twilio_iac.manifests import nested
from twilio_iac.model import Resource
from twilio_iac.reconcile.plan import RemoveMember
from twilio_iac.reconcile.pools import children, named, order
from twilio_iac.resources import REGISTRY

RT = REGISTRY["taskrouter_workspaces"]
PARTS = RT.parts_by_name
CONFIGURATION = PARTS["workflows"].by_name["configuration"]
QUEUE = "WQ" + "1" * 32
OTHER = "WQ" + "2" * 32
ROUTING = {
    "task_routing": {
        "filters": [
            {"expression": "1==1", "targets": [{"queue": "Spanish"}, {"queue": QUEUE}]}
        ],
        "default_filter": {"queue": "Everyone"},
    }
}


def test_names_are_found_at_every_path_a_document_names_them() -> None:
    found = list(nested.names_at(ROUTING, CONFIGURATION.name_paths))
    assert found == [
        ("task_routing.filters[0].targets[0].queue", "Spanish"),
        ("task_routing.filters[0].targets[1].queue", QUEUE),
        ("task_routing.default_filter.queue", "Everyone"),
    ]


def test_names_go_out_as_sids_and_sids_as_written() -> None:
    sids = {"Spanish": OTHER, "Everyone": "WQ" + "3" * 32}
    sent = json.loads(named.sent(CONFIGURATION, ROUTING, lambda _p, n: sids[n]))
    targets = sent["task_routing"]["filters"][0]["targets"]
    assert [t["queue"] for t in targets] == [OTHER, QUEUE]
    assert sent["task_routing"]["default_filter"]["queue"] == sids["Everyone"]
    assert ROUTING["task_routing"]["default_filter"]["queue"] == "Everyone"  # a copy


def test_a_document_change_is_shown_per_leaf_path() -> None:
    after = json.loads(json.dumps(ROUTING))
    after["task_routing"]["filters"][0]["expression"] = "2==2"
    after["task_routing"]["default_filter"]["timeout"] = 30
    shown = children.document_changes("configuration", ROUTING, after)
    assert [(fc.name, fc.before, fc.after) for fc in shown] == [
        ("configuration.task_routing.filters[0].expression", "1==1", "2==2"),
        ("configuration.task_routing.default_filter.timeout", None, 30),
    ]
    reordered = {"task_routing": dict(reversed(ROUTING["task_routing"].items()))}
    assert children.document_changes("configuration", ROUTING, reordered) == []


def _live() -> Resource:
    return Resource(
        RT.kind,
        "Support",
        {
            "timeout_activity": "Lunch",
            "default_activity": "Offline",
            "activities": {
                "Offline": {
                    "sid": "WA" + "0" * 32,
                    "friendly_name": "Offline",
                    "available": False,
                },
                "Lunch": {
                    "sid": "WA" + "1" * 32,
                    "friendly_name": "Lunch",
                    "available": False,
                },
            },
            "task_queues": {
                "Spanish": {
                    "sid": QUEUE,
                    "friendly_name": "Spanish",
                    "reservation_activity": "Lunch",
                },
            },
        },
        "WS" + "0" * 32,
    )


def _want(available: bool) -> Resource:
    return Resource(
        RT.kind,
        "Support",
        {
            "activities": {
                "Offline": {"friendly_name": "Offline"},
                "Lunch": {"friendly_name": "Lunch", "available": available},
            },
            "task_queues": {
                "Spanish": {
                    "friendly_name": "Spanish",
                    "reservation_activity": "Lunch",
                },
            },
        },
    )


def _planned(want: Resource, have: Resource) -> list:
    found = []
    for name in ("activities", "task_queues"):
        found += children.changes(RT, PARTS[name], want, have, have.fields[name], ())
    return order.within_owner(RT, want, have, found)


def test_a_replaced_activity_goes_after_everything_naming_it_moved() -> None:
    planned = _planned(_want(True), _live())
    by = {(c.action, c.part, c.member): c for c in planned}
    assert set(by) == {
        ("set", "activities", "Lunch"),  # renamed out of the way
        ("add", "activities", "Lunch"),
        ("remove", "activities", "Lunch (replaced)"),
        ("set", "task_queues", "Spanish"),  # re-pointed, same name
        ("set", "defaults", ""),  # the timeout activity, re-pointed
    }
    removal = by[("remove", "activities", "Lunch (replaced)")]
    assert isinstance(removal, RemoveMember)
    for first in (
        ("set", "task_queues", "Spanish"),
        ("set", "defaults", ""),
        ("add", "activities", "Lunch"),
    ):
        assert by[first].step_id in removal.after, first
    assert by[("add", "activities", "Lunch")].step_id in (
        by[("set", "task_queues", "Spanish")].after
    )
    assert by[("set", "defaults", "")].send == {"timeout_activity": "Lunch"}


def test_nothing_changes_when_nothing_differs() -> None:
    assert _planned(_want(False), _live()) == []
