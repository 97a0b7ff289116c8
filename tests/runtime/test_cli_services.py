"""`wippy test APP` and `wippy run APP` start the app's HTTP services first and stop them
after; a taken port is reported naming the service, and the rest of the app still runs."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app(tmp_path: Path, port: int) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    (root / "_index.yaml").write_text(f"""namespace: app
entries:
  - name: terminal
    kind: terminal.host
  - name: gw
    kind: http.service
    addr: 127.0.0.1:{port}
  - name: api
    kind: http.router
    meta: {{server: gw}}
  - name: hello
    kind: function.lua
    method: main
    source: "return {{ main = function() return 'hello over http' end }}"
  - name: hello.ep
    kind: http.endpoint
    meta: {{router: api}}
    method: GET
    path: /hello
    func: hello
  - name: calls_server
    kind: function.lua
    meta: {{type: test, suite: s}}
    method: main
    modules: [http_client]
    source: |
      return {{ main = function()
        local r, err = http_client.get("http://127.0.0.1:{port}/hello")
        if err then error(err) end
        return r.body == "hello over http"
      end }}
  - name: no_network
    kind: function.lua
    meta: {{type: test, suite: s}}
    method: main
    source: "return {{ main = function() return true end }}"
  - name: fetch
    kind: process.lua
    method: main
    modules: [http_client, io]
    source: |
      return {{ main = function()
        local r, err = http_client.get("http://127.0.0.1:{port}/hello")
        io.print(err and tostring(err) or r.body)
        return 0
      end }}
""")
    return root


def wippy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wippy_runtime", *args], capture_output=True,
                          text=True, timeout=120,
                          env={"PYTHONPATH": str(REPO / "runtime"), "PATH": "/usr/bin:/bin"})


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_wippy_test_serves_the_app_while_its_tests_run(tmp_path):
    port = free_port()
    done = wippy("test", str(app(tmp_path, port)), "--json")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert {t["id"]: t["ok"] for t in result["tests"]} == {"app:calls_server": True,
                                                          "app:no_network": True}
    assert result["service_errors"] == []
    assert done.returncode == 0
    assert not listening(port)  # stopped with the run


def test_wippy_run_serves_the_app_while_the_process_runs(tmp_path):
    port = free_port()
    done = wippy("run", str(app(tmp_path, port)), "-x", "app:fetch")
    assert done.stdout.strip() == "hello over http", done.stderr


def test_a_taken_port_names_the_service_and_the_other_tests_still_run(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = wippy("test", str(app(tmp_path, port)))
    assert "app:gw" in done.stderr and "address already in use" in done.stderr
    assert "PASS app:no_network" in done.stdout
    assert "FAIL app:calls_server" in done.stdout
