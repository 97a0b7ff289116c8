"""`process.wasm` and `process.lua`: entries that are spawned as processes, not called.

A process definition builds the same machinery as its function counterpart (compiled module
or Lua source, validated at load), but is a Resource, not a Target: `funcs.call` cannot reach
it; `process.spawn*` (scheduler/processes.py) and `wippy run` start it. Each spawn runs on a
fresh instance (one instance per PID, as in Wippy), so the pool block is ignored.
"""

from __future__ import annotations

from typing import Any

from ..registry import Entry
from .base import BuildContext, EntryInfo, Resource, Target
from .lua_function import build_lua_function
from .wasm_function import build_wasm_function


class ProcessDefinition(Resource):
    def __init__(self, entry: Entry, target: Target, lua: bool) -> None:
        super().__init__(entry)
        self.kind = entry.kind
        self.target = target
        self.lua = lua

    def run(self, args: list[Any]) -> Any:
        """Run the process's method to completion on this thread; a plain value or CallError."""
        return self.target.pool.invoke_transient(tuple(args))

    @property
    def command(self) -> dict[str, Any] | None:
        cmd = self.entry.meta.get("command") if isinstance(self.entry.meta, dict) else None
        return cmd if isinstance(cmd, dict) and cmd.get("name") else None

    @property
    def wasi_command(self) -> bool:
        """A component process whose method takes no parameters (`wasi:cli/run`'s `run`, a
        `main`): `wippy run` hands it the command's arguments through the terminal
        (`get-arguments`) instead of as call arguments, which it could not accept."""
        function = getattr(self.target, "function", None)
        return not self.lua and function is not None and not function.type.params

    def info(self) -> EntryInfo:
        info = self.target.info()
        info.kind = self.entry.kind
        info.pool = None
        if self.command:
            info.detail["command"] = self.command
        return info

    def retire(self) -> None:
        self.target.retire()


def build_process(entry: Entry, ctx: BuildContext) -> ProcessDefinition:
    lua = entry.kind == "process.lua"
    target = build_lua_function(entry, ctx) if lua else build_wasm_function(entry, ctx)
    return ProcessDefinition(entry, target, lua)
