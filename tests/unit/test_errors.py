"""One exception tree: every exception twilio-iac raises on purpose is in
twilio_iac/errors.py and drawn in its docstring."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from twilio_iac import errors

PACKAGE = Path(errors.__file__).parent


def test_every_exception_class_is_defined_in_errors_py() -> None:
    """The emulator's ApiProblem is the double's own; private control-flow
    sentinels (a leading underscore) never leave their module."""
    strays = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "errors.py" or "emulator" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                bases = {ast.unparse(base) for base in node.bases}
                if any(b.endswith(("Error", "Exception")) for b in bases):
                    strays.append(f"{path.relative_to(PACKAGE)}: {node.name}")
    assert strays == []


def test_the_docstring_draws_every_exception() -> None:
    drawn = errors.__doc__ or ""
    for name, cls in inspect.getmembers(errors, inspect.isclass):
        if issubclass(cls, errors.TwilioIacError):
            parent = cls.__mro__[1].__name__
            assert name in drawn, name
            if cls is not errors.TwilioIacError:
                assert drawn.index(parent) < drawn.index(name), (parent, name)
