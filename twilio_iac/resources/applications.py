"""TwiML applications: /2010-04-01/Accounts/{AccountSid}/Applications.json."""

from __future__ import annotations

from twilio_iac.resources._common import flag, friendly_name, url, webhooks
from twilio_iac.resources.base import ResourceType, register

APPLICATIONS = register(
    ResourceType(
        kind="applications",
        title="application",
        api="core",
        collection="/2010-04-01/Accounts/{account_sid}/Applications.json",
        instance="/2010-04-01/Accounts/{account_sid}/Applications/{sid}.json",
        list_key="applications",
        sid_prefix="AP",
        identity="friendly_name",
        description="TwiML applications: voice and messaging webhooks by name.",
        fields=(
            friendly_name(),
            *webhooks(),
            url("sms_status_callback"),
            url("message_status_callback"),
            flag("public_application_connect_enabled"),
        ),
    )
)
