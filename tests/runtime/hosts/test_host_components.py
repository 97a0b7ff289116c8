"""Each host profile on the `hosts` fixture component: it works when declared; without it the
module still loads, its other exports run, and the call fails naming the import and the
profile to add."""

from __future__ import annotations

import time

import pytest
from hosts_helpers import ALL_PROFILES
from wippy_runtime.errors import PERMISSION_DENIED, CallError
from wippy_runtime.kinds.wasm_errors import InstanceReset
from wippy_runtime.wasm.host_linking import UnlinkedImportError


def _check_stubbed(hosts, name, args, import_fn, add):
    with pytest.raises(UnlinkedImportError) as info:
        hosts.rt.call(f"t:{name}", *args)
    text = str(info.value)
    assert text.startswith(f"t:{name}: ")
    assert f"{import_fn} is not available to this entry" in text
    assert f"add {add} to imports" in text
    assert info.value.kind == PERMISSION_DENIED
    return text


# (export, args, profiles that make it work, check of the value, the import it calls first,
#  the profiles the error asks for when nothing is declared)
CASES = [
    ("random", (), ["wasi:random"], lambda v: isinstance(v, int) and 0 <= v < 2**64,
     "wasi:random/random@0.2.0#get-random-u64", "`wasi:random`"),
    ("wall-seconds", (), ["wasi:clocks"], lambda v: abs(v - time.time()) < 3600 * 24 * 365 * 2,
     "wasi:clocks/wall-clock@0.2.0#now", "`wasi:clocks`"),
    ("monotonic-now", (), ["wasi:clocks", "wasi:poll"], lambda v: isinstance(v, int) and v >= 0,
     "wasi:clocks/monotonic-clock@0.2.0#now", "`wasi:clocks`, `wasi:poll`"),
    ("poll-ready", (), ["wasi:clocks", "wasi:poll"], lambda v: v == 1,
     "wasi:clocks/monotonic-clock@0.2.0#subscribe-duration", "`wasi:clocks`, `wasi:poll`"),
    ("args", (), ["wasi:cli"], lambda v: v == [],
     "wasi:cli/environment@0.2.0#get-arguments", "`wasi:cli`"),
    ("print", ("x",), ["wasi:cli", "wasi:io"], lambda v: v == 0,
     "wasi:cli/stdout@0.2.0#get-stdout", "`wasi:cli`, `wasi:io`"),
    ("read-stdin", (), ["wasi:cli", "wasi:io"], lambda v: v in ("", b""),
     "wasi:cli/stdin@0.2.0#get-stdin", "`wasi:cli`, `wasi:io`"),
    ("preopens", (), ["wasi:filesystem"], lambda v: v == [],
     "wasi:filesystem/preopens@0.2.0#get-directories", "`wasi:filesystem`"),
    ("network", (), ["wasi:sockets"], lambda v: v == 1,
     "wasi:sockets/instance-network@0.2.0#instance-network", "`wasi:sockets`"),
    ("http-fields", (), ["wasi:http"], lambda v: v == 1,
     "wasi:http/types@0.2.0#[constructor]fields", "`wasi:http`"),
    ("call-string", ("t:echo", "hi"), ["funcs"], lambda v: v == "echo:hi",
     "wippy:runtime/funcs@0.1.0#call-string", "`funcs`"),
]


@pytest.fixture
def echo(hosts):
    hosts.lua("echo", "return { main = function(s) return 'echo:' .. s end }")
    return hosts


@pytest.mark.parametrize("method,args,profiles,check,import_fn,add", CASES,
                         ids=[c[0] for c in CASES])
def test_profile_works_when_declared(echo, method, args, profiles, check, import_fn, add):
    echo.component("c", method, profiles)
    value = echo.rt.call("t:c", *args)
    assert check(value), value
    detail = echo.rt.targets["t:c"].info().detail["imports"]
    assert detail["declared"] == profiles
    assert any(name.startswith(import_fn.split("#")[0]) for name in detail["linked"])


@pytest.mark.parametrize("method,args,profiles,check,import_fn,add", CASES,
                         ids=[c[0] for c in CASES])
def test_profile_missing_loads_but_the_call_fails_naming_import_and_profile(
        echo, method, args, profiles, check, import_fn, add):
    echo.component("c", method, [])
    echo.component("plain", "add", [])
    _check_stubbed(echo, "c", args, import_fn, add)
    # the module is usable: a host-free export runs, before and after the failure
    assert echo.rt.call("t:plain", 2, 3) == 5
    _check_stubbed(echo, "c", args, import_fn, add)
    assert echo.rt.call("t:plain", 4, 5) == 9


@pytest.mark.parametrize("method,args,profiles,check,import_fn,add", CASES,
                         ids=[c[0] for c in CASES])
def test_every_other_profile_declared_is_not_enough(echo, method, args, profiles, check,
                                                    import_fn, add):
    """Declaring everything except the profile the export needs: still a stub, still named."""
    missing = profiles[0]
    others = [p for p in ALL_PROFILES if p != missing]
    echo.component("c", method, others)
    with pytest.raises(UnlinkedImportError) as info:
        echo.rt.call("t:c", *args)
    assert f"`{missing}`" in str(info.value)


@pytest.mark.parametrize("pool", [{"type": "inline"}, {"type": "lazy"}])
def test_a_stub_failure_does_not_break_other_entries_of_the_binary(hosts, pool):
    """wasmtime refuses to enter a component instance after a host call failed, so the
    instance is replaced. Inline entries of one binary share an instance (resources), so
    the *other* entry is told once that its shared instance was reset, then runs again."""
    hosts.component("rand", "random", ["wasi:clocks"], pool=pool)
    hosts.component("wall", "wall-seconds", ["wasi:clocks"], pool=pool)
    assert hosts.rt.call("t:wall") > 0
    for _ in range(2):
        with pytest.raises(UnlinkedImportError):
            hosts.rt.call("t:rand")
        if pool["type"] == "inline":
            with pytest.raises(InstanceReset, match="t:wall: the shared instance was reset"):
                hosts.rt.call("t:wall")
        assert hosts.rt.call("t:wall") > 0


def test_io_without_cli_and_cli_without_io(hosts):
    """cli/stdout and io/streams share `output-stream`: linked together or not at all."""
    hosts.component("cli_only", "print", ["wasi:cli"])
    text = _check_stubbed(hosts, "cli_only", ("x",), "wasi:cli/stdout@0.2.0#get-stdout",
                          "`wasi:io`")
    assert "`wasi:cli` is declared, but wasi:cli/stdout shares resource types with" in text
    assert "wasi:io/streams@0.2.0" in text
    # resource-free parts of wasi:cli are linked on their own
    hosts.component("cli_args", "args", ["wasi:cli"], wasi={"args": ["a"]})
    assert hosts.rt.call("t:cli_args") == ["a"]
    hosts.component("io_only", "print", ["wasi:io"])
    _check_stubbed(hosts, "io_only", ("x",), "wasi:cli/stdout@0.2.0#get-stdout", "`wasi:cli`")


def test_poll_needs_its_profile_even_with_clocks(hosts):
    hosts.component("c", "poll-ready", ["wasi:clocks"])
    text = _check_stubbed(hosts, "c", (), "wasi:clocks/monotonic-clock@0.2.0#subscribe-duration",
                          "`wasi:poll`")
    assert "wasi:io/poll@0.2.0" in text
    hosts.component("w", "wall-seconds", ["wasi:clocks"])
    assert hosts.rt.call("t:w") > 0


def test_entry_detail_lists_declared_used_linked_stubbed(hosts):
    hosts.component("c", "random", ["wasi:random", "wasi:cli"])
    imports = hosts.rt.targets["t:c"].info().detail["imports"]
    assert imports["declared"] == ["wasi:random", "wasi:cli"]
    assert len(imports["used"]) == 17
    assert sorted(imports["linked"]) == ["wasi:cli/environment@0.2.0", "wasi:cli/exit@0.2.0",
                                         "wasi:random/random@0.2.0"]
    assert set(imports["stubbed"]) == set(imports["used"]) - set(imports["linked"])
    assert "wasi:cli/stdout@0.2.0" in imports["stubbed"]


def test_load_warns_once_per_entry_about_stubbed_imports(hosts):
    hosts.component("c", "random", ["wasi:random"])
    hosts.component("c", "random", ["wasi:random"])  # a rebuild does not repeat it
    mine = [w for w in hosts.rt.warnings if w.startswith("t:c:")]
    assert len(mine) == 1
    assert "16 imported interface(s) are linked to stubs" in mine[0]
    assert "`wasi:cli`" in mine[0] and "`wasi:random`" not in mine[0]
    hosts.component("all", "random", ALL_PROFILES)
    assert not [w for w in hosts.rt.warnings if w.startswith("t:all:")]


def test_per_entry_isolation_on_one_binary(hosts):
    """Unlike Wippy's shared hosts, one entry's profiles never leak into another's."""
    hosts.component("granted", "random", ["wasi:random"])
    hosts.component("denied", "random", [])
    assert isinstance(hosts.rt.call("t:granted"), int)
    with pytest.raises(UnlinkedImportError):
        hosts.rt.call("t:denied")
    assert isinstance(hosts.rt.call("t:granted"), int)


def test_wasi1_on_a_component_is_accepted_and_links_nothing(hosts):
    hosts.component("c", "random", ["wasi1"])
    with pytest.raises(UnlinkedImportError, match="`wasi:random`"):
        hosts.rt.call("t:c")


def test_stub_errors_reach_lua_as_nil_err(hosts):
    hosts.component("c", "random", [])
    hosts.lua("caller", """return { main = function()
        local v, err = funcs.call("t:c")
        return { v = v, err = tostring(err), kind = err:kind() } end }""")
    out = hosts.rt.call("t:caller")
    assert "v" not in out
    assert "wasi:random/random@0.2.0#get-random-u64" in out["err"] and "t:c" in out["err"]
    assert out["kind"] == PERMISSION_DENIED


def test_exit_never_exits_the_host(hosts):
    hosts.component("c", "exit", ["wasi:cli"])
    with pytest.raises(CallError, match=r"t:c: wasi exit requested: status 1"):
        hosts.rt.call("t:c", True)
    with pytest.raises(CallError, match=r"wasi exit requested: status 0"):
        hosts.rt.call("t:c", False)
    hosts.component("a", "add", ["wasi:cli"])
    assert hosts.rt.call("t:a", 1, 1) == 2
