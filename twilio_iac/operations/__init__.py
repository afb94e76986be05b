"""The one-off verbs' logic, never part of a plan: sends and their delivery
status, Verify checks, usage reports, names resolved from the command line,
and the starter repository of `init`.

May import: manifests, api, resources and the base modules.
"""
