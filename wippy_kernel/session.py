"""The kernel's session: one Runtime, one persistent Lua state, and the interrupt machinery.

This module knows nothing about the Jupyter protocol. The kernel hands it cell text and an
output sink; it compiles and runs Lua, and turns failures into `CellError` (name, value,
traceback) with line numbers counted in the cell.

Interrupts. SIGINT only becomes a Python exception when Python code runs, and neither a busy
Lua loop (inside lupa) nor a WASM loop (inside wasmtime) runs Python. So:

* the session Lua state gets a count hook (`debug.sethook`) that calls back into Python every
  few thousand instructions; the callback raises `KeyboardInterrupt` once `interrupt()` ran.
  The runtime's sandbox deletes `debug` from the Lua globals, so `SessionState` keeps a private
  reference to `debug.sethook` taken before the prelude runs;
* every wasmtime Store the runtime creates is tracked (weakly) and given an epoch deadline of
  one tick before each cell; `interrupt()` bumps the engine epoch, so running WASM traps at its
  next loop back-edge or call.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lupa.lua54 as lupa
from wippy_runtime import Runtime
from wippy_runtime.errors import CallError, CompileError, LoadError, WippyError
from wippy_runtime.lua import state as state_mod
from wippy_runtime.lua.exposed import attribute_filter
from wippy_runtime.lua.modules import MODULES
from wippy_runtime.lua.modules import errors as errors_module
from wippy_runtime.scheduler.dispatcher import install as install_dispatch

#: Lua instructions between two interrupt checks (a Python call each: ~0.3 µs).
HOOK_COUNT = 10_000


class SessionState(state_mod.LuaState):
    """A `LuaState` that keeps `debug.sethook` (taken before the sandbox removes `debug`).

    Mirrors `LuaState.__init__`; see the final report: a `LuaState(interrupt_check=...)` option
    in the runtime would make this subclass unnecessary.
    """

    def __init__(self, *, print_fn: Callable[[str], None] | None = None) -> None:
        self.lua = lupa.LuaRuntime(
            encoding=None, unpack_returned_tuples=True, register_eval=False,
            register_builtins=False, attribute_filter=attribute_filter,
        )
        self._sethook = self.lua.eval("debug.sethook")
        self._load = self.lua.eval("load")
        self._print_fn = print_fn
        host = self.lua.execute(state_mod._PRELUDE, self._print)
        self._compile = host[b"compile"]
        self.pcall = host[b"pcall"]
        self.globals = self.lua.globals()
        self.host = host
        errors_module.install(self.lua)
        # Attributes the runtime's LuaState now carries (scheduler): no guard here, the
        # kernel interrupts cells with its own hook.
        self.check = None
        self.dispatcher = None
        self.async_glue = None
        self.pending = None
        self.await_ = None
        self.guard = None
        install_dispatch(self)

    def install_hook(self, check: Callable[[], None], count: int = HOOK_COUNT) -> None:
        """Call `check()` every `count` instructions of the main Lua thread."""
        make = self.lua.eval("function(check) return function() check() end end")
        self._sethook(make(check), b"", count)

    def try_compile(self, source: str, chunkname: str) -> tuple[Any, str | None]:
        """(function, None) or (None, Lua's error message) without raising."""
        out = self._compile(source.encode("utf-8"), ("=" + chunkname).encode())
        fn, err = out if type(out) is tuple else (out, None)
        if fn is None:
            return None, err.decode("utf-8", "replace") if isinstance(err, bytes) else str(err)
        return fn, None


@dataclass
class CellError(Exception):
    """A failure to report as an `error` reply: Jupyter's ename / evalue / traceback."""

    ename: str
    evalue: str
    traceback: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.ename}: {self.evalue}"


class Session:
    """Runtime + session Lua state + interrupt flag. One per kernel."""

    def __init__(self, *, cache_dir: Path | None | bool = True) -> None:
        self._out: Callable[[str, str], None] = lambda name, text: None
        self.runtime = Runtime(cache_dir=cache_dir, output=self._runtime_print)
        self.state = SessionState(print_fn=self._runtime_print)
        for install in MODULES.values():
            install(self.state, self.runtime)
        self._install_io()
        self.interrupted = threading.Event()
        self.state.install_hook(self._check_interrupt)
        self._stores: weakref.WeakSet[Any] = weakref.WeakSet()
        self._wrap_new_store()
        self.wit_pending: str | None = None

    # -- output -----------------------------------------------------------------------------
    def set_sink(self, out: Callable[[str, str], None]) -> None:
        """`out(stream_name, text)`: where print and io.write go for the current cell."""
        self._out = out

    def _runtime_print(self, text: str) -> None:
        self._out("stdout", text)

    def _install_io(self) -> None:
        """A minimal `io` for notebooks: write to the cell's stdout / stderr, nothing else."""
        def writer(name: str) -> Callable[..., None]:
            def write(*parts: Any) -> None:
                self._out(name, "".join(
                    p.decode("utf-8", "replace") if isinstance(p, bytes) else str(p)
                    for p in parts))
            return write
        make = self.state.lua.eval(
            "function(out, err) local e = {} function e.write(self, ...) err(...) return self end"
            " local io = {stderr = e, stdout = {}} function io.stdout.write(self, ...) out(...)"
            " return self end function io.write(...) out(...) return io.stdout end return io end")
        self.state.globals[b"io"] = make(writer("stdout"), writer("stderr"))

        def clear_output(wait: Any = False) -> None:
            """Clear the cell's output (IPython's clear_output); `wait` defers it."""
            self._out("clear", "wait" if wait else "")

        self.state.globals[b"clear_output"] = clear_output

    # -- interrupts ---------------------------------------------------------------------------
    def _wrap_new_store(self) -> None:
        engine = self.runtime.wasm
        original = engine.new_store

        def new_store() -> Any:
            store = original()
            store.set_epoch_deadline(1)
            self._stores.add(store)
            return store

        engine.new_store = new_store  # type: ignore[method-assign]

    def _check_interrupt(self) -> None:
        if self.interrupted.is_set():
            raise KeyboardInterrupt("interrupted")

    def arm(self) -> None:
        """Before a cell: clear the flag, give every live store a deadline one epoch away."""
        self.interrupted.clear()
        for store in list(self._stores):
            store.set_epoch_deadline(1)

    def interrupt(self) -> None:
        """Safe from a signal handler or another thread."""
        self.interrupted.set()
        self.runtime.wasm.engine.increment_epoch()

    # -- running Lua --------------------------------------------------------------------------
    def compile_cell(self, code: str, chunkname: str, first_line: int = 1) -> tuple[Any, bool]:
        """Compile a cell as Lua: `return <code>` first (an expression cell shows its value),
        then as a chunk, then as head + `return <last line>`. Returns (fn, is_expression).

        Lines are padded so that Lua's line numbers are the cell's line numbers."""
        pad = "\n" * (first_line - 1)
        fn, _ = self.state.try_compile(f"{pad}return {code}", chunkname)
        if fn is not None:
            return fn, True
        fn, err = self.state.try_compile(pad + code, chunkname)
        if fn is not None:
            return fn, False
        lines = code.rstrip().split("\n")
        if len(lines) > 1:
            head = "\n".join(lines[:-1])
            alt, _ = self.state.try_compile(f"{pad}{head}\nreturn {lines[-1]}", chunkname)
            if alt is not None:
                return alt, True
        raise lua_syntax_error(err or "syntax error", code, first_line)

    def run(self, fn: Any) -> tuple[Any, ...]:
        """Run a compiled cell; a Lua error or an interrupt becomes CellError."""
        try:
            out = self.state.call(fn, entry=None)
        except CallError as exc:
            raise self.call_error(exc) from None
        except KeyboardInterrupt:
            raise interrupted_error() from None
        if self.interrupted.is_set():  # e.g. a WASM trap that funcs.call returned as nil, err
            raise interrupted_error()
        return out

    def call_entry(self, entry_id: str, args: list[Any]) -> Any:
        try:
            return self.runtime.call(entry_id, *args)
        except CallError as exc:
            raise self.call_error(exc) from None
        except KeyboardInterrupt:
            raise interrupted_error() from None

    def call_error(self, exc: CallError) -> CellError:
        if self.interrupted.is_set():
            return interrupted_error()
        text = getattr(exc, "lua_traceback", None)
        if not text:
            return CellError(type(exc).__name__, str(exc), [str(exc)])
        lines = [ln for ln in text.split("\n")
                 if "'xpcall'" not in ln and '[string "<python>"]' not in ln]
        return CellError("LuaError", lines[0], lines)

    def close(self) -> None:
        self.runtime.close()


def interrupted_error() -> CellError:
    return CellError("KeyboardInterrupt", "interrupted by the user",
                     ["KeyboardInterrupt: execution interrupted (kernel still running; all "
                      "entries are kept)"])


def lua_syntax_error(message: str, code: str, first_line: int = 1) -> CellError:
    """Lua's 'cell[3]:2: ... near x' with the offending cell line quoted."""
    m = state_mod._CHUNK_LINE.match(message)
    tb = [f"Lua syntax error: {message}"]
    if m:
        line = int(m.group(1))
        lines = code.split("\n")
        idx = line - first_line
        if 0 <= idx < len(lines):
            tb.append(f"  line {line}: {lines[idx]}")
    return CellError("LuaSyntaxError", message, tb)


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


__all__ = ["CellError", "Session", "SessionState", "CompileError", "LoadError",
           "interrupted_error", "load_error", "lua_syntax_error"]
