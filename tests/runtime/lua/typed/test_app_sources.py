"""Every Lua source of Wippy's own runtime test app goes through the front end and compiles
(loaded, never run), typed or not; only the sources that are meant to be rejected are."""

from __future__ import annotations

import os
import re
from pathlib import Path

from wippy_runtime.lua.state import LuaState
from wippy_runtime.lua.typed import cache

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


def lua_files() -> list[Path]:
    files = sorted(APP.rglob("*.lua"))
    assert len(files) > 500, f"the runtime test app is expected at {APP}"
    return files


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
    compiled, rejected = 0, set()
    for path in lua_files():
        for m in EMBEDDED.finditer(path.read_text(encoding="utf-8")):
            body = m.group(2)
            fn, err = state.try_compile(body, "embedded")
            if fn is None:
                assert body.strip() in MEANT_TO_FAIL, (path, err)
                rejected.add(body.strip())
            else:
                compiled += 1
    assert compiled > 30
    assert rejected == MEANT_TO_FAIL
