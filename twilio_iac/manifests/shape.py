"""The shape a manifest document may have: bounded depth, no cycles, and no
alias bomb. Checked on PyYAML's node graph, before anything is constructed.
"""

from __future__ import annotations

import yaml

# Bounds on the document's shape. Aliases can make a few lines expand
# exponentially (an "alias bomb") and every later stage walks the expanded data,
# so a document with aliases is checked on its node graph before construction;
# construction itself counts the depth of any document.
MAX_DEPTH = 32  # a manifest needs 7 (overrides.verify_services[0].passkeys...)
MAX_ALIASED = 100_000  # nodes aliases may add, or ten times the file's own


class _ShapeError(yaml.MarkedYAMLError):
    """A document refused for its shape or a value YAML 1.2 reads differently.

    A yaml error so it keeps its mark; reader.py turns it into a ManifestError
    at once, so it never leaves the manifests package (hence private)."""


def check_shape(root: yaml.Node) -> None:
    """Refuse cycles, nesting deeper than MAX_DEPTH and alias bombs, in time
    linear in the number of distinct nodes (not in their expansion)."""
    sizer = _Sizer()
    sizer.walk(root)
    _refuse_expansion(root, sizer.size.get(id(root), 1), sizer.literal)


# A collection to enter (its children, None), or to size once they are sized
# (its child collections and how many scalars it holds besides).
_Item = tuple[yaml.Node, int, list[yaml.Node] | None, int]


class _Sizer:
    """Sizes each distinct collection once, so an alias costs a lookup rather
    than a walk of what it refers to. Iterative: nesting is what is checked,
    so it must not be able to exhaust Python's stack."""

    def __init__(self) -> None:
        self.size: dict[int, int] = {}  # expanded node count of each finished one
        self.depth: dict[int, int] = {}  # levels of collections below and in it
        self.open: set[int] = set()  # collections whose children are being sized
        self.literal = 0  # nodes as written, aliases counted once

    def walk(self, root: yaml.Node) -> None:
        # Runs once per collection node: names are bound locally, and only the
        # rare paths (refusals, finishing a collection) cost a call.
        size, depth, open_ = self.size, self.depth, self.open
        stack: list[_Item] = [(root, 1, None, 0)]
        while stack:
            node, level, inner, scalars = stack.pop()
            key = id(node)
            if inner is not None:
                self._finish(key, inner, scalars)
            elif key in size:  # an alias of a collection sized already
                if level + depth[key] - 1 > MAX_DEPTH:
                    refuse_depth(node, level + depth[key] - 1)
            else:
                if key in open_ or level > MAX_DEPTH:
                    _refuse_entering(node, level, cycle=key in open_)
                open_.add(key)
                inner, scalars = _children(node)
                self.literal += 1 + scalars + len(inner)
                stack.append((node, level, inner, scalars))
                stack.extend((kid, level + 1, None, 0) for kid in inner)

    def _finish(self, key: int, inner: list[yaml.Node], scalars: int) -> None:
        self.size[key] = 1 + scalars + sum(self.size[id(kid)] for kid in inner)
        self.depth[key] = 1 + max((self.depth[id(kid)] for kid in inner), default=0)
        self.open.discard(key)


def _refuse_entering(node: yaml.Node, level: int, cycle: bool) -> None:
    if cycle:
        problem = "an alias refers to a collection that contains it (a cycle)"
        raise _ShapeError(None, None, problem, node.start_mark)
    refuse_depth(node, level)


def _children(node: yaml.Node) -> tuple[list[yaml.Node], int]:
    """A collection's child collections, and how many scalars it holds besides."""
    # Collection keys are refused by construct_mapping; only values count.
    if type(node) is yaml.MappingNode:
        inner = [v for _, v in node.value if type(v.value) is list]
        return inner, 2 * len(node.value) - len(inner)
    inner = [v for v in node.value if type(v.value) is list]
    return inner, len(node.value) - len(inner)


def _refuse_expansion(root: yaml.Node, expanded: int, literal: int) -> None:
    allowed = max(MAX_ALIASED, 10 * literal)
    if expanded - literal > allowed:
        problem = (
            f"aliases (*name) expand this document to {expanded:,} values, from "
            f"{literal:,} written; at most {allowed:,} more are allowed. Write the "
            "values out, or share fewer of them"
        )
        raise _ShapeError(None, None, problem, root.start_mark)


def refuse_depth(node: yaml.Node, levels: int) -> None:
    problem = (
        f"nested {levels} or more levels deep (aliases included); a manifest "
        f"needs at most 7 and {MAX_DEPTH} are allowed"
    )
    raise _ShapeError(None, None, problem, node.start_mark)
