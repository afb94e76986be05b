"""The package layout is the architecture: imports only go down the layers.

cli → render → operations | reconcile → manifests | api → resources → base.
The emulator is an independent double: it imports only the base, and nothing
but the CLI (the composition root) imports it. Every import counts, including
the late ones inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "twilio_iac"

# Lower index = lower layer. Packages on one layer must not import each other.
LAYERS: list[set[str]] = [
    {"base"},
    {"resources"},
    {"manifests", "api"},
    {"operations", "reconcile"},
    {"render"},
    {"cli"},
]
BASE_MODULES = {
    "__init__",
    "__version__",
    "apis",
    "model",
    "errors",
    "logs",
    "segments",
    "webhooks",
    "numbering",
    "urlauth",
}


def _component(module: str) -> str:
    """`twilio_iac.reconcile.plan` → `reconcile`; root modules are the base."""
    parts = module.split(".")
    if parts[1:2] == ["__main__"]:
        return "cli"
    if len(parts) < 2 or parts[1] in BASE_MODULES:
        return "base"
    return parts[1]


def _layer(component: str) -> int | None:
    return next((i for i, names in enumerate(LAYERS) if component in names), None)


def _module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, root: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    package = _module_name(path, root)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            if base == "twilio_iac":  # `from twilio_iac import x`: x is the module
                found += [(node.lineno, f"twilio_iac.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, base))
    return [(line, name) for line, name in found if name.startswith("twilio_iac")]


def _violations(root: Path = PACKAGE) -> list[str]:
    problems = []
    for path in sorted(root.rglob("*.py")):
        here = _component(_module_name(path, root))
        for line, target in _imports(path, root):
            there = _component(target)
            if here == there:
                continue
            where = f"{path.relative_to(root.parent)}:{line} imports {target}"
            if here == "emulator" or there == "emulator":
                if not (there == "base" or here == "cli"):
                    problems.append(f"{where} (the emulator stays independent)")
                continue
            mine, theirs = _layer(here), _layer(there)
            if mine is None or theirs is None:
                problems.append(f"{where} (package not in LAYERS)")
            elif theirs >= mine:
                problems.append(f"{where} ({here} may not import {there})")
    return problems


def test_imports_only_go_down_the_layers() -> None:
    assert _violations() == []


def test_every_package_is_placed_on_a_layer() -> None:
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    placed = set().union(*LAYERS) | {"emulator"}
    assert packages <= placed, packages - placed


@pytest.mark.parametrize(
    "package", sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))
)
def test_every_package_says_what_it_holds_and_may_import(package: str) -> None:
    doc = ast.get_docstring(ast.parse((PACKAGE / package / "__init__.py").read_text()))
    assert doc and "\nMay import: " in doc, f"{package}/__init__.py"


def test_the_checker_catches_upward_and_emulator_imports(tmp_path) -> None:
    fake = tmp_path / "twilio_iac"
    for package in ("api", "emulator", "cli"):
        (fake / package).mkdir(parents=True)
    (fake / "api" / "x.py").write_text("from twilio_iac.cli import main\n")
    (fake / "emulator" / "y.py").write_text("def f():\n    from ..api import x\n")
    (fake / "cli" / "z.py").write_text(
        "from ..emulator import y\nfrom .. import model\n"
    )
    assert _violations(fake) == [
        "twilio_iac/api/x.py:1 imports twilio_iac.cli (api may not import cli)",
        "twilio_iac/emulator/y.py:2 imports twilio_iac.api "
        "(the emulator stays independent)",
    ]
