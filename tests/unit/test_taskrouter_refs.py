"""The TaskRouter references in flow definitions, against a stand-in for the
`taskrouter_workspaces` kind another change adds: the offline check accepts
a workflow the manifests declare, and live SIDs of a declared workspace's
workflows read back as the names a flow file writes."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from twilio_iac.manifests import flows, reader
from twilio_iac.model import Key, Ref, Resource
from twilio_iac.reconcile.matching import _child_ref_names
from twilio_iac.resources import REGISTRY, Field, ResourceType
from twilio_iac.resources.pools import Children

WORKSPACES = ResourceType(
    kind="taskrouter_workspaces",
    title="TaskRouter workspace",
    api="core",
    collection="/v1/Workspaces",
    instance="/v1/Workspaces/{sid}",
    list_key="workspaces",
    sid_prefix="WS",
    identity="friendly_name",
    fields=(Field("friendly_name"),),
    parts=(
        Children(
            "workflows",
            "workflow",
            "/Workflows",
            "workflows",
            "friendly_name",
            (Field("friendly_name"),),
        ),
        Children(
            "task_channels",
            "task channel",
            "/TaskChannels",
            "channels",
            "unique_name",
            (Field("unique_name"),),
        ),
    ),
)


@pytest.fixture
def taskrouter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(REGISTRY, WORKSPACES.kind, WORKSPACES)


def _entries(tmp_path: Path, workflow: str) -> list:
    path = tmp_path / "s.yaml"
    path.write_text(
        textwrap.dedent(
            f"""
            studio_flows:
              - friendly_name: Main
                status: draft
                definition:
                  initial_state: T
                  states:
                    - name: T
                      type: send-to-flex
                      properties:
                        workflow: {{ref: "workflow:{workflow}"}}
                        channel: {{ref: "task_channel:Support/voice"}}
            taskrouter_workspaces:
              - friendly_name: Support
                workflows: [{{friendly_name: Default}}]
                task_channels: [{{unique_name: voice}}]
            """
        ).lstrip()
    )
    return reader.read([path], {}, False).entries


def test_a_declared_workflow_resolves_offline(tmp_path: Path, taskrouter) -> None:
    assert flows.check(_entries(tmp_path, "Support/Default"), {}) == []
    (problem,) = flows.check(_entries(tmp_path, "Support/Nope"), {})
    assert "naming a workspace declared in the manifests" in problem.message
    assert problem.path.endswith("properties.workflow")


def test_refs_become_refs_of_the_workspace_part(tmp_path: Path, taskrouter) -> None:
    entries = _entries(tmp_path, "Support/Default")
    entry = next(e for e in entries if e.kind == "studio_flows")
    widget = flows.definition(entry)["states"][0]["properties"]
    assert widget == {
        "workflow": Ref("taskrouter_workspaces.workflows", "Support/Default"),
        "channel": Ref("taskrouter_workspaces.task_channels", "Support/voice"),
    }


def test_live_child_sids_read_back_as_names(taskrouter) -> None:
    live = Resource(
        "taskrouter_workspaces",
        "Support",
        {"workflows": {"Default": {"sid": "WW1"}}, "task_channels": {}},
        sid="WS1",
    )
    pairs = {Key("taskrouter_workspaces", "Support"): live}
    assert _child_ref_names(pairs) == {
        "WW1": Ref("taskrouter_workspaces.workflows", "Support/Default")
    }
