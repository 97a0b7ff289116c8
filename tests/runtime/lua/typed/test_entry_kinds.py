"""Typed sources work in every Lua entry kind: a typed process.lua runs as a process."""

from __future__ import annotations

import pytest
from wippy_runtime import Runtime
from wippy_runtime.errors import CallError

PARENT = """
local function main(a, b)
  local pid, err = process.spawn_monitored("t:child", "t:processes", a, b)
  if not pid then return nil, err end
  local ev = process.events():receive()
  return ev.result.value, ev.result.error and ev.result.error:message() or nil
end
return { main = main }"""

CHILD = """
type Pair = {a: number, b: number @min(0)}
local function run(a: number, b: number): number
    local pair, err = Pair:is({a = a, b = b})
    if not pair then error(err) end
    return (pair :: Pair).a * pair.b
end
return { run = run }"""


def test_typed_process_lua_runs_and_reports_type_errors():
    rt = Runtime(cache_dir=False)
    try:
        rt.define({"id": "t:processes", "kind": "process.host"})
        rt.define({"id": "t:child", "kind": "process.lua", "method": "run", "source": CHILD})
        rt.define({"id": "t:parent", "kind": "function.lua", "method": "main",
                   "modules": ["process"], "source": PARENT})
        assert rt.call("t:parent", 6, 7) == 42
        with pytest.raises(CallError, match=r"t:child: b: value -1 is less than minimum 0"):
            rt.call("t:parent", 6, -1)
    finally:
        rt.close()
