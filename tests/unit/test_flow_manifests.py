"""A flow's definition checked offline, each problem at the file:line that wrote it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from twilio_iac.errors import ManifestError
from twilio_iac.manifests.desired import load
from twilio_iac.model import Ref


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def _problems(path: Path) -> str:
    with pytest.raises(ManifestError) as caught:
        load([path], env={})
    return str(caught.value)


INLINE = """
    studio_flows:
      - friendly_name: Main
        status: published
        definition:
          initial_state: Start
          states:
            - name: Trigger
              type: trigger
              transitions:
                - event: incomingCall
                  next: menu
            - {name: Trigger, type: say-play}
            - name: sub
              type: run-subflow
              properties:
                flow_sid: {ref: "flow:Missing"}
                channel: {ref: "queue:x"}
"""


def test_inline_problems_name_manifest_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, "s.yaml", INLINE)
    text = _problems(path)
    at = f"{path}:{{}} studio_flows[0].definition.{{}}: "
    assert at.format(5, "initial_state") + 'names no widget: "Start"' in text
    assert at.format(11, 'states["Trigger"].transitions[0].next') + "next names" in text
    assert at.format(12, "states[1].name") + 'widget name "Trigger" is used' in text
    flow_sid = at.format(16, "states[2].properties.flow_sid")
    assert flow_sid + 'no Studio flow named "Missing"' in text
    channel = at.format(17, "states[2].properties.channel")
    assert channel + 'a reference is written {"ref": "<kind>:<name>"}' in text


def test_a_yaml_definition_file_and_its_refs(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "flows/main.yaml",
        """
        initial_state: Trigger
        states:
          - name: Trigger
            type: trigger
            transitions: [{event: incomingCall, next: go}]
          - {name: go, type: run-subflow, properties: {flow_sid: {ref: "flow:Sub"}}}
        """,
    )
    path = _write(
        tmp_path,
        "s.yaml",
        """
        studio_flows:
          - friendly_name: Main
            status: draft
            definition_file: flows/main.yaml
          - friendly_name: Sub
            status: draft
            definition: >-
              {"initial_state": "T", "states": [{"name": "T", "type": "trigger"}]}
        """,
    )
    loaded = load([path], env={})
    main = next(r for r in loaded.resources.values() if r.name == "Main")
    widget = main.fields["definition"]["states"][1]
    assert widget["properties"]["flow_sid"] == Ref("studio_flows", "Sub")
    sub = next(r for r in loaded.resources.values() if r.name == "Sub")
    assert sub.fields["definition"]["initial_state"] == "T"


def test_file_problems(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "s.yaml",
        """
        studio_flows:
          - friendly_name: Gone
            status: draft
            definition_file: flows/none.json
          - friendly_name: Both
            status: draft
            definition_file: flows/none.json
            definition: {initial_state: T, states: []}
          - friendly_name: Broken
            status: draft
            definition_file: flows/broken.json
        """,
    )
    _write(tmp_path, "flows/broken.json", '{\n  "states": [\n')
    text = _problems(path)
    assert f"{path}:4 studio_flows[0].definition_file: cannot read" in text
    assert "give either definition or definition_file, not both" in text
    assert f"{tmp_path}/flows/broken.json:" in text and "not valid JSON or YAML" in text


def test_an_override_names_a_flow_file_relative_to_itself(tmp_path: Path) -> None:
    flow = '{"initial_state": "T", "states": [{"name": "T", "type": "trigger"}]}'
    _write(tmp_path, "base/flows/main.json", flow)
    _write(tmp_path, "prod/flows/main.json", flow.replace('"T"', '"P"'))
    base = _write(
        tmp_path,
        "base/s.yaml",
        """
        studio_flows:
          - friendly_name: Main
            status: published
            definition_file: flows/main.json
        """,
    )
    prod = _write(
        tmp_path,
        "prod/o.yaml",
        """
        overrides:
          studio_flows:
            - friendly_name: Main
              definition_file: flows/main.json
        """,
    )
    (main,) = load([base.parent, prod.parent], env={}).resources.values()
    assert main.fields["definition"]["initial_state"] == "P"
