"""Studio v2 (studio.twilio.com/v2): flows, their revisions, and Validate."""

from __future__ import annotations

from . import flows

__all__ = ["flows"]
