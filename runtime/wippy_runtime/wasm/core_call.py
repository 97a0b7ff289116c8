"""The fast path for core-module calls with numeric signatures.

wasmtime-py's `Func.__call__` rebuilds the function type and converts every value through
`Val` on each call (~24 µs). Here the signature is known once, so we generate a
small Python function per (instance, export) that checks the arguments against their WIT types,
writes them into a reused `wasmtime_val_raw_t` buffer and calls `wasmtime_func_call_unchecked`
directly (~1.5 µs). Generated code keeps the checks inline, which is what makes it fast.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Sequence
from typing import Any

import wasmtime

from .. import wasmtime_private as wp
from ..wit.abi import flatten
from ..wit.convert import lower_value
from ..wit.errors import WitValueError
from ..wit.plain import LUA_INT_MAX
from ..wit.types import INT_RANGES, Primitive
from . import fastcall

#: WIT primitive -> its one core value type (the canonical ABI's flattening): the primitives
#: this fast path handles.
CORE_TYPE = {name: flatten(Primitive(name))[0] for name in (
    "bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64", "f32", "f64", "char")}
#: Core value type -> the WIT type assumed when an entry declares no `wit`.
DEFAULT_WIT = {"i32": "s32", "i64": "s64", "f32": "f32", "f64": "f64"}


class ArgumentError(ValueError):
    """A bad argument; the call path prefixes the entry id."""

    def __init__(self, index: int, name: str, wit: str, problem: str) -> None:
        self.index, self.name, self.wit, self.problem = index, name, wit, problem
        super().__init__(f"argument {index + 1} ({name}: {wit}): {problem}")


class ArityError(ValueError):
    pass


class ResultError(ValueError):
    pass


def coerce(index: int, name: str, wit: str, value: Any) -> Any:
    """The slow, thorough check behind the generated fast check; returns the core value.

    Validation (and its wording) is the WIT layer's, shared with components and the
    canonical ABI; this only turns the checked value into its core representation.
    """
    try:
        checked = lower_value(Primitive(wit), value, name)
    except WitValueError as exc:
        raise ArgumentError(index, name, wit, exc.reason or str(exc)) from None
    if wit == "bool":
        return 1 if checked else 0
    if wit == "char":
        return ord(checked)
    if wit == "u64" and checked > LUA_INT_MAX:
        return checked - (1 << 64)
    return checked


def lift(wit: str, raw: Any) -> Any:
    """Core result value -> plain value, as the canonical ABI lifts it."""
    if wit == "s32" or wit == "s64" or wit in ("f32", "f64"):
        return raw
    if wit == "u32":
        return raw & 0xFFFFFFFF
    if wit == "u64":
        value = raw & 0xFFFFFFFFFFFFFFFF
        if value > LUA_INT_MAX:
            raise ResultError(f"result {value} (u64) overflows a Lua integer (max 2^63-1)")
        return value
    if wit == "u8":
        return raw & 0xFF
    if wit == "u16":
        return raw & 0xFFFF
    if wit == "s8":
        v = raw & 0xFF
        return v - 0x100 if v & 0x80 else v
    if wit == "s16":
        v = raw & 0xFFFF
        return v - 0x10000 if v & 0x8000 else v
    if wit == "bool":
        return raw != 0
    if wit == "char":
        cp = raw & 0xFFFFFFFF
        if cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
            raise ResultError(f"result {cp:#x} is not a valid char")
        return chr(cp)
    raise ResultError(f"unsupported result type {wit}")


_FAST_CHECK = {
    # An inline test that accepts the common case; anything else goes through coerce().
    **{w: "type({v}) is int and {lo} <= {v} <= {hi}" for w in ("s8", "u8", "s16", "u16",
                                                              "s32", "u32", "s64")},
    "f32": "type({v}) is float", "f64": "type({v}) is float",
}


def make_core_caller(store: wasmtime.Store, func: wasmtime.Func,
                     params: Sequence[tuple[str, str]], results: Sequence[str]) -> Callable[..., Any]:
    """Generate `call(args) -> value` (args: a tuple of plain values) for one export of one
    instance.

    params are (name, wit primitive) pairs, results are wit primitives. Raises ArityError,
    ArgumentError, ResultError, wasmtime.Trap and WasmtimeError.
    """
    n_params, n_results = len(params), len(results)
    buf = (wp.ValRaw * max(n_params, n_results, 1))()
    trap = ctypes.POINTER(wp.TrapPtr)()
    # Element views are made once: `buf[i]` builds a new ctypes object on every access, and
    # the pointer is pre-cast so ctypes does not convert the array on every call.
    env: dict[str, Any] = {
        "buf": ctypes.cast(buf, ctypes.POINTER(wp.ValRaw)), "_keep": buf,
        **{f"v{i}": buf[i] for i in range(max(n_params, n_results, 1))},
        "ctx": wp.store_context(store), "fref": wp.func_ref(func),
        "raw_call": wp.func_call_unchecked, "trapref": ctypes.byref(trap),
        "trap": trap, "error_from_ptr": wp.error_from_ptr, "trap_from_ptr": wp.trap_from_ptr,
        "maybe_raise_last_exn": wp.raise_pending_host_exception, "coerce": coerce,
        "lift": lift, "ArityError": ArityError, "ctypes": ctypes, "POINTER": ctypes.POINTER,
        "wasm_trap_t": wp.TrapPtr,
    }
    args = [f"a{i}" for i in range(n_params)]
    expected = f"expected {n_params} argument{'' if n_params == 1 else 's'}, got %d"
    lines = ["def call(args):"]
    if n_params == 0:
        lines.append("    if args:")
        lines.append(f"        raise ArityError({expected!r} % len(args))")
    else:
        # unpacking checks the count for free (try costs nothing until it catches)
        lines.append("    try:")
        lines.append(f"        {', '.join(args)}, = args")
        lines.append("    except ValueError:")
        lines.append(f"        raise ArityError({expected!r} % len(args)) from None")
    for i, (name, wit) in enumerate(params):
        core = CORE_TYPE[wit]
        check = _FAST_CHECK.get(wit)
        if check:
            lo, hi = INT_RANGES.get(wit, (0, 0))
            lines.append(f"    if not ({check.format(v=args[i], lo=lo, hi=hi)}):")
            lines.append(f"        a{i} = coerce({i}, {name!r}, {wit!r}, a{i})")
        else:
            lines.append(f"    a{i} = coerce({i}, {name!r}, {wit!r}, a{i})")
        lines.append(f"    v{i}.{core} = a{i}")
    lines.append(f"    err = raw_call(ctx, fref, buf, {max(n_params, n_results)}, trapref)")
    lines.append("    if err:")
    lines.append("        maybe_raise_last_exn()")
    lines.append("        raise error_from_ptr(err)")
    lines.append("    if trap:")
    # Take ownership of the trap, then null our reused out-pointer for the next call.
    lines.append("        t = trap_from_ptr(ctypes.cast(trap, POINTER(wasm_trap_t)))")
    lines.append("        ctypes.memset(ctypes.addressof(trap), 0, ctypes.sizeof(trap))")
    lines.append("        maybe_raise_last_exn()")
    lines.append("        raise t")
    if n_results == 0:
        lines.append("    return None")
    elif n_results == 1:
        wit = results[0]
        core = CORE_TYPE[wit]
        if wit in ("s32", "s64", "f32", "f64"):
            lines.append(f"    return v0.{core}")
        else:
            lines.append(f"    return lift({wit!r}, v0.{core})")
    else:
        parts = ", ".join(f"lift({w!r}, v{i}.{CORE_TYPE[w]})" for i, w in enumerate(results))
        lines.append(f"    return [{parts}]")
    code = "\n".join(lines)
    exec(compile(code, f"<core call {func}>", "exec"), env)  # noqa: S102 - generated fast path
    slow = env["call"]
    return fastcall.compiled_caller(store, func, params, results, slow) or slow
