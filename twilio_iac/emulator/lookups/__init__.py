"""Lookup v2 (lookups.twilio.com/v2): deterministic answers about a number."""

from __future__ import annotations

from . import phone_numbers

__all__ = ["phone_numbers"]
