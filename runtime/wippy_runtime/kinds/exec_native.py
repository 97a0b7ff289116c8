"""`exec.native`: an executor of host processes (resources/native_executor.py) the Lua `exec`
module hands out. Wippy's fields `default_work_dir`, `default_env` and `command_whitelist` are
checked here; retiring the entry kills the children it still has running."""

from __future__ import annotations

import os

from ..errors import ValidationError
from ..registry import Entry
from ..resources.native_executor import NativeExecutor
from .base import BuildContext, EntryInfo, Resource

__all__ = ["ExecNative", "build_exec_native"]


class ExecNative(Resource):
    kind = "exec.native"

    def __init__(self, entry: Entry, executor: NativeExecutor) -> None:
        super().__init__(entry)
        self.executor = executor

    def info(self) -> EntryInfo:
        ex = self.executor
        return EntryInfo(self.entry.id, self.kind, detail={
            "default_work_dir": ex.work_dir, "whitelist": ex.whitelist,
            "running": ex.running()})

    def retire(self) -> None:
        self.executor.kill_all()


def build_exec_native(entry: Entry, ctx: BuildContext) -> ExecNative:
    d = entry.data
    work_dir = d.get("default_work_dir") or None
    if work_dir is not None:
        if not isinstance(work_dir, str):
            raise entry.error(ValidationError, "default_work_dir must be a path",
                              "default_work_dir")
        work_dir = os.path.normpath(work_dir)
    env = d.get("default_env") or {}
    if not isinstance(env, dict):
        raise entry.error(ValidationError, "default_env must map names to strings",
                          "default_env")
    whitelist = d.get("command_whitelist")
    if whitelist is not None and (not isinstance(whitelist, list)
                                  or not all(isinstance(c, str) for c in whitelist)):
        raise entry.error(ValidationError, "command_whitelist must be a list of command strings",
                          "command_whitelist")
    return ExecNative(entry, NativeExecutor(work_dir, {str(k): str(v) for k, v in env.items()},
                                            list(whitelist) if whitelist else None))
