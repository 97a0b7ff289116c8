"""The canonical ABI over a core module's linear memory, for core modules with an explicit `wit`.

A core module cannot take a string or a record directly; the Component Model's canonical ABI
says how such values travel as core values (`abi.flatten`) and through linear memory
(`abi.size_of`/`abi.alignment`). This module does what a component's adapter would do, in
Python: strings and lists are copied into memory obtained from the module's exported
`cabi_realloc`, more than 16 flat parameters travel as a pointer to a tuple, more than one
flat result comes back as a pointer, and `cabi_post_<name>` runs once the result is read.

Values are validated by `convert.lowerer` first (one set of error messages for every
backend), then written; results are read straight into plain values. Memory is accessed
through a memoryview over the wasm memory that is re-created after every `cabi_realloc`
call, because growing the memory may move it.
"""

from __future__ import annotations

import ctypes
import struct
from collections.abc import Callable, Iterator, Sequence
from ctypes import POINTER, byref
from typing import Any

from wasmtime import Func, Instance, Memory, Trap, WasmtimeError
from wasmtime import _ffi as ffi

from .abi import (
    MAX_FLAT_PARAMS,
    MAX_FLAT_RESULTS,
    align_to,
    alignment,
    core_flat_types,
    discriminant_size,
    flags_size,
    flatten,
    size_of,
    variant_cases,
)
from .convert import ResourceHandle, WitValueError, check_lua_int, lower_args
from .types import (
    U8,
    BorrowType,
    EnumType,
    FlagsType,
    FuncType,
    ListType,
    OptionType,
    OwnType,
    Primitive,
    RecordType,
    ResourceType,
    ResultType,
    TupleType,
    VariantType,
    WitType,
)

__all__ = ["CoreAbiFunction", "CoreAbiError", "CoreResource"]


class CoreAbiError(ValueError):
    """The module does not provide what the canonical ABI needs, or returned bad data."""


class CoreResource(ResourceHandle):
    """A resource handle of a core module: just the i32 the module handed out."""

    __slots__ = ("index",)

    def __init__(self, resource: ResourceType, index: int) -> None:
        super().__init__(resource)
        self.index = index


# ---------------------------------------------------------------------------------------
# linear memory access


def _fast_realloc(store: Any, func: Func) -> Callable[[int, int], int]:
    """`cabi_realloc(0, 0, align, size)` through wasmtime's unchecked call.

    Lowering calls the allocator once per string and list (a guest may free each block on
    its own, so blocks cannot be merged); the stock `Func.__call__` costs ~25 µs, this
    ~2 µs. Safe because `bind` checked the export's type is (i32 i32 i32 i32) -> i32.
    """
    buf = (ffi.wasmtime_val_raw_t * 4)()
    ctx = store._context()
    fref = byref(func._func)
    trap = POINTER(ffi.wasm_trap_t)()
    trapref = byref(trap)
    call = ffi.wasmtime_func_call_unchecked

    def realloc(align: int, size: int) -> int:
        buf[0].i32 = 0
        buf[1].i32 = 0
        buf[2].i32 = align
        buf[3].i32 = size
        err = call(ctx, fref, buf, 4, trapref)
        if err:
            raise WasmtimeError._from_ptr(err)
        if trap:
            raise Trap._from_ptr(trap)
        return buf[0].i32 & 0xFFFFFFFF

    return realloc


class _Memory:
    """The module's memory plus its allocator; `view` is rebuilt whenever memory grew."""

    __slots__ = ("store", "memory", "realloc", "view", "_len")

    def __init__(self, store: Any, memory: Memory | None, realloc: Func | None) -> None:
        self.store = store
        self.memory = memory
        self.realloc = None if realloc is None else _fast_realloc(store, realloc)
        self.view: memoryview = memoryview(b"")
        self._len = -1
        if memory is not None:
            self.refresh()

    def refresh(self) -> None:
        """Re-create the view if the memory changed size (growing may move it)."""
        assert self.memory is not None
        n = self.memory.data_len(self.store)
        if n == self._len:
            return
        base = ctypes.cast(self.memory.data_ptr(self.store), ctypes.c_void_p).value
        self.view = memoryview((ctypes.c_ubyte * n).from_address(base)).cast("B")
        self._len = n

    def alloc(self, align: int, size: int) -> int:
        if size == 0:
            return 0
        assert self.realloc is not None
        ptr = self.realloc(align, size)
        self.refresh()  # the memory may have grown (and moved)
        if ptr % align or ptr + size > len(self.view):
            raise CoreAbiError(f"cabi_realloc returned a bad pointer {ptr} for {size} bytes "
                               f"aligned to {align}")
        return ptr


# ---------------------------------------------------------------------------------------
# storing checked values into memory

Store = Callable[[_Memory, int, Any], None]
Load = Callable[[_Memory, int], Any]

_FMT = {
    "bool": "<B", "s8": "<b", "u8": "<B", "s16": "<h", "u16": "<H", "s32": "<i", "u32": "<I",
    "s64": "<q", "u64": "<Q", "f32": "<f", "f64": "<d", "char": "<I",
}


def _store_string(mem: _Memory, addr: int, s: str) -> None:
    ptr, n = _write_string(mem, s)
    struct.pack_into("<II", mem.view, addr, ptr, n)


def _write_string(mem: _Memory, s: str) -> tuple[int, int]:
    data = s.encode("utf-8")
    ptr = mem.alloc(1, len(data))
    mem.view[ptr:ptr + len(data)] = data
    return ptr, len(data)


def _write_list(mem: _Memory, t: ListType, xs: Any) -> tuple[int, int]:
    elem = t.element
    n = len(xs)
    if elem == U8:
        ptr = mem.alloc(1, n)
        mem.view[ptr:ptr + n] = xs
        return ptr, n
    size = size_of(elem)
    ptr = mem.alloc(alignment(elem), n * size)
    if n == 0:
        return 0, 0
    if isinstance(elem, Primitive) and elem.name in _FMT:
        values = [ord(x) for x in xs] if elem.name == "char" else xs
        struct.pack_into(f"<{n}{_FMT[elem.name][1]}", mem.view, ptr, *values)
        return ptr, n
    st = storer(elem)
    for i, x in enumerate(xs):
        st(mem, ptr + i * size, x)
    return ptr, n


def _prim_storer(name: str) -> Store:
    fmt = _FMT[name]
    if name == "char":
        return lambda mem, addr, x: struct.pack_into(fmt, mem.view, addr, ord(x))
    return lambda mem, addr, x: struct.pack_into(fmt, mem.view, addr, x)


def _members_storer(types: Sequence[WitType]) -> Store:
    offsets = []
    s = 0
    for t in types:
        s = align_to(s, alignment(t))
        offsets.append(s)
        s += size_of(t)
    parts = [(off, storer(t)) for off, t in zip(offsets, types, strict=True)]

    def store(mem: _Memory, addr: int, xs: tuple) -> None:
        for (off, st), x in zip(parts, xs, strict=True):
            st(mem, addr + off, x)

    return store


def _payload_offset(t: WitType) -> int:
    cases = variant_cases(t)
    disc = discriminant_size(len(cases))
    return align_to(disc, max((alignment(c) for c in cases if c is not None), default=1))


def _disc_fmt(n: int) -> str:
    return {1: "<B", 2: "<H", 4: "<I"}[discriminant_size(n)]


def _variant_storer(t: WitType) -> Store:
    cases = [None if c is None else storer(c) for c in variant_cases(t)]
    fmt = _disc_fmt(len(cases))
    off = _payload_offset(t)

    def store(mem: _Memory, addr: int, x: tuple) -> None:
        i, payload = x
        struct.pack_into(fmt, mem.view, addr, i)
        st = cases[i]
        if st is not None:
            st(mem, addr + off, payload)

    return store


def _int_storer(fmt: str) -> Store:
    return lambda mem, addr, x: struct.pack_into(fmt, mem.view, addr, x)


def _flags_storer(t: FlagsType) -> Store:
    size = flags_size(len(t.names))
    if size == 0:
        return lambda mem, addr, x: None
    if size <= 4:
        return _int_storer({1: "<B", 2: "<H", 4: "<I"}[size])

    def store(mem: _Memory, addr: int, mask: int) -> None:
        for k in range(size // 4):
            struct.pack_into("<I", mem.view, addr + 4 * k, (mask >> (32 * k)) & 0xFFFFFFFF)

    return store


def _handle_index(h: Any) -> int:
    if not isinstance(h, CoreResource):
        raise WitValueError(f"expected a core module resource handle, got {h!r}")
    return h.index


_STORERS: dict[WitType, Store] = {}


def storer(t: WitType) -> Store:
    st = _STORERS.get(t)
    if st is not None:
        return st
    if isinstance(t, Primitive):
        st = _store_string if t.name == "string" else _prim_storer(t.name)
    elif isinstance(t, ListType):

        def st(mem: _Memory, addr: int, xs: Any, t: ListType = t) -> None:
            ptr, n = _write_list(mem, t, xs)
            struct.pack_into("<II", mem.view, addr, ptr, n)

    elif isinstance(t, RecordType):
        st = _members_storer([f.type for f in t.fields])
    elif isinstance(t, TupleType):
        st = _members_storer(list(t.elements))
    elif isinstance(t, (VariantType, OptionType, ResultType)):
        st = _variant_storer(t)
    elif isinstance(t, EnumType):
        st = _int_storer(_disc_fmt(len(t.cases)))
    elif isinstance(t, FlagsType):
        st = _flags_storer(t)
    elif isinstance(t, (OwnType, BorrowType)):

        def st(mem: _Memory, addr: int, h: Any) -> None:
            struct.pack_into("<I", mem.view, addr, _handle_index(h))

    else:
        raise TypeError(f"cannot store {t!r}")
    _STORERS[t] = st
    return st


# ---------------------------------------------------------------------------------------
# flat lowering (parameters that fit in core values)

FlatLower = Callable[[_Memory, Any], list]


def _coerce(value: Any, have: str, want: str) -> Any:
    """Put a flat value into a (joined) slot of a variant's flat form."""
    if have == want:
        return value
    if have == "f32":
        bits = struct.unpack("<I", struct.pack("<f", value))[0]
        return bits  # into i32 or i64 (zero-extended)
    if have == "f64":
        return struct.unpack("<q", struct.pack("<d", value))[0]
    return value  # i32 into i64


_ZERO = {"i32": 0, "i64": 0, "f32": 0.0, "f64": 0.0}


def _flat_lowerer(t: WitType) -> FlatLower:
    if isinstance(t, Primitive):
        if t.name == "string":
            return lambda mem, s: list(_write_string(mem, s))
        if t.name == "char":
            return lambda mem, c: [ord(c)]
        if t.name == "bool":
            return lambda mem, b: [int(b)]
        return lambda mem, x: [x]
    if isinstance(t, ListType):
        return lambda mem, xs: list(_write_list(mem, t, xs))
    if isinstance(t, (RecordType, TupleType)):
        members = [f.type for f in t.fields] if isinstance(t, RecordType) else t.elements
        parts = [_flat_lowerer(m) for m in members]

        def lower_members(mem: _Memory, xs: tuple) -> list:
            out: list = []
            for lw, x in zip(parts, xs, strict=True):
                out.extend(lw(mem, x))
            return out

        return lower_members
    if isinstance(t, (VariantType, OptionType, ResultType)):
        slots = flatten(t)[1:]
        cases = []
        for c in variant_cases(t):
            if c is None:
                cases.append(None)
            else:
                cases.append((_flat_lowerer(c), flatten(c)))

        def lower_variant(mem: _Memory, x: tuple) -> list:
            i, payload = x
            out = [i]
            case = cases[i]
            if case is not None:
                lw, have = case
                vals = lw(mem, payload)
                out.extend(_coerce(v, h, w) for v, h, w in zip(vals, have, slots, strict=False))
            out.extend(_ZERO[s] for s in slots[len(out) - 1:])
            return out

        return lower_variant
    if isinstance(t, EnumType):
        return lambda mem, i: [i]
    if isinstance(t, FlagsType):
        words = len(flatten(t))
        return lambda mem, m: [(m >> (32 * k)) & 0xFFFFFFFF for k in range(words)]
    if isinstance(t, (OwnType, BorrowType)):
        return lambda mem, h: [_handle_index(h)]
    raise TypeError(f"cannot lower {t!r}")


def _wrap(value: Any, core: str) -> Any:
    """wasmtime-py wants i32/i64 arguments in the signed range."""
    if core == "i32":
        value &= 0xFFFFFFFF
        return value - (1 << 32) if value >= 1 << 31 else value
    if core == "i64":
        value &= 0xFFFFFFFFFFFFFFFF
        return value - (1 << 64) if value >= 1 << 63 else value
    return float(value)


# ---------------------------------------------------------------------------------------
# loading plain values from memory


def _bad_utf8() -> CoreAbiError:
    return CoreAbiError("the module returned a string that is not valid UTF-8")


def _read_string(mem: _Memory, ptr: int, n: int) -> str:
    if ptr + n > len(mem.view):
        raise CoreAbiError(f"string at {ptr} of {n} bytes is outside linear memory")
    try:
        return bytes(mem.view[ptr:ptr + n]).decode("utf-8")
    except UnicodeDecodeError:
        raise _bad_utf8() from None


def _load_string(mem: _Memory, addr: int) -> str:
    ptr, n = struct.unpack_from("<II", mem.view, addr)
    return _read_string(mem, ptr, n)


def _char(code: int) -> str:
    if code >= 0x110000 or 0xD800 <= code <= 0xDFFF:
        raise CoreAbiError(f"the module returned an invalid char U+{code:X}")
    return chr(code)


def _prim_loader(name: str) -> Load:
    fmt = _FMT[name]
    if name == "bool":
        return lambda mem, addr: struct.unpack_from(fmt, mem.view, addr)[0] != 0
    if name == "char":
        return lambda mem, addr: _char(struct.unpack_from(fmt, mem.view, addr)[0])
    if name == "u64":
        return lambda mem, addr: check_lua_int(struct.unpack_from(fmt, mem.view, addr)[0])
    return lambda mem, addr: struct.unpack_from(fmt, mem.view, addr)[0]


def _read_list(mem: _Memory, t: ListType, ptr: int, n: int) -> Any:
    elem = t.element
    size = size_of(elem)
    if ptr % alignment(elem) or ptr + n * size > len(mem.view):
        raise CoreAbiError(f"{t} at {ptr} with {n} elements is misaligned or outside memory")
    if elem == U8:
        return bytes(mem.view[ptr:ptr + n])
    if isinstance(elem, Primitive) and elem.name in _FMT and elem.name not in ("bool", "char"):
        values = list(struct.unpack_from(f"<{n}{_FMT[elem.name][1]}", mem.view, ptr))
        if elem.name == "u64":
            for v in values:
                check_lua_int(v)
        return values
    ld = loader(elem)
    return [ld(mem, ptr + i * size) for i in range(n)]


def _members_loader(names: Sequence[str] | None, types: Sequence[WitType]) -> Load:
    offsets = []
    s = 0
    for t in types:
        s = align_to(s, alignment(t))
        offsets.append(s)
        s += size_of(t)
    parts = [(off, loader(t)) for off, t in zip(offsets, types, strict=True)]
    if names is None:
        return lambda mem, addr: [ld(mem, addr + off) for off, ld in parts]
    named = list(zip(names, parts, strict=True))
    return lambda mem, addr: {n: ld(mem, addr + off) for n, (off, ld) in named}


def _variant_loader(t: WitType) -> Load:
    cases = [None if c is None else loader(c) for c in variant_cases(t)]
    fmt = _disc_fmt(len(cases))
    off = _payload_offset(t)
    shape = _case_shaper(t)

    def load(mem: _Memory, addr: int) -> Any:
        i = struct.unpack_from(fmt, mem.view, addr)[0]
        if i >= len(cases):
            raise CoreAbiError(f"the module returned case {i} for {t} ({len(cases)} cases)")
        ld = cases[i]
        return shape(i, None if ld is None else ld(mem, addr + off))

    return load


def _case_shaper(t: WitType) -> Callable[[int, Any], Any]:
    """(case index, payload) -> the plain value: SPEC §4 shapes."""
    if isinstance(t, OptionType):
        return lambda i, p: p if i else None
    if isinstance(t, ResultType):
        ok_has, err_has = t.ok is not None, t.err is not None
        return lambda i, p: ({"ok": p if ok_has else True} if i == 0
                             else {"err": p if err_has else True})
    assert isinstance(t, VariantType)
    names = [(c.name, c.type is not None) for c in t.cases]

    def shape(i: int, p: Any) -> dict:
        name, has = names[i]
        return {name: p if has else True}

    return shape


def _enum_loader(t: EnumType) -> Load:
    fmt = _disc_fmt(len(t.cases))
    return lambda mem, addr: _enum_case(t, struct.unpack_from(fmt, mem.view, addr)[0])


def _enum_case(t: EnumType, i: int) -> str:
    if i >= len(t.cases):
        raise CoreAbiError(f"the module returned case {i} for enum {t} ({len(t.cases)} cases)")
    return t.cases[i]


def _flags_value(t: FlagsType, mask: int) -> dict:
    return {name: True for bit, name in enumerate(t.names) if mask >> bit & 1}


def _flags_loader(t: FlagsType) -> Load:
    size = flags_size(len(t.names))

    def load(mem: _Memory, addr: int) -> dict:
        mask = int.from_bytes(bytes(mem.view[addr:addr + size]), "little")
        return _flags_value(t, mask)

    return load


_LOADERS: dict[WitType, Load] = {}


def loader(t: WitType) -> Load:
    ld = _LOADERS.get(t)
    if ld is not None:
        return ld
    if isinstance(t, Primitive):
        ld = _load_string if t.name == "string" else _prim_loader(t.name)
    elif isinstance(t, ListType):

        def ld(mem: _Memory, addr: int, t: ListType = t) -> Any:
            ptr, n = struct.unpack_from("<II", mem.view, addr)
            return _read_list(mem, t, ptr, n)

    elif isinstance(t, RecordType):
        ld = _members_loader([f.name for f in t.fields], [f.type for f in t.fields])
    elif isinstance(t, TupleType):
        ld = _members_loader(None, list(t.elements))
    elif isinstance(t, (VariantType, OptionType, ResultType)):
        ld = _variant_loader(t)
    elif isinstance(t, EnumType):
        ld = _enum_loader(t)
    elif isinstance(t, FlagsType):
        ld = _flags_loader(t)
    elif isinstance(t, (OwnType, BorrowType)):

        def ld(mem: _Memory, addr: int, t: Any = t) -> CoreResource:
            return CoreResource(t.resource, struct.unpack_from("<I", mem.view, addr)[0])

    else:
        raise TypeError(f"cannot load {t!r}")
    _LOADERS[t] = ld
    return ld


# ---------------------------------------------------------------------------------------
# lifting a flat result (at most MAX_FLAT_RESULTS core values)


def _lift_flat(t: WitType, it: Iterator[Any], mem: _Memory) -> Any:
    if isinstance(t, Primitive):
        v = next(it)
        name = t.name
        if name == "bool":
            return v != 0
        if name == "char":
            return _char(v & 0xFFFFFFFF)
        if name in ("f32", "f64"):
            return v
        if name == "string":
            return _read_string(mem, v & 0xFFFFFFFF, next(it) & 0xFFFFFFFF)
        bits = 64 if name in ("s64", "u64") else {"8": 8, "16": 16, "32": 32}[name[1:]]
        v &= (1 << bits) - 1
        if name[0] == "s" and v >= 1 << (bits - 1):
            v -= 1 << bits
        return check_lua_int(v) if name == "u64" else v
    if isinstance(t, ListType):
        ptr = next(it) & 0xFFFFFFFF
        return _read_list(mem, t, ptr, next(it) & 0xFFFFFFFF)
    if isinstance(t, RecordType):
        return {f.name: _lift_flat(f.type, it, mem) for f in t.fields}
    if isinstance(t, TupleType):
        return [_lift_flat(e, it, mem) for e in t.elements]
    if isinstance(t, EnumType):
        return _enum_case(t, next(it) & 0xFFFFFFFF)
    if isinstance(t, FlagsType):
        mask = 0
        for k in range(len(flatten(t))):
            mask |= (next(it) & 0xFFFFFFFF) << (32 * k)
        return _flags_value(t, mask)
    if isinstance(t, (OwnType, BorrowType)):
        return CoreResource(t.resource, next(it) & 0xFFFFFFFF)
    if isinstance(t, (VariantType, OptionType, ResultType)):
        i = next(it) & 0xFFFFFFFF
        cases = variant_cases(t)
        slots = flatten(t)[1:]
        vals = [next(it) for _ in slots]
        if i >= len(cases):
            raise CoreAbiError(f"the module returned case {i} for {t}")
        case = cases[i]
        payload = None
        if case is not None:
            have = flatten(case)
            fixed = [_uncoerce(v, h, w) for v, h, w in zip(vals, have, slots, strict=False)]
            payload = _lift_flat(case, iter(fixed), mem)
        return _case_shaper(t)(i, payload)
    raise TypeError(f"cannot lift {t!r}")


def _uncoerce(value: Any, have: str, slot: str) -> Any:
    if have == slot:
        return value
    if have == "f32":
        return struct.unpack("<f", struct.pack("<I", value & 0xFFFFFFFF))[0]
    if have == "f64":
        return struct.unpack("<d", struct.pack("<q", _wrap(value, "i64")))[0]
    return value & 0xFFFFFFFF  # i32 out of an i64 slot


# ---------------------------------------------------------------------------------------
# the function


def _needs_memory(t: WitType) -> bool:
    if isinstance(t, Primitive):
        return t.name == "string"
    if isinstance(t, ListType):
        return True
    if isinstance(t, RecordType):
        return any(_needs_memory(f.type) for f in t.fields)
    if isinstance(t, TupleType):
        return any(_needs_memory(e) for e in t.elements)
    if isinstance(t, (VariantType, OptionType, ResultType)):
        return any(c is not None and _needs_memory(c) for c in variant_cases(t))
    return False


class CoreAbiFunction:
    """A WIT signature implemented by a core module export through the canonical ABI.

    Build it once per signature (`CoreAbiFunction(func_type)`), then `bind` it to each
    instance; the bound callable takes plain arguments and returns a plain value.
    """

    def __init__(self, func_type: FuncType) -> None:
        self.type = func_type
        self.core_params, self.core_results = core_flat_types(func_type)
        flat_params = [ft for p in func_type.params for ft in flatten(p.type)]
        flat_results = [ft for r in func_type.results for ft in flatten(r)]
        self.params_in_memory = len(flat_params) > MAX_FLAT_PARAMS
        self.results_in_memory = len(flat_results) > MAX_FLAT_RESULTS
        self.needs_realloc = self.params_in_memory or any(
            _needs_memory(p.type) for p in func_type.params)
        self.needs_memory = self.needs_realloc or self.results_in_memory or any(
            _needs_memory(r) for r in func_type.results)
        ptypes = [p.type for p in func_type.params]
        self._flat_lowerers = [_flat_lowerer(t) for t in ptypes]
        self._flat_param_types = flat_params
        if self.params_in_memory:
            tup = TupleType(tuple(ptypes))
            self._args_store = storer(tup)
            self._args_layout = (alignment(tup), size_of(tup))
        rtype: WitType | None
        if not func_type.results:
            rtype = None
        elif len(func_type.results) == 1:
            rtype = func_type.results[0]
        else:
            rtype = TupleType(tuple(func_type.results))
        self._result_type = rtype
        self._result_loader = loader(rtype) if rtype is not None and self.results_in_memory \
            else None

    def bind(self, store: Any, instance: Instance, export_name: str) -> Callable[[tuple], Any]:
        """A callable `(args) -> plain value` for `export_name` of `instance`."""
        exports = instance.exports(store)
        func = exports.get(export_name)
        if not isinstance(func, Func):
            raise CoreAbiError(f'the module has no exported function "{export_name}"')
        self._check_signature(store, func, export_name)
        memory = exports.get("memory")
        realloc = exports.get("cabi_realloc")
        missing = []
        if self.needs_memory and not isinstance(memory, Memory):
            missing.append('"memory"')
        if self.needs_realloc and not isinstance(realloc, Func):
            missing.append('"cabi_realloc"')
        if missing:
            raise CoreAbiError(
                f"`{self.type}` passes strings, lists or many values through linear memory, "
                f"so the module must export {' and '.join(missing)}"
            )
        if self.needs_realloc:
            rt = realloc.type(store)  # type: ignore[union-attr]
            if [str(t) for t in rt.params] != ["i32"] * 4 or [str(t) for t in rt.results] != [
                "i32"
            ]:
                raise CoreAbiError('"cabi_realloc" must have type (i32, i32, i32, i32) -> i32')
        post = exports.get(f"cabi_post_{export_name}")
        mem = _Memory(store, memory if isinstance(memory, Memory) else None,
                      realloc if isinstance(realloc, Func) else None)
        post_func = post if isinstance(post, Func) else None

        def call(args: Sequence[Any]) -> Any:
            return self._call(store, func, mem, post_func, args)

        return call

    def _check_signature(self, store: Any, func: Func, name: str) -> None:
        ft = func.type(store)
        have = ([str(t) for t in ft.params], [str(t) for t in ft.results])
        if have != (self.core_params, self.core_results):
            raise CoreAbiError(
                f'export "{name}" has core type ({", ".join(have[0])}) -> '
                f'({", ".join(have[1])}) but `{self.type}` needs '
                f'({", ".join(self.core_params)}) -> ({", ".join(self.core_results)})'
            )

    def _call(self, store: Any, func: Func, mem: _Memory, post: Func | None,
              args: Sequence[Any]) -> Any:
        checked = lower_args(self.type, args)
        if mem.memory is not None:
            mem.refresh()
        if self.params_in_memory:
            align, size = self._args_layout
            ptr = mem.alloc(align, size)
            self._args_store(mem, ptr, tuple(checked))
            flat = [ptr]
            core_types = ["i32"]
        else:
            flat = []
            for lw, x in zip(self._flat_lowerers, checked, strict=True):
                flat.extend(lw(mem, x))
            core_types = self._flat_param_types
        raw = func(store, *[_wrap(v, c) for v, c in zip(flat, core_types, strict=True)])
        rtype = self._result_type
        if rtype is None:
            return None
        if mem.memory is not None:
            mem.refresh()
        if self._result_loader is not None:
            ptr = raw & 0xFFFFFFFF
            if ptr % alignment(rtype) or ptr + size_of(rtype) > len(mem.view):
                raise CoreAbiError(f"the module returned a bad result pointer {ptr}")
            value = self._result_loader(mem, ptr)
        else:
            value = _lift_flat(rtype, iter([raw]), mem)
        if post is not None:
            post(store, raw)
        return value
