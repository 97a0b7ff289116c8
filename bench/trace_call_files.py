"""Which engine files one `funcs.call` executes, from entering the funcs module to returning
to Lua.

A reader should be able to follow a call from Lua to WASM and back by opening a handful of
files; this script counts them. It runs a `function.lua` entry (so the call goes through the
dispatcher path that entries and notebook cells take) that calls

  (a) a numeric WAT entry (`add: func(a: s32, b: s32) -> s32`), and
  (b) a component export taking a record argument (`transform-users` of the users fixture),

and, for the second call of each (the first warms instances), records with `sys.setprofile`
every Python function entered under `runtime/wippy_runtime/` between Lua calling funcs.call's
Python body and its return to Lua (generated code counts as the module generating it). Worker threads are traced too (`threading.setprofile`), so a call that
hops is counted in full.

Run: python -m bench.trace_call_files
"""

from __future__ import annotations

import hashlib
import sys
import threading
from pathlib import Path
from typing import Any

from wippy_runtime import Runtime

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "runtime" / "wippy_runtime"
FIXTURES = ROOT / "tests" / "fixtures" / "components"
ADD = '(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))'
DISPATCHER_FILE = str(ENGINE / "scheduler" / "dispatcher.py")

CALLER = """
local users = {{id = 1, name = "ada", tags = {"x"}, active = true}}
return { main = function(which)
  if which == "add" or which == "add_lazy" then
    local v, err = funcs.call("t:" .. which, 6, 7)
    assert(v == 13, tostring(err))
    return v
  end
  local v, err = funcs.call("t:users", users)
  assert(v and v[1].name == "@ada", tostring(err))
  return #v
end }
"""


CORE_CALL_FILE = str(ENGINE / "wasm" / "core_call.py")
COMPONENT_CALL_FILE = str(ENGINE / "wit" / "component_call" / "__init__.py")


def _called_from_lua(frame: Any) -> bool:
    """Lua code calls Python from inside a coroutine the dispatcher resumes: the newest Python
    frame below such a call is the dispatcher's `_step` (it only resumes coroutines)."""
    back = frame.f_back
    return back is not None and back.f_code.co_name == "_step" and \
        back.f_code.co_filename == DISPATCHER_FILE


def _engine(filename: str) -> bool:
    return filename.startswith((str(ENGINE), "<core call", "<component call"))


class FileTrace:
    """Collects engine files executed while the outermost funcs-module frame is live."""

    def __init__(self) -> None:
        self.files: dict[str, int] = {}
        self.entered: Any = None
        self.main = threading.current_thread()
        self.armed = False
        self.lock = threading.Lock()

    def profile(self, frame: Any, event: str, _arg: Any) -> None:
        if not self.armed or event not in ("call", "return"):
            return
        filename = frame.f_code.co_filename
        if threading.current_thread() is not self.main:
            if event == "call" and _engine(filename):
                self._add(filename)  # a worker thread running (part of) the call
            return
        if self.entered is None:
            if event == "call" and _called_from_lua(frame) and frame.f_code.co_name == "call":
                self.entered = frame  # Lua called funcs.call's Python body
                self._add(filename)
            return
        if event == "return" and frame is self.entered:
            self.entered = None  # back to Lua
        elif event == "call" and _engine(filename):
            self._add(filename)

    def _add(self, filename: str) -> None:
        if filename.startswith("<core call"):
            filename = CORE_CALL_FILE  # generated code counts as the module that generates it
        elif filename.startswith("<component call"):
            filename = COMPONENT_CALL_FILE
        with self.lock:
            self.files[filename] = self.files.get(filename, 0) + 1

    def run(self, fn: Any) -> dict[str, int]:
        self.main = threading.current_thread()
        self.files = {}
        self.armed = True
        threading.setprofile(self.profile)
        sys.setprofile(self.profile)
        try:
            fn()
        finally:
            sys.setprofile(None)
            threading.setprofile(None)  # type: ignore[arg-type]
            self.armed = False
        return dict(self.files)


def build() -> Runtime:
    rt = Runtime(cache_dir=False)
    rt.define({"id": "t:add", "kind": "function.wat", "source": ADD, "method": "add",
               "wit": "add: func(a: s32, b: s32) -> s32;", "pool": {"type": "inline"}})
    # the same entry without a pool block: Wippy's implicit lazy pool
    rt.define({"id": "t:add_lazy", "kind": "function.wat", "source": ADD, "method": "add",
               "wit": "add: func(a: s32, b: s32) -> s32;"})
    digest = hashlib.sha256((FIXTURES / "users.component.wasm").read_bytes()).hexdigest()
    rt.define({"id": "t:fx", "kind": "fs.directory", "directory": str(FIXTURES)})
    rt.define({"id": "t:users", "kind": "function.wasm", "fs": "t:fx",
               "path": "/users.component.wasm", "hash": f"sha256:{digest}",
               "method": "transform-users", "pool": {"type": "inline"}})
    rt.define({"id": "t:caller", "kind": "function.lua", "method": "main",
               "modules": ["funcs"], "source": CALLER, "pool": {"type": "inline"}})
    return rt


def trace(rt: Runtime, which: str) -> dict[str, int]:
    rt.call("t:caller", which)  # warm: instances exist, first-call work is done
    # Runtime.call itself (and the Lua entry's instance) run outside the funcs frame, so only
    # the funcs.call inside the entry is counted.
    return FileTrace().run(lambda: rt.call("t:caller", which))


def main() -> None:
    rt = build()
    try:
        for label, which, limit in (("(a) funcs.call -> numeric WAT add, inline pool", "add", 4),
                                    ("(a') the same, implicit lazy pool", "add_lazy", 4),
                                    ("(b) funcs.call -> component, record argument", "users", 5)):
            files = trace(rt, which)
            verdict = "OK" if len(files) <= limit else "OVER"
            print(f"{label}: {len(files)} engine files (target <= {limit}: {verdict})")
            for name in sorted(files):
                print(f"    {Path(name).relative_to(ENGINE)}  ({files[name]} calls)")
    finally:
        rt.close()


if __name__ == "__main__":
    main()
