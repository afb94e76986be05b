"""Verify v2 (verify.twilio.com/v2): services, verifications and their checks."""

from __future__ import annotations

from . import services, verifications

__all__ = ["services", "verifications"]
