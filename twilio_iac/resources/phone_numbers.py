"""Incoming phone numbers the account owns: .../IncomingPhoneNumbers.json.

Numbers are configured, not created: a create is a purchase and needs
``purchase: true``; a delete releases the number and needs --allow-release.
"""

from __future__ import annotations

from twilio_iac.resources._common import E164, webhooks
from twilio_iac.resources.base import Field, ResourceType, register

PHONE_NUMBERS = register(
    ResourceType(
        kind="phone_numbers",
        title="phone number",
        api="core",
        collection="/2010-04-01/Accounts/{account_sid}/IncomingPhoneNumbers.json",
        instance="/2010-04-01/Accounts/{account_sid}/IncomingPhoneNumbers/{sid}.json",
        list_key="incoming_phone_numbers",
        sid_prefix="PN",
        identity="phone_number",
        guard_delete=True,
        creatable=False,
        description="Phone numbers the account owns, identified by E.164 number.",
        fields=(
            Field(
                "phone_number",
                create_only=True,
                nullable=False,
                pattern=E164,
                pattern_message="must be an E.164 number like +14155550100",
            ),
            Field("friendly_name", max_length=64),
            *webhooks(),
            Field(
                "voice_application_sid",
                "ref",
                ref="applications",
                alias="voice_application",
                prefix="AP",
            ),
            Field(
                "sms_application_sid",
                "ref",
                ref="applications",
                alias="sms_application",
                prefix="AP",
            ),
            Field("address_sid", "ref", ref="addresses", alias="address", prefix="AD"),
            Field(
                "emergency_address_sid",
                "ref",
                ref="addresses",
                alias="emergency_address",
                prefix="AD",
            ),
            Field(
                "emergency_status",
                "enum",
                enum=("Active", "Inactive"),
                default="Inactive",
                nullable=False,
            ),
            Field("trunk_sid", "sid", prefix="TK"),
            Field("identity_sid", "sid", prefix="RI"),
            Field("bundle_sid", "sid", prefix="BU"),
            Field(
                "voice_receive_mode",
                "enum",
                enum=("voice", "fax"),
                default="voice",
                nullable=False,
            ),
        ),
    )
)
