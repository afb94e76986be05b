"""The reconcile pipeline as replay tests drive it: manifest text → plan → apply.

Everything goes through the TwilioClient, so a cassette sees exactly the
requests `twilio-iac plan` and `apply` would send: live.fetch's paged lists
and the applier's creates, updates and deletes.
"""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

from twilio_iac.api.client import TwilioClient
from twilio_iac.manifests import desired
from twilio_iac.model import Resource
from twilio_iac.reconcile import applier, live, planner
from twilio_iac.reconcile.plan import Plan
from twilio_iac.render import apply as apply_render
from twilio_iac.resources import related_kinds


def plan(client: TwilioClient, manifest: str) -> Plan:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "twilio.yaml"
        path.write_text(textwrap.dedent(manifest).lstrip(), encoding="utf-8")
        wanted = desired.load([path], env={})
    kinds = {key.kind for key in wanted.resources} | set(wanted.prune)
    state = live.fetch(client, client.account_sid, related_kinds(kinds))
    return planner.plan(wanted, state, client.account_sid)


def apply(client: TwilioClient, manifest: str) -> tuple[Plan, list[str]]:
    """Plan and apply; the plan and the applier's progress lines."""
    result = plan(client, manifest)
    lines: list[str] = []
    # One write at a time: a cassette records one order.
    report = applier.apply(
        result, client, lambda o: lines.append(apply_render.line(o)), parallelism=1
    )
    assert report.ok, apply_render.report(report)
    return result, lines


def actions(result: Plan) -> list[tuple[str, str, str]]:
    return [(c.action, c.kind, c.name) for c in result.changes]


def fetch(client: TwilioClient, kind: str) -> dict[str, Resource]:
    """Live objects of one kind by name, as live.fetch normalizes them."""
    return {r.name: r for r in live.fetch(client, client.account_sid, [kind])[kind]}
