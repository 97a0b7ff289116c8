"""Serving a small app on a real socket (port 0) and talking to it with `http.client`."""

from __future__ import annotations

import http.client
import textwrap
from dataclasses import dataclass
from typing import Any

from wippy_runtime import Runtime
from wippy_runtime.http_server.hub import start_services

#: a service on a free port and a router at `/` with no middleware, for tests to build on
BASE = """
version: "1.0"
namespace: t
entries:
  - name: gw
    kind: http.service
    addr: 127.0.0.1:0
  - name: api
    kind: http.router
    meta: {server: gw}
    prefix: /
"""


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


def load(rt: Runtime, yaml_text: str, *, base: bool = True) -> Any:
    text = (BASE + textwrap.indent(textwrap.dedent(yaml_text), "  ")) if base else yaml_text
    report = rt.load_text(text)
    assert report.errors == [], report.errors
    return report


def serve(rt: Runtime, yaml_text: str = "", *, base: bool = True, service: str = "t:gw"
          ) -> int:
    """Load `yaml_text` (entries added under BASE's), start the services; return the port."""
    load(rt, yaml_text, base=base)
    assert start_services(rt) == []
    port = rt.built[service].port
    assert port
    return port


def request(port: int, method: str, path: str, body: bytes | str | None = None,
            headers: dict[str, str] | None = None, timeout: float = 30) -> Reply:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = body.encode() if isinstance(body, str) else body
        conn.request(method, path, body=data, headers=headers or {})
        resp = conn.getresponse()
        return Reply(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


def lua_handler(name: str, body: str, modules: tuple[str, ...] = ("http",)) -> str:
    """YAML for a function.lua `name` whose `handler` runs `body` (with req, res bound)."""
    source = ("local http = require('http')\nlocal function handler(...)\n"
              "local req, res = http.request(), http.response()\n"
              f"{textwrap.dedent(body)}\nend\nreturn {{ handler = handler }}\n")
    mods = ", ".join(modules)
    return (f"- name: {name}\n  kind: function.lua\n  method: handler\n"
            f"  modules: [{mods}]\n  source: |\n" + textwrap.indent(source, "    "))


def endpoint(name: str, method: str, path: str, func: str, router: str = "api") -> str:
    return (f"- name: {name}\n  kind: http.endpoint\n  meta: {{router: {router}}}\n"
            f"  method: {method}\n  path: {path}\n  func: {func}\n")
