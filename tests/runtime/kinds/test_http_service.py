"""`http.service`: a real listener on port 0 that starts with the runtime's services and stops
on close, removal and replacement; a taken port is an error naming the entry."""

from __future__ import annotations

import socket

import pytest
from wippy_runtime import Runtime
from wippy_runtime.http_server.hub import start_services

from tests.runtime.http_server.http_helpers import endpoint, load, lua_handler, request, serve

HELLO = lua_handler("hello", "res:write('hi from ' .. req:path())") + \
    endpoint("hello.ep", "GET", "/hello", "hello")


def refused(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    yield runtime
    runtime.close()


def test_loading_an_app_opens_no_port_until_services_start(rt):
    load(rt, HELLO)
    assert rt.built["t:gw"].port is None
    assert start_services(rt) == []
    port = rt.built["t:gw"].port
    reply = request(port, "GET", "/hello")
    assert (reply.status, reply.text) == (200, "hi from /hello")
    assert rt.describe()[[i.id for i in rt.describe()].index("t:gw")].detail["listening"] \
        == f"127.0.0.1:{port}"


def test_close_stops_the_listener():
    runtime = Runtime(cache_dir=False)
    port = serve(runtime, HELLO)
    runtime.close()
    assert refused(port)


def test_removing_the_service_frees_its_port(rt):
    port = serve(rt, HELLO)
    rt.remove("t:gw")
    assert refused(port)


def test_a_replaced_service_takes_over_and_serves_the_same_routes(rt):
    port = serve(rt, HELLO)
    with socket.socket() as probe:  # a port we know is free now, for the new generation
        probe.bind(("127.0.0.1", 0))
        new_port = probe.getsockname()[1]
    rt.define({"id": "t:gw", "kind": "http.service", "addr": f"127.0.0.1:{new_port}"})
    assert refused(port)
    assert rt.built["t:gw"].port == new_port
    assert request(new_port, "GET", "/hello").text == "hi from /hello"


def test_a_service_defined_after_start_listens_at_once(rt):
    serve(rt, HELLO)
    rt.define({"id": "t:late", "kind": "http.service", "addr": "127.0.0.1:0"})
    assert rt.built["t:late"].port
    assert request(rt.built["t:late"].port, "GET", "/hello").status == 404  # no routers


def test_a_taken_port_is_reported_naming_the_entry_and_the_rest_runs(rt):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        load(rt, HELLO + f"""
- name: other
  kind: http.service
  addr: 127.0.0.1:{busy}
""")
        problems = start_services(rt)
        assert len(problems) == 1
        assert "t:other" in problems[0] and "address already in use" in problems[0]
        assert str(busy) in problems[0]
        assert rt.built["t:other"].port is None
        assert request(rt.built["t:gw"].port, "GET", "/hello").status == 200
        rt.define({"id": "t:seven", "kind": "function.lua", "method": "main",
                   "source": "return { main = function() return 7 end }"})
        assert rt.call("t:seven") == 7  # the runtime still calls entries
        assert any("t:other" in w for w in rt.warnings)


@pytest.mark.parametrize("addr, why", [
    (None, "addr is required"),
    ("8080", "must be host:port"),
    (":http", "is not a number"),
    (":70000", "out of range"),
])
def test_bad_addresses_fail_the_load_naming_the_entry(rt, addr, why):
    report = rt.load_text(f"""
namespace: t
entries:
  - name: bad
    kind: http.service
    {'addr: ' + repr(addr) if addr is not None else 'lifecycle: {}'}
""")
    assert len(report.errors) == 1
    assert "t:bad" in str(report.errors[0]) and why in str(report.errors[0])
