"""One declarative definition per resource kind; importing this package
registers every kind: each public module here defines one (a new kind is a new
file, with no list to update).

May import: the base modules (apis, model, errors) only.
"""

import importlib
import pkgutil

from twilio_iac.resources.base import (
    REGISTRY,
    Field,
    Precedence,
    ResourceType,
    apply_order,
    get,
    related_kinds,
)

# Sorted, so that the registry (and the README reference) has a stable order.
KIND_MODULES = sorted(
    info.name
    for info in pkgutil.iter_modules(__path__)
    # base and pools hold the vocabulary the kinds are written in.
    if not info.name.startswith("_") and info.name not in ("base", "pools")
)
for _name in KIND_MODULES:
    importlib.import_module(f"{__name__}.{_name}")

__all__ = [
    "KIND_MODULES",
    "REGISTRY",
    "Field",
    "Precedence",
    "ResourceType",
    "apply_order",
    "get",
    "related_kinds",
]
