"""The WIT grammar (`wit.lark`, LALR(1)) and its syntax errors in words users read.

The parser is built on first use, not at import: building the LALR tables takes ~70 ms,
which every process importing the runtime would otherwise pay even if it never parses WIT
(the kernel's start-up, `wippy --help`). Lark's own cache was not used: it stores a pickle
in a shared temporary directory, and loading a pickle that another user could plant runs
their code.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lark import Lark, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .errors import WitError
from .types import PRIMITIVES

__all__ = ["parse_tree", "syntax_error"]


@cache
def _parser() -> Lark:
    grammar = Path(__file__).with_name("wit.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=True)


def parse_tree(text: str) -> Tree:
    """The syntax tree of WIT text; raises lark's `UnexpectedInput` (see `syntax_error`)."""
    return _parser().parse(text)


_TYPE_KEYWORDS = {"list", "option", "result", "tuple", "own", "borrow"}


def _terminal_text(name: str) -> str | None:
    """The literal text of a keyword/punctuation terminal, or None for a regex terminal."""
    try:
        pattern = _parser().get_terminal(name).pattern
    except KeyError:
        return None
    return pattern.value if pattern.type == "str" else None


@cache
def _type_start() -> frozenset[str]:
    """Terminals that can start a type: reported together as "a type"."""
    return frozenset(
        n
        for n in (t.name for t in _parser().terminals)
        if (_terminal_text(n) in PRIMITIVES or _terminal_text(n) in _TYPE_KEYWORDS)
    )


def _describe_expected(expected: set[str]) -> str:
    expected = set(expected)
    parts: list[str] = []
    type_start = _type_start()
    if expected >= type_start:
        parts.append("a type")
        expected -= type_start
        expected.discard("NAME")
    if "NAME" in expected:
        parts.append("a name")
        expected.discard("NAME")
    end = "$END" in expected
    expected.discard("$END")
    literals = sorted(
        {f"'{_terminal_text(n)}'" if _terminal_text(n) is not None else n.lower() for n in expected}
    )
    parts.extend(literals)
    if end:
        parts.append("end of input")
    if not parts:
        return "something else"
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " or " + parts[-1]


def _end_position(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


def syntax_error(exc: UnexpectedInput, text: str) -> WitError:
    """A lark parse failure as a `WitError` with line, column and what would have fit."""
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        expected = set(exc.expected)
        if exc.interactive_parser is not None:
            # The contextual lexer reports only its regex terminals (keywords are folded into
            # NAME), so ask the parser state what it would really accept.
            expected = {k for k in exc.interactive_parser.choices() if k.isupper()}
        if token.type == "$END":
            line, col = _end_position(text)
            found = "end of input"
        else:
            line, col = token.line or 0, token.column or 0
            found = f"'{token.value}'"
        return WitError(f"expected {_describe_expected(expected)}, found {found}", line, col)
    if isinstance(exc, UnexpectedEOF):
        line, col = _end_position(text)
        return WitError(f"expected {_describe_expected(set(exc.expected))}, found end of input",
                        line, col)
    if isinstance(exc, UnexpectedCharacters):
        return WitError(f"unexpected character {exc.char!r}", exc.line, exc.column)
    return WitError(str(exc), getattr(exc, "line", 0), getattr(exc, "column", 0))
