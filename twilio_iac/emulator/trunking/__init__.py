"""Elastic SIP Trunking v1 (trunking.twilio.com/v1): trunks, their origination
URLs, phone numbers and recording settings."""

from __future__ import annotations

from . import trunks

__all__ = ["trunks"]
