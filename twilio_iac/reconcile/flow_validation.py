"""Ask Twilio's Studio Validate endpoint about each flow a plan creates or changes.

Validate is free and catches what only Twilio knows (a widget's required
properties, its schema); its 81022 error lists each problem with the JSON
pointer of the property, shown here by widget name: ``states["greeting"]…``.
A published flow Twilio would refuse makes the plan fail; a draft is saved
with its errors, so those are warnings.
"""

from __future__ import annotations

import graphlib
import json
from dataclasses import replace
from typing import Any, Protocol

from twilio_iac.errors import ApiError, PlanError
from twilio_iac.model import Ref, map_refs
from twilio_iac.reconcile.graph import refs_in
from twilio_iac.reconcile.plan import Change, Create, Plan, Replace, Update
from twilio_iac.resources.studio_flows import STUDIO_FLOWS

INVALID_DEFINITION = 81022
# Stands in for the SID of a flow this plan creates: Validate checks its form.
UNKNOWN_SID = {"studio_flows": "FW" + "0" * 32}


class Poster(Protocol):
    def update(self, api: str, path: str, params: dict[str, Any]) -> dict: ...


def validated(plan: Plan, client: Poster) -> Plan:
    """The plan with Validate's findings: PlanError for published flows."""
    _refuse_cycles(plan)
    problems: list[str] = []
    warnings: list[str] = []
    for change in plan.changes:
        definition = _written(plan, change)
        if definition is None:
            continue
        status = change.send.get("status") or "published"
        found = _ask(client, change.name, status, definition, plan)
        (problems if status == "published" else warnings).extend(
            f"{change.label}: {line}" for line in found
        )
    if problems:
        raise PlanError(
            "Twilio's Studio Validate refuses these flow definitions (error "
            "81022); fix the widgets named, then plan again:",
            problems,
        )
    return replace(plan, warnings=(*plan.warnings, *warnings)) if warnings else plan


def _written(plan: Plan, change: Change) -> Any:
    """The definition a flow's change saves: its new one, or (when only its
    status changes, say to published) the live one it keeps."""
    if change.kind != STUDIO_FLOWS.kind:
        return None
    if not isinstance(change, (Create, Update, Replace)):
        return None
    if "definition" in change.send:
        return change.send["definition"]
    return plan.observed.get(change.sid or "", {}).get("definition")


def _refuse_cycles(plan: Plan) -> None:
    """Flows created by this plan that name each other cannot be created:
    each needs the other's SID first."""
    created = {
        Ref(c.kind, c.name): c
        for c in plan.changes
        if isinstance(c, (Create, Replace)) and c.kind == STUDIO_FLOWS.kind
    }
    sorter: graphlib.TopologicalSorter[Ref] = graphlib.TopologicalSorter()
    for ref, change in created.items():
        named = refs_in(change.send.get("definition"))
        sorter.add(ref, *(r for r in named if r in created))
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        cycle = " → ".join(f'"{ref.name}"' for ref in exc.args[1])
        raise PlanError(
            "These new Studio flows name each other, and a flow can only name "
            "one that exists: apply one of them first without the reference, "
            "then add it back.",
            [f"{STUDIO_FLOWS.kind}: {cycle}"],
        ) from None


def _ask(
    client: Poster, name: str, status: str, definition: Any, plan: Plan
) -> list[str]:
    sent = _sids(definition, plan.sids)
    params = {"FriendlyName": name, "Status": status, "Definition": json.dumps(sent)}
    try:
        client.update(STUDIO_FLOWS.api, "/v2/Flows/Validate", params)
    except ApiError as exc:
        if exc.code != INVALID_DEFINITION:
            raise
        errors = (exc.details or {}).get("errors") or []
        if not errors:
            return [exc.message]
        return [_line(definition, error) for error in errors]
    return []


def _line(definition: Any, error: Any) -> str:
    if not isinstance(error, dict):
        return str(error)
    where = widget_path(definition, str(error.get("property_path") or "#"))
    return f"{where}: {error.get('message')}"


def widget_path(definition: Any, pointer: str) -> str:
    """``#/states/1/properties/say`` → ``states["greeting"].properties.say``."""
    parts = [p for p in pointer.lstrip("#").split("/") if p]
    if not parts:
        return "definition"
    out, node = "", definition
    for index, part in enumerate(parts):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
            name = node.get("name") if isinstance(node, dict) else None
            widget = index == 1 and parts[0] == "states" and isinstance(name, str)
            out += f"[{json.dumps(name)}]" if widget else f"[{part}]"
            continue
        if part.isdigit():  # an item Twilio names that this side lacks
            node, out = None, out + f"[{part}]"
            continue
        node = node.get(part) if isinstance(node, dict) else None
        out += f".{part}" if out else part
    return out


def _sids(value: Any, sids: dict[Ref, str]) -> Any:
    return map_refs(
        value, lambda ref: sids.get(ref) or UNKNOWN_SID.get(ref.kind, ref.name)
    )
