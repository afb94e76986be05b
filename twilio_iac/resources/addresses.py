"""Addresses for regulatory and emergency use: .../Addresses.json."""

from __future__ import annotations

from twilio_iac.resources._common import flag, friendly_name
from twilio_iac.resources.base import Field, ResourceType, register

ADDRESSES = register(
    ResourceType(
        kind="addresses",
        title="address",
        api="core",
        collection="/2010-04-01/Accounts/{account_sid}/Addresses.json",
        instance="/2010-04-01/Accounts/{account_sid}/Addresses/{sid}.json",
        list_key="addresses",
        sid_prefix="AD",
        identity="friendly_name",
        description="Addresses; iso_country cannot change, so a new country "
        "replaces the address (create, re-point numbers, delete).",
        fields=(
            friendly_name(),
            Field("customer_name", required=True, nullable=False),
            Field("street", required=True, nullable=False),
            Field("street_secondary"),
            Field("city", required=True, nullable=False),
            Field("region", required=True, nullable=False),
            Field("postal_code", required=True, nullable=False),
            Field(
                "iso_country",
                required=True,
                nullable=False,
                create_only=True,
                # Twilio answers 20001 for anything but an upper-case code.
                pattern="^[A-Z]{2}$",
                pattern_message="must be a two-letter ISO country code in capitals, "
                "like US or GB",
                description="ISO 3166-1 alpha-2 country code, e.g. US.",
            ),
            flag("emergency_enabled"),
            # Twilio never returns it, so diffing it would flap on every plan;
            # and its default (true) rewrites the street it was sent, which would
            # flap too. So twilio-iac sends false unless the manifest says true.
            Field(
                "auto_correct_address",
                "boolean",
                write_only=True,
                default=False,
                description="Sent with every create and update, never compared "
                "(Twilio does not return it). twilio-iac sends false unless you "
                "set true: with true, Twilio may rewrite the street you declare "
                "(e.g. Street → St), which then shows as a change on every plan.",
            ),
        ),
    )
)
