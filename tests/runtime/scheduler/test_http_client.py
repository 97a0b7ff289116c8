"""The Lua `http_client` module against a server on 127.0.0.1 started by the test: Wippy's API
(response table or `nil, err`), errors by kind, security policies, and requests overlapping
through the dispatcher instead of queueing."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from conftest import lua
from wippy_runtime.errors import INTERNAL, INVALID, PERMISSION_DENIED, CallError

BARRIER = threading.Barrier(2)


class Handler(BaseHTTPRequestHandler):
    #: requests inside /sleep right now, and the most there ever were at once
    active = 0
    peak = 0
    lock = threading.Lock()

    def log_message(self, *_args) -> None:  # keep test output clean
        pass

    def _reply(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/sleep":
            with Handler.lock:
                Handler.active += 1
                Handler.peak = max(Handler.peak, Handler.active)
            try:
                time.sleep(float(query.get("s", "0.2")))
            finally:
                with Handler.lock:
                    Handler.active -= 1
        if parts.path == "/barrier":  # answers only once two requests are in flight together
            try:
                BARRIER.wait(timeout=5)
            except threading.BrokenBarrierError:
                query["status"] = "504"
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        status = int(query.pop("status", "200"))
        data = json.dumps({"method": self.command, "path": parts.path, "query": query,
                           "body": body, "auth": self.headers.get("Authorization"),
                           "type": self.headers.get("Content-Type"),
                           "cookie": self.headers.get("Cookie"),
                           "x": self.headers.get("X-Test")}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Server", "test")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            with contextlib.suppress(BrokenPipeError):  # the client gave up (timeout test)
                self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _reply


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def call(rt, source: str, *args):
    lua(rt, "h", source, modules=["http_client", "json"])
    return rt.call("t:h", *args)


def test_methods_options_and_response_table(rt, server):
    out = call(rt, """
local function main(base)
  local r, err = http_client.get(base .. "/echo?a=1", {
    query = { b = "two" }, headers = { ["X-Test"] = "yes" }, cookies = { k = "v" } })
  if err then return nil, err end
  local p = http_client.post(base .. "/echo", { body = "hello", timeout = "5s",
    headers = { ["Content-Type"] = "text/plain" } })
  local f = http_client.put(base .. "/echo", { form = { name = "Al Ice" },
    auth = { user = "u", pass = "p" } })
  local d = http_client.delete(base .. "/echo?status=404")
  local h = http_client.head(base .. "/echo")
  local c = http_client.request("PATCH", base .. "/echo", { body = "x", timeout = 5 })
  return { get = json.decode(r.body), status = r.status_code, size = r.body_size == #r.body,
           server = r.headers["X-Server"], url = r.url, post = json.decode(p.body),
           put = json.decode(f.body), del = d.status_code, head = h.body,
           head_status = h.status_code, patch = json.decode(c.body).method }
end
return { main = main }""", server)
    get = out["get"]
    assert (out["status"], get["method"], get["path"]) == (200, "GET", "/echo")
    assert get["query"] == {"a": "1", "b": "two"} and get["x"] == "yes"
    assert get["cookie"] == "k=v" and out["size"] is True and out["server"] == "test"
    assert out["url"].startswith(server + "/echo?a=1")
    assert out["post"]["body"] == "hello" and out["post"]["type"] == "text/plain"
    assert out["put"]["method"] == "PUT" and out["put"]["body"] == "name=Al+Ice"
    assert out["put"]["type"] == "application/x-www-form-urlencoded"
    assert out["put"]["auth"] == "Basic dTpw"  # u:p
    assert out["del"] == 404  # an HTTP error status is a response, not an error
    assert (out["head"], out["head_status"]) == ("", 200)
    assert out["patch"] == "PATCH"


ERRORS = """
local function main(url, opts)
  local r, err = http_client.get(url, opts)
  if r then return { status = r.status_code } end
  return { kind = err:kind(), retryable = err:retryable(), message = err:message(),
           is_invalid = errors.is(err, errors.INVALID) }
end
return { main = main }"""


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_errors_are_returned_with_wippy_kinds(rt, server):
    lua(rt, "e", ERRORS, modules=["http_client"])
    refused = rt.call("t:e", f"http://127.0.0.1:{_closed_port()}/")
    assert refused["kind"] == INTERNAL and refused["retryable"] is True
    assert "refused" in refused["message"].lower()
    t0 = time.perf_counter()
    slow = rt.call("t:e", server + "/sleep?s=2", {"timeout": 0.2})
    assert time.perf_counter() - t0 < 1.5
    assert slow["kind"] == INTERNAL and slow["retryable"] is True
    assert "timeout" in slow["message"]
    for url, opts in (("ftp://example.com/", None), ("not a url", None),
                      (server, {"timeout": "soon"}), (server, {"unix_socket": "/x"})):
        bad = rt.call("t:e", url, opts)
        assert bad["kind"] == INVALID and bad["is_invalid"] is True, (url, opts, bad)
        assert bad["retryable"] is False
    assert "unix_socket" in rt.call("t:e", server, {"unix_socket": "/x"})["message"]


def _policy(rt, name, effect, actions, resources="*"):
    body = {"actions": actions, "resources": resources, "effect": effect}
    text = yaml.safe_dump({"namespace": "app", "entries": [
        {"name": name, "kind": "security.policy", "policy": body}]})
    assert rt.load_text(text).errors == []
    return f"app:{name}"


def test_security_policies_can_deny_requests_and_private_addresses(rt, server):
    lua(rt, "e", ERRORS, modules=["http_client"])
    allow = _policy(rt, "all", "allow", "*")
    deny = _policy(rt, "no_http", "deny", "http_client.request", server + "/*")
    no_private = _policy(rt, "no_private", "deny", "http_client.private_ip")
    assert rt.call("t:e", server + "/echo", actor="a", scope=[allow]) == {"status": 200}
    out = rt.call("t:e", server + "/echo", actor="a", scope=[allow, deny])
    assert out["kind"] == PERMISSION_DENIED and "http_client.request" in out["message"]
    out = rt.call("t:e", server + "/echo", actor="a", scope=[allow, no_private])
    assert out["kind"] == PERMISSION_DENIED and "private IP 127.0.0.1" in out["message"]


def test_ten_requests_run_concurrently(rt, server):
    """The requests overlap (the server saw several at once) and the dispatcher kept other
    coroutines running. How much faster than serial is a bench figure
    (bench/bench_scheduler.py, bench_http), not a timing assertion."""
    Handler.peak = 0
    lua(rt, "c", """
local function main(base, n)
  local done = channel.new(n)
  local ticks = 0
  local stop = false
  coroutine.spawn(function()
    while not stop do time.sleep("20ms"); ticks = ticks + 1 end
  end)
  for i = 1, n do
    coroutine.spawn(function()
      local r, err = http_client.get(base .. "/sleep?s=0.2&i=" .. i)
      done:send(r and r.status_code or tostring(err))
    end)
  end
  local ok = 0
  for _ = 1, n do if done:receive() == 200 then ok = ok + 1 end end
  stop = true
  return { ok = ok, ticks = ticks }
end
return { main = main }""", modules=["http_client", "time"])
    out = rt.call("t:c", server, 10)
    assert out["ok"] == 10
    assert Handler.peak >= 2, "the requests ran one after another"
    assert out["ticks"] >= 3  # the dispatcher kept other coroutines running meanwhile


BATCH = """
local function main(base, bad, first)
  local responses, errors = http_client.request_batch({
    { "GET", base .. first },
    { "post", base .. "/echo", { body = "two" } },
    { "GET", bad },
  })
  local out = { first = responses[1] and responses[1].status_code,
                second = responses[2] and json.decode(responses[2].body),
                third_missing = responses[3] == nil, errors_nil = errors == nil }
  if errors then
    out.first_error_nil = errors[1] == nil
    out.third_kind = errors[3]:kind()
    out.third_retryable = errors[3]:retryable()
  end
  return out
end
return { main = main }"""


def test_request_batch_runs_concurrently_and_reports_per_request(rt, server):
    from wippy_runtime.errors import INTERNAL, INVALID

    lua(rt, "b", BATCH, modules=["http_client", "json"])
    out = rt.call("t:b", server, f"http://127.0.0.1:{_closed_port()}/", "/echo")
    assert out["second"]["method"] == "POST" and out["second"]["body"] == "two"
    assert out["third_missing"] and not out["errors_nil"] and out["first_error_nil"]
    assert out["third_kind"] == INTERNAL and out["third_retryable"] is True
    # Both /barrier requests answer 200 only if they were in flight at the same time.
    BARRIER.reset()
    out = rt.call("t:b", server, server + "/barrier?i=3", "/barrier?i=1")
    assert out["first"] == 200 and out["errors_nil"] and out["third_missing"] is False
    lua(rt, "bad", """
local function main(which)
  if which == "empty" then return http_client.request_batch({}) end
  local r, err = http_client.request_batch(which == "shape" and { "GET" } or { { 1, "x" } })
  return { r == nil, err:kind(), err:message() }
end
return { main = main }""", modules=["http_client"])
    with pytest.raises(CallError, match="requests table cannot be empty"):
        rt.call("t:bad", "empty")
    assert rt.call("t:bad", "shape") == [True, INVALID, "request 1: each request must be a table"]
    assert rt.call("t:bad", "method") == [True, INVALID, "request 1: method must be a string"]
