"""Fixtures for the Lua module tests: a fresh Runtime, and running a Lua body as an entry.

`run(body, modules=...)` defines `app:t` as a function.lua whose `main` is `body` and calls it,
so every test exercises the module from real Lua through the runtime's call path.
"""

from __future__ import annotations

import itertools

import pytest
import yaml
from wippy_runtime import Runtime


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    yield runtime
    runtime.close()


@pytest.fixture
def run(rt):
    counter = itertools.count()

    def run_lua(body: str, modules=(), *args, actor=None, scope=None, **extra):
        entry_id = f"app:t{next(counter)}"
        rt.define({"id": entry_id, "kind": "function.lua", "method": "main",
                   "modules": list(modules), **extra,
                   "source": f"local function main(...)\n{body}\nend\nreturn {{ main = main }}"})
        if actor is None and scope is None:
            return rt.call(entry_id, *args)
        return rt.call(entry_id, *args, actor=actor, scope=scope)

    return run_lua


@pytest.fixture
def policy(rt):
    """Define a security.policy `app:<name>` and return its id."""

    def define(name: str, actions="*", resources="*", effect: str = "allow") -> str:
        entry = {"name": name, "kind": "security.policy",
                 "policy": {"actions": actions, "resources": resources, "effect": effect}}
        report = rt.load_text(yaml.safe_dump({"namespace": "app", "entries": [entry]}))
        assert report.errors == [], report.errors
        return f"app:{name}"

    return define
