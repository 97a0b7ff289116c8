"""Which call path numeric core-module calls take: the compiled shim, or ctypes.

The shim (`_fastcall.c`, built at install time when a C compiler is available) makes the same
`wasmtime_func_call_unchecked` call as the generated ctypes caller in core_call.py, from C.
The ctypes caller stays the reference: the shim hands it every call it does not handle inline
(unusual argument values, wrong counts) and turns errors and traps into the same exceptions, so
both paths behave identically and differ only in cost. `WIPPY_CALL_PATH=ctypes` in the
environment forces the ctypes path (for comparison and debugging).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import wasmtime

from .. import wasmtime_private as wp

try:
    from . import _fastcall  # type: ignore[attr-defined]
except ImportError:  # not built: no compiler at install time, or a fresh checkout
    _fastcall = None
    _why = "the compiled shim is not built; `python -m wippy_runtime.wasm.fastcall_build` builds it"
else:
    _why = ""

#: WIT primitive -> the shim's one-byte kind (primitives the shim converts inline)
KIND = {"s8": "a", "u8": "b", "s16": "c", "u16": "d", "s32": "e", "u32": "f", "s64": "g",
        "bool": "o", "f32": "x", "f64": "y"}


def _enabled() -> tuple[bool, str]:
    if _fastcall is None:
        return False, _why
    if os.environ.get("WIPPY_CALL_PATH", "").lower() == "ctypes":
        return False, "WIPPY_CALL_PATH=ctypes"
    return True, ""


#: whether numeric core calls use the shim now; `reason` says why not
ACTIVE, reason = _enabled()
if _fastcall is not None:
    _fastcall.set_call_unchecked(wp.func_call_unchecked_address())


def describe() -> str:
    """One line for `wippy --version` and the runtime's info."""
    return "compiled (C shim)" if ACTIVE else f"ctypes ({reason})"


def set_active(active: bool) -> None:
    """Switch path for instances built from now on (tests compare both paths)."""
    global ACTIVE, reason
    if active and _fastcall is None:
        raise RuntimeError(_why)
    ACTIVE, reason = active, ("" if active else "switched off")


def lanes_available() -> bool:
    """Can `funcs.call` from Lua take compiled lanes now (calls.py)?"""
    return ACTIVE and _fastcall is not None


def is_caller(fn: Any) -> bool:
    """Is `fn` a compiled caller (the only instance function a lane runs)?"""
    return _fastcall is not None and type(fn) is _fastcall.Caller


def new_lane(pool: Any, gate: Any, free: list[bool], record_latency: Callable[[int], Any]) -> Any:
    """The compiled fast path of one inline pool (see `_fastcall.c`, Lanes)."""
    assert _fastcall is not None
    return _fastcall.Lane(pool, gate, free, record_latency)


def new_lanes(table: dict[bytes, Any], context: Any, security: Any,
              slow: Callable[..., Any], failed: Callable[..., Any]) -> Callable[..., Any]:
    """`funcs.call` for one Lua state: ids with a lane in `table` run in C, every other call
    (and every call a lane cannot take as it is) goes to `slow`, the pipeline's own."""
    assert _fastcall is not None
    return _fastcall.Lanes(table, context, security, slow, failed)


def raise_failure(error: int, trap: int) -> Any:
    """The shim's error exit: the same exceptions the ctypes caller raises."""
    if error:
        wp.raise_pending_host_exception()
        raise wp.error_from_address(error)
    t = wp.trap_from_address(trap)
    wp.raise_pending_host_exception()
    raise t


def compiled_caller(store: wasmtime.Store, func: wasmtime.Func,
                    params: Sequence[tuple[str, str]], results: Sequence[str],
                    slow: Callable[..., Any]) -> Callable[..., Any] | None:
    """A shim caller for this export, or None when the path is off or the signature has a
    type the shim leaves to Python (char, u64). `slow` is the ctypes caller it falls back to."""
    if not ACTIVE:
        return None
    try:
        pkinds = "".join(KIND[w] for _, w in params)
        rkinds = "".join(KIND[w] for w in results)
    except KeyError:
        return None
    store_id, private = wp.func_fields(func)
    context = wp.store_context_address(store)
    try:
        return _fastcall.Caller(context, store_id, private, pkinds.encode(), rkinds.encode(),
                                slow, raise_failure, (store, func))
    except ValueError:  # more values than the shim's buffer holds
        return None
