"""Importing this package registers every resource kind."""

from . import addresses, applications, phone_numbers, queues, verify_services
from .base import REGISTRY, Field, ResourceType, apply_order, get, related_kinds

__all__ = [
    "REGISTRY",
    "Field",
    "ResourceType",
    "addresses",
    "applications",
    "apply_order",
    "get",
    "phone_numbers",
    "queues",
    "related_kinds",
    "verify_services",
]
