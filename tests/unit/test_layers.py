"""The package layout is the architecture: imports only go down the layers.

cli → render → operations | reconcile → manifests | api → resources → base.
The emulator is an independent double: it imports only the base, and nothing
but the CLI (the composition root) imports it. Inside it: store → http (the
machinery) → one package per product, which never import each other; its root
modules and delivery/ assemble and drive them. testing/ (the pytest plugin)
is the other composition root: it may import the emulator too. Every import
counts, including the late ones inside functions.
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
    {"cli", "testing"},
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


# What may import the emulator: the CLI, and the pytest plugin that serves it
# for a user's own tests.
COMPOSITION_ROOTS = {"cli", "testing"}

# The emulator's inner layers, lowest first; every other subpackage is a
# product, on the layer between the machinery and the assembly.
EMULATOR_BELOW = ("store", "http")
# Its root modules (app, server, seed, products) and delivery/ put it together.
EMULATOR_ASSEMBLY = ("", "delivery")


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
            if base == "twilio_iac" or not node.module:
                # `from twilio_iac import x`, `from . import x`: x may be a module.
                found += [(node.lineno, f"{base}.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, base))
    return [(line, name) for line, name in found if name.startswith("twilio_iac")]


def _emulator_part(module: str, root: Path) -> str:
    """`twilio_iac.emulator.http.kinds` → `http`; a root module (app…) → `""`."""
    parts = module.split(".")
    return (
        parts[2] if len(parts) > 2 and (root / "emulator" / parts[2]).is_dir() else ""
    )


def _emulator_products(root: Path = PACKAGE) -> set[str]:
    folders = {p.parent.name for p in (root / "emulator").glob("*/*.py")}
    return folders - set(EMULATOR_BELOW) - set(EMULATOR_ASSEMBLY)


def _emulator_rank(part: str, products: set[str]) -> int:
    if part in EMULATOR_BELOW:
        return EMULATOR_BELOW.index(part)
    return len(EMULATOR_BELOW) + (part not in products)


def _inside_emulator(here: str, there: str, root: Path) -> str | None:
    """Why an import between two parts of the emulator breaks its layers, if it does."""
    mine, theirs = _emulator_part(here, root), _emulator_part(there, root)
    products = _emulator_products(root)
    if mine == theirs or mine in EMULATOR_ASSEMBLY:
        return None
    if _emulator_rank(theirs, products) < _emulator_rank(mine, products):
        return None
    if mine in products and theirs in products:
        return f"product {mine} may not import product {theirs}: meet in the store"
    return f"emulator/{mine} may not import emulator/{theirs or 'root'}"


def _violations(root: Path = PACKAGE) -> list[str]:
    problems = []
    for path in sorted(root.rglob("*.py")):
        module = _module_name(path, root)
        here = _component(module)
        for line, target in _imports(path, root):
            there = _component(target)
            where = f"{path.relative_to(root.parent)}:{line} imports {target}"
            if here == there == "emulator":
                reason = _inside_emulator(module, target, root)
                if reason:
                    problems.append(f"{where} ({reason})")
            if here == there:
                continue
            if here == "emulator" or there == "emulator":
                if not (there == "base" or here in COMPOSITION_ROOTS):
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


def test_every_emulator_product_is_registered() -> None:
    from twilio_iac.emulator.products import PRODUCTS

    registered = {product.__name__.rpartition(".")[2] for product in PRODUCTS}
    assert _emulator_products() == registered


@pytest.mark.parametrize(
    "package",
    sorted(p.parent.name for p in (PACKAGE / "emulator").glob("*/__init__.py")),
)
def test_every_emulator_package_says_what_it_holds(package: str) -> None:
    init = PACKAGE / "emulator" / package / "__init__.py"
    assert ast.get_docstring(ast.parse(init.read_text())), init


def test_the_checker_keeps_the_emulators_products_apart(tmp_path) -> None:
    emulator = tmp_path / "twilio_iac" / "emulator"
    for package in ("store", "http", "core", "messaging", "delivery"):
        (emulator / package).mkdir(parents=True)
        (emulator / package / "__init__.py").write_text("")
    (emulator / "store" / "s.py").write_text("from ..http import kinds\n")
    (emulator / "http" / "h.py").write_text("from ..store import Store\n")
    (emulator / "http" / "k.py").write_text("from .. import core\n")
    (emulator / "core" / "c.py").write_text(
        "from ..http import kinds\nfrom ..store import followers\n"
        "def f():\n    from ..messaging import services\n"
    )
    (emulator / "messaging" / "m.py").write_text("from ..app import Emulator\n")
    (emulator / "delivery" / "d.py").write_text("from ..app import Emulator\n")
    (emulator / "app.py").write_text("from . import core, messaging\n")
    assert _violations(tmp_path / "twilio_iac") == [
        "twilio_iac/emulator/core/c.py:4 imports twilio_iac.emulator.messaging "
        "(product core may not import product messaging: meet in the store)",
        "twilio_iac/emulator/http/k.py:1 imports twilio_iac.emulator.core "
        "(emulator/http may not import emulator/core)",
        "twilio_iac/emulator/messaging/m.py:1 imports twilio_iac.emulator.app "
        "(emulator/messaging may not import emulator/root)",
        "twilio_iac/emulator/store/s.py:1 imports twilio_iac.emulator.http "
        "(emulator/store may not import emulator/http)",
    ]
