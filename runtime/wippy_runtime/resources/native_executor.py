"""The executor behind `exec.native` entries: its settings and the children it started.

Wippy's settings: `work_dir` (the default working directory), `env` (the *whole* environment
of a child together with a call's `env`: the parent's environment is never inherited, so
`LD_PRELOAD` or a hijacked `PATH` cannot leak in) and `whitelist` (exact command strings; when
set, nothing else runs). The children are tracked so that `kill_all()` (the entry retiring: a
reload, `runtime.close()`) leaves none running after the runtime that made them.
"""

from __future__ import annotations

import subprocess
import threading
import weakref


class NativeExecutor:
    def __init__(self, work_dir: str | None, env: dict[str, str],
                 whitelist: list[str] | None) -> None:
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

    def kill_all(self) -> None:
        with self._lock:
            children = list(self._children)
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
