"""Verify services: https://verify.twilio.com/v2/Services.

Nested settings (push, totp, whatsapp, passkeys) are dotted fields here, sent
as dotted form keys (``Push.IncludeDate``) and returned as nested objects.
"""

from __future__ import annotations

from twilio_iac.resources._common import flag
from twilio_iac.resources.base import Field, ResourceType, register

PASSKEY_CHOICE = ("required", "preferred", "discouraged")

VERIFY_SERVICES = register(
    ResourceType(
        kind="verify_services",
        title="Verify service",
        api="verify",
        collection="/v2/Services",
        instance="/v2/Services/{sid}",
        list_key="services",
        sid_prefix="VA",
        identity="friendly_name",
        description="Verify services, identified by friendly_name (at most 32 "
        "characters, no personal data).",
        fields=(
            Field("friendly_name", required=True, max_length=32, nullable=False),
            Field(
                "code_length",
                "integer",
                minimum=4,
                maximum=10,
                default=6,
                nullable=False,
            ),
            flag("lookup_enabled"),
            flag("skip_sms_to_landlines"),
            flag("dtmf_input_required"),
            Field("tts_name"),
            flag("psd2_enabled"),
            flag("do_not_share_warning_enabled"),
            flag("custom_code_enabled"),
            flag("push.include_date"),
            Field("push.apn_credential_sid", "sid", prefix="CR"),
            Field("push.fcm_credential_sid", "sid", prefix="CR"),
            Field("totp.issuer"),
            Field("totp.time_step", "integer", minimum=20, maximum=60, default=30),
            Field("totp.code_length", "integer", minimum=3, maximum=8, default=6),
            Field("totp.skew", "integer", minimum=0, maximum=2, default=1),
            Field("default_template_sid", "sid", prefix="HJ"),
            Field("whatsapp.msg_service_sid", "sid", prefix="MG"),
            Field("whatsapp.from"),
            Field("passkeys.relying_party.id"),
            Field("passkeys.relying_party.name"),
            Field("passkeys.relying_party.origins"),
            Field(
                "passkeys.authenticator_attachment",
                "enum",
                enum=("platform", "cross-platform", "any"),
            ),
            Field("passkeys.discoverable_credentials", "enum", enum=PASSKEY_CHOICE),
            Field("passkeys.user_verification", "enum", enum=PASSKEY_CHOICE),
            flag("verify_event_subscription_enabled"),
        ),
    )
)
