"""`%%lua ns:name`: define or replace a `function.lua` (or `library.lua`) entry."""

from __future__ import annotations

import argparse

from .base import Magic, MagicContext, MagicError, define_entry, entry_id_arg


class LuaMagic(Magic):
    """Register the cell body as a `function.lua` entry (or a `library.lua` with --library).

    The chunk returns a table of functions; --method picks the one to call (default: the
    entry's name). Entries get the `funcs` and `json` modules unless --modules says otherwise.

        %%lua math:twice --modules funcs
        local function twice(x) return funcs.call("math:add", x, x) end
        return { twice = twice }
    """

    name = "lua"
    cell = True

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("id", type=entry_id_arg, help="entry id ns:name")
        p.add_argument("--method", help="function of the returned table to call")
        p.add_argument("--library", action="store_true", help="define a library.lua")
        p.add_argument("--modules", default="funcs,json",
                       help="comma-separated runtime modules (default funcs,json)")

    def run(self, ctx: MagicContext, line: str, body: str | None) -> None:
        args = self.parse(line)
        if not body or not body.strip():
            raise MagicError("UsageError", f"%%lua {args.id}: the cell has no Lua source")
        modules = [m.strip() for m in args.modules.split(",") if m.strip()]
        if args.library:
            d: dict = {"id": args.id, "kind": "library.lua", "source": body}
        else:
            d = {"id": args.id, "kind": "function.lua", "source": body,
                 "method": args.method or args.id.split(":", 1)[1]}
        if modules:
            d["modules"] = modules
        define_entry(ctx, d, body=body, language="lua")


MAGIC = LuaMagic()
