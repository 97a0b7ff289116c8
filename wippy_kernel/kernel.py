"""The Jupyter protocol side of the Wippy kernel: messages in, session calls, messages out.

Cells run on one dedicated worker thread so that the main thread stays free to receive SIGINT
while Lua or WASM is busy; the SIGINT handler installed around each cell calls
`Session.interrupt()`, i.e. the runtime's own `Runtime.interrupt()` (Lua instruction hooks of the
session and entry states, wasmtime epoch callback for WASM). Display, completion, inspection,
`is_complete`, installation and magics live in their own modules.

Start-up: the kernel answers its first `kernel_info_request` before the runtime exists. This
module imports only ipykernel; the session (wippy_runtime, wasmtime, lupa, the WIT grammar,
the session Lua state) is built on a background thread that starts once that first reply is
sent (or after `SESSION_START_DELAY` seconds without one), so "kernel ready" in the front end
does not wait for it. Whatever needs the session (a cell, completion, inspection) waits for
the build, which usually finished while the user was typing; a failed build becomes every
cell's error reply instead of a dead kernel.
"""

from __future__ import annotations

import asyncio
import contextvars
import signal
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ipykernel.kernelbase import Kernel, kernel_protocol_version

from . import __version__
from .cells import Segment, help_request, split_cell
from .comms import wire_comms
from .install import KERNEL_NAME

if TYPE_CHECKING:
    from .session import CellError, Session

#: seconds after start-up when the session is built even if no kernel_info request came
SESSION_START_DELAY = 5.0


def _build_session() -> Session:
    from .session import Session

    return Session()


class WippyKernel(Kernel):
    """Lua 5.4 cells over a wippy_runtime Runtime; magics define WAT / Lua / YAML entries."""

    implementation = KERNEL_NAME
    implementation_version = __version__
    banner = "Wippy kernel: Lua 5.4 cells, WAT/WASM and Lua entries (%lsmagic for magics)"
    language_info = {
        "name": "lua",
        "version": "5.4",
        "mimetype": "text/x-lua",
        "file_extension": ".lua",
        "pygments_lexer": "lua",
        "codemirror_mode": "lua",
    }
    help_links = [{"text": "Lua 5.4 manual", "url": "https://www.lua.org/manual/5.4/"}]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._session: Future[Session] = Future()
        self._start_session = threading.Event()
        threading.Thread(target=self._session_builder, name="wippy-session",
                         daemon=True).start()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wippy-cell")
        self._history: list[tuple[int, int, str]] = []
        wire_comms(self)

    # -- the session, built off the start-up path ------------------------------------------
    def _session_builder(self) -> None:
        self._start_session.wait(SESSION_START_DELAY)
        if not self._session.set_running_or_notify_cancel():
            return
        try:
            self._session.set_result(_build_session())
        except BaseException as exc:  # reported by every request that needs the session
            self._session.set_exception(exc)

    @property
    def wippy(self) -> Session:
        """The session; waits for its build (started now if it was not yet)."""
        self._start_session.set()
        return self._session.result()

    # -- kernel_info: never claim a debugger (JupyterLab would show a toggle that does nothing)
    @property
    def kernel_info(self) -> dict[str, Any]:
        # Built here rather than from super().kernel_info: that imports ipykernel.debugger
        # (and so debugpy) only to add the "debugger" feature this kernel must not claim.
        features = ["kernel subshells"] if self._supports_kernel_subshells else []
        return {"protocol_version": kernel_protocol_version,
                "implementation": self.implementation,
                "implementation_version": self.implementation_version,
                "language_info": self.language_info, "banner": self.banner,
                "help_links": self.help_links, "supported_features": features,
                "debugger": False}

    async def kernel_info_request(self, stream: Any, ident: Any, parent: Any) -> None:
        await super().kernel_info_request(stream, ident, parent)
        self._start_session.set()  # the front end has its reply: now build the runtime

    # -- output helpers (thread-safe: iopub goes through ipykernel's IOPub thread) -----------
    def _stream(self, name: str, text: str) -> None:
        if name == "clear":
            if not self._silent:
                self.send_response(self.iopub_socket, "clear_output", {"wait": text == "wait"})
            return
        if text and not self._silent:
            self.send_response(self.iopub_socket, "stream", {"name": name, "text": text})

    def _display(self, data: dict[str, Any]) -> None:
        if not self._silent:
            self.send_response(self.iopub_socket, "display_data",
                               {"data": data, "metadata": {}, "transient": {}})

    # -- execute ------------------------------------------------------------------------------
    _silent = False

    async def do_execute(self, code: str, silent: bool, store_history: bool = True,
                         user_expressions: dict | None = None, allow_stdin: bool = False,
                         *, cell_meta: Any = None, cell_id: Any = None) -> dict[str, Any]:
        self._silent = silent
        if store_history:
            self._history.append((0, self.execution_count, code))
        ok = {"status": "ok", "execution_count": self.execution_count, "payload": [],
              "user_expressions": {}}
        try:
            await asyncio.wrap_future(self._session_future())
        except Exception as exc:
            return self._error(_session_failed(exc))
        page = self._help_page(code)
        if page is not None:
            ok["payload"] = [{"source": "page", "data": page, "start": 0}]
            return ok
        self.wippy.set_sink(self._stream)
        self.wippy.arm()
        loop = asyncio.get_running_loop()
        ctx = contextvars.copy_context()
        previous = signal.signal(signal.SIGINT, lambda *_: self.wippy.interrupt())
        try:
            result = await loop.run_in_executor(self._executor, ctx.run, self._run_cell, code)
        finally:
            signal.signal(signal.SIGINT, previous)
            self.wippy.disarm()
        if result is not None and not isinstance(result, dict):  # a CellError
            return self._error(result)
        if result is not None and not silent:
            self.send_response(self.iopub_socket, "execute_result",
                               {"execution_count": self.execution_count, "data": result,
                                "metadata": {}})
        return ok

    def _error(self, err: CellError) -> dict[str, Any]:
        content = {"ename": err.ename, "evalue": err.evalue,
                   "traceback": err.traceback or [f"{err.ename}: {err.evalue}"]}
        if not self._silent:
            self.send_response(self.iopub_socket, "error", content)
        return {"status": "error", "execution_count": self.execution_count, **content}

    def _session_future(self) -> Future[Session]:
        self._start_session.set()
        return self._session

    def _run_cell(self, code: str) -> dict[str, Any] | CellError | None:
        """Worker thread: run every segment; return the last expression's bundle or an error."""
        from .session import CellError

        result: dict[str, Any] | None = None
        chunkname = f"cell[{self.execution_count}]"
        try:
            for seg in split_cell(code):
                result = self._run_segment(seg, chunkname)
        except CellError as err:
            return err
        except Exception as exc:  # a bug of ours must not kill the kernel
            return CellError(type(exc).__name__, str(exc), [f"{type(exc).__name__}: {exc}",
                                                            "(internal error in wippy_kernel)"])
        return result

    def _run_segment(self, seg: Segment, chunkname: str) -> dict[str, Any] | None:
        from .display import value_bundle
        from .magics import MagicContext, MagicError, registry

        if seg.type == "lua":
            fn, _ = self.wippy.compile_cell(seg.text, chunkname, seg.first_line)
            values = list(self.wippy.run(fn))
            # `r, err` pairs (funcs.call) show as `r`: trailing nils after a value are noise
            while len(values) > 1 and values[-1] is None:
                values.pop()
            # an expression's value, or what an explicit `return` gave back
            return value_bundle(values) if values else None
        magic = registry().get(seg.name)
        if magic is None or not magic.accepts(seg.type == "cell"):
            prefix = "%%" if seg.type == "cell" else "%"
            raise MagicError("UsageError", f"unknown magic {prefix}{seg.name} (line "
                             f"{seg.first_line}); %lsmagic lists them")
        ctx = MagicContext(session=self.wippy, display=self._display,
                           stdout=lambda t: self._stream("stdout", t),
                           stderr=lambda t: self._stream("stderr", t), cwd=Path.cwd(),
                           body_line=seg.first_line + 1,
                           run_body=lambda text, line: self._run_body(text, line, chunkname))
        magic.run(ctx, seg.text, seg.body if seg.type == "cell" else None)
        return None

    def _run_body(self, text: str, first_line: int, chunkname: str) -> dict[str, Any] | None:
        """A cell magic's body run as cell text whose first line is cell line `first_line`."""
        result = None
        for seg in split_cell(text):
            seg.first_line += first_line - 1
            result = self._run_segment(seg, chunkname)
        return result

    def _help_page(self, code: str) -> dict[str, str] | None:
        req = help_request(code)
        if req is None:
            return None
        from .inspection import inspect_text
        from .magics import registry

        prefix, name, level = req
        if prefix:
            magic = registry().get(name)
            text = magic.help() if magic else f"unknown magic {prefix}{name}"
            return {"text/plain": text}
        data = inspect_text(self.wippy, name, level)
        return data or {"text/plain": f"no help found for {name!r}"}

    # -- completion / inspection / is_complete / history -------------------------------------
    async def do_complete(self, code: str, cursor_pos: int) -> dict[str, Any]:
        from .completion import complete

        session = await asyncio.wrap_future(self._session_future())
        matches, start, end = complete(session, code, cursor_pos)
        return {"status": "ok", "matches": matches, "cursor_start": start,
                "cursor_end": end, "metadata": {}}

    async def do_inspect(self, code: str, cursor_pos: int, detail_level: int = 0,
                         omit_sections: Any = ()) -> dict[str, Any]:
        from .inspection import inspect_text, name_at

        session = await asyncio.wrap_future(self._session_future())
        name = name_at(code, cursor_pos)
        data = inspect_text(session, name, detail_level) if name else None
        return {"status": "ok", "found": bool(data), "data": data or {}, "metadata": {}}

    async def do_is_complete(self, code: str) -> dict[str, Any]:
        from .completeness import is_complete

        session = await asyncio.wrap_future(self._session_future())
        status, indent = is_complete(session, code)
        reply: dict[str, Any] = {"status": status}
        if status == "incomplete":
            reply["indent"] = indent
        return reply

    async def do_history(self, hist_access_type: str, output: bool, raw: bool,
                         session: Any = None, start: Any = None, stop: Any = None,
                         n: int | None = None, pattern: str | None = None,
                         unique: bool = False) -> dict[str, Any]:
        items = list(self._history)
        if hist_access_type == "search" and pattern:
            import fnmatch

            items = [h for h in items if fnmatch.fnmatch(h[2], pattern)]
        elif hist_access_type == "range":
            lo = start or 0
            hi = stop if stop is not None else sys.maxsize
            items = [h for h in items if lo <= h[1] < hi]
        if unique:
            seen: set[str] = set()
            items = [h for h in items if not (h[2] in seen or seen.add(h[2]))]  # type: ignore[func-returns-value]
        if n:
            items = items[-n:]
        if output:
            items = [(s, c, (code, None)) for s, c, code in items]  # type: ignore[misc]
        return {"status": "ok", "history": items}

    async def do_shutdown(self, restart: bool) -> dict[str, Any]:
        self._start_session.set()
        if self._session.done() and self._session.exception() is None:
            from .widgets.live import REFRESHER

            REFRESHER.stop()  # live widgets stop reading the runtime before it closes
            self._session.result().close()
        self._executor.shutdown(wait=False)
        return {"status": "ok", "restart": restart}


def _session_failed(exc: BaseException) -> CellError:
    from .session import CellError

    return CellError("KernelStartError", f"the Wippy runtime failed to start: {exc}",
                     [f"KernelStartError: the Wippy runtime failed to start: "
                      f"{type(exc).__name__}: {exc}", "(restart the kernel after fixing it)"])
