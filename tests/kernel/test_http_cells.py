"""Prototyping an HTTP API in a notebook: a `%%yaml` cell defines a service, a router, an
endpoint and its function; the service listens at once and the next cell calls it."""

from __future__ import annotations

import socket

import pytest
from jupyter_client.manager import start_new_kernel

from . import kernelspec  # noqa: F401
from .helpers import ok, run


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app(port: int) -> str:
    return f"""%%yaml
namespace: nb
entries:
  - {{name: gw, kind: http.service, addr: "127.0.0.1:{port}"}}
  - {{name: api, kind: http.router, meta: {{server: gw}}, prefix: /api}}
  - name: hello
    kind: function.lua
    method: main
    modules: [http]
    source: |
      return {{ main = function()
        local req = http.request()
        return {{ greeting = "hello " .. (req:query("name") or "?") }}
      end }}
  - {{name: hello.ep, kind: http.endpoint, meta: {{router: api}}, method: GET,
     path: /hello, func: hello}}
"""


@pytest.fixture(scope="module")
def kc():
    km, client = start_new_kernel(kernel_name="wippy", startup_timeout=60)
    yield client
    client.stop_channels()
    km.shutdown_kernel(now=True)


def test_a_service_defined_in_a_cell_answers_the_next_cell(kc):
    port = free_port()
    ok(kc, app(port))
    res = ok(kc, f"""local resp, err = http_client.get("http://127.0.0.1:{port}/api/hello?name=nb")
assert(resp, tostring(err))
print(resp.status_code .. " " .. resp.body)""")
    assert res.stdout.strip() == '200 {"greeting":"hello nb"}'


def test_a_taken_port_is_reported_in_the_cell_and_the_session_goes_on(kc):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        res = run(kc, f'%%yaml\nnamespace: nb2\nentries:\n  - {{name: gw, kind: http.service, '
                      f'addr: "127.0.0.1:{port}"}}')
        assert "nb2:gw" in res.text() and "address already in use" in res.text()
    assert ok(kc, "1 + 1").result == "2"
