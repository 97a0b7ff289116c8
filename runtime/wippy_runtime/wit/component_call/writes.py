"""Generators of the writing half of a component call: for each WIT type, the code that
writes a plain value in the runtime's own shapes into a `wasmtime_component_val_t`, or
gives up (`raise _Fallback`) on any other value.

What the generated code accepts is a subset of what `convert` accepts, and it writes exactly
what `component_write` writes for the same value; everything else is left to those two.
Containers are allocated, zeroed and owned by their parent before their members are
written, so giving up half-way leaves a value the caller can free as a whole.
"""

from __future__ import annotations

from ...wasmtime_private import (
    COMPONENT_KIND,
    COMPONENT_RECORD_ENTRY_SIZE,
    COMPONENT_VAL_PAYLOAD_OFFSET,
    COMPONENT_VAL_SIZE,
    WASM_NAME_SIZE,
)
from ..types import (
    INT_RANGES,
    U8,
    BorrowType,
    EnumType,
    FlagsType,
    ListType,
    OptionType,
    OwnType,
    Primitive,
    RecordType,
    ResultType,
    TupleType,
    VariantType,
    WitType,
)
from ..visitor import CachingVisitor
from .source import REJECT, NoFastPath, Source, WriteEmit

__all__ = ["write_emitter"]

_K = COMPONENT_KIND


def _no_payload(src: Source, ind: int, p: str) -> None:
    """A case without payload takes `true` (what the runtime returns), nil or `{}`."""
    src.line(ind, f"if {p} is not True and {p} is not None and {p} != {{}}: {REJECT}")


def _box(src: Source, ind: int, emit: WriteEmit, x: str, slot: str) -> None:
    """A payload behind a pointer (options, results, variants): the box is allocated and
    owned by its parent before it is written, so a fallback half-way frees everything."""
    p, c = src.var("p"), src.var("c")
    src.line(ind, f"{p} = _VAL_NEW(byref(_Val()))")
    src.line(ind, f"{slot} = {p}")
    src.line(ind, f"{c} = {p}.contents")
    emit(src, ind, x, c)


def _container(src: Source, ind: int, v: str, kind_name: str, field: str, new: str,
               count: str) -> str:
    """`v` becomes a container of `count` members (list, record, tuple, flags): its kind set
    and its member array allocated by `new`; returns the local naming the container."""
    c = src.var(field[:3])
    src.line(ind, f"{v}.kind = {_K[kind_name]}")
    src.line(ind, f"{c} = {v}.of.{field}")
    src.line(ind, f"{new}(byref({c}), {count})")
    return c


def _zeroed(src: Source, ind: int, container: str, size: str) -> str:
    """The container's member array, zeroed (valid empty values if a member write gives up
    half-way); returns the local naming it."""
    data = src.var("data")
    src.line(ind, f"{data} = {container}.data")
    src.line(ind, f"memset({data}, 0, {size})")
    return data


class _Writers(CachingVisitor[WriteEmit]):
    __slots__ = ()

    def visit_primitive(self, t: Primitive) -> WriteEmit:
        name, kind = t.name, _K[t.name]
        if name == "bool":
            def emit(src: Source, ind: int, x: str, v: str) -> None:
                src.line(ind, f"if {x} is not True and {x} is not False: {REJECT}")
                src.line(ind, f"{v}.kind = {kind}")
                src.line(ind, f"{v}.of.boolean = {x}")
        elif name in INT_RANGES:
            lo, hi = INT_RANGES[name]

            def emit(src: Source, ind: int, x: str, v: str) -> None:
                src.line(ind, f"if type({x}) is not int or not {lo} <= {x} <= {hi}: {REJECT}")
                src.line(ind, f"{v}.kind = {kind}")
                src.line(ind, f"{v}.of.{name} = {x}")
        elif name in ("f32", "f64"):
            def emit(src: Source, ind: int, x: str, v: str) -> None:
                src.line(ind, f"if type({x}) is not float:")
                src.line(ind + 1, f"if type({x}) is not int: {REJECT}")
                src.line(ind + 1, f"{x} = float({x})")
                src.line(ind, f"{v}.kind = {kind}")
                src.line(ind, f"{v}.of.{name} = {x}")
        elif name == "char":
            def emit(src: Source, ind: int, x: str, v: str) -> None:
                src.line(ind, f"if type({x}) is not str or len({x}) != 1 or "
                              f"0xD800 <= ord({x}) <= 0xDFFF: {REJECT}")
                src.line(ind, f"{v}.kind = {kind}")
                src.line(ind, f"{v}.of.character = ord({x})")
        elif name == "string":
            def emit(src: Source, ind: int, x: str, v: str) -> None:
                b = src.var("b")
                src.line(ind, f"if type({x}) is not str: {REJECT}")
                src.line(ind, f"{b} = {x}.encode()")
                src.line(ind, f"{v}.kind = {kind}")
                src.line(ind, f"_BYTE_VEC_NEW(byref({v}.of.string), len({b}), {b})")
        else:  # pragma: no cover - the model has no other primitives
            raise self._unsupported(t)
        return emit

    def visit_list(self, t: ListType) -> WriteEmit:
        if t.element == U8:
            u8_kind = bytes((_K["u8"],))

            def emit_bytes(src: Source, ind: int, x: str, v: str) -> None:
                b, n, buf = src.var("b"), src.var("n"), src.var("buf")
                src.line(ind, f"if type({x}) is bytes: {b} = {x}")
                src.line(ind, f"elif type({x}) is str: {b} = {x}.encode()")
                src.line(ind, f"elif type({x}) is dict and not {x}: {b} = b''")
                src.line(ind, f"else: {REJECT}")
                src.line(ind, f"{n} = len({b})")
                lst = _container(src, ind, v, "list", "list", "_LIST_NEW", n)
                src.line(ind, f"if {n}:")
                # one memmove from a strided template: every element is a u8 value
                src.line(ind + 1, f"{buf} = bytearray({n} * {COMPONENT_VAL_SIZE})")
                src.line(ind + 1, f"{buf}[0::{COMPONENT_VAL_SIZE}] = {u8_kind!r} * {n}")
                src.line(ind + 1, f"{buf}[{COMPONENT_VAL_PAYLOAD_OFFSET}::"
                                  f"{COMPONENT_VAL_SIZE}] = {b}")
                src.line(ind + 1, f"_memmove({lst}.data, bytes({buf}), len({buf}))")

            return emit_bytes
        elem = self.visit(t.element)

        def emit(src: Source, ind: int, x: str, v: str) -> None:
            n, i, y, e = src.var("n"), src.var("i"), src.var("x"), src.var("v")
            src.line(ind, f"if type({x}) is not list:")
            src.line(ind + 1, f"if type({x}) is not dict or {x}: {REJECT}")
            src.line(ind + 1, f"{x} = ()")  # an empty Lua table
            src.line(ind, f"{n} = len({x})")
            lst = _container(src, ind, v, "list", "list", "_LIST_NEW", n)
            src.line(ind, f"if {n}:")
            data = _zeroed(src, ind + 1, lst, f"{n} * {COMPONENT_VAL_SIZE}")
            src.line(ind + 1, f"for {i}, {y} in enumerate({x}):")
            src.line(ind + 2, f"{e} = {data}[{i}]")
            elem(src, ind + 2, y, e)

        return emit

    def visit_record(self, t: RecordType) -> WriteEmit:
        fields = [(f.name, self.visit(f.type), isinstance(f.type, OptionType))
                  for f in t.fields]
        n = len(fields)

        def emit(src: Source, ind: int, x: str, v: str) -> None:
            src.line(ind, f"if type({x}) is not dict: {REJECT}")
            if any(optional for _, _, optional in fields):
                # option fields may be missing (nil); every key must still be a field
                names = src.const(frozenset(name for name, _, _ in fields), "fields")
                src.line(ind, f"if not {names}.issuperset({x}): {REJECT}")
            else:  # every field present and no other key
                src.line(ind, f"if len({x}) != {n}: {REJECT}")
            rec = _container(src, ind, v, "record", "record", "_RECORD_NEW", str(n))
            data = _zeroed(src, ind, rec, str(n * COMPONENT_RECORD_ENTRY_SIZE))
            for index, (name, write, optional) in enumerate(fields):
                e, y = src.var("e"), src.var("x")
                label = src.const(name.encode(), "name")
                src.line(ind, f"{e} = {data}[{index}]")
                src.line(ind, f"_BYTE_VEC_NEW(byref({e}.name), {len(name.encode())}, {label})")
                src.line(ind, f"{y} = {x}.get({name!r})")
                if not optional:  # missing or nil: the general path names the field
                    src.line(ind, f"if {y} is None: {REJECT}")
                fv = src.var("v")
                src.line(ind, f"{fv} = {e}.val")
                write(src, ind, y, fv)

        return emit

    def visit_tuple(self, t: TupleType) -> WriteEmit:
        elems = [self.visit(e) for e in t.elements]
        n = len(elems)

        def emit(src: Source, ind: int, x: str, v: str) -> None:
            src.line(ind, f"if type({x}) is not list or len({x}) != {n}: {REJECT}")
            tup = _container(src, ind, v, "tuple", "tuple", "_TUPLE_NEW", str(n))
            if not n:
                return
            data = _zeroed(src, ind, tup, str(n * COMPONENT_VAL_SIZE))
            for index, write in enumerate(elems):
                e, y = src.var("v"), src.var("x")
                src.line(ind, f"{e} = {data}[{index}]")
                src.line(ind, f"{y} = {x}[{index}]")
                write(src, ind, y, e)

        return emit

    def visit_option(self, t: OptionType) -> WriteEmit:
        inner = self.visit(t.inner)
        kind = _K["option"]

        def emit(src: Source, ind: int, x: str, v: str) -> None:
            src.line(ind, f"{v}.kind = {kind}")  # none: the payload pointer stays NULL
            src.line(ind, f"if {x} is not None:")
            _box(src, ind + 1, inner, x, f"{v}.of.option")

        return emit

    def _cases(self, kind_name: str, cases: list[tuple[str, WitType | None]]) -> WriteEmit:
        """Variants and results: a table with exactly one case key."""
        prepared = [(name, None if ct is None else self.visit(ct)) for name, ct in cases]
        kind = _K[kind_name]

        def emit(src: Source, ind: int, x: str, v: str) -> None:
            tag, p, slot = src.var("tag"), src.var("p"), src.var("var")
            src.line(ind, f"if type({x}) is not dict or len({x}) != 1: {REJECT}")
            src.line(ind, f"(({tag}, {p}),) = {x}.items()")
            src.line(ind, f"{v}.kind = {kind}")
            src.line(ind, f"{slot} = {v}.of.{kind_name}")
            for index, (name, write) in enumerate(prepared):
                src.line(ind, f"{'if' if index == 0 else 'elif'} {tag} == {name!r}:")
                if kind_name == "result":
                    src.line(ind + 1, f"{slot}.is_ok = {name == 'ok'}")
                else:
                    label = src.const(name.encode(), "case")
                    src.line(ind + 1, f"_BYTE_VEC_NEW(byref({slot}.discriminant), "
                                      f"{len(name.encode())}, {label})")
                if write is None:
                    _no_payload(src, ind + 1, p)
                else:
                    _box(src, ind + 1, write, p, f"{slot}.val")  # both keep it in `val`
            src.line(ind, f"else: {REJECT}")

        return emit

    def visit_result(self, t: ResultType) -> WriteEmit:
        return self._cases("result", [("ok", t.ok), ("err", t.err)])

    def visit_variant(self, t: VariantType) -> WriteEmit:
        return self._cases("variant", [(c.name, c.type) for c in t.cases])

    def visit_enum(self, t: EnumType) -> WriteEmit:
        kind = _K["enum"]

        def emit(src: Source, ind: int, x: str, v: str) -> None:
            names = src.const({name: name.encode() for name in t.cases}, "enum")
            b = src.var("b")
            src.line(ind, f"{b} = {names}.get({x}) if type({x}) is str else None")
            src.line(ind, f"if {b} is None: {REJECT}")
            src.line(ind, f"{v}.kind = {kind}")
            src.line(ind, f"_BYTE_VEC_NEW(byref({v}.of.enumeration), len({b}), {b})")

        return emit

    def visit_flags(self, t: FlagsType) -> WriteEmit:
        def emit(src: Source, ind: int, x: str, v: str) -> None:
            known = src.const(frozenset(t.names), "flags")
            order = src.const(tuple((name, name.encode()) for name in t.names), "flag")
            k, b, on, i, nm = (src.var(s) for s in ("k", "b", "on", "i", "nm"))
            src.line(ind, f"if type({x}) is not dict: {REJECT}")
            src.line(ind, f"for {k}, {b} in {x}.items():")
            src.line(ind + 1, f"if ({b} is not True and {b} is not False) or "
                              f"{k} not in {known}: {REJECT}")
            src.line(ind, f"{on} = [{nm} for {k}, {nm} in {order} if {x}.get({k}) is True]")
            fl = _container(src, ind, v, "flags", "flags", "_FLAGS_NEW", f"len({on})")
            src.line(ind, f"if {on}:")
            data = _zeroed(src, ind + 1, fl, f"len({on}) * {WASM_NAME_SIZE}")
            src.line(ind + 1, f"for {i}, {nm} in enumerate({on}):")
            src.line(ind + 2, f"_BYTE_VEC_NEW(byref({data}[{i}]), len({nm}), {nm})")

        return emit

    def visit_own(self, t: OwnType) -> WriteEmit:
        raise NoFastPath  # writing moves the handle: a fallback could not undo it

    def visit_borrow(self, t: BorrowType) -> WriteEmit:
        kind = _K["resource"]
        resource = t.resource.name

        def emit(src: Source, ind: int, x: str, v: str) -> None:
            src.line(ind, f"if not isinstance({x}, _ComponentResource) or "
                          f"{x}.resource.name != {resource!r}: {REJECT}")
            src.line(ind, f"{v}.kind = {kind}")
            src.line(ind, f"{v}.of.resource = _RESOURCE_CLONE({x}.any)")

        return emit


#: `write_emitter(t)`: the generator of code writing a plain value of `t` (raises
#: `NoFastPath` for a type with no generated writer)
write_emitter = _Writers()
