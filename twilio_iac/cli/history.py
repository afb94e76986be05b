"""The history commands, one module per family: messages, calls, recordings,
transcripts and numbers (history_kit.py: what they share)."""

from __future__ import annotations

from twilio_iac.cli.calls import calls_group
from twilio_iac.cli.messages import messages_group
from twilio_iac.cli.numbers import numbers_group
from twilio_iac.cli.recordings import recordings_group
from twilio_iac.cli.transcripts import transcripts_group

COMMANDS = (
    messages_group,
    calls_group,
    recordings_group,
    transcripts_group,
    numbers_group,
)
