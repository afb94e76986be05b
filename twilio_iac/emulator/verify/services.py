"""Verify Services (verify.twilio.com/v2), with Twilio's server-side defaults."""

from __future__ import annotations

from ..http.kinds import Kind, register

VERIFY_SERVICES = register(
    Kind(
        name="verify_services",
        api="verify",
        collection="/v2/Services",
        instance="/v2/Services/{Sid}",
        list_key="services",
        prefix="VA",
        schema="verify.v2.service",
        defaults={
            "code_length": 6,
            **dict.fromkeys(
                (
                    "lookup_enabled",
                    "psd2_enabled",
                    "skip_sms_to_landlines",
                    "dtmf_input_required",
                    "do_not_share_warning_enabled",
                    "custom_code_enabled",
                    "verify_event_subscription_enabled",
                ),
                False,
            ),
            # The spec's fetch example: nested objects are always present.
            "push": {
                "include_date": False,
                "apn_credential_sid": None,
                "fcm_credential_sid": None,
            },
            "totp": {
                "issuer": None,
                "time_step": None,
                "code_length": None,
                "skew": None,
            },
            "whatsapp": {"msg_service_sid": None, "from": None},
            "passkeys": {
                "relying_party": {"id": None, "name": None, "origins": None},
                "authenticator_attachment": None,
                "discoverable_credentials": None,
                "user_verification": None,
            },
        },
        links={
            "verification_checks": "VerificationCheck",
            "verifications": "Verifications",
            "rate_limits": "RateLimits",
            "messaging_configurations": "MessagingConfigurations",
            "entities": "Entities",
            "webhooks": "Webhooks",
            "access_tokens": "AccessTokens",
        },
    )
)
