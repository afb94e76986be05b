"""The emulated products: the one place a product is registered.

A product is a package beside this module (core, verify, messaging, …).
Importing it registers its kinds (http.kinds.register) and its actions
(http.actions.register_action); if it defines ``seed(store, now)``, a fresh
sandbox gets that product's starting records, in the order listed here. To
add one, add its folder and name it in PRODUCTS. Products use the machinery
(http) and the store, never each other: where one product's records follow
another's, they meet in the store (store.followers, or records read by kind).
"""

from __future__ import annotations

from types import ModuleType

from . import (
    core,
    gateway,
    intelligence,
    lookups,
    messaging,
    studio,
    taskrouter,
    trunking,
    verify,
)

# Core first: the other products' records refer to its account and numbers.
PRODUCTS: tuple[ModuleType, ...] = (
    core,
    gateway,
    intelligence,
    lookups,
    messaging,
    studio,
    taskrouter,
    trunking,
    verify,
)
