"""`security.token_store` and the security module's TokenStore: tokens name an actor and a
scope until they expire or are revoked."""

from __future__ import annotations

import time

import pytest
from wippy_runtime import Runtime
from wippy_runtime.errors import INTERNAL, INVALID, NOT_FOUND

SETUP = """
namespace: t
entries:
  - {name: mem, kind: store.memory}
  - {name: tokens, kind: security.token_store, store: mem, token_length: 40}
  - name: p
    kind: security.policy
    policy: {actions: [read], resources: "*", effect: allow}
"""


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    report = runtime.load_text(SETUP)
    assert report.errors == []
    yield runtime
    runtime.close()


def lua(rt, body: str, *args):
    rt.define({"id": "t:case", "kind": "function.lua", "method": "main",
               "modules": ["security"],
               "source": f"return {{ main = function(...)\n{body}\nend }}"})
    return rt.call("t:case", *args)


def test_a_token_gives_back_its_actor_and_scope(rt):
    out = lua(rt, """
local store = security.token_store("t:tokens")
local scope = security.new_scope({ security.policy("t:p") })
local token = store:create(security.new_actor("ann", {team = "x"}), scope, {meta = {a = 1}})
local actor, sc, err = store:validate(token)
return {#token, actor:id(), actor:meta().team, sc:contains("t:p"), err == nil,
        sc:evaluate(actor, "read", "thing")}
""")
    assert out == [40, "ann", "x", True, True, "allow"]


def test_revoked_expired_and_unknown_tokens_do_not_validate(rt):
    token = lua(rt, """
local store = security.token_store("t:tokens")
return store:create(security.new_actor("a"), security.new_scope({}), {expiration = 50})
""")
    time.sleep(0.2)
    out = lua(rt, """
local store = security.token_store("t:tokens")
local _, _, expired = store:validate(...)
local fresh = store:create(security.new_actor("b"), security.new_scope({}), {expiration = "1h"})
local revoked = store:revoke(fresh)
local _, _, gone = store:validate(fresh)
local _, _, unknown = store:validate("nope")
store:close()
local _, closed = store:create(security.new_actor("c"), security.new_scope({}))
return {expired:kind(), revoked, gone:kind(), unknown:kind(), closed:kind()}
""", token)
    assert out == [INTERNAL, True, INTERNAL, INTERNAL, INTERNAL]


def test_bad_options_and_unknown_stores_are_errors(rt):
    out = lua(rt, """
local store = security.token_store("t:tokens")
local _, bad = store:create(security.new_actor("a"), security.new_scope({}),
                            {expiration = "soon"})
local none, missing = security.token_store("t:nope")
local _, wrong = security.token_store("t:mem")
return {bad:kind(), none == nil, missing:kind(), wrong:kind()}
""")
    assert out == [INVALID, True, NOT_FOUND, NOT_FOUND]


@pytest.mark.parametrize("fields, why", [
    ({}, "store is required"),
    ({"store": "t:nope"}, "store.memory t:nope not found"),
    ({"store": "t:mem", "token_length": 2}, "token_length must be"),
    ({"store": "t:mem", "default_expiration": "later"}, "not a duration"),
])
def test_bad_definitions_fail_the_load_naming_the_entry(rt, fields, why):
    with pytest.raises(Exception) as err:
        rt.define({"id": "t:bad", "kind": "security.token_store", **fields})
    assert "t:bad" in str(err.value) and why in str(err.value)
