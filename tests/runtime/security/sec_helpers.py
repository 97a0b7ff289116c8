"""Helpers for the security tests: define policies and Lua entries in a few words."""

from __future__ import annotations

import yaml
from wippy_runtime import Runtime


def policy(rt: Runtime, name: str, effect: str = "allow", actions="*", resources="*",
           conditions=None, groups=None, ns: str = "app") -> str:
    """Define a security.policy entry `ns:name`; return its id."""
    body = {"actions": actions, "resources": resources, "effect": effect}
    if conditions is not None:
        body["conditions"] = conditions
    entry = {"name": name, "kind": "security.policy", "policy": body}
    if groups is not None:
        entry["groups"] = groups
    report = rt.load_text(yaml.safe_dump({"namespace": ns, "entries": [entry]}))
    assert report.errors == [], report.errors
    return f"{ns}:{name}"


def lua(rt: Runtime, entry_id: str, source: str, modules=("funcs", "security", "ctx"),
        method: str = "main", **extra) -> None:
    rt.define({"id": entry_id, "kind": "function.lua", "source": source, "method": method,
               "modules": list(modules), **extra})
