"""Incoming phone numbers the account owns: .../IncomingPhoneNumbers.json.

Numbers are configured, not created: a create is a purchase and needs
``purchase: true``; a delete releases the number and needs --allow-release.
"""

from __future__ import annotations

from twilio_iac.resources._common import E164, choice, webhooks
from twilio_iac.resources.base import Field, Precedence, ResourceType, register

# "If a voice_application_sid [or trunk_sid] is present, we ignore all of the
# voice urls"; "if an sms_application_sid is present, we ignore all of the
# sms_*_url urls" (Twilio's descriptions). The methods go with their URLs, and
# the application (or trunk) brings its own status callback.
VOICE_URLS = (
    "voice_url",
    "voice_method",
    "voice_fallback_url",
    "voice_fallback_method",
    "status_callback",
    "status_callback_method",
)
SMS_URLS = ("sms_url", "sms_method", "sms_fallback_url", "sms_fallback_method")

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
        precedence=(
            # "Setting a trunk_sid will automatically delete your
            # voice_application_sid and vice versa."
            Precedence(
                "trunk_sid",
                ("voice_application_sid",),
                "Twilio clears one when the other is set",
                clears=True,
            ),
            Precedence("trunk_sid", VOICE_URLS, "calls follow the trunk's settings"),
            Precedence(
                "voice_application_sid", VOICE_URLS, "calls use the application's URLs"
            ),
            Precedence(
                "sms_application_sid", SMS_URLS, "messages use the application's URLs"
            ),
        ),
        fields=(
            Field(
                "phone_number",
                create_only=True,
                nullable=False,
                pattern=E164,
                pattern_message="must be an E.164 number like +14155550100",
            ),
            Field("friendly_name", max_length=64),
            *webhooks(flows=True),
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
            choice("emergency_status", ("Active", "Inactive"), "Inactive"),
            Field("trunk_sid", "sid", prefix="TK"),
            Field("identity_sid", "sid", prefix="RI"),
            Field("bundle_sid", "sid", prefix="BU"),
            choice("voice_receive_mode", ("voice", "fax"), "voice"),
        ),
    )
)
