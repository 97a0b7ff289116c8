"""`workflow.lua`: a Lua workflow, run by the local workflow engine (scheduler/workflows.py).

A workflow entry is a `process.lua` with workflow rules: it is spawned (`process.spawn`,
`process.exec`, `workflow.exec`) on the `temporal.worker` its `meta.temporal.workflow.worker`
names (or that worker's task queue), never called as a function. Its source, method, modules
and imports are a function.lua's; each run gets a fresh instance, as a process does. Inside
it, every `funcs.call` / `funcs.async` is an activity: the target must be registered on the
same worker (`meta.temporal.activity.worker`), else NOT_FOUND, retryable, as Temporal's
"activity not registered" (lua/modules/workflow.py). A missing worker is a load error.
"""

from __future__ import annotations

from typing import Any

from ..errors import ValidationError
from ..lua.modules.workflow import ActivityRules, registered_worker
from ..lua.state import LuaState
from ..registry import Entry
from .base import BuildContext, EntryInfo
from .lua_function import LuaFunctionTarget, build_lua_function
from .process_entries import ProcessDefinition


class WorkflowTarget(LuaFunctionTarget):
    """A workflow's Lua instances: their calls go through the activity rules."""

    def prepare_state(self, state: LuaState) -> None:
        state.call_rules = ActivityRules(self.runtime,
                                         registered_worker(self.entry, "workflow") or "",
                                         self.entry_id)


class WorkflowDefinition(ProcessDefinition):
    workflow = True

    def __init__(self, entry: Entry, target: LuaFunctionTarget, worker: str) -> None:
        super().__init__(entry, target, lua=True)
        self.worker = worker

    def info(self) -> EntryInfo:
        info = super().info()
        info.detail["worker"] = self.worker
        return info


def build_workflow(entry: Entry, ctx: BuildContext) -> Any:
    worker = registered_worker(entry, "workflow")
    if worker is None:
        raise entry.error(ValidationError, "meta.temporal.workflow.worker is required (the "
                          "temporal.worker entry this workflow runs on)", "meta")
    resolved = ctx.resolve(entry, worker, "temporal.worker")
    target = build_lua_function(entry, ctx, WorkflowTarget)
    return WorkflowDefinition(entry, target, resolved.entry.id)
