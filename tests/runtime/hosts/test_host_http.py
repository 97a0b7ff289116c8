"""The `wasi:http` profile on the `http-client` fixture (one outgoing GET, returns the status)
against a server on 127.0.0.1 started by the test: declared, the request really goes out;
undeclared, the module loads and the call fails naming the import and the profiles to add;
and concurrent calls overlap, because a guest blocked on its response pollable holds a worker
thread, not the dispatcher."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from wippy_runtime.errors import PERMISSION_DENIED, GuestError
from wippy_runtime.wasm.host_linking import UnlinkedImportError

#: wasi:http types share `pollable` with wasi:io/poll, so both must be declared
HTTP = ["wasi:http", "wasi:poll"]
SLEEP = 0.2


class Handler(BaseHTTPRequestHandler):
    """200 for `/`, `/sleep` after SLEEP seconds; 404 for anything else. Counts the most
    /sleep requests it ever held at once (`peak`)."""

    active = 0
    peak = 0
    lock = threading.Lock()

    def log_message(self, *_args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path.startswith("/sleep"):
            with Handler.lock:
                Handler.active += 1
                Handler.peak = max(Handler.peak, Handler.active)
            try:
                time.sleep(SLEEP)
            finally:
                with Handler.lock:
                    Handler.active -= 1
        status = 200 if self.path == "/" or self.path.startswith("/sleep") else 404
        body = b"ok" if status == 200 else b"missing"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def authority() -> Iterator[str]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_get_returns_the_status_of_a_real_request(hosts, authority):
    hosts.http("get", HTTP)
    assert hosts.rt.call("t:get", authority, "/") == 200
    assert hosts.rt.call("t:get", authority, "/missing") == 404
    detail = hosts.rt.targets["t:get"].info().detail["imports"]
    assert "wasi:http/outgoing-handler@0.2.0" in detail["linked"]
    assert detail["stubbed"] == []


def test_a_refused_connection_comes_back_as_the_guests_error(hosts):
    """The guest sees wasi:http's `connection-refused` (error-code case 6), not a trap."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = srv.server_address[1]
    srv.server_close()  # nothing listens on the port any more
    hosts.http("get", HTTP)
    with pytest.raises(GuestError) as info:
        hosts.rt.call("t:get", f"127.0.0.1:{port}", "/")
    assert str(info.value) == "t:get: returned err: 'error-code 6'"


@pytest.mark.parametrize("declared,add", [([], "`wasi:http`, `wasi:poll`"),
                                          (["wasi:http"], "`wasi:poll`")])
def test_without_the_profiles_the_module_loads_and_the_call_names_what_to_add(
        hosts, authority, declared, add):
    hosts.http("get", declared)
    with pytest.raises(UnlinkedImportError) as info:
        hosts.rt.call("t:get", authority, "/")
    text = str(info.value)
    assert text.startswith("t:get: "), text
    assert "wasi:http/types@0.2.0#[constructor]fields is not available to this entry" in text
    assert f"add {add} to imports" in text
    assert info.value.kind == PERMISSION_DENIED
    # the entry is still usable once the profiles are declared (a fresh definition)
    hosts.http("get", HTTP)
    assert hosts.rt.call("t:get", authority, "/") == 200


def test_concurrent_calls_from_lua_coroutines_overlap(hosts, authority):
    n = 4
    hosts.http("get", HTTP, pool={"type": "lazy", "max_size": n})
    hosts.lua("fan", """
local function main(authority, n)
  local done = channel.new(n)
  local ticks, stop = 0, false
  coroutine.spawn(function()
    while not stop do time.sleep("20ms"); ticks = ticks + 1 end
  end)
  for i = 1, n do
    coroutine.spawn(function()
      local status, err = funcs.call("t:get", authority, "/sleep?i=" .. i)
      done:send(status or tostring(err))
    end)
  end
  local out = {}
  for i = 1, n do out[i] = done:receive() end
  stop = true
  return { statuses = out, ticks = ticks }
end
return { main = main }""", modules=("funcs", "time"))
    assert hosts.rt.call("t:get", authority, "/") == 200  # warm: compile + first instance
    Handler.peak = 0
    out = hosts.rt.call("t:fan", authority, n)
    assert list(out["statuses"]) == [200] * n, out
    # overlap, seen by the server (how much faster than serial is a bench figure)
    assert Handler.peak >= 2, "the components' requests ran one after another"
    assert out["ticks"] >= 3, out  # the dispatcher kept other coroutines running meanwhile
