"""The kernel's session: one Runtime, one persistent Lua state, and interrupt handling.

This module knows nothing about the Jupyter protocol. The kernel hands it cell text and an
output sink; it compiles and runs Lua, and turns failures into `CellError` (name, value,
traceback) with line numbers counted in the cell.

Interrupts use the runtime's own mechanism (`Runtime.interrupt()`, scheduler/limits.py): the
session Lua state is a `LuaState` built with the runtime's `ExecutionGuard`, so its instruction
hook stops a cell's Lua loop exactly as it stops an entry's, and a cell runs on a `Dispatcher`
like an entry's call (which also ends it while it is parked in `time.sleep` or a channel wait);
running WASM is trapped through the guard's epoch callback; entry Lua states (function.lua
instances) called from the cell stop by their own hooks. The session adds only what the protocol needs: one execution per cell (`arm`,
`disarm`) and a flag that turns whatever surfaced (a CANCELED CallError, or a `nil, err` that
the cell swallowed) into one KeyboardInterrupt error reply.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wippy_runtime import Runtime
from wippy_runtime.errors import CallError, CompileError, LoadError, WippyError
from wippy_runtime.lua.globals import new_state
from wippy_runtime.lua.modules import IMPORTED_ON_USE, MODULES
from wippy_runtime.lua.state import CHUNK_LINE
from wippy_runtime.lua.typed import TypeErrorMessage
from wippy_runtime.watch import ProjectWatcher

from . import cell_errors
from .cell_errors import CellError
from .cell_tasks import CellDispatcher, install_wait

#: The `entry` a cell's execution is reported under (CallErrors raised by its hook).
CELL_ENTRY = "cell"


#: the notebook session's Lua memory cap (entries use Runtime(lua_max_memory=...), 64 MiB)
SESSION_LUA_MAX_MEMORY = 512 * 1024 * 1024


class Session:
    """Runtime + session Lua state + interrupt flag. One per kernel."""

    def __init__(self, *, cache_dir: Path | None | bool = True) -> None:
        self._out: Callable[[str, str], None] = lambda name, text: None
        self.runtime = Runtime(cache_dir=cache_dir, output=self._runtime_print,
                               error_output=self._runtime_eprint)
        # A notebook is a running app: an `http.service` defined in a cell listens at once
        # (a taken port is reported in that cell's output), so the cells after it can call it.
        self.runtime.start_services()
        # The session's own state gets a cap too, larger than an entry's: a runaway cell must
        # fail with "memory limit exceeded", not take the kernel's memory with it.
        # every module is there, the heavier ones bound when a cell first uses them
        self.state = new_state(self.runtime, max_memory=SESSION_LUA_MAX_MEMORY,
                               print_fn=self._runtime_print,
                               modules=[m for m in MODULES if m not in IMPORTED_ON_USE],
                               on_first_use=IMPORTED_ON_USE)
        self._finish_spawned = install_wait(self.state)
        self._install_io()
        #: set by `interrupt()` during a cell, cleared by `arm()`
        self.interrupted = threading.Event()
        self.wit_pending: str | None = None
        #: `%load DIR --watch` watchers, by resolved path
        self.watchers: dict[Path, ProjectWatcher] = {}

    # -- output -----------------------------------------------------------------------------
    def set_sink(self, out: Callable[[str, str], None]) -> None:
        """`out(stream_name, text)`: where print and io.write go for the current cell."""
        self._out = out

    def _runtime_print(self, text: str) -> None:
        self._out("stdout", text)

    def _runtime_eprint(self, text: str) -> None:
        self._out("stderr", text)

    def _install_io(self) -> None:
        """The cell's `io` is Wippy's (io.print / io.write / io.eprint write to the cell, through
        the runtime's output hooks); `io.stdout:write` / `io.stderr:write` work too, as
        notebooks written against Lua's standard library use them."""
        def writer(name: str) -> Callable[..., None]:
            def write(*parts: Any) -> None:
                self._out(name, "".join(
                    p.decode("utf-8", "replace") if isinstance(p, bytes) else str(p)
                    for p in parts))
            return write
        extend = self.state.lua.eval(
            "function(io, out, err) local e = {} function e.write(self, ...) err(...) return self end"
            " local o = {} function o.write(self, ...) out(...) return self end"
            " io.stderr, io.stdout = e, o return io end")
        extend(self.state.globals[b"io"], writer("stdout"), writer("stderr"))

        def clear_output(wait: Any = False) -> None:
            """Clear the cell's output (IPython's clear_output); `wait` defers it."""
            self._out("clear", "wait" if wait else "")

        self.state.globals[b"clear_output"] = clear_output

    # -- interrupts ---------------------------------------------------------------------------
    def arm(self) -> None:
        """Before a cell, on the thread that will later deliver interrupts: start one execution
        of the session state (the hook stops it on any later `Runtime.interrupt()`), so an
        interrupt that arrives before the worker thread starts still stops the cell."""
        self.interrupted.clear()
        self.state.start_execution(CELL_ENTRY)

    def disarm(self) -> None:
        """After a cell: completion and inspection may run Lua on the session state, and must
        not be stopped by the cell's interrupt."""
        self.state.end_execution()

    def interrupt(self) -> None:
        """Stop the running cell: Lua (session and entry states) and WASM, on any thread.

        Safe from a signal handler: the flag is set here, and `Runtime.interrupt()` (which takes
        the guard's lock and walks the pools) runs on a short-lived thread, so a handler that
        lands while the main thread holds that lock cannot deadlock."""
        self.interrupted.set()
        threading.Thread(target=self.runtime.interrupt, name="wippy-interrupt",
                         daemon=True).start()

    # -- running Lua --------------------------------------------------------------------------
    def compile_cell(self, code: str, chunkname: str, first_line: int = 1) -> tuple[Any, bool]:
        """Compile a cell as Lua: `return <code>` first (an expression cell shows its value),
        then as a chunk, then as head + `return <last line>`. Returns (fn, is_expression).

        Lines are padded so that Lua's line numbers are the cell's line numbers."""
        pad = "\n" * (first_line - 1)
        fn, _ = self.state.try_compile(f"{pad}return {code}", chunkname)
        if fn is not None:
            return fn, True
        # The last line as the cell's value, as in IPython, unless it ends with `;`. Tried
        # before the plain chunk: Lua reads `f()` followed by a line `{...}` as the call
        # `f(){...}`, while a reader means "then show this table".
        lines = code.rstrip().split("\n")
        if len(lines) > 1 and not lines[-1].rstrip().endswith(";"):
            head = "\n".join(lines[:-1])
            alt, _ = self.state.try_compile(f"{pad}{head}\nreturn {lines[-1]}", chunkname)
            if alt is not None:
                return alt, True
        fn, err = self.state.try_compile(pad + code, chunkname)
        if fn is not None:
            return fn, False
        raise lua_syntax_error(err or "syntax error", code, first_line)

    def run(self, fn: Any) -> tuple[Any, ...]:
        """Run a compiled cell as a top-level execution on the runtime's dispatcher, as an
        entry's call runs, so `time.sleep`, channels and `coroutine.spawn` work in cells; a
        Lua error or an interrupt becomes CellError.

        The dispatcher also stops a cell parked in `time.sleep` or a channel wait (the
        instruction hook does not run then); it compares against the generation of the
        execution `arm()` started, so an interrupt that came before this thread got here
        counts too."""
        disp = CellDispatcher(self.state, CELL_ENTRY)
        check = self.state.check
        if check is not None:
            disp.generation = check.generation
        try:
            # the cell, then every coroutine it spawned (a cell ends when all its work does)
            raw = disp.run(self._finish_spawned, (fn,))
            if not raw[0] and len(raw) > 1 and hasattr(raw[1], "_kind"):  # error(err_value)
                if self.interrupted.is_set():
                    raise interrupted_error()
                raise cell_errors.from_error_value(raw[1])
            out = self.state.finish(raw, None)
        except CallError as exc:
            raise self.call_error(exc) from None
        if self.interrupted.is_set():  # e.g. a WASM trap that funcs.call returned as nil, err
            raise interrupted_error()
        return out

    def call_entry(self, entry_id: str, args: list[Any]) -> Any:
        try:
            value = self.runtime.call(entry_id, *args)
        except CallError as exc:
            raise self.call_error(exc) from None
        if self.interrupted.is_set():  # the entry finished before the interrupt reached it
            raise interrupted_error()
        return value

    def call_error(self, exc: CallError) -> CellError:
        if self.interrupted.is_set():
            return interrupted_error()
        return cell_errors.from_call_error(exc)

    def notice(self, text: str) -> None:
        """A one-line message outside any cell's own output (e.g. a watched project changed);
        it lands under the most recent cell, as the kernel's streams are thread-safe."""
        self._out("stderr", text.rstrip("\n") + "\n")

    def close(self) -> None:
        for watcher in self.watchers.values():
            watcher.stop()
        self.watchers.clear()
        self.runtime.close()


def interrupted_error() -> CellError:
    return CellError("KeyboardInterrupt", "interrupted by the user",
                     ["KeyboardInterrupt: execution interrupted (kernel still running; all "
                      "entries are kept)"])


def lua_syntax_error(message: str, code: str, first_line: int = 1) -> CellError:
    """Lua's 'cell[3]:2: ... near x' with the offending cell line quoted; a static type
    error of typed Lua (worded the same way) is named as one."""
    typed = isinstance(message, TypeErrorMessage)
    m = CHUNK_LINE.match(message)
    tb = [f"Lua {'type' if typed else 'syntax'} error: {message}"]
    if m:
        line = int(m.group(1))
        lines = code.split("\n")
        idx = line - first_line
        if 0 <= idx < len(lines):
            tb.append(f"  line {line}: {lines[idx]}")
    return CellError("LuaTypeError" if typed else "LuaSyntaxError", str(message), tb)


def load_error(exc: WippyError, *, body: str | None = None, body_line: int = 2,
               line_in_body: int | None = None) -> CellError:
    """A LoadError / CompileError from a magic's body, with the line counted in the cell."""
    entry = getattr(exc, "entry", None)
    message = getattr(exc, "message", None) or str(exc)
    cell_line = body_line + line_in_body - 1 if line_in_body else None
    where = f" (cell line {cell_line})" if cell_line else ""
    evalue = f"{entry}: {message}{where}" if entry else f"{message}{where}"
    tb = [f"{type(exc).__name__}: {evalue}"]
    if body is not None and line_in_body:
        lines = body.split("\n")
        if 0 < line_in_body <= len(lines):
            tb.append(f"  line {cell_line}: {lines[line_in_body - 1]}")
    return CellError(type(exc).__name__, evalue, tb)


__all__ = ["CellError", "Session", "CompileError", "LoadError",
           "interrupted_error", "load_error", "lua_syntax_error"]
