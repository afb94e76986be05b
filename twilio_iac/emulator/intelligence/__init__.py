"""Voice Intelligence v2 (intelligence.twilio.com/v2): seeded transcripts and
their sentences."""

from __future__ import annotations

from .transcripts import seed

__all__ = ["seed"]
