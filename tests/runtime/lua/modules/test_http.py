"""The `http` module from real Lua handlers answering real requests: the request's methods,
the response's rules (headers fixed by the first write, streaming, SSE), multipart uploads
(sent with http_client's `files`), and its errors outside an HTTP call."""

from __future__ import annotations

import http.client
import json

import pytest
from wippy_runtime import Runtime
from wippy_runtime.errors import INTERNAL, INVALID

from tests.runtime.http_server.http_helpers import endpoint, lua_handler, request, serve


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    yield runtime
    runtime.close()


def one(rt, method: str, body: str, path: str = "/t", modules=("http",)) -> int:
    return serve(rt, lua_handler("h", body, modules) + endpoint("h.ep", method, path, "h"))


def test_request_headers_query_and_addresses(rt):
    port = one(rt, "GET", """
        res:write_json({
          header = req:header("X-Thing"), multi = req:header("X-Multi"),
          ctype = req:content_type(), length = req:content_length(), host = req:host(),
          remote = req:remote_addr(), params = req:query_params(), has = req:has_body(),
          accepts = req:accepts("application/json"), is_json = req:is_content_type("text/")
        })
    """)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.putrequest("GET", "/t?a=1&a=2&b=x")
    for name, value in (("X-Thing", "v"), ("X-Multi", "1"), ("X-Multi", "2"),
                        ("Content-Type", "text/plain"), ("Accept", "*/*")):
        conn.putheader(name, value)
    conn.endheaders()
    data = json.loads(conn.getresponse().read())
    conn.close()
    assert data["header"] == "v" and data["multi"] == "1, 2"
    assert data["ctype"] == "text/plain" and data["length"] == 0 and data["has"] is False
    assert data["host"] == f"127.0.0.1:{port}"
    assert data["remote"].startswith("127.0.0.1:")
    assert data["params"] == {"a": "1,2", "b": "x"}
    assert data["accepts"] is True and data["is_json"] is True


def test_the_body_reads_once_as_text_or_json(rt):
    port = one(rt, "POST", """
        local data, err = req:body_json()
        local again, err2 = req:body()
        res:write_json({name = data.name, again = again, kind = err2:kind()})
    """)
    reply = request(port, "POST", "/t", json.dumps({"name": "n"}))
    assert json.loads(reply.body) == {"name": "n", "kind": INVALID}


def test_bad_json_and_a_missing_body_are_invalid_errors(rt):
    port = one(rt, "POST", """
        local _, err = req:body_json()
        res:write_json({kind = err:kind(), msg = tostring(err)})
    """)
    bad = json.loads(request(port, "POST", "/t", "{nope").body)
    assert bad["kind"] == INVALID and "invalid JSON" in bad["msg"]
    empty = json.loads(request(port, "POST", "/t", "").body)
    assert empty["kind"] == INVALID and "no body" in empty["msg"]


def test_the_body_streams_in_chunks(rt):
    port = one(rt, "POST", """
        local s = req:stream()
        local sizes, parts = {}, {}
        while true do
          local chunk = s:read(1000)
          if chunk == nil then break end
          sizes[#sizes + 1] = #chunk
          parts[#parts + 1] = chunk
        end
        local st = s:stat()
        s:close()
        local _, closed = s:read(1)
        res:write_json({sizes = sizes, same = table.concat(parts) == string.rep("x", 2500),
                        size = st.size, closed = closed:kind()})
    """)
    data = json.loads(request(port, "POST", "/t", "x" * 2500).body)
    assert data == {"sizes": [1000, 1000, 500], "same": True, "size": 2500,
                    "closed": INTERNAL}


def test_a_chunked_request_body_is_read(rt):
    port = one(rt, "POST", "res:write(req:body())")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/t", body=iter([b"hello ", b"chunked ", b"world"]),
                 encode_chunked=True)
    assert conn.getresponse().read() == b"hello chunked world"
    conn.close()


def test_status_and_headers_cannot_change_after_the_first_write(rt):
    port = one(rt, "GET", """
        res:set_status(201)
        res:set_header("X-Before", "yes")
        res:write("body")
        local e1 = res:set_status(500)
        local e2 = res:set_header("X-After", "no")
        local e3 = res:set_content_type("text/html")
        res:write(" " .. e1:kind() .. " " .. tostring(e2 ~= nil) .. " " .. tostring(e3 ~= nil))
    """)
    reply = request(port, "GET", "/t")
    assert reply.status == 201 and reply.headers["X-Before"] == "yes"
    assert "X-After" not in reply.headers
    assert reply.text == f"body {INVALID} true true"


def test_set_status_alone_is_a_response(rt):
    port = one(rt, "GET", "res:set_status(http.STATUS.NO_CONTENT)")
    reply = request(port, "GET", "/t")
    assert (reply.status, reply.body) == (204, b"")


def test_chunked_transfer_streams_every_write(rt):
    port = one(rt, "GET", """
        res:set_transfer(http.TRANSFER.CHUNKED)
        res:write("one,")
        res:flush()
        res:write("two")
    """)
    reply = request(port, "GET", "/t")
    assert reply.headers["Transfer-Encoding"] == "chunked"
    assert reply.text == "one,two"


def test_server_sent_events_switch_the_response_to_sse(rt):
    port = one(rt, "GET", """
        res:write_event({name = "start", data = {n = 1}})
        res:write_event({name = "end", data = "done"})
        local err = res:write_event({data = 1})
        res:write_event({name = "check", data = {missing_name = err:kind()}})
    """)
    reply = request(port, "GET", "/t")
    assert reply.headers["Content-Type"] == "text/event-stream"
    assert reply.text == ('event: start\ndata: {"n":1}\n\n'
                          'event: end\ndata: "done"\n\n'
                          f'event: check\ndata: {{"missing_name":"{INVALID}"}}\n\n')


def test_write_event_after_a_plain_write_is_invalid(rt):
    port = one(rt, "GET", """
        res:write("plain ")
        local err = res:write_event({name = "x", data = 1})
        res:write(err:kind())
    """)
    assert request(port, "GET", "/t").text == f"plain {INVALID}"


def test_write_json_sets_the_content_type_unless_one_was_set(rt):
    port = one(rt, "GET", """
        if req:query("ct") then res:set_content_type("application/vnd.x+json") end
        res:write_json({1, 2, 3})
    """)
    assert request(port, "GET", "/t").headers["Content-Type"] == "application/json"
    custom = request(port, "GET", "/t?ct=1")
    assert custom.headers["Content-Type"] == "application/vnd.x+json"
    assert json.loads(custom.body) == [1, 2, 3]


def test_constants_match_wippys(rt):
    port = one(rt, "GET", """
        res:write_json({http.METHOD.POST, http.STATUS.NOT_FOUND, http.STATUS.INTERNAL_ERROR,
                        http.CONTENT.JSON, http.TRANSFER.SSE, http.ERROR.INVALID_STATE})
    """)
    assert json.loads(request(port, "GET", "/t").body) == [
        "POST", 404, 500, "application/json", "sse", "INVALID_STATE"]


def test_multipart_upload_from_http_client_files_reaches_parse_multipart(rt):
    port = one(rt, "POST", """
        local form, err = req:parse_multipart()
        if err then res:set_status(400) res:write(tostring(err)) return end
        local f = form.files.doc[1]
        local s = f:stream()
        res:write_json({name = f:name(), size = f:size(), ctype = f:header("Content-Type"),
                        content = s:read(), title = form.values.title,
                        tags = form.values.tag})
    """)
    rt.define({"id": "t:client", "kind": "function.lua", "method": "main",
               "modules": ["http_client"], "source": f"""return {{ main = function()
        local resp, err = http_client.post("http://127.0.0.1:{port}/t", {{
          form = {{title = "T"}},
          files = {{{{name = "doc", filename = "a.txt", content = "line1\\nline2\\n",
                     content_type = "text/plain"}}}}}})
        if err then error(err) end
        return resp.body
    end }}"""})
    data = json.loads(rt.call("t:client"))
    assert data == {"name": "a.txt", "size": 12, "ctype": "text/plain",
                    "content": "line1\nline2\n", "title": "T"}


def test_parse_multipart_refuses_other_content_types(rt):
    port = one(rt, "POST", """
        local _, err = req:parse_multipart()
        res:write(err:kind())
    """)
    assert request(port, "POST", "/t", "a=1",
                   {"Content-Type": "application/x-www-form-urlencoded"}).text == INVALID


def test_http_client_files_must_be_well_formed(rt):
    rt.define({"id": "t:bad", "kind": "function.lua", "method": "main",
               "modules": ["http_client"], "source": """return { main = function()
        local _, err = http_client.post("http://127.0.0.1:1/x", {files = {{name = "f"}}})
        return {err:kind(), tostring(err)}
    end }"""})
    kind, message = rt.call("t:bad")
    assert kind == INVALID and "files[1].filename is required" in message


def test_outside_an_http_call_request_and_response_are_internal_errors(rt):
    rt.define({"id": "t:plain", "kind": "function.lua", "method": "main", "modules": ["http"],
               "source": """return { main = function()
        local req, e1 = http.request()
        local res, e2 = http.response()
        return {req == nil, res == nil, e1:kind(), e2:kind(), tostring(e1)}
    end }"""})
    out = rt.call("t:plain")
    assert out[:4] == [True, True, INTERNAL, INTERNAL]
    assert "no HTTP request context" in out[4]


def test_a_function_called_by_the_handler_with_other_options_has_no_request(rt):
    port = serve(rt, lua_handler("outer", """
        local funcs = require("funcs")
        local inner = funcs.new():with_context({k = "v"}):call("t:inner")
        res:write_json({inner = inner})
    """, modules=("http", "funcs")) + """
- name: inner
  kind: function.lua
  method: main
  modules: [http]
  source: |
    return { main = function() local r = http.request() return r == nil end }
""" + endpoint("outer.ep", "GET", "/o", "outer"))
    assert json.loads(request(port, "GET", "/o").body) == {"inner": True}


def test_http_client_streams_a_chunked_response_with_stream_true(rt):
    port = one(rt, "GET", """
        res:set_transfer(http.TRANSFER.CHUNKED)
        for i = 1, 50 do res:write(string.rep(tostring(i % 10), 100)) end
    """)
    rt.define({"id": "t:client", "kind": "function.lua", "method": "main",
               "modules": ["http_client"], "source": f"""return {{ main = function()
        local resp, err = http_client.get("http://127.0.0.1:{port}/t", {{stream = true}})
        if err then error(err) end
        local parts, reads = {{}}, 0
        while true do
          local chunk = resp.stream:read(512)
          if chunk == nil then break end
          reads = reads + 1
          parts[#parts + 1] = chunk
        end
        local ok = resp.stream:close()
        return {{resp.status_code, resp.body == nil, #table.concat(parts), reads > 1, ok}}
    end }}"""})
    assert rt.call("t:client") == [200, True, 5000, True, True]
