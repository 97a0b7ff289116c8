"""Every Lua source of Wippy's own runtime test app goes through the front end and compiles
(loaded, never run), typed or not; only the sources that are meant to be rejected are: the
syntax errors of types/error_parse.lua and the type errors of the other types/error_*.lua."""

from __future__ import annotations

import os
import re
from pathlib import Path

from wippy_runtime.lua.state import LuaState
from wippy_runtime.lua.typed import TypeErrorMessage, cache
from wippy_runtime.lua.typed.check import check
from wippy_runtime.lua.typed.parser import parse

APP = Path(os.environ.get("WIPPY_RUNTIME_TESTS", "/work/shared/wippy-runtime-tests/app"))

#: sources a test hands to `changes:create{...}` as text, found as `source = [[...]]`
EMBEDDED = re.compile(r"source\s*=\s*\[(=*)\[\n?(.*?)\]\1\]", re.S)
#: the embedded sources of types/error_parse.lua: each must fail to parse
MEANT_TO_FAIL = {
    "local x = 1 @@ 2",
    'local x = "unclosed\nreturn x',
    "local x: number< = 42",
    "local function main()\n    if true then\n        return 1\nreturn { main = main }",
}
#: the files whose embedded sources Wippy refuses to load for a type error
TYPE_ERRORS = {"error_arithmetic.lua", "error_nil_safety.lua", "error_not_callable.lua",
               "error_return_type.lua", "error_type_mismatch.lua", "error_union_mismatch.lua",
               "error_unknown_field.lua", "error_wrong_args.lua"}
CHUNK_LINE = re.compile(r"embedded:(\d+): ")


def lua_files() -> list[Path]:
    files = sorted(APP.rglob("*.lua"))
    assert len(files) > 500, f"the runtime test app is expected at {APP}"
    return files


def embedded() -> list[tuple[Path, str]]:
    return [(path, m.group(2)) for path in lua_files()
            for m in EMBEDDED.finditer(path.read_text(encoding="utf-8"))]


def test_every_app_lua_file_compiles():
    state = LuaState()
    failures = []
    before = cache.stats["misses"]
    for path in lua_files():
        fn, err = state.try_compile(path.read_text(encoding="utf-8"), path.name)
        if fn is None:
            failures.append(f"{path.relative_to(APP)}: {err}")
    assert failures == []
    # the typed sources (about one in eight) went through the front end
    assert cache.stats["misses"] - before > 50


def test_embedded_sources_compile_unless_meant_to_fail():
    state = LuaState()
    compiled: list[str] = []
    syntax, typed = set(), {name: 0 for name in TYPE_ERRORS}
    for path, body in embedded():
        fn, err = state.try_compile(body, "embedded")
        if path.name in TYPE_ERRORS:
            # each is rejected as a type error, at a line of its own source
            assert fn is None and isinstance(err, TypeErrorMessage), (path.name, body)
            m = CHUNK_LINE.match(err)
            assert m and 1 <= int(m.group(1)) <= body.count("\n") + 1, err
            typed[path.name] += 1
        elif fn is None:
            assert body.strip() in MEANT_TO_FAIL, (path, err)
            assert not isinstance(err, TypeErrorMessage), err
            syntax.add(body.strip())
        else:
            compiled.append(path.name)
    assert len(compiled) > 15
    assert compiled.count("error_missing_return.lua") == 2  # both of its cases load
    assert syntax == MEANT_TO_FAIL
    assert min(typed.values()) >= 2, typed  # every case of every error_* file


def test_checker_finds_no_error_in_any_other_app_source():
    """The checker on every file and embedded source, plain Lua included (the loader checks
    only typed chunks): nothing is reported outside the deliberately broken sources."""
    reported = []
    for path in lua_files():
        problem = check(parse(path.read_text(encoding="utf-8")))
        if problem is not None:
            reported.append((path.name, problem))
    for path, body in embedded():
        if path.name in TYPE_ERRORS or body.strip() in MEANT_TO_FAIL:
            continue
        problem = check(parse(body))
        if problem is not None:
            reported.append((path.name, problem))
    assert reported == []
