"""This repository's own Lua, the examples' files and inline sources and the notebooks' Lua
cells, passes the static checker: nothing a user is shown as working is rejected."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import yaml
from wippy_runtime.lua.typed.check import check
from wippy_runtime.lua.typed.parser import Parser, parse
from wippy_runtime.lua.typed.tokens import LuaSyntaxError

ROOT = Path(__file__).resolve().parents[4]


def sources() -> Iterator[tuple[str, str]]:
    for path in sorted((ROOT / "examples").rglob("*.lua")):
        yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "examples").rglob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for entry in doc.get("entries") or []:
            if not (isinstance(entry, dict) and str(entry.get("kind", "")).endswith(".lua")):
                continue
            src = entry.get("source")
            if isinstance(src, str) and not src.startswith("file://"):
                yield f"{path.relative_to(ROOT)}:{entry.get('name')}", src
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for i, cell in enumerate(cells):
            if cell["cell_type"] != "code":
                continue
            src = "".join(cell["source"]).strip()
            first = src.split("\n", 1)[0]
            if first.startswith("%%lua") or (first.startswith("%%writefile")
                                             and first.endswith(".lua")):
                src = src.split("\n", 1)[1] if "\n" in src else ""
            elif first.startswith("%"):
                continue  # another language (yaml, wat) or a line magic
            yield f"{path.relative_to(ROOT)}[{i}]", src


#: the notebooks' deliberately broken Lua (a save with a syntax error, to show the rebuild fail)
BROKEN = {"notebooks/05-live-prototyping.ipynb[17]"}


def parse_cell(src: str) -> Parser | None:
    """As the kernel reads a cell: an expression, statements then a last-line value, or a
    chunk (None: it parses in no form)."""
    lines = src.rstrip().split("\n")
    tries = [f"return {src}"]
    if len(lines) > 1:
        tries.append("\n".join(lines[:-1]) + f"\nreturn {lines[-1]}")
    tries.append(src)
    for text in tries:
        try:
            return parse(text)
        except LuaSyntaxError:
            continue
    return None


def test_examples_and_notebooks_pass_the_checker():
    seen, reported, broken = 0, [], set()
    for name, src in sources():
        tree = parse_cell(src)
        if tree is None:
            broken.add(name)
            continue
        seen += 1
        problem = check(tree)
        if problem is not None:
            reported.append((name, problem))
    assert reported == []
    assert broken == BROKEN
    assert seen > 50
