"""Where in the WAT text a validation error is: from wasmtime's byte offset to a line and column.

wasmtime validates the *binary* and reports `... at offset 37: type mismatch ...`; a reader of
a `%%wat` cell needs the line. The binary's code section says which function body holds the
offset; the text's function definitions, counted in the same order (imported functions first
in the index space, so skipped), give that function's `(func` position. Inside a function
written in flat form (one instruction after another, the common notebook style) the failing
instruction itself is found by decoding the body up to the offset and taking the same-numbered
instruction word of the text; in folded form (`(i32.add (local.get 0) ...)`, whose text order is
not the binary's) the function's own line is the answer.
"""

from __future__ import annotations

import re

from wippy_runtime.wasm.binary import read_uleb

_OFFSET = re.compile(r"at offset (\d+)")
_TOKEN = re.compile(r'\(;.*?;\)|;;[^\n]*|"(?:[^"\\]|\\.)*"|\(|\)|[^\s()";]+', re.S)
_INSTR = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
#: words inside a func that are not instructions
_NOT_INSTR = {"func", "param", "result", "local", "export", "import", "type", "mut", "i32",
              "i64", "f32", "f64", "v128", "funcref", "externref", "offset", "align"}


def offset_of(message: str) -> int | None:
    m = _OFFSET.search(message)
    return int(m.group(1)) if m else None


def _skip_leb(data: bytes, pos: int) -> int:
    while data[pos] & 0x80:
        pos += 1
    return pos + 1


def _bodies(wasm: bytes) -> tuple[int, list[tuple[int, int]]]:
    """(number of imported functions, [(start, end) of each code body])."""
    pos, imported, bodies = 8, 0, []
    while pos < len(wasm):
        sid = wasm[pos]
        size, pos = read_uleb(wasm, pos + 1)
        end = pos + size
        if sid == 2:  # imports: count the function ones
            n, p = read_uleb(wasm, pos)
            for _ in range(n):
                for _ in range(2):  # module and field names
                    ln, p = read_uleb(wasm, p)
                    p += ln
                kind = wasm[p]
                p += 1
                if kind == 0:
                    imported += 1
                    p = _skip_leb(wasm, p)
                elif kind == 1:  # table: reftype + limits
                    p += 1
                    flags = wasm[p]
                    p = _skip_leb(wasm, p + 1)
                    if flags & 1:
                        p = _skip_leb(wasm, p)
                elif kind == 2:  # memory: limits
                    flags = wasm[p]
                    p = _skip_leb(wasm, p + 1)
                    if flags & 1:
                        p = _skip_leb(wasm, p)
                else:  # global: valtype + mut
                    p += 2
        elif sid == 10:
            n, p = read_uleb(wasm, pos)
            for _ in range(n):
                ln, p = read_uleb(wasm, p)
                bodies.append((p, p + ln))
                p += ln
        pos = end
    return imported, bodies


_MEMARG = set(range(0x28, 0x3F))
_ONE_LEB = {0x0C, 0x0D, 0x10, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x3F, 0x40, 0xD2}


def _instruction_index(wasm: bytes, start: int, end: int, offset: int) -> int | None:
    """Which instruction of the body (0-based) starts at or covers `offset`; None when the
    body uses an encoding this decoder does not know (SIMD, ...)."""
    n, p = read_uleb(wasm, start)
    for _ in range(n):  # local declarations
        p = _skip_leb(wasm, p) + 1
    index = -1
    try:
        while p < end:
            if p > offset:
                return index
            index += 1
            op = wasm[p]
            p += 1
            if op in (0x02, 0x03, 0x04):
                bt = wasm[p]
                p = p + 1 if bt == 0x40 or bt >= 0x6F else _skip_leb(wasm, p)
            elif op in _ONE_LEB:
                p = _skip_leb(wasm, p)
            elif op == 0x0E:
                count, p = read_uleb(wasm, p)
                for _ in range(count + 1):
                    p = _skip_leb(wasm, p)
            elif op == 0x11:
                p = _skip_leb(wasm, _skip_leb(wasm, p))
            elif op == 0x1C:
                count, p = read_uleb(wasm, p)
                p += count
            elif op in _MEMARG:
                align, p = read_uleb(wasm, p)
                if align & 0x40:
                    p = _skip_leb(wasm, p)
                p = _skip_leb(wasm, p)
            elif op in (0x41, 0x42):
                p = _skip_leb(wasm, p)
            elif op == 0x43:
                p += 4
            elif op == 0x44:
                p += 8
            elif op == 0xD0:
                p += 1
            elif op == 0xFC:
                sub, p = read_uleb(wasm, p)
                if sub in (8, 12, 14):
                    p = _skip_leb(wasm, _skip_leb(wasm, p)) if sub != 8 else _skip_leb(wasm, p) + 1
                elif sub == 10:
                    p += 2
                elif sub == 11:
                    p += 1
                elif sub in (9, 13, 15, 16, 17):
                    p = _skip_leb(wasm, p)
            elif op >= 0xFD:
                return None
    except IndexError:
        return None
    return index


def _line_col(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _functions(text: str) -> list[list[tuple[str, int, int]]]:
    """Each defined function's tokens as (token, position, depth inside the func)."""
    funcs: list[list[tuple[str, int, int]]] = []
    depth = 0
    current: list[tuple[str, int, int]] | None = None
    func_depth = 0
    tokens = [(m.group(0), m.start()) for m in _TOKEN.finditer(text)
              if not m.group(0).startswith((";;", "(;"))]
    for i, (tok, pos) in enumerate(tokens):
        if tok == "(":
            depth += 1
            nxt = tokens[i + 1][0] if i + 1 < len(tokens) else ""
            if current is None and depth == 2 and nxt == "func":
                current, func_depth = [], depth
                current.append(("(", pos, 0))
            elif current is not None:
                current.append((tok, pos, depth - func_depth))
        elif tok == ")":
            if current is not None:
                current.append((tok, pos, depth - func_depth))
                if depth == func_depth:
                    if not any(t == "import" and d == 1 for t, _, d in current):
                        funcs.append(current)
                    current = None
            depth -= 1
        elif current is not None:
            current.append((tok, pos, depth - func_depth))
    return funcs


def locate(wat: str, wasm: bytes, offset: int) -> tuple[int, int] | None:
    """(line, column) in `wat` of the construct at byte `offset` of its binary, or None."""
    try:
        imported, bodies = _bodies(wasm)
    except IndexError:
        return None
    body = next((i for i, (s, e) in enumerate(bodies) if s <= offset < e), None)
    funcs = _functions(wat)
    if body is None or body >= len(funcs):
        return None
    toks = funcs[body]
    _, func_pos, _ = toks[0]
    folded = any(t == "(" and d >= 1 and j + 1 < len(toks) and _INSTR.match(toks[j + 1][0])
                 and toks[j + 1][0] not in _NOT_INSTR
                 for j, (t, _, d) in enumerate(toks))
    index = None if folded else _instruction_index(wasm, *bodies[body], offset)
    if index is None:
        return _line_col(wat, func_pos)
    # the instruction words of the body, in order (skipping the (param ...) etc. groups)
    words, skip_until = [], None
    for j, (tok, pos, d) in enumerate(toks):
        if skip_until is not None:
            if tok == ")" and d == skip_until:
                skip_until = None
            continue
        if tok == "(" and d == 1:
            skip_until = 1
            continue
        if d == 0 and _INSTR.match(tok) and tok not in _NOT_INSTR and j > 1:
            words.append(pos)
    if index < len(words):
        return _line_col(wat, words[index])
    return _line_col(wat, toks[-1][1])  # the implicit `end`: the function's closing paren
