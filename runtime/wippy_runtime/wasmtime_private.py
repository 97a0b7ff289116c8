"""Every use of wasmtime-py's private API, in one place: audit this module (and only this
module) when the `wasmtime>=50,<51` pin in pyproject.toml moves.

wasmtime-py's public `Func.__call__` re-reads types and boxes every value on each call
(~15-25 µs); the runtime's fast paths (numeric core calls, `cabi_realloc`, component calls
with plain values), the epoch-deadline callback that enforces limits and interrupts, and
resource handles that move between Lua and a guest all need the C API underneath. That API
is reached through underscore names (`_ffi`, `_bindings`, `Func._func`, `Store._context()`,
`_from_ptr`, `_consume`) that carry no stability promise, so nothing else in the runtime
touches them: other modules import the names below.

Names are bound here at import (and callers bind what they need when they build a call
path), so using this module adds no indirection per call.
"""

from __future__ import annotations

import ctypes
from typing import Any

import wasmtime
from wasmtime import _bindings, _ffi
from wasmtime._func import maybe_raise_last_exn as _core_pending
from wasmtime.component import ResourceAny
from wasmtime.component._enter import maybe_raise_last_exn as _component_pending

__all__ = [
    "ValRaw",
    "TrapPtr",
    "func_call_unchecked",
    "func_call_unchecked_address",
    "store_context_address",
    "func_fields",
    "error_from_address",
    "trap_from_address",
    "store_context",
    "func_ref",
    "error_from_ptr",
    "trap_from_ptr",
    "raise_pending_host_exception",
    "raise_pending_component_host_exception",
    "EPOCH_CALLBACK_T",
    "EPOCH_FINALIZER_T",
    "set_epoch_deadline_callback",
    "new_error_ptr",
    "ComponentVal",
    "COMPONENT_VAL_SIZE",
    "COMPONENT_VAL_PAYLOAD_OFFSET",
    "COMPONENT_RECORD_ENTRY_SIZE",
    "WASM_NAME_SIZE",
    "COMPONENT_KIND",
    "byte_vec_new",
    "component_vallist_new_uninit",
    "component_valrecord_new_uninit",
    "component_valtuple_new_uninit",
    "component_valflags_new_uninit",
    "component_val_new",
    "component_val_delete",
    "call_component_func",
    "component_func_call",
    "component_call_handles",
    "raise_component_call_error",
    "resource_any_clone",
    "resource_any_consume",
    "take_resource",
]

# ---------------------------------------------------------------------------------------
# core functions: the unchecked call

#: `wasmtime_val_raw_t`: one untyped core value (fields i32, i64, f32, f64, ...).
ValRaw = _ffi.wasmtime_val_raw_t
#: `wasm_trap_t`: what a trap out-pointer points to.
TrapPtr = _ffi.wasm_trap_t
#: `wasmtime_func_call_unchecked(ctx, func*, vals*, n, trap**) -> error*`, without the
#: wrapper's argument conversion (callers pass prepared ctypes objects).
func_call_unchecked = _bindings._wasmtime_func_call_unchecked


def store_context(store: wasmtime.Store) -> Any:
    """The store's `wasmtime_context_t*`, what every C call on its objects takes."""
    return store._context()


def func_ref(func: wasmtime.Func) -> Any:
    """A by-reference handle to a core function's `wasmtime_func_t`, for C calls."""
    return ctypes.byref(func._func)


def func_call_unchecked_address() -> int:
    """The C address of `wasmtime_func_call_unchecked`, for the compiled call shim (which
    declares the prototype itself: wasmtime-py ships the library, not its headers)."""
    return ctypes.cast(func_call_unchecked, ctypes.c_void_p).value or 0


def store_context_address(store: wasmtime.Store) -> int:
    """The store's `wasmtime_context_t*` as an address, for the compiled call shim."""
    return ctypes.cast(store._context(), ctypes.c_void_p).value or 0


def func_fields(func: wasmtime.Func) -> tuple[int, int]:
    """A core function's `wasmtime_func_t` as its two words (store id, private pointer), so
    the compiled call shim can hold its own copy of the struct."""
    raw = ctypes.string_at(ctypes.addressof(func._func), ctypes.sizeof(func._func))
    return int.from_bytes(raw[:8], "little"), int.from_bytes(raw[8:16], "little")


def error_from_address(address: int) -> wasmtime.WasmtimeError:
    """Take ownership of a `wasmtime_error_t*` given as an address (the shim's error exit)."""
    return wasmtime.WasmtimeError._from_ptr(
        ctypes.cast(address, ctypes.POINTER(_ffi.wasmtime_error_t)))


def trap_from_address(address: int) -> wasmtime.Trap:
    """Take ownership of a `wasm_trap_t*` given as an address (the shim's trap exit)."""
    return wasmtime.Trap._from_ptr(ctypes.cast(address, ctypes.POINTER(_ffi.wasm_trap_t)))


def error_from_ptr(ptr: Any) -> wasmtime.WasmtimeError:
    """Take ownership of a `wasmtime_error_t*` as a `WasmtimeError`."""
    return wasmtime.WasmtimeError._from_ptr(ptr)


def trap_from_ptr(ptr: Any) -> wasmtime.Trap:
    """Take ownership of a `wasm_trap_t*` as a `Trap`."""
    return wasmtime.Trap._from_ptr(ptr)


#: Re-raise a Python exception a host function raised during the last core call (wasmtime-py
#: parks it in a module global and reports a generic error to wasm).
raise_pending_host_exception = _core_pending
#: The same for component calls (wasmtime-py keeps a separate global there).
raise_pending_component_host_exception = _component_pending

# ---------------------------------------------------------------------------------------
# epoch deadlines (limits and interrupts)

_deadline = _bindings._wasmtime_store_epoch_deadline_callback
#: ctypes type of the callback `(ctx, data, *delta, *kind) -> error*`.
EPOCH_CALLBACK_T = _deadline.argtypes[1]
#: ctypes type of the callback data's finalizer.
EPOCH_FINALIZER_T = _deadline.argtypes[3]


def set_epoch_deadline_callback(store: wasmtime.Store, callback: Any, data: Any,
                                finalizer: Any) -> None:
    """Install `callback` as the store's epoch-deadline callback (not in the public API)."""
    _bindings.wasmtime_store_epoch_deadline_callback(store.ptr(), callback, data, finalizer)


def new_error_ptr(message: str) -> int:
    """A new `wasmtime_error_t*` (as an address) for a callback to return to wasmtime."""
    err = _bindings.wasmtime_error_new(ctypes.c_char_p(message.encode()))
    return ctypes.cast(err, ctypes.c_void_p).value or 0

# ---------------------------------------------------------------------------------------
# component values: `wasmtime_component_val_t` and friends

ComponentVal = _ffi.wasmtime_component_val_t
COMPONENT_VAL_SIZE = ctypes.sizeof(ComponentVal)
#: Where the payload union starts inside a `wasmtime_component_val_t`.
COMPONENT_VAL_PAYLOAD_OFFSET = ComponentVal.of.offset
COMPONENT_RECORD_ENTRY_SIZE = ctypes.sizeof(_ffi.wasmtime_component_valrecord_entry_t)
WASM_NAME_SIZE = ctypes.sizeof(_ffi.wasm_name_t)

#: The `kind` tag of each component value kind, by WIT name.
COMPONENT_KIND: dict[str, int] = {
    name: getattr(_ffi, f"WASMTIME_COMPONENT_{name.upper()}").value for name in (
        "bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64", "f32", "f64", "char",
        "string", "list", "record", "tuple", "variant", "enum", "option", "result", "flags",
        "resource",
    )
}

#: `wasm_byte_vec_new(out*, size, data)`, through a private handle with our own argtypes so
#: it takes a plain `bytes` and any by-reference vec (the shared binding insists on types).
byte_vec_new = _ffi.dll["wasm_byte_vec_new"]
byte_vec_new.restype = None
byte_vec_new.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]

component_vallist_new_uninit = _ffi.wasmtime_component_vallist_new_uninit
component_valrecord_new_uninit = _ffi.wasmtime_component_valrecord_new_uninit
component_valtuple_new_uninit = _ffi.wasmtime_component_valtuple_new_uninit
component_valflags_new_uninit = _ffi.wasmtime_component_valflags_new_uninit
component_val_new = _ffi.wasmtime_component_val_new
component_val_delete = _ffi.wasmtime_component_val_delete
_component_func_call = _ffi.wasmtime_component_func_call


#: `wasmtime_component_func_call(func*, ctx*, params*, n, results*, n) -> error*` itself:
#: generated component calls (wit/component_call.py) call it with the handles of
#: `component_call_handles`, so no Python frame of this module is on their path.
component_func_call = _component_func_call


def component_call_handles(store: wasmtime.Store, func: Any) -> tuple[Any, Any]:
    """(func*, context*) for `component_func_call`, read once per (store, export): the
    context pointer lives as long as the store, the func struct as long as `func`."""
    return ctypes.byref(func._func), store._context()


def raise_component_call_error(err: Any) -> None:
    """A failed `component_func_call`: raise the host function's own exception if one
    caused the failure, else the `WasmtimeError`."""
    error = wasmtime.WasmtimeError._from_ptr(err)
    _component_pending()
    raise error


def call_component_func(store: Any, func: Any, params: Any, n: int, result: Any,
                        nresults: int) -> None:
    """`wasmtime_component_func_call` on prepared C values (reads the handles per call;
    hot paths bind them once with `component_call_handles`)."""
    err = _component_func_call(ctypes.byref(func._func), store._context(), params, n, result,
                               nresults)
    if err:
        raise_component_call_error(err)


def resource_any_clone(resource: ResourceAny) -> Any:
    """A new owned `resource_any_t*` for a borrow, leaving `resource` usable."""
    return _ffi.wasmtime_component_resource_any_clone(resource.ptr())


def resource_any_consume(resource: ResourceAny) -> Any:
    """Move the `resource_any_t*` out of `resource` (an `own` passed to the guest)."""
    return resource._consume()


def take_resource(payload: Any) -> ResourceAny:
    """Move the resource out of a component value's payload into a `ResourceAny`, so
    deleting the value does not free it."""
    return ResourceAny._from_ptr(_ffi.take_pointer(payload, "resource"))
