"""The `fs` module over `fs.directory` entries (a real host directory), from Lua."""

from __future__ import annotations

import os

import pytest
from wippy_runtime.errors import ALREADY_EXISTS, INVALID, NOT_FOUND, PERMISSION_DENIED, CallError


@pytest.fixture
def vol(rt, tmp_path):
    root = tmp_path / "vol"
    root.mkdir()
    rt.define({"id": "app:files", "kind": "fs.directory", "directory": str(root)})
    return root


def test_write_read_append_exclusive_and_binary(run, vol):
    out = run("""
local v = fs.get("app:files")
assert(v:writefile("/a.txt", "hello"))
assert(v:writefile("/a.txt", " world", "a"))
local ok1 = v:writefile("/x.txt", "first", "wx")
local ok2, err2 = v:writefile("/x.txt", "again", "wx")
local bin = string.char(0, 1, 255)
v:writefile("/b.bin", bin)
return {v:readfile("/a.txt"), ok1, ok2, err2:kind(), v:readfile("/b.bin") == bin}
""", ["fs"])
    assert out == ["hello world", True, False, ALREADY_EXISTS, True]
    assert (vol / "a.txt").read_text() == "hello world"


def test_directories_stat_exists_remove(run, vol):
    out = run("""
local v = fs.get("app:files")
v:mkdir("/d")
v:writefile("/d/f.txt", "12345678")
local st = v:stat("/d/f.txt")
local dst = v:stat("/d")
local ok, e1 = v:mkdir("/d")
local rm, e2 = v:remove("/d")
local _, e3 = v:stat("/none")
return {st.size, st.is_dir, st.type == fs.type.FILE, st.name, dst.type, v:isdir("/d"),
        v:isdir("/d/f.txt"), v:exists("/none"), ok, e1:kind(), rm, e2:kind(), e3:kind(),
        v:remove("/d/f.txt"), v:remove("/d"), v:exists("/d")}
""", ["fs"])
    assert out == [8, False, True, "f.txt", "directory", True, False, False, False,
                   ALREADY_EXISTS, False, INVALID, NOT_FOUND, True, True, False]


def test_chdir_pwd_and_relative_paths(run, vol):
    (vol / "sub" / "deeper").mkdir(parents=True)
    (vol / "sub" / "deeper" / "f.txt").write_text("deep")
    out = run("""
local v = fs.get("app:files")
local p0 = v:pwd()
v:chdir("sub")
local p1 = v:pwd()
v:chdir("deeper")
local content = v:readfile("f.txt")
v:chdir("/")
local other = fs.get("app:files")
other:chdir("/sub")
local ok, err = v:chdir("/sub/deeper/f.txt")
local ok2, err2 = v:chdir("/missing")
return {p0, p1, content, v:pwd(), other:pwd(), ok, err:kind(), ok2, err2:kind()}
""", ["fs"])
    assert out == ["/", "/sub", "deep", "/", "/sub", False, INVALID, False, NOT_FOUND]


def test_paths_never_leave_the_volume(run, vol, tmp_path):
    (tmp_path / "secret.txt").write_text("outside")
    os.symlink(tmp_path / "secret.txt", vol / "link")
    out = run("""
local v = fs.get("app:files")
v:writefile("/../../escape.txt", "x")
local content, err = v:readfile("/link")
return {v:exists("/escape.txt"), content == nil, err:kind()}
""", ["fs"])
    assert out == [True, True, PERMISSION_DENIED]
    assert not (tmp_path.parent / "escape.txt").exists()
    assert (vol / "escape.txt").read_text() == "x"


def test_files_read_write_seek_stat_close(run, vol):
    out = run("""
local v = fs.get("app:files")
v:writefile("/s.txt", "0123456789")
local f = v:open("/s.txt", "r")
local a = f:read(4)
local pos = f:seek(fs.seek.SET, 8)
local b = f:read(100)
local c, eof = f:read(1)
local size = f:stat().size
local back = f:seek("end", -3)
local bad, e1 = f:seek("sideways", 0)
f:close()
local d, e2 = f:read(1)
local w = v:open("/w.txt", "w")
w:write("AAAA"); w:seek("set", 0); w:write("BB"); w:sync(); w:close()
local _, e3 = v:open("/s.txt", "rw+")
local _, e4 = v:open("/missing", "r")
return {a, pos, b, c == nil, tostring(eof):find("EOF") ~= nil, eof:kind(), size, back,
        bad == nil, e1:kind(), d == nil, e2:kind(), v:readfile("/w.txt"), e3:kind(), e4:kind()}
""", ["fs"])
    assert out == ["0123", 8, "89", True, True, NOT_FOUND, 10, 7, True, INVALID, True, INVALID,
                   "BBAA", INVALID, NOT_FOUND]


def test_readdir_and_scanner(run, vol):
    (vol / "d" / "sub").mkdir(parents=True)
    (vol / "d" / "one.txt").write_text("line 1\nline 2\n")
    out = run("""
local v = fs.get("app:files")
local seen = {}
for e in v:readdir("/d") do seen[#seen + 1] = e.name .. "=" .. e.type end
v:mkdir("/empty")
local n = 0
for _ in v:readdir("/empty") do n = n + 1 end
local it, err = v:readdir("/d/one.txt")
local sc = v:open("/d/one.txt"):scanner("lines")
local lines = {}
while sc:scan() do lines[#lines + 1] = sc:text() end
return {seen, n, it == nil, err:kind(), lines}
""", ["fs"])
    assert out == [["one.txt=file", "sub=directory"], 0, True, INVALID, ["line 1", "line 2"]]


def test_get_errors_and_bad_arguments(run, rt, vol):
    rt.define({"id": "app:kv", "kind": "store.memory"})
    out = run("""
local a, e1 = fs.get("nonexistent")
local b, e2 = fs.get("")
local c, e3 = fs.get("app:kv")
local _, e4 = fs.get("app:files"):readfile("")
return {a == nil, e1:kind(), e2:kind(), e3:kind(), e4:kind()}
""", ["fs"])
    assert out == [True, NOT_FOUND, INVALID, NOT_FOUND, INVALID]
    with pytest.raises(CallError) as info:
        run('return fs.get("app:files"):readfile(12)', ["fs"])
    assert "fs:readfile" in str(info.value) and "path" in str(info.value)
    with pytest.raises(CallError) as info:
        run('local f = fs.get("app:files"):open("/n", "w") return f:read("all")', ["fs"])
    assert "file:read" in str(info.value) and "size" in str(info.value)


def test_fs_get_permission(run, vol, policy):
    allow = policy("allow_all")
    deny = policy("no_fs", actions="fs.get", resources="app:files", effect="deny")
    out = run('local v, e = fs.get("app:files") return {v == nil, e:kind()}', ["fs"],
              actor="bob", scope=[allow, deny])
    assert out == [True, PERMISSION_DENIED]
