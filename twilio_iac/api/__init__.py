"""The Twilio API client side: HTTP (the only importer of httpx), Twilio's wire
conventions (form encoding, booleans as strings, pagination), and the settings
that pick credentials and base URLs.

May import: the base modules (apis, errors, logs, model) and resources.
"""
