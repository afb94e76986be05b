"""twilio-iac: manage a Twilio account as code."""

__version__ = "0.1.0"
