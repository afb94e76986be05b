"""Elastic SIP trunks: https://trunking.twilio.com/v1/Trunks.

Origination URLs are children identified by friendly_name within the trunk;
the trunk's phone numbers are a pool (a number is in at most one trunk, and
the trunk then owns its voice routing); recording is set at /Recording.
"""

from __future__ import annotations

from twilio_iac.resources._common import choice, flag, method, url
from twilio_iac.resources.base import Field, ResourceType, register
from twilio_iac.resources.pools import Children, number_pool

RECORDING = "/Recording"

SIP_TRUNKS = register(
    ResourceType(
        kind="sip_trunks",
        title="SIP trunk",
        api="trunking",
        collection="/v1/Trunks",
        instance="/v1/Trunks/{sid}",
        list_key="trunks",
        sid_prefix="TK",
        identity="friendly_name",
        description="Elastic SIP trunks, identified by friendly_name; "
        "`phone_numbers:` is the trunk's pool of numbers.",
        fields=(
            Field("friendly_name", max_length=64, nullable=False),
            Field(
                "domain_name",
                pattern=r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.pstn\.twilio\.com$",
                pattern_message="must end with .pstn.twilio.com, like "
                "acme.pstn.twilio.com",
            ),
            url("disaster_recovery_url"),
            method("disaster_recovery_method"),
            choice(
                "transfer_mode",
                ("disable-all", "enable-all", "sip-only"),
                "disable-all",
            ),
            flag("secure"),
            flag("cnam_lookup_enabled"),
            choice(
                "transfer_caller_id",
                ("from-transferee", "from-transferor"),
                "from-transferee",
            ),
            choice(
                "recording.mode",
                (
                    "do-not-record",
                    "record-from-ringing",
                    "record-from-answer",
                    "record-from-ringing-dual",
                    "record-from-answer-dual",
                ),
                "do-not-record",
                param="Mode",
                endpoint=RECORDING,
            ),
            choice(
                "recording.trim",
                ("trim-silence", "do-not-trim"),
                "do-not-trim",
                param="Trim",
                endpoint=RECORDING,
            ),
        ),
        parts=(
            Children(
                "origination_urls",
                "origination URL",
                "/OriginationUrls",
                "origination_urls",
                identity="friendly_name",
                description="Where Twilio sends calls to the trunk, each "
                "identified by friendly_name within the trunk.",
                fields=(
                    Field("friendly_name", max_length=64, nullable=False),
                    Field(
                        "sip_url",
                        required=True,
                        nullable=False,
                        pattern=r"^[Ss][Ii][Pp]:\S+$",
                        pattern_message="must be a sip: address like "
                        "sip:pbx.example.com",
                    ),
                    Field(
                        "weight",
                        "integer",
                        minimum=1,
                        maximum=65535,
                        default=10,
                        nullable=False,
                    ),
                    Field(
                        "priority",
                        "integer",
                        minimum=0,
                        maximum=65535,
                        default=10,
                        nullable=False,
                    ),
                    Field("enabled", "boolean", default=True, nullable=False),
                ),
            ),
            number_pool(
                "phone_numbers",
                sets="trunk_sid",
                join_notes=(
                    (
                        None,
                        None,
                        "the trunk now routes its calls (Twilio ignores "
                        "its voice_url and voice application)",
                    ),
                ),
                description="Phone numbers routed to the trunk: E.164 numbers the "
                "account owns, or friendly_names of phone_numbers entries.",
            ),
        ),
    )
)
