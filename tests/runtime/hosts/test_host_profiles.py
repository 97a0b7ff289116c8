"""Profile resolution exactly as Wippy documents it, and the load errors it produces."""

from __future__ import annotations

import pytest
from wippy_runtime.errors import LoadError
from wippy_runtime.wasm.host_profiles import (
    BY_ID,
    HostImportError,
    normalize,
    profile_for_interface,
    resolve_imports,
    resolve_token,
)

#: profile -> the interface namespaces Wippy registers for it
TABLE = {
    "wasi:io": ["wasi:io/error", "wasi:io/streams"],
    "wasi:poll": ["wasi:io/poll"],
    "wasi:clocks": ["wasi:clocks/wall-clock", "wasi:clocks/monotonic-clock"],
    "wasi:cli": ["wasi:cli/environment", "wasi:cli/exit", "wasi:cli/stdin", "wasi:cli/stdout",
                 "wasi:cli/stderr", "wasi:cli/terminal-stdin", "wasi:cli/terminal-stdout",
                 "wasi:cli/terminal-stderr"],
    "wasi:filesystem": ["wasi:filesystem/types", "wasi:filesystem/preopens"],
    "wasi:random": ["wasi:random/random", "wasi:random/insecure", "wasi:random/insecure-seed"],
    "wasi:sockets": ["wasi:sockets/instance-network", "wasi:sockets/tcp-create-socket",
                     "wasi:sockets/tcp", "wasi:sockets/udp-create-socket", "wasi:sockets/udp",
                     "wasi:sockets/ip-name-lookup"],
    "wasi:http": ["wasi:http/types", "wasi:http/outgoing-handler"],
    "funcs": ["wippy:runtime/funcs"],
    "wasi1": [],
    # ours, not Wippy's: a guest reads its inherited actor/context (host_context.py)
    "context": ["wippy:runtime/context"],
}


def test_table_is_exactly_wippys():
    """Wippy's table plus exactly one addition (`context`)."""
    assert {p: list(BY_ID[p].interfaces) for p in BY_ID} == TABLE


@pytest.mark.parametrize("profile,iface", [(p, i) for p, ifaces in TABLE.items() for i in ifaces])
@pytest.mark.parametrize("version", ["", "@0.2.0", "@0.2.8", "@0.1.0"])
def test_every_interface_selects_its_profile_versioned_or_not(profile, iface, version):
    assert resolve_token(iface + version).id == profile
    assert profile_for_interface(iface + version).id == profile


@pytest.mark.parametrize("token", ["wasi1", "wasi-preview1", "preview1", "wasi_snapshot_preview1",
                                   " WASI1 ", "Wasi_Snapshot_Preview1@1.0"])
def test_wasi1_aliases(token):
    assert resolve_token(token).id == "wasi1"


@pytest.mark.parametrize("token,profile", [
    ("  WASI:CLI  ", "wasi:cli"), ("wasi:io/poll", "wasi:poll"), ("wasi:io/poll@0.2.3", "wasi:poll"),
    ("wasi:poll", "wasi:poll"), ("wasi:random@0.2.8", "wasi:random"), ("FUNCS", "funcs"),
    ("wippy:runtime/funcs@0.1.0", "funcs"),
])
def test_tokens_are_normalised(token, profile):
    assert resolve_token(token).id == profile


def test_normalize():
    assert normalize("  WASI:IO/Streams@0.2.8 ") == "wasi:io/streams"


@pytest.mark.parametrize("token", ["wasi:nope", "wasi:sockets/network", "socket", "wasi",
                                   "wasi:io/streamz", "http"])
def test_unknown_token_is_wippys_error(token):
    with pytest.raises(HostImportError) as info:
        resolve_token(token)
    assert str(info.value) == f"unsupported wasm host import: {token}"


@pytest.mark.parametrize("token", [t for t in TABLE if t != "wasi1"] + ["wasi:io/poll@0.2.3"])
def test_component_only_profiles_on_core_modules(token):
    with pytest.raises(HostImportError) as info:
        resolve_imports([token], component=False)
    assert str(info.value) == f"wasm host import requires component module: {token}"


def test_duplicates_collapse_in_declaration_order():
    got = resolve_imports(["wasi:io/streams", "wasi:cli", "wasi:io", "WASI:IO@0.2.0"],
                          component=True)
    assert [p.id for p in got] == ["wasi:io", "wasi:cli"]


WAT = '(module (func (export "f") (result i32) i32.const 1))'


@pytest.mark.parametrize("imports,message", [
    (["wasi:cli"], "wasm host import requires component module: wasi:cli"),
    (["funcs"], "wasm host import requires component module: funcs"),
    (["wasi:bogus"], "unsupported wasm host import: wasi:bogus"),
])
def test_wat_entries_are_core_so_component_profiles_fail_to_load(hosts, imports, message):
    with pytest.raises(LoadError) as info:
        hosts.rt.define({"id": "t:w", "kind": "function.wat", "source": WAT, "method": "f",
                         "imports": imports})
    assert message in str(info.value) and "t:w" in str(info.value)


def test_wasi1_on_wat_loads(hosts):
    hosts.rt.define({"id": "t:w", "kind": "function.wat", "source": WAT, "method": "f",
                     "imports": ["wasi-preview1"]})
    assert hosts.rt.call("t:w") == 1


def test_unknown_import_on_component_fails_to_load(hosts):
    with pytest.raises(LoadError, match="unsupported wasm host import: wasi:teleport"):
        hosts.component("c", "add", ["wasi:random", "wasi:teleport"])
