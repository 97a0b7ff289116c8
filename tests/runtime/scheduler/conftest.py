"""Shared fixtures for the scheduler tests: a fresh Runtime and small entry definitions."""

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
if str(REPO / "runtime") not in sys.path:
    sys.path.insert(0, str(REPO / "runtime"))

from wippy_runtime.runtime import Runtime  # noqa: E402

SPIN_WAT = '(module (func (export "spin") (loop $l br $l)))'
ADD_WAT = ('(module (func (export "add") (param i32 i32) (result i32) '
           'local.get 0 local.get 1 i32.add))')


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    yield runtime
    runtime.close()


def wat(rt, name, source, method, **extra):
    rt.define({"id": f"t:{name}", "kind": "function.wat", "source": source, "method": method,
               **extra})


def lua(rt, name, source, method="main", modules=(), **extra):
    rt.define({"id": f"t:{name}", "kind": "function.lua", "source": source, "method": method,
               "modules": list(modules), **extra})
