"""`%call ns:name args…`: call an entry with JSON arguments and show the result."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..display import value_bundle
from .base import Magic, MagicContext, entry_id_arg


def parse_arg(word: str) -> Any:
    """A JSON value (`1`, `2.5`, `true`, `"x"`, `[1,2]`, `{"a":1}`); a bare word is a string."""
    try:
        return json.loads(word)
    except ValueError:
        return word


class CallMagic(Magic):
    """Call an entry the way `funcs.call` does and display the result. Arguments are JSON
    values (without spaces inside); words that are not JSON are passed as strings.

        %call math:add 2 3
        %call demo:greet world
    """

    name = "call"
    posix_quotes = False

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("id", type=entry_id_arg, help="entry id ns:name")
        p.add_argument("args", nargs="*", help="arguments (JSON values or bare strings)")

    def run(self, ctx: MagicContext, line: str, body: str | None) -> Any:
        args = self.parse(line)
        value = ctx.session.call_entry(args.id, [parse_arg(a) for a in args.args])
        ctx.display(value_bundle([value]))


MAGIC = CallMagic()
