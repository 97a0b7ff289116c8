"""The `registry` module: reading entries, changing the live runtime, versions, from Lua."""

from __future__ import annotations

import pytest
from wippy_runtime.errors import INVALID, NOT_FOUND, PERMISSION_DENIED, CallError

FN = 'return {{ main = function() return "{value}" end }}'


def lua_fn(entry_id: str, value: str, **meta) -> str:
    """A Lua table literal of a function.lua entry returning `value`."""
    src = FN.format(value=value).replace('"', '\\"')
    meta_lua = ", ".join(f'{k} = "{v}"' for k, v in meta.items())
    return (f'{{id = "{entry_id}", kind = "function.lua", meta = {{{meta_lua}}}, '
            f'data = {{source = "{src}", method = "main"}}}}')


@pytest.fixture
def loaded(rt):
    rt.define({"id": "app.lib:helper", "kind": "library.lua", "source": "return {}",
               "meta": {"type": "lib", "tags": ["a", "b"]}})
    rt.define({"id": "app.test:one", "kind": "function.lua", "method": "main",
               "meta": {"type": "test", "suite": "s1", "order": 2},
               "source": "return { main = function() return 1 end }"})
    rt.define({"id": "app.test:two", "kind": "function.lua", "method": "main",
               "meta": {"type": "test", "suite": "s2", "comment": "second one"},
               "source": "return { main = function() return 2 end }"})
    return rt


def test_parse_id(run):
    out = run("""
local r = {}
for _, s in ipairs({"test:example", "justname", "app:path/to/f", "ns:a:b", ""}) do
  local id = registry.parse_id(s)
  r[#r + 1] = id.ns .. "|" .. id.name
end
return r
""", ["registry"])
    assert out == ["test|example", "|justname", "app|path/to/f", "ns|a:b", "|"]


def test_get_returns_the_entry_table(run, loaded):
    out = run("""
local e, err = registry.get("app.lib:helper")
local m, merr = registry.get("nope:missing")
return {err == nil, e.id, e.kind, e.meta.type, e.data.source, m == nil, merr:kind(),
        merr:retryable()}
""", ["registry"])
    assert out == [True, "app.lib:helper", "library.lua", "lib", "return {}", True, NOT_FOUND,
                   False]


def test_find_filters(run, loaded):
    out = run("""
local function ids(list) local r = {} for _, e in ipairs(list) do r[#r + 1] = e.id end return r end
return {
  ids(registry.find({["meta.type"] = "test"})),
  ids(registry.find({type = "test", suite = "s2"})),
  ids(registry.find({kind = "library.lua"})),
  ids(registry.find({[".kind"] = "function.*", ns = "app.test"})),
  ids(registry.find({["*meta.comment"] = "second"})),
  ids(registry.find({["^meta.suite"] = "s"})),
  ids(registry.find({["~meta.suite"] = "^s[0-9]$", name = "t*"})),
  ids(registry.find({meta = {tags = {"b"}}})),
  #registry.find({}),
}
""", ["registry"])
    assert out[:8] == [["app.test:one", "app.test:two"], ["app.test:two"], ["app.lib:helper"],
                       ["app.test:one", "app.test:two"], ["app.test:two"],
                       ["app.test:one", "app.test:two"], ["app.test:two"], ["app.lib:helper"]]
    assert out[8] >= 4  # every entry, this one included


def test_snapshot_methods(run, loaded):
    out = run("""
local snap = registry.snapshot()
local e = snap:get("app.test:one")
local _, err = snap:get("app.test:none")
return {#snap:namespace("app.test"), e.meta.suite, err:kind(), #snap:find({type = "lib"}),
        tostring(snap):find("Snapshot") ~= nil, snap:version():id() == registry.current_version():id(),
        #snap:changes():ops(), tostring(snap:changes()):find("Changes") ~= nil}
""", ["registry"])
    assert out == [2, "s1", NOT_FOUND, 1, True, True, 0, True]


def test_create_update_delete_reach_the_live_runtime(run, rt, loaded):
    out = run(f"""
local ch = registry.snapshot():changes()
local chained = ch:create({lua_fn("app.dyn:f", "v1")})
local v1 = ch:apply()
local r1 = funcs.call("app.dyn:f")
assert(registry.snapshot():changes():update({lua_fn("app.dyn:f", "v2")}):apply())
local r2 = funcs.call("app.dyn:f")
local v3 = registry.snapshot():changes():delete("app.dyn:f"):apply()
local r3, err = funcs.call("app.dyn:f")
return {{chained == ch, r1, r2, r3 == nil, err ~= nil, v3:id() > v1:id(),
        v1:previous() ~= nil}}
""", ["registry", "funcs"])
    assert out == [True, "v1", "v2", True, True, True, True]
    assert "app.dyn:f" not in rt.entries


def test_a_failing_change_set_changes_nothing(run, rt, loaded):
    out = run(f"""
local before = registry.current_version():id()
local ch = registry.snapshot():changes()
ch:create({lua_fn("app.dyn:good", "fine")})
ch:update({{id = "app.test:one", kind = "function.lua", meta = {{}},
            data = {{source = "this is not lua", method = "main"}}}})
local v, err = ch:apply()
local again, aerr = registry.snapshot():changes():create({lua_fn("app.test:one", "x")}):apply()
local up, uerr = registry.snapshot():changes():update({lua_fn("app.no:such", "x")}):apply()
local empty, eerr = registry.snapshot():changes():apply()
return {{v == nil, err:message(), registry.get("app.dyn:good") == nil, funcs.call("app.test:one"),
        registry.current_version():id() == before, aerr:message(), uerr:kind(), eerr:kind()}}
""", ["registry", "funcs"])
    assert out[0] is True and "app.test:one" in out[1]
    assert out[2:5] == [True, 1, True]
    assert "already exists" in out[5] and out[6] == NOT_FOUND and out[7] == INVALID
    assert "app.dyn:good" not in rt.entries and "app.dyn:good" not in rt.failed


def test_versions_history_and_apply_version(run, rt, loaded):
    out = run(f"""
local base = registry.current_version()
local v1 = registry.snapshot():changes():create({lua_fn("app.dyn:h", "one")}):apply()
local v2 = registry.snapshot():changes():update({lua_fn("app.dyn:h", "two")}):apply()
local hist = registry.history()
local count = #hist:versions()
local back_ok = registry.apply_version(base)
local gone, gerr = funcs.call("app.dyn:h")
local cur = registry.current_version():id()
assert(registry.apply_version(v2))
local now = funcs.call("app.dyn:h")
assert(registry.apply_version(v1))
local then_ = funcs.call("app.dyn:h")
local s1 = registry.snapshot_at(v1:id())
local _, z = registry.snapshot_at(0)
local _, m = registry.snapshot_at(999999)
local _, g = hist:get_version(999999)
local _, bad = registry.apply_version("not a version")
registry.apply_version(base)
return {{back_ok, gone == nil, cur == base:id(), now, then_, s1:version():id() == v1:id(),
        s1:get("app.dyn:h").id, z:kind(), m:kind(), g:kind(), bad:kind(),
        v2:previous():id() == v1:id(), v1:next():id() == v2:id(), count >= 3,
        tostring(hist):find("History") ~= nil, v1:string():find("Version") ~= nil,
        hist:get_version(v1:id()):id() == v1:id(), hist:snapshot_at(v2):version():id() == v2:id()}}
""", ["registry", "funcs"])
    assert out == [True, True, True, "two", "one", True, "app.dyn:h", INVALID, NOT_FOUND,
                   NOT_FOUND, INVALID, True, True, True, True, True, True, True]
    assert "app.dyn:h" not in rt.entries


def test_changes_made_from_python_become_versions(run, rt, loaded):
    first = run("return registry.current_version():id()", ["registry"])
    rt.define({"id": "app.py:later", "kind": "library.lua", "source": "return {}"})
    out = run("""
local v = registry.current_version()
return {v:id(), registry.get("app.py:later") ~= nil,
        registry.snapshot_at(v:previous():id()):get("app.py:later") == nil}
""", ["registry"])
    assert out[0] > first and out[1:] == [True, True]


def test_build_delta(run):
    out = run("""
local a = {{id = "x:keep", kind = "k", data = {v = 1}}, {id = "x:drop", kind = "k"},
           {id = "x:change", kind = "k", data = {v = 1}}}
local b = {{id = "x:keep", kind = "k", data = {v = 1}}, {id = "x:change", kind = "k", data = {v = 2}},
           {id = "x:new", kind = "k"}}
local ops = registry.build_delta(a, b)
local r = {}
for _, op in ipairs(ops) do r[#r + 1] = op.kind .. " " .. op.entry.id end
table.sort(r)
local _, err = registry.build_delta("nope", b)
return {r, err:kind()}
""", ["registry"])
    assert out == [["entry.create x:new", "entry.delete x:drop", "entry.update x:change"],
                   INVALID]


def test_permissions(run, loaded, policy):
    allow = policy("allow_all")
    hide = policy("hide_lib", actions="registry.get", resources="app.lib:helper",
                  effect="deny")
    out = run("""
local e, err = registry.get("app.lib:helper")
local found = registry.find({type = "lib"})
local snap = registry.snapshot()
local _, serr = snap:get("app.lib:helper")
return {e == nil, err:kind(), #found, serr:kind(), registry.get("app.test:one") ~= nil}
""", ["registry"], actor="bob", scope=[allow, hide])
    assert out == [True, PERMISSION_DENIED, 0, PERMISSION_DENIED, True]
    no_apply = policy("no_apply", actions=["registry.apply", "registry.apply_version"],
                      effect="deny", resources="*")
    out = run(f"""
local v, err = registry.snapshot():changes():create({lua_fn("app.dyn:p", "x")}):apply()
local ok, aerr = registry.apply_version(registry.current_version())
return {{v == nil, err:kind(), ok, aerr:kind()}}
""", ["registry"], actor="bob", scope=[allow, no_apply])
    assert out == [True, PERMISSION_DENIED, False, PERMISSION_DENIED]


def test_bad_arguments_name_the_function_and_argument(run):
    with pytest.raises(CallError) as info:
        run("return registry.get(5)", ["registry"])
    assert "registry.get" in str(info.value) and "id" in str(info.value)
    with pytest.raises(CallError) as info:
        run("return registry.find('kind')", ["registry"])
    assert "registry.find" in str(info.value) and "filter" in str(info.value)
    with pytest.raises(CallError) as info:
        run("return registry.snapshot_at('1')", ["registry"])
    assert "registry.snapshot_at" in str(info.value) and "version_id" in str(info.value)
    out = run("""
local ch = registry.snapshot():changes()
local a, e1 = ch:create({kind = "function.lua"})
local b, e2 = ch:create({id = "bad id", kind = "x"})
local c, e3 = ch:delete(42)
return {a == nil, e1:kind(), b == nil, e2:kind(), c == nil, e3:kind(), #ch:ops()}
""", ["registry"])
    assert out == [True, INVALID, True, INVALID, True, INVALID, 0]
