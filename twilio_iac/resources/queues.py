"""Call queues: /2010-04-01/Accounts/{AccountSid}/Queues.json."""

from __future__ import annotations

from twilio_iac.resources._common import friendly_name
from twilio_iac.resources.base import Field, ResourceType, register

QUEUES = register(
    ResourceType(
        kind="queues",
        title="queue",
        api="core",
        collection="/2010-04-01/Accounts/{account_sid}/Queues.json",
        instance="/2010-04-01/Accounts/{account_sid}/Queues/{sid}.json",
        list_key="queues",
        sid_prefix="QU",
        identity="friendly_name",
        description="Call queues (a deleted queue must be empty).",
        fields=(
            friendly_name(required=True),
            Field(
                "max_size",
                "integer",
                default=1000,
                nullable=False,
                minimum=1,
                maximum=5000,
                description="Maximum calls waiting; Twilio's default is 1000.",
            ),
        ),
    )
)
