"""Field definitions that several kinds share (Twilio names them identically)."""

from __future__ import annotations

from typing import Any

from twilio_iac.resources.base import Field

METHOD = ("GET", "POST")
E164 = r"^\+[1-9]\d{1,14}$"


def method(name: str, default: str | None = "POST") -> Field:
    return Field(name, "method", enum=METHOD, default=default, nullable=True)


def url(name: str) -> Field:
    return Field(name, "uri")


def flag(name: str, default: bool = False) -> Field:
    return Field(name, "boolean", default=default)


def choice(name: str, choices: tuple[str, ...], default: str, **more: Any) -> Field:
    """An enum Twilio always holds one of: never null, ``default`` unset."""
    return Field(name, "enum", enum=choices, default=default, nullable=False, **more)


def friendly_name(max_length: int = 64, required: bool = False) -> Field:
    return Field("friendly_name", max_length=max_length, required=required)


def flow_url(name: str, alias: str) -> Field:
    """A webhook URL that may also be written as a Studio flow's name: the
    URL is then the flow's webhook_url (resources/studio_flows.py)."""
    return Field(
        name,
        "uri",
        ref="studio_flows",
        alias=alias,
        prefix="FW",
        description=f"or write {alias}: a Studio flow's friendly_name, whose "
        "webhook_url it becomes",
    )


def webhooks(flows: bool = False) -> tuple[Field, ...]:
    """Voice and SMS webhook fields common to numbers and applications; with
    ``flows``, voice_url and sms_url may name a Studio flow instead."""
    return (
        Field(
            "api_version",
            "enum",
            enum=("2010-04-01", "2008-08-01"),
            default="2010-04-01",
        ),
        flow_url("voice_url", "voice_flow") if flows else url("voice_url"),
        method("voice_method"),
        url("voice_fallback_url"),
        method("voice_fallback_method"),
        url("status_callback"),
        method("status_callback_method"),
        flag("voice_caller_id_lookup"),
        flow_url("sms_url", "sms_flow") if flows else url("sms_url"),
        method("sms_method"),
        url("sms_fallback_url"),
        method("sms_fallback_method"),
    )
