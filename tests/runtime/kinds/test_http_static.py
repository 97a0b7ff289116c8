"""`http.static`: an fs.directory's files under a path; never a file outside it."""

from __future__ import annotations

import pytest
from wippy_runtime import Runtime

from tests.runtime.http_server.http_helpers import request, serve


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    yield runtime
    runtime.close()


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    (root / "css").mkdir(parents=True)
    (root / "index.html").write_text("<html>home</html>")
    (root / "css" / "a.css").write_text("body{}")
    (tmp_path / "secret.txt").write_text("do not serve")
    return root


def static(root, path="/static", **extra) -> str:
    options = "".join(f"\n    {k}: {v}" for k, v in extra.items())
    return f"""
- name: files
  kind: fs.directory
  directory: {root}
- name: site
  kind: http.static
  meta: {{server: gw}}
  fs: files
  path: {path}
  static_options:
    cache: "max-age=60"{options}
"""


def test_files_are_served_with_their_types_and_a_directory_gives_its_index(rt, site):
    port = serve(rt, static(site))
    css = request(port, "GET", "/static/css/a.css")
    assert (css.status, css.text) == (200, "body{}")
    assert css.headers["Content-Type"].startswith("text/css")
    assert css.headers["Cache-Control"] == "max-age=60"
    assert request(port, "GET", "/static/").text == "<html>home</html>"
    moved = request(port, "GET", "/static?v=1")
    assert (moved.status, moved.headers["Location"]) == (301, "/static/?v=1")
    assert request(port, "GET", "/static/missing.js").status == 404
    assert request(port, "POST", "/static/css/a.css").status == 405


def test_paths_outside_the_directory_are_not_served(rt, site):
    port = serve(rt, static(site))
    for path in ("/static/../secret.txt", "/static/%2e%2e/secret.txt",
                 "/static/css/../../secret.txt"):
        reply = request(port, "GET", path)
        assert reply.status == 404 and b"do not serve" not in reply.body


def test_spa_mode_serves_the_index_for_unknown_paths(rt, site):
    port = serve(rt, static(site, path="/", spa="true", index="index.html"))
    assert request(port, "GET", "/app/route/42").text == "<html>home</html>"
    assert request(port, "GET", "/css/a.css").text == "body{}"


def test_an_endpoint_beats_a_static_mount_at_the_root(rt, site):
    port = serve(rt, static(site, path="/") + """
- name: api_fn
  kind: function.lua
  method: main
  source: "return { main = function() return 'from the api' end }"
- name: api_ep
  kind: http.endpoint
  meta: {router: api}
  method: GET
  path: /api/x
  func: api_fn
""")
    assert request(port, "GET", "/api/x").text == "from the api"
    assert request(port, "GET", "/css/a.css").text == "body{}"


def test_a_static_mount_needs_an_fs_directory(rt, site):
    serve(rt)
    with pytest.raises(Exception) as err:
        rt.define({"id": "t:bad", "kind": "http.static", "meta": {"server": "t:gw"},
                   "fs": "t:nope", "path": "/x"})
    assert "t:bad" in str(err.value) and "t:nope not found" in str(err.value)
