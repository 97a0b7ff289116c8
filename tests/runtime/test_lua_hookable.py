"""Lua work inside C library functions obeys max_execution_ms and interrupt (lua/hookable.py):
each test is the attack, then a healthy call on the same runtime."""

import random
import threading
import time

import lupa.lua54 as lupa
import pytest
from wippy_runtime.errors import CANCELED, TIMEOUT, CallError
from wippy_runtime.lua import hookable
from wippy_runtime.lua.state import LuaState
from wippy_runtime.runtime import Runtime

BOMBS = {
    "find": 'string.find(("a"):rep(40), ("a*"):rep(40) .. "b")',
    "match": '(("a"):rep(60)):match(("a-"):rep(30) .. "x")',
    "gmatch": 'for w in (("a"):rep(50)):gmatch(("a?"):rep(25) .. "c") do end',
    "gsub": 'string.gsub(("ab"):rep(30), ("(.-)"):rep(20) .. "z", "")',
    "quadratic": 'string.find(("a"):rep(3000000), ".-b")',
    "table.move": 'table.move({}, 1, 1 << 40, 2)',
    "table.concat": 'table.concat(setmetatable({}, {__index = tostring, __len = '
                    'function() return 1 << 40 end}))',
}


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    runtime.define({"id": "t:ok", "kind": "function.lua", "method": "main",
                    "source": "return { main = function() return ('x'):rep(3) end }"})
    yield runtime
    runtime.close()


def _define(rt, body, **extra):
    rt.define({"id": "t:bomb", "kind": "function.lua", "method": "main",
               "source": f"local function main() {body} return 1 end return {{ main = main }}",
               **extra})


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_c_library_bomb_obeys_max_execution_ms(rt, name):
    _define(rt, BOMBS[name], limits={"max_execution_ms": 200})
    t0 = time.monotonic()
    with pytest.raises(CallError) as info:
        rt.call("t:bomb")
    assert time.monotonic() - t0 < 5
    assert info.value.kind == TIMEOUT and info.value.entry == "t:bomb"
    assert rt.call("t:ok") == "xxx"


@pytest.mark.parametrize("name", ["find", "table.move"])
def test_c_library_bomb_is_reached_by_interrupt(rt, name):
    _define(rt, BOMBS[name])
    threading.Timer(0.2, rt.interrupt).start()
    t0 = time.monotonic()
    with pytest.raises(CallError) as info:
        rt.call("t:bomb")
    assert time.monotonic() - t0 < 5
    assert info.value.kind == CANCELED
    assert rt.call("t:ok") == "xxx"


@pytest.mark.parametrize("body, message", [
    ('string.rep("", 1 << 50)', None),                      # empty: answered at once
    ('string.rep("x", 1 << 50)', "resulting string too large"),
    ('string.format("%999999999d", 1)', "invalid conversion"),
    ('string.rep("ab", 1 << 40, "")', "resulting string too large"),
])
def test_sized_c_functions_answer_at_once(rt, body, message):
    _define(rt, body, limits={"max_execution_ms": 2000})
    t0 = time.monotonic()
    if message is None:
        assert rt.call("t:bomb") == 1
    else:
        with pytest.raises(CallError, match=message):
            rt.call("t:bomb")
    assert time.monotonic() - t0 < 1.5
    assert rt.call("t:ok") == "xxx"


_RUN = """local s, p, r = ...
local function pk(...) local t = table.pack(...) for i = 1, t.n do t[i] = tostring(t[i]) end
  return table.concat(t, ",") end
local out = {}
local ok, v = pcall(function() return pk(string.find(s, p)) end) out[1] = tostring(v)
ok, v = pcall(function() return pk(string.match(s, p)) end) out[2] = tostring(v)
ok, v = pcall(function() return pk(string.gsub(s, p, r)) end) out[3] = tostring(v)
ok, v = pcall(function() local t = {} for a, b in string.gmatch(s, p) do
  t[#t + 1] = tostring(a) .. "|" .. tostring(b) if #t > 40 then break end end
  return table.concat(t, ",") end) out[4] = tostring(v)
for i = 1, 4 do out[i] = out[i]:gsub("^.-:%d+: ", "") end
return table.concat(out, " ; ")
"""


def test_lua_matcher_agrees_with_the_c_matcher():
    """The hookable matcher is a port of Lua's: forced onto every pattern, it must give the
    C matcher's answers (and errors) on random patterns."""
    ref = lupa.LuaRuntime(encoding=None)
    forced = LuaState()
    forced.lua.execute(hookable.SOURCE.replace(
        "local function heavy(s, p)",
        'local function heavy(s, p) do return type(s) == "string" and type(p) == "string" end'),
        0, 0, hookable.MAX_REP_BYTES)
    f_ref = ref.execute("return function(...) " + _RUN + " end")
    f_lua = forced.lua.execute("return function(...) " + _RUN + " end")
    atoms = ["a", "b", ".", "%a", "%d", "%s", "[ab]", "[^a]", "[a-c]", "%%", "%w", "x", "%b()",
             "%f[%w]", "(", ")", "()", "%1", "^", "$", "[%a_]", "%-", "[]]"]
    quants = ["", "", "*", "+", "-", "?"]
    subjects = ["", "aaa", "abcabc", "a(b(c)d)e", "hello world 123", "xx_yy zz", "aab-b",
                "  a1 b2  ", "(())", "a.b.c", "]]a"]
    rng = random.Random(3)
    mismatches = []
    for _ in range(3000):
        p = "".join(rng.choice(atoms) + rng.choice(quants) for _ in range(rng.randint(1, 4)))
        s, r = rng.choice(subjects), rng.choice(["<%0>", "%1", "x", "%%", "%2"])
        args = (s.encode(), p.encode(), r.encode())
        if f_ref(*args) != f_lua(*args):
            mismatches.append((p, s, r))
    assert mismatches == []


def test_ordinary_patterns_stay_on_the_c_path():
    state = LuaState()
    fast = state.lua.execute('return ("key=value; other=thing"):gsub("(%w+)=(%w+)", "%2=%1")')
    assert fast == (b"value=key; thing=other", 2)
    # a short subject with several quantifiers is cheap for C: the wrapper keeps it there
    assert state.lua.execute('return string.find("  x  ", "^%s*(.-)%s*$")') == (1, 5, b"x")
