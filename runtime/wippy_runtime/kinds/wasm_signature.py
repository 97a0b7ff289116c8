"""The signature of a WASM entry's method: the entry's `wit` (when given), parsed and matched
to the method's name; numeric signatures take the core fast path."""

from __future__ import annotations

from typing import Any

from ..errors import CompileError, LoadError
from ..registry import Entry
from ..wasm.core_call import CORE_TYPE
from ..wit import FuncType, Primitive, WitError, parse_signatures
from .wasm_config import WasmConfig


def signature_error(entry: Entry, message: str) -> LoadError:
    return entry.error(CompileError, message, "wit")


def declared_signature(entry: Entry, cfg: WasmConfig) -> FuncType | None:
    """The function type the entry's `wit` declares for its method, or None without `wit`."""
    if not cfg.wit:
        return None
    try:
        sigs = parse_signatures(cfg.wit)
    except WitError as exc:
        wit_line = getattr(exc, "line", None)
        base = entry.origin.line_of("wit")
        line = base + wit_line - 1 if (base and wit_line) else base
        raise entry.error(CompileError, f"invalid wit: {exc}", "wit", line=line) from None
    candidates = [cfg.method, cfg.method.replace("_", "-"), cfg.method.replace("-", "_")]
    for name in candidates:
        if name in sigs:
            return sigs[name]
    if len(sigs) == 1:
        return next(iter(sigs.values()))
    raise signature_error(entry, f"wit declares no function named {cfg.method!r} "
                          f"(declares: {', '.join(sigs) or 'none'})")


def numeric(types: Any) -> bool:
    """Are all these WIT types primitives with one core value each (the fast path's)?"""
    return all(isinstance(t, Primitive) and t.name in CORE_TYPE for t in types)
