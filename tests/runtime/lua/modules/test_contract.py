"""The `contract` module through real Lua over the `shop` fixture app: opening bindings,
scopes, calls through the call pipeline (permissions, retries, async), and errors that name
the binding or contract while everything else keeps working."""

from __future__ import annotations

from pathlib import Path

import pytest
from lua_modules_helpers import ERR
from wippy_runtime.errors import INVALID, NOT_FOUND, PERMISSION_DENIED, UNAVAILABLE, CallError

FIXTURE = Path(__file__).parents[3] / "fixtures" / "contract"


@pytest.fixture
def shop(rt):
    report = rt.load(FIXTURE)
    assert report.errors == []
    return rt


def lua(run, body: str, *args, **kw):
    return run(ERR + body, ["contract", "time"], *args, **kw)


def test_open_call_and_introspect(run, shop):
    out = lua(run, """
local p, err = contract.open("shop:pricing_impl")
local q, qerr = p:quote("pen", 4)
local c = contract.get("shop:pricing")
local m = c:method("quote")
local names = {}
for i, d in ipairs(c:methods()) do names[i] = d.name end
return {err == nil, q.item, q.total, qerr == nil, c:id(), names, m.description,
        m.input_schemas[1].format, contract.is(p, "shop:pricing"), contract.is(p, "shop:audit"),
        type(p.quote), type(p.quote_async), p.refund_async == nil or type(p.refund_async),
        p.nope == nil, tostring(p)}
""")
    assert out == [True, "pen", 12, True, "shop:pricing", ["quote", "tenant", "refund"],
                   "Price of an item", "json-schema", True, False, "function", "function",
                   "function", True, "contract.Instance(shop:pricing_impl)"]


def test_implementations_and_default_binding(run, shop):
    out = lua(run, """
local impls = contract.find_implementations("shop:pricing")
table.sort(impls)
local c = contract.get("shop:pricing")
local inst = c:open()
local none, nerr = contract.get("shop:audit"):open()
local empty = contract.find_implementations("shop:nothing")
return {impls, #c:implementations(), contract.is(inst, "shop:pricing"), tostring(inst),
        none == nil, e(nerr), #empty}
""")
    assert out[0] == ["shop:pricing_impl", "shop:retrying_impl", "shop:strict_impl"]
    assert out[1:4] == [3, True, "contract.Instance(shop:pricing_impl)"]
    assert out[4] is True
    assert out[5]["kind"] == NOT_FOUND
    assert "no default binding for contract 'shop:audit'" in out[5]["message"]
    assert out[6] == 0


def test_scope_precedence_query_then_context_then_table(run, shop):
    out = lua(run, """
local a = contract.open("shop:pricing_impl?tenant=q&n=5&f=2.5&on=true&off=false&s=x1"):tenant()
local w = contract.get("shop:pricing"):with_context({tenant = "ctx", extra = 1})
local b = w:open("shop:pricing_impl?tenant=q&only=query", {tenant = "table"}):tenant()
local c = w:open("shop:pricing_impl?tenant=q"):tenant()
local d = w:open(nil, {tenant = "default+table"}):tenant()
return {a, b, c, d}
""")
    a, b, c, d = out
    assert a == {"tenant": "q", "n": 5, "f": 2.5, "on": True, "off": False, "s": "x1"}
    assert b == {"tenant": "table", "only": "query", "extra": 1}
    assert c == {"tenant": "ctx", "extra": 1}
    assert d == {"tenant": "default+table", "extra": 1}


def test_bad_ids_and_methods_give_errors_naming_the_entry(run, shop):
    out = lua(run, """
local r = {}
local function add(v, err) r[#r + 1] = {v == nil, e(err)} end
add(contract.get("shop:nope"))
add(contract.get(""))
add(contract.open("shop:nope_impl"))
add(contract.open("shop:quote"))
add(contract.open(""))
add(contract.get("shop:pricing"):method("nope"))
add(contract.get("shop:pricing"):open("shop:audit_impl"))
local p = contract.open("shop:pricing_impl")
add(p:refund(1))
add(p:quote("pen", "many"))
add(contract.open("shop:strict_impl"):tenant())
add(contract.open("shop:pricing_impl", {}, {retry = {max_attempts = "x"}}))
-- after all that, calls still work
r[#r + 1] = p:quote("ink", 1).total
r[#r + 1] = contract.open("shop:strict_impl", {tenant_id = 7}):tenant().tenant_id
return r
""")
    expect = [
        (NOT_FOUND, "contract definition 'shop:nope' not found"),
        (NOT_FOUND, "contract definition id is empty"),
        (NOT_FOUND, "contract binding 'shop:nope_impl' not found"),
        (NOT_FOUND, "'shop:quote' is a function.lua, not a contract binding"),
        (NOT_FOUND, "contract binding id is empty"),
        (NOT_FOUND, "method 'nope' not found in contract 'shop:pricing'"),
        (INVALID, "contract binding 'shop:audit_impl' does not implement contract "
                  "'shop:pricing'"),
        (NOT_FOUND, "method 'refund' not bound in contract binding 'shop:pricing_impl'"),
        (INVALID, "qty must be a number"),
        (INVALID, "contract binding 'shop:strict_impl': missing required context keys: "
                  "[tenant_id]"),
        (INVALID, "shop:pricing_impl: retry.max_attempts must be a number"),
    ]
    for (nil, err), (kind, message) in zip(out, expect, strict=False):
        assert nil is True
        assert err["kind"] == kind, (err, message)
        assert message in err["message"]
    assert out[len(expect):] == [3, 7]


@pytest.mark.parametrize("call, message", [
    ("contract.open(5)", "bad argument #1 to 'open' (string expected, got number)"),
    ("contract.get(nil)", "bad argument #1 to 'get' (string expected, got nil)"),
    ("contract.is({}, 'shop:pricing')", "bad argument #1 to 'is' (contract instance expected"),
    ("contract.get('shop:pricing'):with_context('x')",
     "bad argument #1 to 'with_context' (table expected, got string)"),
    ("contract.get('shop:pricing'):with_options({retry = {initial_delay = 'soon', "
     "max_attempts = 2}})", "bad argument #1 to 'with_options' (retry.initial_delay"),
    ("contract.get('shop:pricing'):with_actor(nil)", "actor cannot be nil"),
])
def test_wrong_argument_types_raise_lua_argument_errors(run, shop, call, message):
    with pytest.raises(CallError) as info:
        lua(run, f"return {call}")
    assert message in str(info.value)


def test_retry_options_retry_retryable_errors_only(run, shop):
    out = lua(run, """
local s = 0
local c = contract.get("shop:pricing")
local plain = contract.open("shop:retrying_impl")
local v1, e1 = plain:quote("a", 2)           -- no options: one attempt
local r = c:with_options({retry = {max_attempts = 4, initial_delay = 1}}):open("shop:retrying_impl")
local v2, e2 = r:quote("b", 2)               -- fails twice, then succeeds on attempt 3
local v3, e3 = r:quote("c", 9)               -- gives up after 4 attempts
local v4, e4 = r:quote("d", 5, errors.INVALID) -- Invalid is not retried by default
local direct = contract.open("shop:retrying_impl", nil, {retry = {max_attempts = 3,
                                                                 initial_delay = "1ms"}})
local v5 = direct:quote("e", 2)
return {v1 == nil, e(e1), v2, e2 == nil, v3 == nil, e(e3), e(e4), v4 == nil, v5}
""")
    assert out[0] is True and out[1]["kind"] == UNAVAILABLE and "attempt 1" in out[1]["message"]
    assert out[1]["retryable"] is True
    assert out[2] == 3 and out[3] is True
    assert out[4] is True and "attempt 4" in out[5]["message"]
    assert out[6]["kind"] == INVALID and "attempt 1" in out[6]["message"]
    assert out[7] is True and out[8] == 3


def test_async_calls_run_concurrently_and_retry(run, shop):
    out = lua(run, """
local p = contract.get("shop:pricing"):with_options({retry = {max_attempts = 3, initial_delay = 1}})
  :open("shop:retrying_impl")
local f1 = p:quote_async("x", 2)
local f2 = contract.open("shop:pricing_impl"):quote_async("pen", 2)
local f3 = contract.open("shop:pricing_impl"):quote_async("pen", "bad")
local r1 = f1:response():receive()
local r2 = f2:response():receive()
local r3 = f3:response():receive()
local _, ferr = f3:result()
return {r1:data(), r2:data().total, f1:is_complete(), e(ferr)}
""")
    assert out[:3] == [3, 6, True]
    assert out[3]["kind"] == INVALID and "qty must be a number" in out[3]["message"]


def test_permissions_contract_call_and_the_implementations_funcs_call(run, shop, policy):
    body = """
local p, oerr = contract.open("shop:pricing_impl")
if p == nil then return e(oerr) end
local v, err = p:quote("pen", 1)
if err then return e(err) end
return v.total
"""
    everything = policy("everything")
    assert lua(run, body, actor="alice", scope=[everything]) == 3
    no_open = policy("no_open", actions=["funcs.call"])
    out = lua(run, body, actor="alice", scope=[no_open])
    assert out["kind"] == PERMISSION_DENIED and "contract.open on shop:pricing_impl" in \
        out["message"]
    no_call = policy("no_call", actions=["funcs.call", "contract.open"])
    out = lua(run, body, actor="alice", scope=[no_call])
    assert out["kind"] == PERMISSION_DENIED and "contract.call on quote" in out["message"]
    contract_only = policy("contract_only", actions=["contract.*"])
    enter = policy("enter", actions=["funcs.call"], resources="app:*")
    out = lua(run, body, actor="alice", scope=[contract_only, enter])
    assert out["kind"] == PERMISSION_DENIED and "funcs.call on shop:quote" in out["message"]


def test_an_open_instance_keeps_its_binding_and_new_opens_see_a_redefinition(run, shop, rt):
    rt.define({"id": "app:keep", "kind": "function.lua", "method": "main",
               "modules": ["contract"], "source": """
local inst = contract.open("shop:pricing_impl")
return { main = function(which)
  if which == "old" then return inst:quote("pen", 1).total end
  return contract.open("shop:pricing_impl"):tenant()
end }"""})
    assert rt.call("app:keep", "old") == 3
    rt.define({"id": "shop:pricing_impl", "kind": "contract.binding", "contracts": [
        {"contract": "shop:pricing", "default": True,
         "methods": {"quote": "shop:quote", "tenant": "shop:quote"}}]})
    with pytest.raises(CallError):
        rt.call("app:keep", "new")  # tenant now maps to quote: qty must be a number
    assert run('return contract.open("shop:pricing_impl"):quote("a", 2).total',
               ["contract"]) == 6
