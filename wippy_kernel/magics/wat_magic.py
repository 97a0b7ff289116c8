"""`%%wat ns:name`: define or replace a `function.wat` entry from the cell body."""

from __future__ import annotations

import argparse

from .base import Magic, MagicContext, MagicError, define_entry, entry_id_arg


class WatMagic(Magic):
    """Compile the cell body (WebAssembly text) and register it as a `function.wat` entry.

    The entry is replaced if it exists; a compile error points at the cell line and the
    previous version keeps serving. Without --wit, a signature stored by the last `%%wit`
    cell is used (else one is inferred from the core export). The method defaults to the
    entry's name.

        %%wat math:add --wit "add: func(a: s32, b: s32) -> s32"
        (module (func (export "add") (param i32 i32) (result i32)
          local.get 0 local.get 1 i32.add))
    """

    name = "wat"
    cell = True

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("id", type=entry_id_arg, help="entry id ns:name")
        p.add_argument("--wit", help="WIT signature(s) of the method")
        p.add_argument("--pool", help="pool type (inline, lazy, static, ...)")
        p.add_argument("--method", help="exported function to call (default: the name)")
        p.add_argument("--import", dest="imports", nargs="+", default=[],
                       help="host imports, e.g. wasi:cli")

    def run(self, ctx: MagicContext, line: str, body: str | None) -> None:
        args = self.parse(line)
        if not body or not body.strip():
            raise MagicError("UsageError", f"%%wat {args.id}: the cell has no WAT source")
        d: dict = {"id": args.id, "kind": "function.wat", "source": body,
                   "method": args.method or args.id.split(":", 1)[1]}
        wit = args.wit or ctx.session.wit_pending
        ctx.session.wit_pending = None  # %%wit is for the next %%wat cell only
        if wit:
            d["wit"] = wit
        if args.pool:
            d["pool"] = {"type": args.pool}
        if args.imports:
            d["imports"] = args.imports
        define_entry(ctx, d, body=body, language="wat")


MAGIC = WatMagic()
