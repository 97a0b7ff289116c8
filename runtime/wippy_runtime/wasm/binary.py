"""Telling core modules from components by their header, as Wippy's `IsComponent` does."""

from __future__ import annotations

WASM_MAGIC = b"\x00asm"
CORE_LAYER = b"\x01\x00\x00\x00"  # version 1, layer 0


def is_wasm(data: bytes) -> bool:
    return data[:4] == WASM_MAGIC


def is_component(data: bytes) -> bool:
    """A component has the same magic but a non-zero layer field (bytes 6..8)."""
    return is_wasm(data) and len(data) >= 8 and data[4:8] != CORE_LAYER and data[6:8] != b"\x00\x00"


# -- the start function ---------------------------------------------------------------------
# wasmtime-py tells a module's imports and exports, not whether instantiating it runs guest
# code; the binary's section list does (a few bytes to walk: ids and LEB128 sizes).
_START, _CUSTOM = 8, 0
_CORE_MODULE, _COMPONENT = 1, 4  # component sections that embed a core module / a component


def read_uleb(data: bytes, pos: int) -> tuple[int, int]:
    """The unsigned LEB128 number at `pos`, and the position after it."""
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _sections(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    """(id, body start, body end) of each section in data[start:end] (after the header)."""
    out = []
    pos = start + 8
    while pos < end:
        section = data[pos]
        size, body = read_uleb(data, pos + 1)
        if body + size > end:
            raise IndexError("section runs past the end")
        out.append((section, body, body + size))
        pos = body + size
    return out


def _function_name(data: bytes, sections: list[tuple[int, int, int]], index: int) -> str | None:
    """`index`'s name in the module's `name` section (subsection 1), if it has one."""
    for section, body, end in sections:
        if section != _CUSTOM:
            continue
        size, pos = read_uleb(data, body)
        if data[pos:pos + size] != b"name":
            continue
        pos += size
        while pos < end:
            sub = data[pos]
            sub_size, pos = read_uleb(data, pos + 1)
            sub_end = pos + sub_size
            if sub == 1:
                count, pos = read_uleb(data, pos)
                for _ in range(count):
                    idx, pos = read_uleb(data, pos)
                    length, pos = read_uleb(data, pos)
                    if pos + length > sub_end:
                        return None
                    if idx == index:
                        return data[pos:pos + length].decode("utf-8", "replace")
                    pos += length
            pos = sub_end
    return None


def start_function(data: bytes) -> str | None:
    """The start function instantiating `data` runs (`$name` from the name section, else
    `func N`), or None: the one way instantiation runs guest code (a loop, a trap). For a
    component, the first start function among its core modules. `data` must have passed
    validation (wasmtime compiled it); a malformed custom section only loses the name."""
    try:
        return _start_in(data, 0, len(data))
    except IndexError:  # not a sound binary after all: nothing to name
        return None


def _start_in(data: bytes, start: int, end: int) -> str | None:
    sections = _sections(data, start, end)
    component = is_component(data[start:start + 8])
    for section, body, body_end in sections:
        if component and section in (_CORE_MODULE, _COMPONENT):
            found = _start_in(data, body, body_end)
            if found is not None:
                return found
        elif not component and section == _START:
            index, _ = read_uleb(data, body)
            try:
                name = _function_name(data, sections, index)
            except (IndexError, ValueError):
                name = None
            return f"${name}" if name else f"func {index}"
    return None
