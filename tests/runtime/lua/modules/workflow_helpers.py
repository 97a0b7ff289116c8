"""Helpers for the workflow tests: a runtime with a temporal.client, a temporal.worker, a
process.host, and short ways to define workflows, activities and calling functions."""

from __future__ import annotations

from typing import Any

from wippy_runtime import Runtime

WORKER = "wf:worker"
QUEUE = "wf-queue"
ON_WORKER = {"temporal": {"workflow": {"worker": WORKER}}}
AS_ACTIVITY = {"temporal": {"activity": {"worker": WORKER}}}


def temporal_runtime() -> Runtime:
    rt = Runtime(cache_dir=False)
    rt.define({"id": "wf:client", "kind": "temporal.client", "address": "localhost:7233",
               "namespace": "testing", "auth": {"type": "none"}})
    rt.define({"id": WORKER, "kind": "temporal.worker", "client": "wf:client",
               "task_queue": QUEUE, "worker_options": {"max_concurrent_activity_execution_size": 2}})
    rt.define({"id": "wf:processes", "kind": "process.host"})
    return rt


def workflow(rt: Runtime, name: str, body: str, modules: tuple[str, ...] = ("time",),
             **extra: Any) -> str:
    """A workflow.lua `wf:<name>` whose main(input) is `body`."""
    rt.define({"id": f"wf:{name}", "kind": "workflow.lua", "method": "main",
               "modules": list(modules), "meta": extra.pop("meta", ON_WORKER), **extra,
               "source": f"local function main(input)\n{body}\nend\nreturn {{ main = main }}"})
    return f"wf:{name}"


def activity(rt: Runtime, name: str, body: str, meta: Any = AS_ACTIVITY) -> str:
    rt.define({"id": f"wf:{name}", "kind": "function.lua", "method": "main", "meta": meta,
               "modules": ["time"],
               "source": f"local function main(input)\n{body}\nend\nreturn {{ main = main }}"})
    return f"wf:{name}"


def caller(rt: Runtime, name: str, body: str) -> str:
    """A function.lua `wf:<name>` (no arguments) that drives workflows."""
    rt.define({"id": f"wf:{name}", "kind": "function.lua", "method": "main",
               "modules": ["time", "funcs", "workflow"],
               "source": f"local function main()\n{body}\nend\nreturn {{ main = main }}"})
    return f"wf:{name}"


#: Lua: an error value as a plain table
ERR = """
local function e(err)
  if err == nil then return nil end
  return { kind = err:kind(), message = tostring(err), retryable = err:retryable() }
end
"""
