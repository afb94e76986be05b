"""The documentation stays a guide, and stays true: a short README, a table of
contents on every page, links that resolve, and no figure that the suite or
the benchmark does not produce (test counts and timings are not quoted)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "docs").glob("*.md"))
DOCS = [ROOT / "README.md", *PAGES]
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_FENCE = re.compile(r"```.*?```", re.S)


def _prose(path: Path) -> str:
    return _FENCE.sub("", path.read_text(encoding="utf-8"))


def _slug(title: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", title.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    found: set[str] = set()
    for line in _prose(path).splitlines():
        heading = re.match(r"#{1,6} (.*)", line)
        if heading:
            found.add(_slug(heading.group(1)))
    return found


def test_the_readme_is_a_guide_not_a_manual():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) < 400, len(lines)
    text = "\n".join(lines)
    for page in PAGES:
        assert f"docs/{page.name}" in text, f"the README does not link {page.name}"


def test_the_readme_starts_with_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first, second = re.findall(r"```sh\n(.*?)\n```", text, re.S)[:2]
    assert "pip install -e ." in first and "--sandbox apply" in first
    assert "pip install -e '.[test]'" in second and "pytest" in second
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -e '.[test]' && pytest" in ci


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_page_has_a_table_of_contents(page: Path):
    text = _prose(page)
    sections = re.findall(r"(?m)^## (.*)", text)
    assert sections, f"{page.name} has no sections"
    for title in sections:
        assert f"](#{_slug(title)})" in text, f"{page.name}: no TOC entry for {title}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_link_resolves(doc: Path):
    broken = []
    for target in _LINK.findall(_prose(doc)):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        file, _, anchor = target.partition("#")
        where = (doc.parent / file).resolve() if file else doc
        if (
            not where.exists()
            or anchor
            and where.suffix == ".md"
            and anchor not in _anchors(where)
        ):
            broken.append(target)
    assert broken == [], f"{doc.name}: {broken}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_no_page_quotes_a_test_count_or_a_suite_timing(doc: Path):
    # Such figures go stale with every commit; pytest prints the real ones.
    text = _prose(doc)
    assert not re.search(r"\b\d[\d,]* tests\b", text), doc.name
    assert not re.search(r"tests? in \d+ (to \d+ )?s", text), doc.name
