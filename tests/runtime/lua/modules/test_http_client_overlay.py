"""An overlay network chosen with `with_options{network=}` carries every outgoing HTTP request
of the callee, of what it calls and of the processes it spawns, through that network's SOCKS5
proxy; a broken proxy fails the request instead of falling back to clearnet."""

from __future__ import annotations

import socket
import socketserver
import threading

import pytest
from wippy_runtime import Runtime

from tests.runtime.http_server.http_helpers import endpoint, serve


class Socks5(socketserver.ThreadingTCPServer):
    """A real SOCKS5 proxy (no auth, CONNECT by name) that records where it connected."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.targets: list[tuple[str, int]] = []
        super().__init__(("127.0.0.1", 0), _Relay)


class _Relay(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        c = self.request
        c.recv(3)
        c.sendall(b"\x05\x00")
        head = c.recv(4)
        assert head[3] == 3
        name = c.recv(c.recv(1)[0]).decode()
        port = int.from_bytes(c.recv(2), "big")
        self.server.targets.append((name, port))  # type: ignore[attr-defined]
        up = socket.create_connection(("127.0.0.1" if name == "localhost" else name, port))
        c.sendall(b"\x05\x00\x00\x01" + bytes(4) + b"\x00\x00")

        def pump(a: socket.socket, b: socket.socket) -> None:
            try:
                while data := a.recv(65536):
                    b.sendall(data)
            except OSError:
                pass
            finally:
                b.close()
        threading.Thread(target=pump, args=(up, c), daemon=True).start()
        pump(c, up)


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    yield runtime
    runtime.close()


@pytest.fixture
def proxy():
    server = Socks5()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app(proxy_port: int) -> str:
    return f"""
- name: hello
  kind: function.lua
  method: main
  source: "return {{ main = function() return 'via http' end }}"
- {{name: good, kind: network.socks5, host: 127.0.0.1, port: {proxy_port}}}
- {{name: broken, kind: network.socks5, host: 127.0.0.1, port: {closed_port()}}}
- name: fetch
  kind: function.lua
  method: main
  modules: [http_client]
  source: |
    return {{ main = function(url)
      local r, err = http_client.get(url, {{timeout = "5s"}})
      if err then return {{ok = false, err = tostring(err)}} end
      return {{ok = true, body = r.body}}
    end }}
- name: via
  kind: function.lua
  method: main
  modules: [funcs]
  source: |
    return {{ main = function(net, url)
      return funcs.new():with_options({{network = net}}):call("t:fetch", url)
    end }}
""" + endpoint("hello.ep", "GET", "/hello", "hello")


def test_the_callee_connects_through_the_chosen_proxy(rt, proxy):
    port = serve(rt, app(proxy.server_address[1]))
    url = f"http://localhost:{port}/hello"
    assert rt.call("t:via", "t:good", url) == {"ok": True, "body": "via http"}
    assert proxy.targets == [("localhost", port)]
    assert rt.call("t:fetch", url) == {"ok": True, "body": "via http"}  # no overlay: direct
    assert len(proxy.targets) == 1


def test_a_broken_proxy_fails_the_request_instead_of_going_clearnet(rt, proxy):
    port = serve(rt, app(proxy.server_address[1]))
    out = rt.call("t:via", "t:broken", f"http://localhost:{port}/hello")
    assert out["ok"] is False and "refused" in out["err"].lower()


def test_an_unknown_or_unsupported_network_is_an_error(rt, proxy):
    port = serve(rt, app(proxy.server_address[1]) + """
- {name: tail, kind: network.tailscale}
""")
    url = f"http://localhost:{port}/hello"
    missing = rt.call("t:via", "t:nope", url)
    assert missing["ok"] is False and "t:nope not found" in missing["err"]
    other = rt.call("t:via", "t:tail", url)
    assert other["ok"] is False and "only network.socks5" in other["err"]
