"""Tokens of Lua 5.4 plus the few that Wippy's type syntax adds (`->`, `?`, `!`, `@`).

The tokenizer keeps each token's offsets into the source, so that lowering can blank an
annotation out in place (keeping its newlines) instead of re-printing the program: every line
of the lowered chunk is the line of the original, and so are Lua's error messages.
Comments and whitespace are skipped, never tokens.
"""

from __future__ import annotations

import re
from typing import NamedTuple

KEYWORDS = frozenset((
    "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if",
    "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while"))

NAME, NUMBER, STRING, OP, EOF = "name", "number", "string", "op", "eof"


class LuaSyntaxError(Exception):
    """A syntax error worded as Lua words them ("... expected near 'x'", "near <eof>"), so
    that the callers that read Lua's messages (line mapping, the kernel's "is the cell
    complete" check) read these the same way."""

    def __init__(self, line: int, message: str, *, edits: int = 0) -> None:
        super().__init__(f"{line}: {message}")
        self.line = line
        self.message = message
        #: how many dialect constructs were seen before the error (0: plain Lua's own error)
        self.edits = edits


class Token(NamedTuple):
    kind: str     # NAME (keywords included), NUMBER, STRING, OP, EOF
    value: str    # the token's text
    start: int    # offset of its first character
    end: int      # offset just past it
    line: int     # line of its first character (1-based)

    def near(self) -> str:
        return "near <eof>" if self.kind == EOF else f"near '{self.value}'"


# One match: skipped whitespace and comments, then one token (or the end, or a bad character).
_TOKEN = re.compile(r"""
    (?:\s+|--\[(?P<ceq>=*)\[.*?\](?P=ceq)\]|--[^\n]*)*
    (?:
      (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<number>(?:0[xX](?:[0-9a-fA-F]*\.?[0-9a-fA-F]*)(?:[pP][+-]?[0-9]+)?
                 |(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)(?![A-Za-z0-9_.]))
    | (?P<string>"(?:[^"\\\n]|\\z\s*|\\.)*"|'(?:[^'\\\n]|\\z\s*|\\.)*')
    | (?P<long>\[(?P<seq>=*)\[.*?\](?P=seq)\])
    | (?P<op>\.\.\.|\.\.|==|~=|<=|>=|<<|>>|//|::|->|[-+*/%^\#&~|<>=(){}\[\];:,.?!@])
    | (?P<end>\Z)
    | (?P<bad>.)
    )""", re.X | re.S)

_KIND = {"name": NAME, "number": NUMBER, "string": STRING, "long": STRING, "op": OP}


def tokenize(src: str) -> list[Token]:
    """All tokens of `src`, ending with an EOF token."""
    out: list[Token] = []
    append = out.append
    count = src.count
    pos, line = 0, 1
    if src.startswith("#"):  # a first line "#!..." is skipped, as Lua's loader does
        pos = src.find("\n")
        pos = len(src) if pos < 0 else pos
    for m in _TOKEN.finditer(src, pos):
        kind = m.lastgroup
        assert kind is not None  # every alternative of _TOKEN is a named group
        start, end = m.span(kind)
        line += count("\n", pos, start)
        pos = start
        if kind == "end":
            break
        if kind == "bad":
            raise LuaSyntaxError(line, _bad(src, start))
        append(Token(_KIND[kind], src[start:end], start, end, line))
    out.append(Token(EOF, "<eof>", len(src), len(src), line))
    return out


def _bad(src: str, at: int) -> str:
    """Lua's words for the character no token starts with."""
    c = src[at]
    if c in "\"'":
        stop = src.find("\n", at)
        return f"unfinished string near '{src[at:stop if stop >= 0 else len(src)]}'"
    if c.isdigit() or c == ".":
        return f"malformed number near '{c}'"
    return f"unexpected symbol near '{c}'"
