"""Parse WIT text into the type model.

Two inputs share one grammar (`grammar`, LALR(1)): Wippy's bare signature lines as found in
an entry's `wit:` field (`compute: func(a: s32, b: s32) -> s32;`, with any type definitions
they use at top level), and full WIT documents (package, interfaces, worlds) as shipped with a
component. Parsing happens in two passes: lark builds a tree, `builder` walks it into scopes,
and `scopes` resolves names per scope, so definitions may come after their use (forward
references), aliases vanish, and unknown, duplicate or cyclic names are reported with their
line and column.
"""

from __future__ import annotations

from lark.exceptions import UnexpectedInput

from .builder import Builder
from .document import WitDocument
from .errors import WitError
from .grammar import parse_tree, syntax_error
from .types import FuncType

__all__ = ["parse_wit", "parse_signatures"]


def parse_wit(text: str) -> WitDocument:
    """Parse WIT text (signature lines and/or a full document); raise `WitError` on errors."""
    try:
        tree = parse_tree(text)
        return Builder(text).build(tree)
    except UnexpectedInput as exc:
        raise syntax_error(exc, text) from None
    except RecursionError:
        # the LALR parse is iterative, but building types from the tree recurses per level
        raise WitError("types nested too deeply") from None


def parse_signatures(text: str) -> dict[str, FuncType]:
    """Parse an entry's `wit:` text into its callable functions by method name.

    This is what the loader calls for core modules (`answer: func() -> s32;`); it also
    accepts a full document, in which case world exports are included (`iface#fn`).
    """
    return parse_wit(text).exported_functions()
