"""Messaging v1 (messaging.twilio.com/v1): Messaging Services and their sender
pools (phone numbers, short codes, alpha senders)."""

from __future__ import annotations

from . import services

__all__ = ["services"]
