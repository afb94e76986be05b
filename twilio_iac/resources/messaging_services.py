"""Messaging Services: https://messaging.twilio.com/v1/Services.

The sender pool (``senders:``) holds phone numbers, alphanumeric sender IDs
and short codes; a phone number or short code is in at most one service.
"""

from __future__ import annotations

from twilio_iac.resources._common import choice, flag, method, url
from twilio_iac.resources.base import Field, ResourceType, register
from twilio_iac.resources.pools import Pool, number_pool

MESSAGING_SERVICES = register(
    ResourceType(
        kind="messaging_services",
        title="Messaging Service",
        api="messaging",
        collection="/v1/Services",
        instance="/v1/Services/{sid}",
        list_key="services",
        sid_prefix="MG",
        identity="friendly_name",
        description="Messaging Services, identified by friendly_name; `senders:` "
        "is the sender pool.",
        fields=(
            Field("friendly_name", required=True, max_length=64, nullable=False),
            url("inbound_request_url"),
            method("inbound_method"),
            url("fallback_url"),
            method("fallback_method"),
            url("status_callback"),
            flag("sticky_sender", default=True),
            flag("mms_converter", default=True),
            flag("smart_encoding", default=True),
            choice("scan_message_content", ("inherit", "enable", "disable"), "inherit"),
            flag("fallback_to_long_code", default=True),
            flag("area_code_geomatch", default=True),
            Field(
                "validity_period",
                "integer",
                minimum=1,
                maximum=36000,
                default=36000,
                nullable=False,
            ),
            flag("synchronous_validation", default=True),
            choice(
                "usecase",
                (
                    "notifications",
                    "marketing",
                    "verification",
                    "discussion",
                    "poll",
                    "undeclared",
                ),
                "undeclared",
            ),
            flag("use_inbound_webhook_on_number", default=False),
        ),
        parts=(
            number_pool(
                "senders.phone_numbers",
                join_notes=(
                    (
                        "use_inbound_webhook_on_number",
                        False,
                        "takes over its incoming SMS: Twilio sends them to the "
                        "service's inbound_request_url, not the number's sms_url "
                        "(use_inbound_webhook_on_number is false)",
                    ),
                ),
                description="Phone numbers in the pool: E.164 numbers the account "
                "owns, or friendly_names of phone_numbers entries.",
            ),
            Pool(
                "senders.alpha_senders",
                "alphanumeric sender ID",
                "/AlphaSenders",
                "alpha_senders",
                key="alpha_sender",
                param="AlphaSender",
                exclusive=False,  # one sender ID may serve several services
                # "Each Messaging Services may only have one alpha sender
                # associated with it" (Twilio's AlphaSender docs).
                max_items=1,
                pattern=r"^(?=.*[A-Za-z])[A-Za-z0-9 +_&-]{1,11}$",
                pattern_message="must be 1 to 11 letters, digits, spaces or + - _ & "
                "with at least one letter",
                description="The alphanumeric sender ID, e.g. [ACME]: one per "
                "service; a change removes the old one before adding the new.",
            ),
            Pool(
                "senders.short_codes",
                "short code",
                "/ShortCodes",
                "short_codes",
                key="sid",
                param="ShortCodeSid",
                pattern="^SC[0-9a-fA-F]{32}$",
                pattern_message="must be a short code SID: SC followed by 32 hex "
                "digits",
                description="Short codes, by SID.",
            ),
        ),
    )
)
