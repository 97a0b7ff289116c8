"""Tokens of Lua 5.4 plus the few that Wippy's type syntax adds (`->`, `?`, `!`, `@`).

The tokenizer keeps each token's offsets into the source, so that lowering can blank an
annotation out in place (keeping its newlines) instead of re-printing the program: every line
of the lowered chunk is the line of the original, and so are Lua's error messages.
Comments and whitespace are skipped, never tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class Token:
    kind: str     # NAME (keywords included), NUMBER, STRING, OP, EOF
    value: str    # the token's text
    start: int    # offset of its first character
    end: int      # offset just past it
    line: int     # line of its first character (1-based)

    def near(self) -> str:
        return "near <eof>" if self.kind == EOF else f"near '{self.value}'"


_TOKEN = re.compile(r"""
    (?P<ws>[ \t\r\f\v]+|\n)
  | (?P<longcomment>--\[(?P<lceq>=*)\[)
  | (?P<comment>--[^\n]*)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>0[xX](?:[0-9a-fA-F]*\.?[0-9a-fA-F]*)(?:[pP][+-]?[0-9]+)?
              |(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<longstring>\[(?P<lseq>=*)\[)
  | (?P<quote>["'])
  | (?P<op>\.\.\.|\.\.|==|~=|<=|>=|<<|>>|//|::|->|[-+*/%^\#&~|<>=(){}\[\];:,.?!@])
""", re.X)

_NUMBER_TAIL = re.compile(r"[A-Za-z0-9_.]")


def _string_end(src: str, pos: int, quote: str, line: int) -> int:
    """Offset just past the string literal that starts at `pos` (its opening quote)."""
    i = pos + 1
    n = len(src)
    while i < n:
        c = src[i]
        if c == quote:
            return i + 1
        if c == "\\":
            if src.startswith("z", i + 1):
                i += 2
                while i < n and src[i] in " \t\r\n\f\v":
                    i += 1
                continue
            i += 2
            continue
        if c == "\n":
            break
        i += 1
    raise LuaSyntaxError(line, f"unfinished string near '{src[pos:i]}'")


def tokenize(src: str) -> list[Token]:
    """All tokens of `src`, ending with an EOF token."""
    out: list[Token] = []
    pos, line, n = 0, 1, len(src)
    if src.startswith("#"):  # a first line "#!..." is skipped, as Lua's loader does
        pos = src.find("\n")
        pos = n if pos < 0 else pos
    match = _TOKEN.match
    append = out.append
    while pos < n:
        m = match(src, pos)
        if m is None:
            raise LuaSyntaxError(line, f"unexpected symbol near '{src[pos]}'")
        kind = m.lastgroup
        end = m.end()
        if kind == "ws":
            if src[pos] == "\n":
                line += 1
            pos = end
            continue
        if kind == "comment":
            pos = end
            continue
        if kind in ("lceq", "longcomment", "lseq", "longstring"):
            eq = m.group("lceq") if m.group("longcomment") else m.group("lseq")
            close = src.find("]" + eq + "]", end)
            if close < 0:
                what = "comment" if m.group("longcomment") else "string"
                raise LuaSyntaxError(line, f"unfinished long {what} near <eof>")
            end = close + len(eq) + 2
            if m.group("longstring"):
                append(Token(STRING, src[pos:end], pos, end, line))
            line += src.count("\n", pos, end)
            pos = end
            continue
        if kind == "quote":
            end = _string_end(src, pos, src[pos], line)
            append(Token(STRING, src[pos:end], pos, end, line))
            line += src.count("\n", pos, end)
            pos = end
            continue
        if kind == "number" and end < n and _NUMBER_TAIL.match(src, end):
            tail = _NUMBER_TAIL.match(src, end)
            while tail:
                end = tail.end()
                tail = _NUMBER_TAIL.match(src, end)
            raise LuaSyntaxError(line, f"malformed number near '{src[pos:end]}'")
        append(Token(NAME if kind == "name" else NUMBER if kind == "number" else OP,
                     src[pos:end], pos, end, line))
        pos = end
    out.append(Token(EOF, "<eof>", n, n, line))
    return out
