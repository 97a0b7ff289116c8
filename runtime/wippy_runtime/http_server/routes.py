"""Route patterns: `/users/{id}`, `/files/{rest...}`, `/static/` (a subtree).

Wippy routes with Go's `net/http.ServeMux` patterns, so these follow its rules: a `{name}`
segment matches one non-empty path segment, a final `{name...}` matches the rest of the path, a
pattern ending in `/` matches every path below it, and `{$}` ends a pattern exactly at a slash.
When several patterns match, the most specific wins (a literal segment beats a wildcard,
segment by segment from the left; an exact pattern beats a subtree). Parsing is strict: a bad
pattern is a load error naming the entry, never a route that silently matches nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
LITERAL, PARAM, REST, END = "literal", "param", "rest", "end"


class PatternError(ValueError):
    """A route pattern that is not valid; the message says what is wrong."""


@dataclass(frozen=True)
class Segment:
    kind: str
    text: str  # the literal (unescaped) or the parameter's name


@dataclass(frozen=True)
class Pattern:
    """A parsed path pattern. `subtree`: it ends in `/` and matches everything below."""

    text: str
    segments: tuple[Segment, ...]
    subtree: bool

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(s.text for s in self.segments if s.kind in (PARAM, REST))

    def match(self, path: str) -> dict[str, str] | None:
        """The route parameters if `path` (URL-escaped, as received) matches, else None."""
        parts = path.split("/")[1:] if path.startswith("/") else None
        if parts is None:
            return None
        params: dict[str, str] = {}
        segs = self.segments
        for i, seg in enumerate(segs):
            if seg.kind == REST:
                if i >= len(parts):
                    return None  # `/a/{rest...}` needs the slash after /a
                params[seg.text] = unquote("/".join(parts[i:]))
                return params
            if seg.kind == END:
                return params if i == len(parts) - 1 and parts[i] == "" else None
            if i >= len(parts):
                return None
            part = parts[i]
            if seg.kind == LITERAL:
                if unquote(part) != seg.text:
                    return None
            else:
                if part == "":
                    return None
                params[seg.text] = unquote(part)
        rest = parts[len(segs):]
        if self.subtree:
            return params if rest else None  # `/a/` matches `/a/` and `/a/x`; rest[0] is ""
        return params if not rest else None

    def rank(self) -> tuple[int, ...]:
        """Sort key, most specific first: compared segment by segment from the left, a
        literal beats a `{param}`, which beats a `{rest...}`; where one pattern ends and
        another goes on, an exact end beats the longer one, which beats a subtree's end."""
        order = {LITERAL: 0, END: 0, PARAM: 1, REST: 2}
        return tuple(order[s.kind] for s in self.segments) + ((3,) if self.subtree else (-1,))


def parse_pattern(text: str) -> Pattern:
    """Parse a path pattern; raise PatternError saying what is wrong."""
    if not isinstance(text, str) or not text.startswith("/"):
        raise PatternError(f"path {text!r} must start with '/'")
    raw = text.split("/")[1:]
    subtree = len(raw) > 0 and raw[-1] == "" and text != "/"
    if text == "/":
        return Pattern(text, (), True)
    if subtree:
        raw = raw[:-1]
    segments: list[Segment] = []
    seen: set[str] = set()
    for i, part in enumerate(raw):
        last = i == len(raw) - 1
        if part == "":
            raise PatternError(f"path {text!r} has an empty segment")
        if "{" not in part and "}" not in part:
            segments.append(Segment(LITERAL, unquote(part)))
            continue
        if not (part.startswith("{") and part.endswith("}")) or part.count("{") != 1:
            raise PatternError(f"path {text!r}: a wildcard must be a whole segment, "
                               f"got {part!r}")
        name = part[1:-1]
        if name == "$":
            if not last or subtree:
                raise PatternError(f"path {text!r}: {{$}} may only end a pattern")
            segments.append(Segment(END, ""))
            continue
        kind = PARAM
        if name.endswith("..."):
            if not last or subtree:
                raise PatternError(f"path {text!r}: {{{name}}} must be the last segment")
            name, kind = name[:-3], REST
        if not _NAME.fullmatch(name):
            raise PatternError(f"path {text!r}: bad parameter name {name!r}")
        if name in seen:
            raise PatternError(f"path {text!r}: parameter {name!r} appears twice")
        seen.add(name)
        segments.append(Segment(kind, name))
    return Pattern(text, tuple(segments), subtree)


def join(prefix: str, path: str) -> str:
    """A router's prefix and an endpoint's path as one pattern (Wippy drops the prefix's
    trailing slash: prefix `/` and path `/hello` give `/hello`)."""
    return prefix.rstrip("/") + path
