"""The `wasi:` block: args, cwd, env from env.variable entries, mounts, stdio, exit; and the
`wasi1` profile for core modules."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from hosts_helpers import WASI1_WAT
from wippy_runtime.errors import PERMISSION_DENIED, CallError, LoadError
from wippy_runtime.wasm.host_linking import UnlinkedImportError

CLI = ["wasi:cli", "wasi:io"]
FS = ["wasi:filesystem"]


# -- cli: args, cwd, env, stdio --------------------------------------------------------------

def test_args_and_cwd(hosts):
    wasi = {"args": ["--verbose", "wörld"], "cwd": "/app"}
    hosts.component("args", "args", CLI, wasi=wasi)
    hosts.component("cwd", "cwd", CLI, wasi=wasi)
    hosts.component("cwd0", "cwd", CLI)
    assert hosts.rt.call("t:args") == ["--verbose", "wörld"]
    assert hosts.rt.call("t:cwd") == "/app"
    assert hosts.rt.call("t:cwd0") == "/"  # Wippy: wasi.cwd or "/"


def test_stdout_and_stderr_go_to_the_runtime_hooks(hosts):
    hosts.component("out", "print", CLI)
    hosts.component("err", "eprint", CLI)
    assert hosts.rt.call("t:out", "héllo\n") == 0
    assert hosts.rt.call("t:err", "oops\n") == 0
    assert hosts.stdout() == "héllo\n"
    assert hosts.stderr() == "oops\n"


def test_stdout_follows_set_output_per_call(hosts):
    hosts.component("out", "print", CLI)
    first: list[str] = []
    hosts.rt.set_output(first.append)
    hosts.rt.call("t:out", "one")
    second: list[str] = []
    hosts.rt.set_output(second.append)  # the kernel moves output to the next cell
    hosts.rt.call("t:out", "two")
    assert (first, second) == (["one"], ["two"])


def test_stderr_falls_back_to_the_output_hook(tmp_path):
    from hosts_helpers import Hosts
    from wippy_runtime import Runtime

    got: list[str] = []
    rt = Runtime(cache_dir=False, output=got.append)
    try:
        h = Hosts(rt, [], tmp_path)
        h.component("err", "eprint", CLI)
        rt.call("t:err", "to the cell\n")
        assert got == ["to the cell\n"]
    finally:
        rt.close()


def test_stdin_is_empty(hosts):
    hosts.component("in", "read-stdin", CLI)
    assert hosts.rt.call("t:in") in ("", b"")


def test_environment_from_env_variable_entries(hosts, monkeypatch):
    monkeypatch.setenv("WIPPY_TEST_OS_VAR", "from-os")
    monkeypatch.delenv("WIPPY_TEST_UNSET", raising=False)
    rt = hosts.rt
    rt.define({"id": "t:fixed", "kind": "env.variable", "value": "v1"})
    rt.define({"id": "t:os", "kind": "env.variable", "variable": "WIPPY_TEST_OS_VAR"})
    rt.define({"id": "t:dflt", "kind": "env.variable", "variable": "WIPPY_TEST_UNSET",
               "default": "fallback"})
    rt.define({"id": "t:empty", "kind": "env.variable", "variable": "WIPPY_TEST_UNSET"})
    wasi = {"env": [{"id": "t:fixed", "name": "Z_FIXED"}, {"id": "os", "name": "A_OS"},
                    {"id": "t:dflt", "name": "M_DEFAULT", "required": True},
                    {"id": "t:empty", "name": "SKIPPED"},
                    {"id": "t:does_not_exist", "name": "ALSO_SKIPPED"}]}
    hosts.component("env", "env", CLI, wasi=wasi)
    # sorted by key, optional variables without a value are skipped
    assert hosts.rt.call("t:env") == [["A_OS", "from-os"], ["M_DEFAULT", "fallback"],
                                      ["Z_FIXED", "v1"]]
    monkeypatch.setenv("WIPPY_TEST_UNSET", "now-set")  # read per call, as Wippy does
    env = dict(tuple(p) for p in hosts.rt.call("t:env"))
    assert env["SKIPPED"] == "now-set" and env["M_DEFAULT"] == "now-set"


def test_required_variable_without_value_fails_the_load(hosts, monkeypatch):
    monkeypatch.delenv("WIPPY_TEST_SECRET", raising=False)
    hosts.rt.define({"id": "t:secret", "kind": "env.variable", "variable": "WIPPY_TEST_SECRET"})
    wasi = {"env": [{"id": "t:secret", "name": "API_KEY", "required": True}]}
    with pytest.raises(LoadError) as info:
        hosts.component("env", "env", CLI, wasi=wasi)
    text = str(info.value)
    assert "t:env" in text and "API_KEY" in text and "t:secret" in text
    assert "OS variable WIPPY_TEST_SECRET is not set" in text
    monkeypatch.setenv("WIPPY_TEST_SECRET", "k")
    hosts.component("env", "env", CLI, wasi=wasi)
    assert hosts.rt.call("t:env") == [["API_KEY", "k"]]


def test_required_variable_entry_missing_fails_the_load(hosts):
    wasi = {"env": [{"id": "t:nowhere", "name": "API_KEY", "required": True}]}
    with pytest.raises(LoadError, match=r"t:env.*wasi env API_KEY: required env.variable "
                                        r"t:nowhere not found"):
        hosts.component("env", "env", CLI, wasi=wasi)


def test_required_variable_unset_later_fails_the_next_instance(hosts, monkeypatch):
    monkeypatch.setenv("WIPPY_TEST_SECRET2", "k")
    hosts.rt.define({"id": "t:s", "kind": "env.variable", "variable": "WIPPY_TEST_SECRET2"})
    wasi = {"env": [{"id": "t:s", "name": "K", "required": True}]}
    hosts.component("env", "env", CLI, wasi=wasi, pool={"type": "lazy"})
    assert hosts.rt.call("t:env") == [["K", "k"]]
    monkeypatch.delenv("WIPPY_TEST_SECRET2")
    with pytest.raises(CallError, match=r"t:env: wasi env K: required variable t:s has no value"):
        hosts.rt.call("t:env")


# -- mounts ----------------------------------------------------------------------------------

@pytest.fixture
def mounted(hosts, tmp_path: Path):
    data = tmp_path / "data"
    out = tmp_path / "out"
    secret = tmp_path / "secret.txt"
    data.mkdir()
    out.mkdir()
    (data / "a.txt").write_text("hello mount\n")
    secret.write_text("outside")
    hosts.directory("data", data)
    hosts.directory("out", out)
    wasi = {"mounts": [{"fs": "t:data", "guest": "/data", "read_only": True},
                       {"fs": "out", "guest": "/out"}]}
    for method in ("read-file", "write-file", "preopens"):
        hosts.component(method.replace("-", "_"), method, FS, wasi=wasi)
    return hosts, data, out


def test_reads_a_file_under_a_read_only_mount(mounted):
    hosts, _, _ = mounted
    assert hosts.rt.call("t:read_file", "/data", "a.txt") == "hello mount\n"


def test_cannot_write_under_a_read_only_mount(mounted):
    hosts, data, _ = mounted
    with pytest.raises(CallError) as info:
        hosts.rt.call("t:write_file", "/data", "new.txt", "x")
    assert getattr(info.value, "payload", None) in ("not-permitted", "read-only", "access")
    assert not (data / "new.txt").exists()
    with pytest.raises(CallError):
        hosts.rt.call("t:write_file", "/data", "a.txt", "overwritten")
    assert (data / "a.txt").read_text() == "hello mount\n"


def test_writes_under_a_writable_mount(mounted):
    hosts, _, out = mounted
    assert hosts.rt.call("t:write_file", "/out", "w.txt", "written") == 7
    assert (out / "w.txt").read_text() == "written"
    assert hosts.rt.call("t:read_file", "/out", "w.txt") == "written"


@pytest.mark.parametrize("path", ["../secret.txt", "../../etc/passwd", "/etc/passwd",
                                  "sub/../../secret.txt"])
def test_nothing_outside_the_mounts_is_visible(mounted, path):
    hosts, _, _ = mounted
    with pytest.raises(CallError) as info:
        hosts.rt.call("t:read_file", "/data", path)
    assert info.value.payload in ("not-permitted", "no-entry", "access")


def test_only_the_mounts_are_preopened(mounted):
    hosts, _, _ = mounted
    assert sorted(hosts.rt.call("t:preopens")) == ["/data", "/out"]
    with pytest.raises(CallError) as info:
        hosts.rt.call("t:read_file", "/", "etc/passwd")
    assert info.value.payload == "no-entry"


def test_mounts_need_the_filesystem_profile(hosts, tmp_path):
    hosts.directory("data", tmp_path)
    hosts.component("c", "args", ["wasi:cli"],
                    wasi={"mounts": [{"fs": "t:data", "guest": "/data"}]})
    assert any("t:c: wasi.mounts are not visible" in w and "`wasi:filesystem`" in w
               for w in hosts.rt.warnings)
    detail = hosts.rt.targets["t:c"].info().detail["wasi"]
    assert detail["mounts"] == [{"fs": "t:data", "guest": "/data", "read_only": False,
                                 "visible": False}]


def test_mount_of_a_missing_directory_entry_fails_the_load(hosts):
    with pytest.raises(LoadError, match=r"t:c.*fs.directory t:nope not found"):
        hosts.component("c", "preopens", FS, wasi={"mounts": [{"fs": "t:nope", "guest": "/x"}]})


# -- wasi1: core modules ----------------------------------------------------------------------

def wasi1(hosts, name, method, imports, **extra):
    return hosts.rt.define({"id": f"t:{name}", "kind": "function.wat",
                            "source": f"file://{WASI1_WAT}", "method": method,
                            "imports": imports, **extra}, base_dir=hosts.base)


def test_wasi1_fd_write_reaches_the_output_hook(hosts):
    wasi1(hosts, "hello", "hello", ["wasi1"])
    assert hosts.rt.call("t:hello") == 17
    assert hosts.stdout() == "hello from wasi1\n"


def test_wasi1_args(hosts):
    wasi1(hosts, "argc", "argc", ["wasi_snapshot_preview1"], wasi={"args": ["a", "b", "c"]})
    assert hosts.rt.call("t:argc") == 3


def test_without_wasi1_the_core_module_loads_and_the_call_names_the_import(hosts):
    wasi1(hosts, "hello", "hello", [])
    wasi1(hosts, "add", "add", [])
    assert hosts.rt.call("t:add", 2, 3) == 5
    with pytest.raises(UnlinkedImportError) as info:
        hosts.rt.call("t:hello")
    text = str(info.value)
    assert text.startswith("t:hello: wasi_snapshot_preview1#fd_write is not available")
    assert "add `wasi1` to imports" in text
    assert hosts.rt.call("t:add", 4, 5) == 9
    detail = hosts.rt.targets["t:hello"].info().detail["imports"]
    assert detail["stubbed"] == ["wasi_snapshot_preview1#fd_write",
                                 "wasi_snapshot_preview1#args_sizes_get"]


def test_core_import_nobody_provides(hosts):
    hosts.rt.define({"id": "t:c", "kind": "function.wat", "method": "f", "source": """(module
      (import "env" "log" (func $log (param i32)))
      (func (export "f") (result i32) (call $log (i32.const 1)) (i32.const 1))
      (func (export "g") (result i32) (i32.const 2)))"""})
    with pytest.raises(UnlinkedImportError, match=r"t:c: env#log is not available to this "
                                                  r"entry: no host provides it"):
        hosts.rt.call("t:c")


def test_wasi1_mounts(hosts, tmp_path):
    """Preview-1 modules get the same mounts (checked through wasmtime's WasiConfig)."""
    hosts.directory("data", tmp_path)
    wasi1(hosts, "hello", "hello", ["wasi1"], wasi={"mounts": [{"fs": "t:data", "guest": "/d"}]})
    detail = hosts.rt.targets["t:hello"].info().detail["wasi"]
    assert detail["mounts"][0]["visible"] is True


def test_concurrent_stdout_from_two_threads(hosts):
    hosts.component("out", "print", CLI, pool={"type": "lazy", "max_size": 4})
    errors: list[BaseException] = []

    def run(tag: str) -> None:
        try:
            for _ in range(20):
                hosts.rt.call("t:out", tag)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(t,)) for t in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert sorted(hosts.stdout()) == sorted("a" * 20 + "b" * 20)


# -- fs.get at call time -----------------------------------------------------------------------
def _policy(rt, name, **body):
    import yaml
    report = rt.load_text(yaml.safe_dump({"namespace": "t", "entries": [
        {"name": name, "kind": "security.policy", "policy": body}]}))
    assert report.errors == []
    return f"t:{name}"


def test_mount_fs_get_is_checked_for_each_caller(mounted):
    """The attack: an actor allowed to call the entry but not to read the directory reads it
    through the entry's mount. fs.get is judged per call, for that call's actor."""
    hosts, _, _ = mounted
    rt = hosts.rt
    calls_only = _policy(rt, "calls_only", actions="funcs.call", resources="*", effect="allow")
    reader = _policy(rt, "reader", actions=["funcs.call", "fs.get"], resources="*",
                     effect="allow")
    with pytest.raises(CallError) as info:
        rt.call("t:read_file", "/data", "a.txt", actor="mallory", scope=[calls_only])
    assert info.value.kind == PERMISSION_DENIED
    assert "fs.get on t:data" in str(info.value) and info.value.entry == "t:read_file"
    assert rt.call("t:read_file", "/data", "a.txt", actor="alice",
                   scope=[reader]) == "hello mount\n"


def test_strict_mode_still_loads_entries_with_mounts(hosts, tmp_path):
    hosts.rt.security.strict_mode = True
    data = tmp_path / "d"
    data.mkdir()
    (data / "a.txt").write_text("strict\n")
    hosts.directory("d", data)
    hosts.component("reader", "read-file", FS, wasi={"mounts": [{"fs": "t:d", "guest": "/d"}]})
    reader = _policy(hosts.rt, "all", actions="*", resources="*", effect="allow")
    assert hosts.rt.call("t:reader", "/d", "a.txt", actor="a", scope=[reader]) == "strict\n"
    with pytest.raises(CallError, match="strict mode"):
        hosts.rt.call("t:reader", "/d", "a.txt")
