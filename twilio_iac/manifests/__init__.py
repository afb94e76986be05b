"""Manifests as the user wrote them: YAML read with file:line locations,
layers and overrides, the JSON Schema and its fast proof, and the desired
state they describe.

May import: the base modules and resources. Never the API client.
"""
