"""One declarative definition per resource kind; importing this package
registers every kind.

May import: the base modules (apis, model, errors) only.
"""

from twilio_iac.resources import (
    addresses,
    applications,
    messaging_services,
    phone_numbers,
    queues,
    sip_trunks,
    verify_services,
)
from twilio_iac.resources.base import (
    REGISTRY,
    Field,
    Precedence,
    ResourceType,
    apply_order,
    get,
    related_kinds,
)

__all__ = [
    "REGISTRY",
    "Field",
    "Precedence",
    "ResourceType",
    "addresses",
    "applications",
    "apply_order",
    "get",
    "messaging_services",
    "phone_numbers",
    "queues",
    "related_kinds",
    "sip_trunks",
    "verify_services",
]
