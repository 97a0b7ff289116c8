"""Error values as Wippy's: kinds, retryable, details across funcs.call, text behaviour, and a
callee's `error()` reaching its caller without the host's frames."""

from __future__ import annotations

import pytest
from wippy_runtime import CallError, Runtime
from wippy_runtime.errors import (
    INTERNAL,
    INVALID,
    KIND_NAMES,
    NOT_FOUND,
    PERMISSION_DENIED,
    UNKNOWN,
)


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    yield runtime
    runtime.close()


def lua(rt: Runtime, name: str, source: str, modules: tuple[str, ...] = ()) -> None:
    rt.define({"id": f"t:{name}", "kind": "function.lua", "source": source, "method": "main",
               "modules": list(modules)})


def test_kind_constants_have_wippys_values(rt):
    assert (NOT_FOUND, INVALID, PERMISSION_DENIED, UNKNOWN) == (
        "NotFound", "Invalid", "PermissionDenied", "")
    lua(rt, "k", """return { main = function()
      return { NOT_FOUND = errors.NOT_FOUND, ALREADY_EXISTS = errors.ALREADY_EXISTS,
               INVALID = errors.INVALID, PERMISSION_DENIED = errors.PERMISSION_DENIED,
               UNAVAILABLE = errors.UNAVAILABLE, INTERNAL = errors.INTERNAL,
               CANCELED = errors.CANCELED, CONFLICT = errors.CONFLICT, TIMEOUT = errors.TIMEOUT,
               RATE_LIMITED = errors.RATE_LIMITED, UNKNOWN = errors.UNKNOWN }
    end }""")
    assert rt.call("t:k") == {**KIND_NAMES, "UNKNOWN": ""}
    assert rt.call("t:k")["RATE_LIMITED"] == "RateLimited"


def test_errors_new_defaults_and_builder(rt):
    lua(rt, "n", """return { main = function()
      local e = errors.new("plain")
      local b = errors.new("built"):kind(errors.INVALID):retryable(true)
      return { kind = e:kind(), retryable = e:retryable() == nil, details = e:details() == nil,
               bkind = b:kind(), bretry = b:retryable(), bmsg = b:message() }
    end }""")
    assert rt.call("t:n") == {"kind": "", "retryable": True, "details": True,
                              "bkind": INVALID, "bretry": True, "bmsg": "built"}


def test_builtin_errors_are_not_retryable(rt):
    lua(rt, "b", """return { main = function()
      local _, missing = funcs.call("t:nope")
      local _, bad = funcs.call(42)
      local _, ctxerr = ctx.get("absent")
      return { missing = missing:retryable(), kind = missing:kind(), bad = bad:retryable(),
               ctx = ctxerr:retryable() }
    end }""", modules=("funcs", "ctx"))
    assert rt.call("t:b") == {"missing": False, "kind": NOT_FOUND, "bad": False, "ctx": False}


def test_details_survive_funcs_call_into_the_callers_state(rt):
    lua(rt, "callee", """return { main = function()
      return nil, errors.new({ message = "nope", kind = errors.NOT_FOUND, retryable = false,
                               details = { resource = "user", id = 7, tags = { "a", "b" } } })
    end }""")
    lua(rt, "caller", """return { main = function()
      local v, err = funcs.call("t:callee")
      local d = err:details()
      return { v = v == nil, kind = err:kind(), retry = err:retryable(), resource = d.resource,
               id = d.id, tag2 = d.tags[2], msg = err:message(),
               empty = errors.new({ message = "x", details = {} }):details() == nil }
    end }""", modules=("funcs",))
    assert rt.call("t:caller") == {"v": True, "kind": NOT_FOUND, "retry": False,
                                   "resource": "user", "id": 7, "tag2": "b", "msg": "nope",
                                   "empty": True}


def test_raised_error_value_keeps_its_details_for_the_caller(rt):
    lua(rt, "thrower", """return { main = function()
      error(errors.new({ message = "raised", kind = errors.CONFLICT, details = { n = 3 } }))
    end }""")
    lua(rt, "caller", """return { main = function()
      local _, err = funcs.call("t:thrower")
      return { kind = err:kind(), n = err:details().n, msg = err:message() }
    end }""", modules=("funcs",))
    assert rt.call("t:caller") == {"kind": "Conflict", "n": 3, "msg": "raised"}


def test_error_values_concatenate_and_work_in_the_string_library(rt):
    lua(rt, "s", """return { main = function()
      local e = errors.new("disk not found")
      local w = errors.wrap(e, "loading")
      return { left = "x: " .. e, right = e .. " !", both = e .. w, n = 1 .. e,
               find = string.find(e, "not found", 1, true), match = string.match(w, "^(%a+):"),
               gsub = (string.gsub(e, "disk", "file")), len = string.len(e),
               upper = string.upper(e), wrapped_msg = w:message(), wrapped = tostring(w),
               method = ("abc"):find("b") }
    end }""")
    assert rt.call("t:s") == {
        "left": "x: disk not found", "right": "disk not found !",
        "both": "disk not foundloading: disk not found", "n": "1disk not found",
        "find": 6, "match": "loading", "gsub": "file not found", "len": 14,
        "upper": "DISK NOT FOUND", "wrapped_msg": "disk not found",
        "wrapped": "loading: disk not found", "method": 2}


def test_concatenating_other_host_values_still_fails_at_the_users_line(rt):
    lua(rt, "c", """return { main = function()
      local ok, err = pcall(function()
        return "x" .. funcs.new()
      end)
      local ok2, err2 = pcall(function() local r = string.find(nil, "x") return r end)
      return { ok = ok, err = err, ok2 = ok2, err2 = err2 }
    end }""", modules=("funcs",))
    out = rt.call("t:c")
    assert out["ok"] is False and out["ok2"] is False
    # an executor is a host object (its metatable names it); only error values concatenate
    assert out["err"] == "t:c:3: attempt to concatenate a funcs.Executor value"
    assert out["err2"] == "t:c:5: bad argument #1 to 'find' (string expected, got nil)"


def test_callee_error_reaches_caller_without_host_frames(rt):
    lua(rt, "boom", """local function inner() error("boom") end
return { main = function() inner() end }""")
    lua(rt, "caller", """return { main = function()
      local _, err = funcs.call("t:boom")
      return { msg = err:message(), text = tostring(err), stack = err:stack(),
               kind = err:kind(), retry = err:retryable() }
    end }""", modules=("funcs",))
    out = rt.call("t:caller")
    assert out["msg"] == "t:boom:1: boom"
    assert out["kind"] == INTERNAL and out["retry"] is False
    assert "t:boom:1: in " in out["stack"] and "t:boom:2: in " in out["stack"]
    for text in (out["msg"], out["text"], out["stack"]):
        assert "<python>" not in text and "xpcall" not in text
    with pytest.raises(CallError) as info:
        rt.call("t:boom")
    text = str(info.value)
    assert text.startswith("t:boom: Lua error: t:boom:1: boom\nstack traceback:\n")
    assert "<python>" not in text and "xpcall" not in text


def test_errors_new_records_a_lua_stack(rt):
    lua(rt, "st", """local function make() local e = errors.new("here") return e end
return { main = function()
  local err = make()
  local cs = errors.call_stack(err)
  return { stack = err:stack(), line = cs.frames[1].line, source = cs.frames[1].source,
           plain = errors.call_stack("not an error") == nil }
end }""")
    out = rt.call("t:st")
    assert out["line"] == 1 and out["source"] == "t:st" and out["plain"] is True
    assert "<python>" not in out["stack"] and "t:st:3:" in out["stack"]


def test_errors_new_rejects_a_bad_argument(rt):
    lua(rt, "bad", "return { main = function() return errors.new(42) end }")
    with pytest.raises(CallError, match="errors.new expects a message string"):
        rt.call("t:bad")


def test_a_payload_of_an_error_has_the_error_format(rt):
    lua(rt, "p", """return { main = function()
      local p = payload.new(errors.new({ message = "bad", kind = errors.INVALID }))
      local plain = payload.new({ a = 1 })
      return { fmt = p:get_format(), is = p:get_format() == payload.format.ERROR,
               kind = p:data():kind(), text = tostring(plain) }
    end }""")
    assert rt.call("t:p") == {"fmt": "golang/error", "is": True, "kind": INVALID,
                              "text": "payload(lua/any)"}


def test_a_failing_coroutine_reports_without_host_frames():
    out: list[str] = []
    with Runtime(cache_dir=False, output=out.append) as rt:
        lua(rt, "co", """return { main = function()
          coroutine.spawn(function() error("in a coroutine") end)
          time.sleep(1)
          return true
        end }""", modules=("time",))
        assert rt.call("t:co") is True
    text = "".join(out)
    assert text.startswith("coroutine error: t:co:2: in a coroutine")
    assert "<python>" not in text and "xpcall" not in text
