"""The managed-OAuth gateway's control endpoints (its connections), served
beside Twilio's paths and outside their Basic auth."""

from __future__ import annotations

from .connections import handle, handles, seed

__all__ = ["handle", "handles", "seed"]
