"""Selecting an overlay network is its own permission (`network.select` on the network's id),
judged at every Lua edge that takes one: an HTTP request's `overlay_network`, an executor's
`with_options{network = ...}` (nil, err) and a spawner's `with_options` (raises)."""

from __future__ import annotations

import pytest
from sec_helpers import lua, policy

PROBE = """
local function to_msg(err)
  if err == nil then return nil end
  if type(err) == "table" then return err.message or tostring(err) end
  return tostring(err)
end
local function main(target)
  local out = {}
  local resp, herr = http_client.get("http://127.0.0.1:9/", {overlay_network = target})
  out.http_resp, out.http_err = resp ~= nil, to_msg(herr)
  out.http_kind = herr and herr:kind()
  local exec, ferr = funcs.new():with_options({network = target})
  out.funcs_exec, out.funcs_err = exec ~= nil, to_msg(ferr)
  out.funcs_kind = ferr and ferr:kind()
  local ok, perr = pcall(function() return process.with_options({network = target}) end)
  out.process_ok, out.process_err = ok, to_msg(perr)
  local ok2, perr2 = pcall(function()
    return process.with_context({}):with_options({network = target}) end)
  out.spawner_ok, out.spawner_err = ok2, to_msg(perr2)
  return out
end
return { main = main }
"""

CALLER = """
local function main(deny)
  local scope = security.new_scope():with(security.policy("app:all"))
  if deny then scope = scope:with(security.policy("app:no_select")) end
  return funcs.new():with_actor(security.new_actor("u")):with_scope(scope)
    :call("app:probe", "app:overlay")
end
return { main = main }
"""


@pytest.fixture
def probe(rt):
    policy(rt, "all")
    policy(rt, "no_select", effect="deny", actions=["network.select"])
    lua(rt, "app:probe", PROBE, modules=("funcs", "http_client"))
    lua(rt, "app:caller", CALLER)
    return rt


def test_a_denied_network_is_refused_at_every_edge(probe):
    out = probe.call("app:caller", True)
    assert out["http_resp"] is False and out["http_err"] == "not allowed: network app:overlay"
    assert out["funcs_exec"] is False and out["funcs_err"] == "not allowed: network app:overlay"
    assert out["http_kind"] == out["funcs_kind"] == "PermissionDenied"
    assert out["process_ok"] is False and "not allowed: network app:overlay" in out["process_err"]
    assert out["spawner_ok"] is False and "not allowed: network app:overlay" in out["spawner_err"]


def test_an_allowed_network_passes_the_check(probe):
    out = probe.call("app:caller", False)
    # the executor and spawner keep the option; this runtime has no overlay networks, so
    # the HTTP request says so instead of pretending to route through one
    assert out["funcs_exec"] is True and "funcs_err" not in out
    assert out["process_ok"] is True and out["spawner_ok"] is True
    assert "overlay_network" in out["http_err"] and "not supported" in out["http_err"]
