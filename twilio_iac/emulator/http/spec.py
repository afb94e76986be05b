"""The packaged, trimmed OpenAPI descriptions, indexed by (method, path template).

They are the emulator's ground truth for which parameters an operation takes,
their types, and which properties a response carries.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from twilio_iac.apis import APIS

_REF = "#/components/schemas/"


def snake(param: str) -> str:
    """``VoiceUrl`` → ``voice_url``; ``Push.IncludeDate`` → ``push.include_date``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", param).lower()


@dataclass(frozen=True)
class Operation:
    api: str  # a name in twilio_iac.apis.APIS
    method: str
    template: str
    params: dict[str, dict[str, Any]]  # query params (GET) or form fields (POST)
    required: frozenset[str]
    one_of: tuple[tuple[str, ...], ...]  # x-twilio "conditional": one of each group
    status: int  # the success status the spec declares


class Spec:
    """Both descriptions, with ``$ref``s to component schemas resolved on access."""

    def __init__(self, docs: dict[str, dict[str, Any]]) -> None:
        self.docs = docs
        self.operations: dict[tuple[str, str], Operation] = {}
        for api, doc in docs.items():
            for template, item in doc["paths"].items():
                for method, op in item.items():
                    if method in ("get", "post", "delete"):
                        key = (method.upper(), template)
                        self.operations[key] = self._operation(api, key, op)

    def component(self, api: str, name: str) -> dict[str, Any]:
        return self.docs[api]["components"]["schemas"][name]

    def resolve(self, api: str, schema: dict[str, Any]) -> dict[str, Any]:
        ref = schema.get("$ref", "")
        return self.component(api, ref[len(_REF) :]) if ref else schema

    def properties(self, api: str, name: str) -> dict[str, dict[str, Any]]:
        """A component's properties, each with its ``$ref`` resolved."""
        props = self.component(api, name)["properties"]
        return {key: self.resolve(api, value) for key, value in props.items()}

    def _operation(self, api: str, key: tuple[str, str], op: dict) -> Operation:
        method, template = key
        params: dict[str, dict[str, Any]] = {}
        required: set[str] = set()
        for param in op.get("parameters", []):
            if param["in"] == "query":
                params[param["name"]] = self.resolve(api, param["schema"])
                if param.get("required"):
                    required.add(param["name"])
        body = op.get("requestBody", {}).get("content", {})
        form = body.get("application/x-www-form-urlencoded", {}).get("schema", {})
        for name, schema in form.get("properties", {}).items():
            params[name] = self.resolve(api, schema)
        required |= set(form.get("required", ()))
        by_snake = {snake(name): name for name in params}
        groups = op.get("x-twilio", {}).get("conditional", [])
        one_of = tuple(tuple(by_snake[name] for name in group) for group in groups)
        codes = sorted(int(code) for code in op["responses"])
        # Some creates list 200 beside 201 (an example variant); a create is 201.
        status = 201 if 201 in codes else codes[0]
        return Operation(
            api, method, template, params, frozenset(required), one_of, status
        )


@functools.lru_cache(maxsize=1)
def load() -> Spec:
    """Every API whose trimmed description is packaged (scripts/trim_oai.py)."""
    # oai/ sits at the emulator's root: it describes every product's surface.
    folder = resources.files("twilio_iac.emulator") / "oai"
    docs = {
        api.name: json.loads((folder / api.description).read_text(encoding="utf-8"))
        for api in APIS.values()
        if (folder / api.description).is_file()
    }
    return Spec(docs)
