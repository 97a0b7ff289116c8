"""One generated Python function per component export: plain values in, the C call, plain
values out, with nothing in between but the value's own shape.

A call with a `list<user>` used to pass through a checker (`convert`), a writer closure per
value and a reader closure per value: dozens of Python calls, each re-dispatching on the
type. The type is known when the entry loads, so `compile_call(func_type)` writes the whole
call out once as straight-line Python (loops for lists, one branch per variant case) and
compiles it; `CompiledCall.source` shows it, and a traceback through it shows its lines.

The generated writer takes the shapes the runtime itself produces (records as dicts, lists
as lists, `{case = payload}` variants, `{flag = true}` flags, strings as str) and writes them
straight into wasmtime's `wasmtime_component_val_t`. Anything else (a float for an integer,
bytes for a string, a bare case name, a wrong value) makes it stop, free what it wrote and
hand the call to the general path (`convert` checks and normalises, `component_write`
writes), which either accepts the value by the same rules or raises the argument error with
its path. So the rules of what a value may be live in one place, `convert`; this module only
makes the common shapes fast. The round-trip property tests compare the two paths.

Results are always read by generated code (there is nothing to check on the way out, except
a u64 above Lua's integer range). Functions taking an `own` handle have no generated writer:
writing moves the handle into the callee, which a fallback could not undo.

The package: `writes` and `reads` generate the two halves per WIT type (one visitor each),
`source` is what they share, and this module assembles and compiles one signature's call.
"""

from __future__ import annotations

import ctypes
import linecache
from collections.abc import Callable, Sequence
from ctypes import byref, memset, string_at
from dataclasses import dataclass
from typing import Any

from ...wasmtime_private import (
    ComponentVal,
    byte_vec_new,
    component_func_call,
    component_val_delete,
    component_val_new,
    component_valflags_new_uninit,
    component_vallist_new_uninit,
    component_valrecord_new_uninit,
    component_valtuple_new_uninit,
    raise_component_call_error,
    resource_any_clone,
    take_resource,
)
from ..handles import ComponentResource
from ..plain import check_lua_int
from ..types import FuncType, WitType
from .reads import read_emitter
from .source import Fallback, NoFastPath, Source
from .writes import write_emitter

__all__ = ["CompiledCall", "compile_call", "FALLBACK"]

#: what makes a generated call hand over to the general path (a str with an unpaired
#: surrogate fails its UTF-8 encoding the same way)
FALLBACK = (Fallback, UnicodeEncodeError)

_BASE_ENV: dict[str, Any] = {
    "_Fallback": Fallback,
    "_Val": ComponentVal,
    "_VAL_NEW": component_val_new,
    "_VAL_DELETE": component_val_delete,
    "_BYTE_VEC_NEW": byte_vec_new,
    "_LIST_NEW": component_vallist_new_uninit,
    "_RECORD_NEW": component_valrecord_new_uninit,
    "_TUPLE_NEW": component_valtuple_new_uninit,
    "_FLAGS_NEW": component_valflags_new_uninit,
    "_RESOURCE_CLONE": resource_any_clone,
    "_take_resource": take_resource,
    "_ComponentResource": ComponentResource,
    "_CALL": component_func_call,
    "_call_failed": raise_component_call_error,
    "_check_lua_int": check_lua_int,
    "_memmove": ctypes.memmove,
    "byref": byref,
    "memset": memset,
    "string_at": string_at,
}


@dataclass(frozen=True)
class CompiledCall:
    """The generated functions of one signature.

    `call(fref, ctx, general, args)`: writes `args`, calls, reads the result; a value not
    in a directly written shape goes to `general(fref, ctx, args)` instead (None: the
    signature has no generated writer, always call `general`). `read(val)`: a result value
    as a plain value. `source` is the generated code.
    """

    call: Callable[[Any, Any, Callable[..., Any], Sequence[Any]], Any] | None
    read: Callable[[Any], Any]
    source: str


def _emit_read(src: Source, result: WitType | None) -> None:
    src.line(0, "def read(v):")
    if result is None:
        src.line(1, "return None")
        return
    value = read_emitter.visit(result)(src, 1, "v")
    src.line(1, f"return {value}")


def _emit_call(src: Source, func: FuncType) -> None:
    n = len(func.params)
    writes = [write_emitter.visit(p.type) for p in func.params]  # may raise _NoFastPath
    has_result = bool(func.results)
    src.line(0, "def call(fref, ctx, general, args):")
    src.line(1, f"if len(args) != {n}:")
    src.line(2, "return general(fref, ctx, args)")
    if n:
        src.line(1, "params = _Params()")
        src.env["_Params"] = ComponentVal * n
        src.line(1, "try:")
        for i, write in enumerate(writes):
            src.line(2, f"a{i} = args[{i}]")
            src.line(2, f"p{i} = params[{i}]")
            write(src, 2, f"a{i}", f"p{i}")
        src.line(1, "except _FALLBACK:")
        src.line(2, "_free(params)")
        src.line(2, "return general(fref, ctx, args)")
        src.line(1, "except BaseException:")
        src.line(2, "_free(params)")
        src.line(2, "raise")
    args = "params" if n else "None"
    if has_result:
        src.line(1, "result = _Val()")
    src.line(1, "try:")
    out = "byref(result), 1" if has_result else "None, 0"
    src.line(2, f"err = _CALL(fref, ctx, {args}, {n}, {out})")
    src.line(1, "finally:")
    if n:
        src.line(2, "_free(params)")
    else:
        src.line(2, "pass")
    src.line(1, "if err:")
    src.line(2, "_call_failed(err)")
    if has_result:
        src.line(1, "try:")
        src.line(2, "return read(result)")
        src.line(1, "finally:")
        src.line(2, "_VAL_DELETE(byref(result))")
    else:
        src.line(1, "return None")
    # freeing the arguments: unrolled (it runs on every call)
    src.line(0, "def _free(params):")
    for i in range(n):
        src.line(1, f"_VAL_DELETE(byref(params[{i}]))")
    if not n:
        src.line(1, "pass")


def compile_call(func: FuncType, name: str = "") -> CompiledCall:
    """Generate and compile the call and result reader of `func` (once per signature)."""
    if len(func.results) > 1:
        raise ValueError("components return at most one value")
    src = Source()
    src.env.update(_BASE_ENV)
    src.env["_FALLBACK"] = FALLBACK
    _emit_read(src, func.results[0] if func.results else None)
    fast = True
    mark = len(src.lines)
    try:
        _emit_call(src, func)
    except NoFastPath:
        del src.lines[mark:]
        fast = False
    code = "\n".join(src.lines) + "\n"
    filename = f"<component call {name or func.name}>"
    # tracebacks through generated code show its lines
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    env = dict(src.env)
    exec(compile(code, filename, "exec"), env)  # noqa: S102 - generated from the WIT type
    return CompiledCall(env["call"] if fast else None, env["read"], code)
