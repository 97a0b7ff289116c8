"""The `logger` module from real Lua: records reach Python's `logging` with their level, name
(`named` appends with a dot), fields (`with` children carry theirs) and messages; bad
arguments are Lua errors naming the method."""

from __future__ import annotations

import logging

import pytest
from lua_modules_helpers import run
from wippy_runtime.errors import CallError


def test_levels_fields_and_children(runtime, caplog):
    caplog.set_level(logging.DEBUG, logger="wippy")
    run(runtime, """
return { main = function()
  logger:debug("starting")
  logger:info("request", { path = "/a", count = 3, ok = true, data = { k = "v" },
                           [1] = "ignored" })
  local svc = logger:named("svc"):with({ component = "auth" })
  svc:warn("slow", { ms = 250 })
  svc:named("db"):error("failed", { error = errors.new("boom") })
end }""", modules=["logger"])
    records = [(r.name, r.levelname, r.wippy_message, r.wippy_fields) for r in caplog.records
               if r.name.startswith("wippy")]
    assert records == [
        ("wippy", "DEBUG", "starting", {}),
        ("wippy", "INFO", "request", {"path": "/a", "count": 3, "ok": True,
                                      "data": {"k": "v"}}),
        ("wippy.svc", "WARNING", "slow", {"component": "auth", "ms": 250}),
        ("wippy.svc.db", "ERROR", "failed", {"component": "auth", "error": "boom"}),
    ]
    assert caplog.records[1].getMessage().startswith("request\t{")


def test_parent_logger_is_unchanged_by_children(runtime, caplog):
    caplog.set_level(logging.INFO, logger="wippy")
    run(runtime, """
return { main = function()
  local child = logger:with({ a = 1 })
  logger:info("plain")
  child:info("child")
end }""", modules=["logger"])
    fields = {r.wippy_message: r.wippy_fields for r in caplog.records if r.name == "wippy"}
    assert fields == {"plain": {}, "child": {"a": 1}}


def test_bad_arguments(runtime):
    with pytest.raises(CallError, match=r"bad argument #2 to 'logger.info' "
                                        r"\(string expected, got nil\)"):
        run(runtime, "return { main = function() logger:info() end }", modules=["logger"])
    with pytest.raises(CallError, match=r"bad argument #3 to 'logger.warn' "
                                        r"\(table expected, got string\)"):
        run(runtime, 'return { main = function() logger:warn("m", "x") end }',
            modules=["logger"])
    with pytest.raises(CallError, match="name cannot be empty"):
        run(runtime, 'return { main = function() logger:named("") end }', modules=["logger"])
