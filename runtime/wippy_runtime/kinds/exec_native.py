"""`exec.native`: an executor of host processes the Lua `exec` module hands out.

Wippy's fields are checked here: `default_work_dir` (a directory), `default_env` (a map of
strings, the *whole* environment of a child together with a call's `env`: the parent's
environment is never inherited, so `LD_PRELOAD` or a hijacked `PATH` cannot leak in) and
`command_whitelist` (exact command strings; when set, nothing else runs). The resource keeps
the processes it started so that retiring the entry (a reload, `runtime.close()`) kills any
still running: no child outlives the runtime that made it.
"""

from __future__ import annotations

import os
import subprocess
import threading
import weakref

from ..errors import ValidationError
from ..registry import Entry
from .base import BuildContext, EntryInfo, Resource

__all__ = ["ExecNative", "build_exec_native"]


class ExecNative(Resource):
    kind = "exec.native"

    def __init__(self, entry: Entry, work_dir: str | None, env: dict[str, str],
                 whitelist: list[str] | None) -> None:
        super().__init__(entry)
        self.work_dir = work_dir
        self.env = env
        self.whitelist = whitelist
        self._children: weakref.WeakSet[subprocess.Popen[bytes]] = weakref.WeakSet()
        self._lock = threading.Lock()

    def allows(self, command: str) -> bool:
        return self.whitelist is None or command in self.whitelist

    def track(self, child: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._children.add(child)

    def running(self) -> int:
        with self._lock:
            return sum(1 for c in self._children if c.poll() is None)

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry.id, self.kind, detail={
            "default_work_dir": self.work_dir, "whitelist": self.whitelist,
            "running": self.running()})

    def retire(self) -> None:
        with self._lock:
            children = list(self._children)
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()


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
    return ExecNative(entry, work_dir, {str(k): str(v) for k, v in env.items()},
                      list(whitelist) if whitelist else None)
