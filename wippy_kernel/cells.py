"""Splitting a cell into Lua code and magics (IPython rules: magics only at a line start)."""

from __future__ import annotations

import re
from dataclasses import dataclass

HELP = re.compile(r"^\s*(%{0,2})([\w.:-]+)(\?{1,2})\s*$")


@dataclass
class Segment:
    """One piece of a cell: `lua` code, a `line` magic, or a `cell` magic with its body."""

    type: str  # "lua" | "line" | "cell"
    text: str  # Lua code, or the magic's argument line
    first_line: int  # cell line (1-based) where `text` (Lua) or the magic line is
    name: str = ""
    body: str | None = None


def help_request(code: str) -> tuple[str, str, int] | None:
    """`%wat?` / `%%wat?` / `funcs.call?` / `name??` -> (prefix, name, level) or None."""
    m = HELP.match(code)
    if not m:
        return None
    return m.group(1), m.group(2), len(m.group(3))


def split_cell(code: str) -> list[Segment]:
    """A `%%name args` first line makes the whole rest the body; otherwise each `%name`
    line is a line magic and the runs of other lines are Lua chunks."""
    lines = code.split("\n")
    first = lines[0].lstrip() if lines else ""
    if first.startswith("%%"):
        name, _, args = first[2:].partition(" ")
        return [Segment("cell", args.strip(), 1, name=name.strip(),
                        body="\n".join(lines[1:]))]
    segments: list[Segment] = []
    chunk: list[str] = []
    start = 1
    for i, line in enumerate(lines, start=1):
        if line.startswith("%") and not line.startswith("%%"):
            if any(c.strip() for c in chunk):
                segments.append(Segment("lua", "\n".join(chunk), start))
            name, _, args = line[1:].partition(" ")
            segments.append(Segment("line", args.strip(), i, name=name.strip()))
            chunk, start = [], i + 1
        else:
            chunk.append(line)
    if any(c.strip() for c in chunk):
        segments.append(Segment("lua", "\n".join(chunk), start))
    return segments
