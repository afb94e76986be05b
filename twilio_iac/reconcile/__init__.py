"""The reconciler: live state fetched and normalised, the planner and the plan,
referrers, the applier, saved plans, export.

May import: manifests, api, resources and the base modules.
"""
