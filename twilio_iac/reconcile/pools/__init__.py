"""Pools in the reconcile layer: reading, planning and writing what owners hold.

resources/pools.py declares each kind's parts (pools and children) and
manifests/pools.py checks them offline; this package does the rest:

- ``live``: reads each owner's pools and children from Twilio, and tells an
  owner's own fields from those written elsewhere.
- ``planning``: the member changes of a whole plan, in the order they run
  (``for_plan``); it hands each part to the module for its kind of part:
  ``memberships`` (members joining and leaving a pool), ``children`` (nested
  objects added, changed and removed) and ``settings`` (fields written at a
  sub-path of the owner).
- ``moves``: members changing owner, which must leave one pool before they
  join another.
- ``writes``: the request each member change makes at apply.
"""
