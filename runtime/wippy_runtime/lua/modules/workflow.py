"""The `workflow` module, and the rules Lua code runs under inside a workflow.

Wippy's surface: `workflow.exec(id, ...)` (run a child workflow and wait for its result),
`workflow.version(change_id, min, max)`, `workflow.attrs{search=, memo=}`,
`workflow.history_length()`, `workflow.history_size()` and `workflow.info()`. Outside a
workflow they answer as Wippy's do: `info()` is nil, the history is 0, `version` returns `max`,
`exec` and `attrs` are INVALID.

The engine is local and in-process (scheduler/workflows.py): no Temporal server, no durable
history, no replay. A version is fixed at its first call in a run (so repeated calls agree),
the history is counted (start, activities, children, signals, markers) but not kept, and
uuid / time / crypto calls need no side-effect recording: with nothing replayed they simply
run once, which is what a single Temporal run observes too. Temporal options of activities
(`temporal.activity.*`: retry policy, timeouts) are accepted and ignored.

Inside a workflow, `funcs.call` / `funcs.async` / executors call activities (`ActivityRules`):
the target must be an entry registered on the workflow's worker
(`meta.temporal.activity.worker`), else NOT_FOUND and retryable, as Temporal reports an
activity that is not registered. The call itself goes through the runtime's call pipeline
(calls.py), so permissions and limits apply; an activity's error value comes back as it was
returned, a raised Lua error as INTERNAL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import lupa.lua54 as lupa

from ...errors import INVALID, NOT_FOUND, PERMISSION_DENIED, CallError
from ...registry import Entry
from ...scheduler.workflows import WorkflowRun, engine_of
from ..convert import ConversionError, to_lua, to_plain
from . import lua_object
from .errors import LuaErrorValue

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState


def registered_worker(entry: Entry, role: str) -> str | None:
    """`meta.temporal.<role>.worker` (role: workflow or activity) as a full entry id."""
    meta = entry.meta if isinstance(entry.meta, dict) else {}
    temporal = meta.get("temporal")
    block = temporal.get(role) if isinstance(temporal, dict) else None
    worker = block.get("worker") if isinstance(block, dict) else None
    if not isinstance(worker, str) or not worker:
        return None
    try:
        return entry.ref(worker)
    except Exception:  # noqa: BLE001 - a malformed reference registers nowhere
        return None


def run_of(state: LuaState) -> WorkflowRun | None:
    """The workflow run executing on `state` now, or None."""
    disp = state.dispatcher
    proc = disp.process if disp is not None else None
    return proc.workflow if proc is not None else None


def _invalid(message: str) -> tuple[None, LuaErrorValue]:
    return None, LuaErrorValue(message, INVALID, retryable=False)


class ActivityRules:
    """A workflow state's `funcs` entry points: each call must name an activity of the
    workflow's worker; the pipeline then runs it as any call."""

    def __init__(self, runtime: LuaHost, worker: str, workflow: str) -> None:
        self.runtime = runtime
        self.worker = worker
        self.workflow = workflow
        self.state: LuaState | None = None

    def check(self, target_id: Any) -> LuaErrorValue | None:
        if not isinstance(target_id, bytes):
            return None  # the pipeline says what a bad id is
        name = target_id.decode("utf-8", "replace")
        built = self.runtime.built.get(name)
        if built is None:
            why = "no such entry"
        elif registered_worker(built.entry, "activity") != self.worker:
            why = (f"{built.entry.kind} without meta.temporal.activity.worker: "
                   f"{self.worker}")
        else:
            return None
        return LuaErrorValue(f"activity {name} is not registered on worker {self.worker} "
                             f"({why}; called from workflow {self.workflow})", NOT_FOUND,
                             retryable=True, entry=name)

    def _record(self, target_id: Any) -> None:
        run = run_of(self.state) if self.state is not None else None
        if run is not None:
            run.record({"activity": target_id.decode("utf-8", "replace")
                        if isinstance(target_id, bytes) else str(target_id)})

    def wrap(self, state: LuaState, call: Callable[..., Any], call_here: Callable[..., Any],
             call_as: Callable[..., Any], async_as: Callable[..., Any]) -> tuple[Any, ...]:
        """(call, call_here, call_as, async_as) of funcs.py, each checking first."""
        self.state = state

        def guard(fn: Callable[..., Any]) -> Callable[..., Any]:
            def guarded(target_id: Any = None, *args: Any) -> Any:
                err = self.check(target_id)
                if err is not None:
                    return None, err
                self._record(target_id)
                return fn(target_id, *args)
            return guarded

        def guard_as(fn: Callable[..., Any]) -> Callable[..., Any]:
            def guarded(ctx: Any, target_id: Any = None, *args: Any) -> Any:
                err = self.check(target_id)
                if err is not None:
                    return None, err
                self._record(target_id)
                return fn(ctx, target_id, *args)
            return guarded

        return guard(call), guard(call_here), guard_as(call_as), guard_as(async_as)


def spawn_rule(state: LuaState, definition: Any, fn: str) -> tuple[None, LuaErrorValue] | None:
    """From inside a workflow only child workflows start (Temporal's child workflows)."""
    if run_of(state) is not None and not getattr(definition, "workflow", False):
        return _invalid(f"{fn} in workflow context starts child workflows only; "
                        f"{definition.entry.id} is a {definition.entry.kind}")
    return None


def install(state: LuaState, runtime: LuaHost) -> None:
    from . import process_exec

    lua = state.lua
    security = runtime.security

    def exec_(target: Any = None, *args: Any) -> Any:
        name = target.decode("utf-8", "replace") if isinstance(target, bytes) else ""
        if not name:
            return _invalid("workflow ID required")
        ns, _, short = name.partition(":")
        if not ns or not short:
            return _invalid("invalid workflow ID format (namespace:name required)")
        if not security.allowed("workflow.exec", name):
            return None, LuaErrorValue(f"not allowed: {name}", PERMISSION_DENIED,
                                       retryable=False)
        run = run_of(state)
        if run is None:
            return _invalid("workflow.exec outside workflow context is not supported (start "
                            "a workflow with process.exec(id, worker, ...))")
        definition = runtime.built.get(name)
        if definition is None or not getattr(definition, "workflow", False):
            what = definition.entry.kind if definition is not None else "no such entry"
            return None, LuaErrorValue(f"workflow {name} is not registered on worker "
                                       f"{run.worker_id} ({what})", NOT_FOUND, entry=name)
        return process_exec.run_and_wait(state, runtime, definition, run.worker_id, args)

    def version(change_id: Any = None, min_supported: Any = None,
                max_supported: Any = None, *_: Any) -> Any:
        if not isinstance(change_id, bytes) or not change_id:
            return _invalid("change ID required")
        if not all(isinstance(v, int) and not isinstance(v, bool)
                   for v in (min_supported, max_supported)):
            return _invalid("min_supported and max_supported must be integers")
        if min_supported > max_supported:
            return _invalid("min_supported cannot be greater than max_supported")
        run = run_of(state)
        if run is None:
            return max_supported, None
        key = change_id.decode("utf-8", "replace")
        if key not in run.versions:  # a marker in the history, fixed for the run
            run.versions[key] = max_supported
            run.record({"version": key})
        return run.versions[key], None

    def attrs(table: Any = None, *_: Any) -> Any:
        if lupa.lua_type(table) != "table":
            return _invalid("workflow.attrs requires a table {search = ..., memo = ...}")
        run = run_of(state)
        if run is None:
            return _invalid("workflow.attrs only available in workflow context")
        try:
            plain = to_plain(table)
        except ConversionError as exc:
            return _invalid(f"workflow.attrs: {exc}")
        plain = plain if isinstance(plain, dict) else {}
        given = False
        for key in ("search", "memo"):
            part = plain.get(key)
            if part is None:
                continue
            if not isinstance(part, dict):
                return _invalid(f"{key} must be a table")
            run.attrs[key].update(part)
            given = True
        if not given:
            return _invalid("at least one of search or memo required")
        run.record(plain)
        return True, None

    def history_length(*_: Any) -> Any:
        run = run_of(state)
        return (run.history_length if run is not None else 0), None

    def history_size(*_: Any) -> Any:
        run = run_of(state)
        return (run.history_size if run is not None else 0), None

    def info(*_: Any) -> Any:
        run = run_of(state)
        if run is None:
            return None, None
        return to_lua(lua, run.info()), None

    module = lua.table()
    for key, fn in (("version", version), ("attrs", attrs), ("history_length", history_length),
                    ("history_size", history_size), ("info", info)):
        module[key.encode()] = fn
    lua_object.functions(state, module)
    module[b"exec"] = state.async_glue[b"wrap"](exec_)
    state.bind("workflow", module)


def start_from_lua(state: LuaState, runtime: LuaHost, definition: Any, host_id: str,
                   args: list[Any], parent: Any, monitored: bool, linked: bool, ctx: Any,
                   spawner: Any) -> tuple[Any, Any]:
    """`process.spawn*` of a workflow entry: `pid, nil` or `nil, err`."""
    from .process import host_of

    disp = state.dispatcher
    try:
        proc = engine_of(host_of(runtime)).start(
            definition, host_id, args, parent=parent, monitored=monitored, linked=linked,
            ctx=ctx, caller=disp.entry if disp is not None else None,
            name=getattr(spawner, "name", None), options=getattr(spawner, "options", None),
            messages=getattr(spawner, "messages", None),
            sender=parent.pid if parent is not None else None)
    except CallError as exc:
        return None, LuaErrorValue.from_exception(exc)
    return proc.pid.encode(), None
