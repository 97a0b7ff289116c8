"""wasm/binary.py: telling what instantiating a binary runs, from its section list."""

import wasmtime
from wippy_runtime.wasm.binary import start_function


def wasm(text: str) -> bytes:
    return bytes(wasmtime.wat2wasm(text))


def test_a_named_start_function_is_named():
    assert start_function(wasm("(module (func $a) (func $init) (start $init))")) == "$init"


def test_an_unnamed_start_function_is_numbered():
    assert start_function(wasm("(module (func) (func) (start 1))")) == "func 1"


def test_a_module_without_start_function():
    assert start_function(wasm('(module (func (export "f")))')) is None


def test_a_component_names_the_start_function_of_a_core_module():
    assert start_function(wasm(
        "(component (core module (func $ok)) (component (core module (func $deep) "
        "(start $deep))))")) == "$deep"
    assert start_function(wasm("(component (core module (func $ok)))")) is None


def test_a_truncated_binary_names_nothing():
    data = wasm("(module (func $init) (start $init))")
    for cut in range(8, len(data)):
        assert start_function(data[:cut]) in (None, "$init", "func 0")
    assert start_function(b"\x00asm\x01\x00\x00\x00\x08\xff") is None
