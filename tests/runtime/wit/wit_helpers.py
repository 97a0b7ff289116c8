"""Helpers shared by the WIT tests: fixture paths and the wasm-tools reference rendering."""

import json
import re
import shutil
import subprocess
from pathlib import Path

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

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "components"
WASM_TOOLS = shutil.which("wasm-tools")

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
