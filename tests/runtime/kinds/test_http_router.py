"""`http.router`: prefixes and middleware (cors, token_auth, endpoint_firewall) as Wippy's
options configure them; an unknown server fails the load, unknown middleware is reported."""

from __future__ import annotations

import json

import pytest
from wippy_runtime import Runtime

from tests.runtime.http_server.http_helpers import endpoint, lua_handler, request, serve

ECHO = lua_handler("echo", "res:write('ok')")


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    yield runtime
    runtime.close()


def cors_app(origins: str) -> str:
    return f"""
- name: web
  kind: http.router
  meta: {{server: gw}}
  prefix: /web
  middleware: [cors]
  options:
    cors.allow.origins: "{origins}"
""" + ECHO + endpoint("echo.ep", "POST", "/echo", "echo", router="web")


@pytest.mark.parametrize("origin, allowed", [
    ("http://localhost:5173", True),
    ("https://localhost:3000", True),
    ("http://localhost", True),
    ("https://app.example.com", True),
    ("https://example.com", False),
    ("https://evil.com", False),
])
def test_cors_echoes_allowed_origins_on_actual_requests(rt, origin, allowed):
    port = serve(rt, cors_app("localhost, *.example.com"))
    reply = request(port, "POST", "/web/echo", "x", {"Origin": origin})
    assert (reply.status, reply.text) == (200, "ok")  # the request proceeds either way
    assert reply.headers.get("Access-Control-Allow-Origin") == (origin if allowed else None)
    assert (reply.headers.get("Vary") == "Origin") is allowed


def test_cors_answers_a_preflight_from_an_allowed_origin(rt):
    port = serve(rt, cors_app("localhost"))
    reply = request(port, "OPTIONS", "/web/echo", None, {
        "Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type"})
    assert reply.status == 204
    assert reply.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert "POST" in reply.headers["Access-Control-Allow-Methods"]
    assert reply.headers["Access-Control-Max-Age"] == "86400"
    rejected = request(port, "OPTIONS", "/web/echo", None, {
        "Origin": "https://evil.com", "Access-Control-Request-Method": "POST"})
    assert rejected.status == 204 and "Access-Control-Allow-Origin" not in rejected.headers


def test_a_router_prefix_places_its_endpoints(rt):
    port = serve(rt, cors_app("*"))
    assert request(port, "POST", "/web/echo", "x").text == "ok"
    assert request(port, "POST", "/echo", "x").status == 404


AUTH = """
- name: tokens_store
  kind: store.memory
- name: tokens
  kind: security.token_store
  store: tokens_store
- name: allow_access
  kind: security.policy
  policy: {actions: [access], resources: "*", effect: allow}
- name: secure
  kind: http.router
  meta: {server: gw}
  prefix: /secure
  middleware: [token_auth]
  post_middleware: [endpoint_firewall]
  options: {token_store: t:tokens}
- name: login
  kind: function.lua
  method: main
  modules: [security]
  source: |
    return { main = function()
      local store = security.token_store("t:tokens")
      local scope = security.new_scope({ security.policy("t:allow_access") })
      return { token = store:create(security.new_actor("ann", {role = "x"}), scope) }
    end }
""" + lua_handler("whoami", """
    local security = require("security")
    local a = security.actor()
    res:write_json({id = a and a:id() or "nobody"})
""", modules=("http", "security")) + endpoint("login.ep", "POST", "/login", "login") \
    + endpoint("whoami.ep", "GET", "/whoami", "whoami", router="secure")


def login(port: int) -> str:
    reply = request(port, "POST", "/login")
    assert reply.status == 200, reply.text
    return json.loads(reply.body)["token"]


def test_token_auth_makes_the_tokens_actor_the_functions(rt):
    port = serve(rt, AUTH)
    token = login(port)
    by_header = request(port, "GET", "/secure/whoami", None, {"Authorization": f"Bearer {token}"})
    assert (by_header.status, json.loads(by_header.body)) == (200, {"id": "ann"})
    by_query = request(port, "GET", f"/secure/whoami?x-auth-token={token}")
    assert json.loads(by_query.body) == {"id": "ann"}
    by_cookie = request(port, "GET", "/secure/whoami", None, {"Cookie": f"x-auth-token={token}"})
    assert json.loads(by_cookie.body) == {"id": "ann"}


def test_endpoint_firewall_refuses_missing_bad_and_revoked_tokens(rt):
    port = serve(rt, AUTH)
    none = request(port, "GET", "/secure/whoami")
    assert none.status == 401 and json.loads(none.body)["error"] == "Authentication required"
    bad = request(port, "GET", "/secure/whoami", None, {"Authorization": "Bearer nope"})
    assert bad.status == 401
    token = login(port)
    rt.define({"id": "t:revoke", "kind": "function.lua", "method": "main",
               "modules": ["security"], "source": "return { main = function(t) "
               "return security.token_store('t:tokens'):revoke(t) end }"})
    assert rt.call("t:revoke", token) is True
    gone = request(port, "GET", "/secure/whoami", None, {"Authorization": f"Bearer {token}"})
    assert gone.status == 401


def test_endpoint_firewall_denies_a_scope_without_access_on_the_endpoint(rt):
    port = serve(rt, AUTH.replace("resources: \"*\"", "resources: \"t:other\""))
    token = login(port)
    reply = request(port, "GET", "/secure/whoami", None, {"Authorization": f"Bearer {token}"})
    assert reply.status == 403 and json.loads(reply.body)["error"] == "Access denied"


def test_unknown_middleware_is_reported_and_skipped(rt):
    port = serve(rt, """
- name: ws
  kind: http.router
  meta: {server: gw}
  prefix: /ws
  middleware: [websocket_relay, cors]
""" + ECHO + endpoint("echo.ep", "POST", "/e", "echo", router="ws"))
    assert any("t:ws" in w and "websocket_relay" in w for w in rt.warnings)
    assert request(port, "POST", "/ws/e", "x", {"Origin": "http://a"}).headers[
        "Access-Control-Allow-Origin"] == "http://a"


@pytest.mark.parametrize("fields, why", [
    ({"meta": {"server": "t:nope"}}, "http.service t:nope not found"),
    ({"meta": {}}, "meta.server is required"),
    ({"meta": {"server": "t:gw"}, "prefix": "api"}, "must start with '/'"),
    ({"meta": {"server": "t:gw"}, "middleware": "cors"}, "must be a list"),
    ({"meta": {"server": "t:gw"}, "options": ["x"]}, "must be a map"),
])
def test_bad_routers_fail_the_load_naming_the_entry(rt, fields, why):
    serve(rt)
    with pytest.raises(Exception) as err:
        rt.define({"id": "t:bad", "kind": "http.router", **fields})
    assert "t:bad" in str(err.value) and why in str(err.value)
