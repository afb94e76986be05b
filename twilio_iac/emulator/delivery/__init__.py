"""What the sandbox sends to the user's webhooks, signed as Twilio signs them.

Status callbacks for messages and calls (callbacks), an incoming SMS to a
number (inbound), both over outbound's loopback-only requests. They drive a
running Emulator from outside, reading its records by kind name.
"""
