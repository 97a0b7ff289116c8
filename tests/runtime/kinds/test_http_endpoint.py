"""`http.endpoint`: routes to a function called through the call pipeline; what it returns or
raises becomes the response; bad definitions fail the load naming the entry."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from wippy_runtime import Runtime

from tests.runtime.http_server.http_helpers import (
    endpoint,
    lua_handler,
    request,
    serve,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "components"


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    yield runtime
    runtime.close()


def plain(name: str, body: str) -> str:
    """A function.lua without the http module (what it returns is the response)."""
    return (f"- name: {name}\n  kind: function.lua\n  method: main\n  source: |\n"
            f"    return {{ main = function() {body} end }}\n")


def test_route_parameters_query_and_method_reach_the_function(rt):
    port = serve(rt, lua_handler("show", """
        res:write_json({id = req:param("id"), all = req:params(), q = req:query("q"),
                        method = req:method(), path = req:path()})
    """) + endpoint("show.ep", "GET", "/users/{id}", "show"))
    reply = request(port, "GET", "/users/42?q=x%20y")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json"
    assert json.loads(reply.body) == {"id": "42", "all": {"id": "42"}, "q": "x y",
                                      "method": "GET", "path": "/users/42"}


def test_return_values_are_encoded_when_nothing_was_written(rt):
    port = serve(rt, plain("tbl", "return {a = 1, list = {1, 2}}")
                 + plain("str", "return 'hello'") + plain("none", "return nil")
                 + endpoint("tbl.ep", "GET", "/tbl", "tbl")
                 + endpoint("str.ep", "GET", "/str", "str")
                 + endpoint("none.ep", "GET", "/none", "none"))
    tbl = request(port, "GET", "/tbl")
    assert (tbl.status, tbl.headers["Content-Type"]) == (200, "application/json")
    assert json.loads(tbl.body) == {"a": 1, "list": [1, 2]}
    s = request(port, "GET", "/str")
    assert (s.status, s.headers["Content-Type"], s.text) == (
        200, "text/plain; charset=utf-8", "hello")
    none = request(port, "GET", "/none")
    assert none.status == 500 and "no response sent" in none.text


def test_a_handler_that_errors_answers_500_with_the_error_and_the_server_goes_on(rt):
    port = serve(rt, plain("boom", "error('kaboom in handler')")
                 + plain("fails", "return nil, 'told you so'")
                 + plain("ok", "return 'fine'")
                 + endpoint("boom.ep", "GET", "/boom", "boom")
                 + endpoint("fails.ep", "GET", "/fails", "fails")
                 + endpoint("ok.ep", "GET", "/ok", "ok"))
    boom = request(port, "GET", "/boom")
    assert boom.status == 500
    assert "t:boom" in boom.text and "kaboom in handler" in boom.text
    fails = request(port, "GET", "/fails")
    assert fails.status == 500 and "told you so" in fails.text
    assert request(port, "GET", "/ok").text == "fine"


def test_a_missing_func_entry_answers_500_naming_it_and_a_later_definition_serves(rt):
    port = serve(rt, endpoint("ghost.ep", "GET", "/ghost", "ghost"))
    reply = request(port, "GET", "/ghost")
    assert reply.status == 500 and "t:ghost" in reply.text
    rt.define({"id": "t:ghost", "kind": "function.lua", "method": "main",
               "source": "return { main = function() return 'here now' end }"})
    assert request(port, "GET", "/ghost").text == "here now"


def test_the_function_limits_apply_to_http_calls(rt):
    port = serve(rt, """
- name: spin
  kind: function.lua
  method: main
  limits: {max_execution_ms: 200}
  source: |
    return { main = function() while true do end end }
""" + endpoint("spin.ep", "GET", "/spin", "spin"))
    reply = request(port, "GET", "/spin")
    assert reply.status == 500
    assert "t:spin" in reply.text


def test_unknown_paths_404_other_methods_405_and_options_204(rt):
    port = serve(rt, plain("ok", "return 'x'") + endpoint("ok.ep", "POST", "/thing", "ok"))
    assert request(port, "GET", "/nothing").status == 404
    wrong = request(port, "DELETE", "/thing")
    assert wrong.status == 405 and "POST" in wrong.headers["Allow"]
    assert request(port, "OPTIONS", "/thing").status == 204
    assert request(port, "POST", "/thing").text == "x"


def test_a_head_request_gets_the_get_route_without_a_body(rt):
    port = serve(rt, plain("ok", "return 'some text'") + endpoint("ok.ep", "GET", "/t", "ok"))
    reply = request(port, "HEAD", "/t")
    assert reply.status == 200 and reply.body == b""
    assert reply.headers["Content-Length"] == str(len("some text"))


def test_replacing_and_removing_an_endpoint_changes_what_the_next_request_gets(rt):
    port = serve(rt, plain("a", "return 'A'") + plain("b", "return 'B'")
                 + endpoint("ep", "GET", "/x", "a"))
    assert request(port, "GET", "/x").text == "A"
    rt.define({"id": "t:ep", "kind": "http.endpoint", "meta": {"router": "t:api"},
               "method": "GET", "path": "/x", "func": "t:b"})
    assert request(port, "GET", "/x").text == "B"
    rt.remove("t:ep")
    assert request(port, "GET", "/x").status == 404


@pytest.mark.parametrize("fields, why", [
    ({"meta": {"router": "t:nope"}, "method": "GET", "path": "/a", "func": "f"},
     "http.router t:nope not found"),
    ({"meta": {}, "method": "GET", "path": "/a", "func": "f"}, "meta.router is required"),
    ({"meta": {"router": "t:api"}, "method": "FETCH", "path": "/a", "func": "f"},
     "method must be an HTTP method"),
    ({"meta": {"router": "t:api"}, "method": "GET", "path": "/a/{x", "func": "f"},
     "wildcard must be a whole segment"),
    ({"meta": {"router": "t:api"}, "method": "GET", "path": "a", "func": "f"},
     "must start with '/'"),
    ({"meta": {"router": "t:api"}, "method": "GET", "path": "/a"}, "func is required"),
    ({"meta": {"router": "t:gw"}, "method": "GET", "path": "/a", "func": "f"},
     "is a http.service, expected http.router"),
])
def test_bad_endpoints_fail_the_load_naming_the_entry_and_others_keep_serving(rt, fields, why):
    port = serve(rt, plain("ok", "return 'still here'") + endpoint("ok.ep", "GET", "/ok", "ok"))
    with pytest.raises(Exception) as err:
        rt.define({"id": "t:bad", "kind": "http.endpoint", **fields})
    assert "t:bad" in str(err.value) and why in str(err.value)
    assert request(port, "GET", "/ok").text == "still here"


def test_a_wasi_http_wasm_function_gets_the_body_and_its_string_result_is_the_response(rt):
    binary = FIXTURES / "echo.component.wasm"
    digest = hashlib.sha256(binary.read_bytes()).hexdigest()
    port = serve(rt, f"""
- name: fixtures
  kind: fs.directory
  directory: {FIXTURES}
- name: echo
  kind: function.wasm
  fs: fixtures
  path: /echo.component.wasm
  hash: sha256:{digest}
  method: echo-string
  transport: wasi-http
  pool: {{type: inline}}
""" + endpoint("echo.ep", "POST", "/echo", "echo"))
    reply = request(port, "POST", "/echo", "Wippy", {"Content-Type": "text/plain"})
    assert (reply.status, reply.text) == (200, "Wippy")
    assert reply.headers["Content-Type"] == "text/plain; charset=utf-8"
    empty = request(port, "POST", "/echo", "")  # no body: called with no argument
    assert empty.status == 500 and "t:echo" in empty.text
