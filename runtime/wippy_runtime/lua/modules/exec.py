"""The `exec` module: run host commands through an `exec.native` entry (stdlib subprocess).

Wippy's surface and checks, in its order: `exec.get(id)` needs `exec.get` on the id (denied:
INVALID, as Wippy reports it), an empty id is INVALID, an id that is missing or not an executor
is INTERNAL. `executor:exec(cmd, {work_dir=, env=})` needs `exec.run` on the command string,
then the entry's `command_whitelist` (exact strings; a command outside it is INTERNAL, naming
it). A Process is not started until `start()`; `wait()` yields the coroutine (the wait runs on
a worker thread) and returns the exit code, -1 for a child ended by a signal (Go's
`ExitCode()`), and closes the process; `signal(n)`, `write_stdin(s)`, `stdout_stream()` and
`stderr_stream()` (Stream objects whose `read(size?)` yields until data arrives and returns
`nil, nil` at the end); `close(force?)` sends SIGTERM (SIGKILL when forced) and is idempotent.
Operations on a closed process are INVALID, as are those that need a started one.

Decisions:
- The command is split with `shlex` (POSIX shell words, no shell is run): quotes group words
  as in Wippy's splitter; backslash escapes are honoured too, and an unbalanced quote is
  INVALID where Wippy keeps the quote character.
- As in Go's `exec.Command`, the executable is looked up on the runtime's own `PATH` while the
  child gets only the entry's `default_env` plus the call's `env`; a command that is not found
  fails at `start()` (INTERNAL, naming it).
- Children are tracked by their entry, which kills any still running when it is retired, and a
  Process collected while its child runs kills the child.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal as signal_mod
import subprocess
import weakref
from typing import TYPE_CHECKING, Any

from ...errors import INTERNAL, INVALID
from ...resources.native_executor import NativeExecutor
from ...scheduler.dispatcher import PENDING, current, executor
from ..objects import bad_argument, built, error_value, fail, lua_class, text_arg

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

_READ = 65536


class _Executor:
    __slots__ = ("id", "res")

    def __init__(self, entry_id: str, res: NativeExecutor) -> None:
        self.id = entry_id
        self.res: NativeExecutor | None = res


class _Process:
    __slots__ = ("cmd", "argv", "cwd", "env", "res", "child", "closed", "streams",
                 "__weakref__")

    def __init__(self, cmd: str, argv: list[str], cwd: str | None, env: dict[str, str],
                 res: NativeExecutor) -> None:
        self.cmd = cmd
        self.argv = argv
        self.cwd = cwd
        self.env = env
        self.res = res
        self.child: subprocess.Popen[bytes] | None = None
        self.closed = False
        self.streams: dict[str, Any] = {}


class _Stream:
    __slots__ = ("proc", "which", "closed")

    def __init__(self, proc: _Process, which: str) -> None:
        self.proc = proc
        self.which = which
        self.closed = False


def _kill_if_running(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.kill()


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua
    security = runtime.security
    wrap = state.async_glue[b"wrap"]
    type_of = lua.eval("type")

    def in_thread(job: Any) -> Any:
        """Run `job()` on a worker and resume the calling coroutine with what it returns."""
        disp, task = current(state)
        disp.inflight += 1

        def done(values: tuple[Any, ...]) -> None:
            disp.inflight -= 1
            disp.resume(task, values)

        def run() -> None:
            try:
                values = job()
            except BaseException as exc:  # noqa: BLE001 - every failure goes back to Lua
                message = f"{type(exc).__name__}: {exc}"
                disp.post(lambda: done((None, error_value(message, INTERNAL))))
                return
            disp.post(lambda: done(values))

        executor().submit(run)
        return PENDING

    # -- Executor ---------------------------------------------------------------------------

    def e_exec(h: _Executor, cmd: Any = None, options: Any = None, *_: Any) -> Any:
        if h.res is None:
            return fail(f"executor:exec: executor {h.id} is released", INVALID)
        command = text_arg("executor:exec", 1, "command", cmd)
        if not command.strip():
            return fail("executor:exec: command is required", INVALID)
        if not security.allowed("exec.run", command):
            return fail(f"executor:exec: permission denied: execute command {command!r}",
                        INVALID)
        if not h.res.allows(command):
            return fail(f"executor:exec: create process: command {command!r} is not in the "
                        f"command_whitelist of {h.id}", INTERNAL)
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            return fail(f"executor:exec: cannot split command {command!r}: {exc}", INVALID)
        cwd, env = h.res.work_dir, dict(h.res.env)
        if options is not None:
            if type_of(options) != b"table":
                raise bad_argument("executor:exec", 2, "options", "table", options)
            wd = options[b"work_dir"]
            if isinstance(wd, bytes) and wd:
                cwd = os.path.normpath(wd.decode("utf-8", "surrogateescape"))
            extra = options[b"env"]
            if extra is not None and type_of(extra) == b"table":
                for k, v in extra.items():
                    env[_s(k)] = _s(v)
        return Process.new(_Process(command, argv, cwd, env, h.res)), None

    def e_release(h: _Executor, *_: Any) -> Any:
        h.res = None
        return True, None

    Executor = lua_class(state, "exec.Executor", {"exec": e_exec, "release": e_release},
                         lambda h: f"exec.Executor{{{h.id}{'' if h.res else ', released'}}}")

    # -- Process ----------------------------------------------------------------------------

    def usable(p: _Process, method: str, started: bool = True) -> Any:
        if p.closed:
            return fail(f"process:{method}: process is closed", INVALID)
        if started and p.child is None:
            return fail(f"process:{method}: process not started: call start() first", INVALID)
        return None

    def p_start(p: _Process, *_: Any) -> Any:
        bad = usable(p, "start", started=False)
        if bad is not None:
            return bad
        if p.child is not None:
            return fail("process:start: process already started", INVALID)
        exe = p.argv[0]
        path = exe if os.sep in exe else shutil.which(exe)
        if path is None:
            return fail(f"process:start: start process: executable {exe!r} not found in "
                        "PATH", INTERNAL)
        try:
            child = subprocess.Popen([path, *p.argv[1:]], executable=path, cwd=p.cwd,
                                     env=p.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        except OSError as exc:
            return fail(f"process:start: start process {p.cmd!r}: {exc}", INTERNAL)
        p.child = child
        p.res.track(child)
        weakref.finalize(p, _kill_if_running, child)
        return True, None

    def p_wait(p: _Process, *_: Any) -> Any:
        bad = usable(p, "wait")
        if bad is not None:
            return bad
        p.closed = True
        child = p.child
        assert child is not None

        def job() -> tuple[Any, ...]:
            code = child.wait()
            if child.stdin is not None:
                with contextlib.suppress(OSError):
                    child.stdin.close()
            return (code if code >= 0 else -1), None

        return in_thread(job)

    def p_signal(p: _Process, sig: Any = None, *_: Any) -> Any:
        bad = usable(p, "signal")
        if bad is not None:
            return bad
        if isinstance(sig, bool) or not isinstance(sig, int):
            raise bad_argument("process:signal", 1, "signal", "integer", sig)
        child = p.child
        assert child is not None
        if child.poll() is not None:
            return fail(f"process:signal: send signal: process {p.cmd!r} already finished",
                        INTERNAL)
        try:
            child.send_signal(sig)
        except (OSError, ValueError) as exc:
            return fail(f"process:signal: send signal {sig}: {exc}", INTERNAL)
        return True, None

    def p_write(p: _Process, data: Any = None, *_: Any) -> Any:
        bad = usable(p, "write_stdin")
        if bad is not None:
            return bad
        if not isinstance(data, bytes):
            raise bad_argument("process:write_stdin", 1, "data", "string", data)
        child = p.child
        assert child is not None and child.stdin is not None
        try:
            child.stdin.write(data)
            child.stdin.flush()
        except (OSError, ValueError) as exc:
            return fail(f"process:write_stdin: write stdin: {exc}", INTERNAL)
        return True, None

    def stream_of(which: str) -> Any:
        def get(p: _Process, *_: Any) -> Any:
            if p.closed:
                return fail(f"process:{which}_stream: process is closed", INVALID)
            s = p.streams.get(which)
            if s is None:
                s = p.streams[which] = Stream.new(_Stream(p, which))
            return s, None
        return get

    def p_close(p: _Process, force: Any = None, *_: Any) -> Any:
        if not p.closed:
            p.closed = True
            child = p.child
            if child is not None and child.poll() is None:
                child.send_signal(signal_mod.SIGKILL if force else signal_mod.SIGTERM)
        return True, None

    Process = lua_class(state, "exec.Process", {
        "start": p_start, "wait": wrap(p_wait), "signal": p_signal, "write_stdin": p_write,
        "stdout_stream": stream_of("stdout"), "stderr_stream": stream_of("stderr"),
        "close": p_close,
    }, lambda p: f"exec.Process{{{p.cmd}{', closed' if p.closed else ''}}}")

    # -- Stream -----------------------------------------------------------------------------

    def s_read(s: _Stream, size: Any = None, *_: Any) -> Any:
        if s.closed:
            return fail(f"stream:read: {s.which} stream is closed", INTERNAL)
        if size is not None and (isinstance(size, bool) or not isinstance(size, int)
                                 or size < 0):
            raise bad_argument("stream:read", 1, "size", "non-negative integer", size)
        child = s.proc.child
        if child is None:
            return fail(f"stream:read: process not started: call start() first ({s.which})",
                        INTERNAL)
        pipe = child.stdout if s.which == "stdout" else child.stderr
        assert pipe is not None
        fd = pipe.fileno()
        n = size or _READ

        def job() -> tuple[Any, ...]:
            data = os.read(fd, n)
            return (data if data else None), None

        return in_thread(job)

    def s_close(s: _Stream, *_: Any) -> Any:
        if not s.closed:
            s.closed = True
            child = s.proc.child
            pipe = None if child is None else (child.stdout if s.which == "stdout"
                                               else child.stderr)
            if pipe is not None:
                pipe.close()
        return True, None

    Stream = lua_class(state, "exec.Stream", {"read": wrap(s_read), "close": s_close},
                       lambda s: f"exec.Stream{{{s.which}}}")

    # -- module -----------------------------------------------------------------------------

    def get(entry_id: Any = None, *_: Any) -> Any:
        eid = text_arg("exec.get", 1, "id", entry_id)
        if not eid:
            return fail("exec.get: resource id is required", INVALID)
        if not security.allowed("exec.get", eid):
            return fail(f"exec.get: permission denied: access executor {eid}", INVALID)
        res = built(runtime, eid)
        if res is None:
            return fail(f"exec.get: acquire resource: executor {eid} not found", INTERNAL)
        backing = getattr(res, "executor", None)
        if not isinstance(backing, NativeExecutor):
            kind = getattr(getattr(res, "entry", None), "kind", type(res).__name__)
            why = (" (Docker executors are not run by wippy-kernel)"
                   if kind == "exec.docker" else "")
            return fail(f"exec.get: {eid} is a {kind}, not an executor{why}", INTERNAL)
        return Executor.new(_Executor(eid, backing)), None

    module = lua.table()
    module[b"get"] = get
    state.bind("exec", module)


def _s(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
