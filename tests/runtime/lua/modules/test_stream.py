"""Stream objects (here a request body's, and an upload's written with fs `write_file`)."""

from __future__ import annotations

import json

import pytest
from wippy_runtime import Runtime
from wippy_runtime.errors import INTERNAL

from tests.runtime.http_server.http_helpers import endpoint, lua_handler, request, serve


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    yield runtime
    runtime.close()


def test_read_all_stat_and_the_read_only_methods(rt):
    port = serve(rt, lua_handler("h", """
        local s = req:stream()
        local all = s:read()
        local again = s:read(10)
        local st = s:stat()
        local _, werr = s:write("x")
        local _, serr = s:seek("set", 0)
        res:write_json({all = all, again = again == nil, pos = st.position, size = st.size,
                        readable = st.readable, writable = st.writable,
                        werr = werr:kind(), serr = serr:kind(), str = tostring(s)})
    """) + endpoint("h.ep", "POST", "/s", "h"))
    data = json.loads(request(port, "POST", "/s", "abcdef").body)
    assert data == {"all": "abcdef", "again": True, "pos": 6, "size": 6, "readable": True,
                    "writable": False, "werr": INTERNAL, "serr": INTERNAL,
                    "str": "Stream(request body)"}


def test_fs_write_file_takes_a_stream(rt, tmp_path):
    port = serve(rt, f"""
- name: store_dir
  kind: fs.directory
  directory: {tmp_path}
""" + lua_handler("h", """
        local fs = require("fs")
        local vol = fs.get("t:store_dir")
        local ok, err = vol:write_file("/copy.bin", req:stream())
        res:write_json({ok = ok, back = vol:read_file("/copy.bin")})
    """, modules=("http", "fs")) + endpoint("h.ep", "POST", "/w", "h"))
    payload = "x" * 70000 + "end"
    assert json.loads(request(port, "POST", "/w", payload).body) == {"ok": True,
                                                                     "back": payload}
    assert (tmp_path / "copy.bin").read_text() == payload
