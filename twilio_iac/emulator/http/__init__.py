"""The HTTP machinery every product is served through.

Kinds and actions (what products register), routing and dispatch, the
checking of parameters against the packaged OpenAPI descriptions, paging,
date filters, Twilio's error bodies, and the intake of a request (Host, body,
form) before the emulator's lock. It imports the store, never a product.
"""
