"""The HTTP machinery every product is served through.

Kinds and actions (what products register), routing and dispatch, the
checking of parameters against the packaged OpenAPI descriptions, paging,
date filters and Twilio's error bodies. It imports the store, never a product.
"""
