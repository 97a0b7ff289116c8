"""Helpers for the Lua module tests: run a `function.lua` entry through Runtime.call, and
define security policies, in a few words."""

from __future__ import annotations

import itertools
from typing import Any

import yaml
from wippy_runtime import Runtime

_names = itertools.count()


def run(rt: Runtime, source: str, *args: Any, modules: tuple[str, ...] | list[str] = (),
        **call: Any) -> Any:
    """Define `source` (a chunk returning `{ main = ... }`) as a fresh entry and call it."""
    entry_id = f"t:m{next(_names)}"
    rt.define({"id": entry_id, "kind": "function.lua", "source": source, "method": "main",
               "modules": list(modules)})
    return rt.call(entry_id, *args, **call)


def policy(rt: Runtime, name: str, effect: str = "allow", actions: Any = "*",
           resources: Any = "*") -> str:
    """Define a security.policy entry `t:name`; return its id."""
    report = rt.load_text(yaml.safe_dump({"namespace": "t", "entries": [
        {"name": name, "kind": "security.policy",
         "policy": {"actions": actions, "resources": resources, "effect": effect}}]}))
    assert report.errors == [], report.errors
    return f"t:{name}"


#: Lua snippet: an error value as a plain table the Python side can assert on
ERR = """
local function e(err)
  if err == nil then return nil end
  return { kind = err:kind(), message = tostring(err), retryable = err:retryable() }
end
"""
