"""Studio flows: https://studio.twilio.com/v2/Flows.

A flow's ``definition`` is data, compared structurally (never as text); it
comes inline or from ``definition_file`` (manifests/flows.py reads and checks
it). Twilio's list leaves definitions out, so each flow is read on its own.
Every save is stamped ``twilio-iac: …`` in its commit message: a newer
revision without the stamp was saved elsewhere (the Console).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from twilio_iac.resources.base import STAMP, Field, ResourceType, register

WEBHOOK_URL = "https://webhooks.twilio.com/v1/Accounts/{account_sid}/Flows/{sid}"
_WEBHOOK = re.compile(
    r"^https://webhooks\.twilio\.com/v1/Accounts/AC\w{32}/Flows/(FW\w{32})$"
)
# Kinds a definition may name by reference (manifests/flows.py REFS): their
# SIDs inside a live definition are read back as those names.
IN_DEFINITIONS = frozenset({"studio_flows", "taskrouter_workspaces"})
# What live state keeps of each flow beyond its fields, for the drift check.
OBSERVED = ("revision", "author_sid", "commit_message")


def webhook_url(account_sid: str, sid: str) -> str:
    """The URL a number's voice_url/sms_url holds to run the flow."""
    return WEBHOOK_URL.format(account_sid=account_sid, sid=sid)


def flow_sid(url: object) -> str | None:
    """The flow a webhook URL runs, if it is a flow's webhook_url."""
    found = _WEBHOOK.match(url) if isinstance(url, str) else None
    return found.group(1) if found else None


def stamped(message: str | None) -> bool:
    return isinstance(message, str) and message.startswith(STAMP)


def console_edit(fields: Mapping[str, Any]) -> str | None:
    """Why the flow's latest revision was saved elsewhere, or None."""
    message = fields.get("commit_message")
    if stamped(message):
        return None
    what = f"revision {fields.get('revision')} was saved outside twilio-iac"
    if fields.get("status") == "draft":
        what += " as a draft (not published)"
    return f"{what} by {fields.get('author_sid')} ({json.dumps(message)})"


STUDIO_FLOWS = register(
    ResourceType(
        kind="studio_flows",
        title="Studio flow",
        api="studio",
        collection="/v2/Flows",
        instance="/v2/Flows/{sid}",
        list_key="flows",
        sid_prefix="FW",
        identity="friendly_name",
        fetch_each=True,
        observed=OBSERVED,
        always_sent=("status",),
        drift=console_edit,
        stamped="commit_message",
        description="Studio flows, identified by friendly_name. The definition "
        "is written inline (`definition`) or in a JSON or YAML file "
        "(`definition_file`, relative to the manifest); a widget property that "
        'holds a SID may be written `{"ref": "flow:<friendly_name>"}` (or '
        "`workflow:<workspace>/<workflow>`, `task_channel:<workspace>/<unique_name>`).",
        fields=(
            Field("friendly_name", required=True, nullable=False),
            Field(
                "status",
                "enum",
                enum=("draft", "published"),
                required=True,
                nullable=False,
            ),
            Field(
                "definition",
                "json",
                required=True,
                nullable=False,
                file_alias="definition_file",
                description="the flow's JSON definition (states, initial_state, "
                "flags), or write `definition_file`",
            ),
            Field(
                "commit_message",
                write_only=True,
                description='saved as "twilio-iac: <message>" (default: the '
                "plan's checksum)",
            ),
        ),
    )
)
