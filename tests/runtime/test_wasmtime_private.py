"""wasmtime-py's private API is reached from one module only, and that module's handles work
against the pinned wasmtime (a version bump that renames them fails here first)."""

import ast
import ctypes
from pathlib import Path

import wasmtime
from wippy_runtime import wasmtime_private as wp

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [ROOT / "runtime" / "wippy_runtime", ROOT / "wippy_kernel", ROOT / "bench"]
PRIVATE_ATTRS = {"_ffi", "_bindings", "_func", "_context", "_from_ptr", "_consume", "_ptr",
                 "_enter", "take_pointer", "maybe_raise_last_exn"}


def private_uses(path: Path) -> list[str]:
    """Imports of wasmtime's underscore modules and uses of its private attributes."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and \
                node.module.split(".")[0] == "wasmtime":
            parts = node.module.split(".") + [a.name for a in node.names]
            if any(p.startswith("_") for p in parts):
                found.append(f"{path.name}:{node.lineno} from {node.module} import ...")
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("wasmtime.") and any(
                        p.startswith("_") for p in a.name.split(".")):
                    found.append(f"{path.name}:{node.lineno} import {a.name}")
        elif isinstance(node, ast.Attribute) and node.attr in PRIVATE_ATTRS:
            found.append(f"{path.name}:{node.lineno} .{node.attr}")
    return found


def test_only_wasmtime_private_touches_wasmtime_internals():
    offenders = {}
    for package in PACKAGES:
        for path in package.rglob("*.py"):
            if path.name == "wasmtime_private.py":
                continue
            uses = private_uses(path)
            if uses:
                offenders[str(path.relative_to(ROOT))] = uses
    assert offenders == {}


def test_the_audit_sees_private_uses(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text("from wasmtime import _ffi\nimport wasmtime._func\nx = f._func\n")
    assert private_uses(sample) == ["m.py:1 from wasmtime import ...", "m.py:2 import "
                                    "wasmtime._func", "m.py:3 ._func"]
    assert private_uses(ROOT / "runtime" / "wippy_runtime" / "wasmtime_private.py")


def test_the_unchecked_call_runs_a_core_function():
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    module = wasmtime.Module(engine, '(module (func (export "add") (param i32 i32) (result i32)'
                                     ' local.get 0 local.get 1 i32.add))')
    add = wasmtime.Instance(store, module, []).exports(store)["add"]
    buf = (wp.ValRaw * 2)()
    buf[0].i32, buf[1].i32 = 6, 7
    trap = ctypes.POINTER(wp.TrapPtr)()
    err = wp.func_call_unchecked(wp.store_context(store), wp.func_ref(add), buf, 2,
                                 ctypes.byref(trap))
    assert not err and not trap
    assert buf[0].i32 == 13


def test_component_value_kinds_are_all_known():
    assert len(set(wp.COMPONENT_KIND.values())) == len(wp.COMPONENT_KIND) == 22
    assert wp.COMPONENT_VAL_SIZE > wp.COMPONENT_VAL_PAYLOAD_OFFSET > 0
