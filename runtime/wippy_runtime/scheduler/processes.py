"""The process host: PIDs, spawning, mailboxes, monitors and links (wippy-facts §4,
wippy-lua-modules §4).

Design, and why:

* Every spawned process runs on its own OS thread with a fresh instance of its entry (one
  instance per PID, as Wippy's process.wasm): a long-running process keeps running while cells
  and calls continue, and a process that blocks (sleeps, waits for messages, runs WASM) holds
  up nobody. A Lua process drives its coroutines with its own Dispatcher on that thread.
* Any Lua execution can be a *parent*: a function that calls `process.spawn_monitored` gets a
  PID for the duration of its execution (Wippy gives functions PIDs too), so EXIT events and
  messages have somewhere to go. Its record is dropped when the execution ends; deliveries to
  a PID that is gone are dropped, as in Wippy.
* Everything crossing threads is plain Python data (and error values); a delivery is a closure
  posted to the receiver's dispatcher, which builds Lua values in the receiver's own state.
  Deliveries that arrive before a process's dispatcher exists wait in `pending`.
* A process runs in its spawner's context (a copy of its context variables: actor, scope,
  request context), so a spawn is no way around a policy; it does not inherit the spawner's
  execution budget (a process outlives the call that started it), only the interrupt.
* Live processes are bounded per process.host (`max_processes`) and per calling entry
  (`max_processes_per_caller`); a spawn past either fails with UNAVAILABLE at once.
"""

from __future__ import annotations

import contextvars
import itertools
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import UNAVAILABLE, CallError
from .limits import CURRENT

if TYPE_CHECKING:
    from .dispatcher import Dispatcher

EXIT, LINK_DOWN, CANCEL = "pid.exit", "pid.link.down", "pid.cancel"
#: defaults for a process.host without `max_processes` / `max_processes_per_caller`
DEFAULT_MAX_PROCESSES = 4096
DEFAULT_MAX_PER_CALLER = 1024

_slot = threading.local()


def take_started_process() -> Process | None:
    """For a new Dispatcher: the process this thread is starting (one-shot, so executions
    nested inside the process get their own identity)."""
    proc = getattr(_slot, "process", None)
    _slot.process = None
    return proc


class Process:
    """One PID: where its mailbox and events go, who watches it."""

    def __init__(self, host: ProcessHost, pid: str, entry: str | None) -> None:
        self.host = host
        self.pid = pid
        self.entry = entry
        self.dispatcher: Dispatcher | None = None
        self.pending: list[Callable[[], None]] = []
        self.monitors: set[str] = set()   # PIDs that get our EXIT
        self.links: set[str] = set()      # PIDs that get LINK_DOWN when we fail
        self.alive = True
        self.finished = threading.Event()
        self.result: dict[str, Any] | None = None
        self.lock = threading.Lock()
        #: receiver-side state, touched only on the receiver's dispatcher thread
        self.module_state: Any = None

    def attach(self, disp: Dispatcher) -> None:
        with self.lock:
            self.dispatcher = disp
            pending, self.pending = self.pending, []
        for fn in pending:
            disp.post(fn)

    def deliver(self, fn: Callable[[], None]) -> bool:
        """Run `fn` on this process's dispatcher thread (soon); False if the PID is gone."""
        with self.lock:
            if not self.alive:
                return False
            disp = self.dispatcher
            if disp is None:
                self.pending.append(fn)
                return True
        disp.post(fn)
        return True


class ProcessHost:
    """All PIDs of one runtime."""

    def __init__(self, runtime: Any) -> None:  # the Runtime (lua/host.py's LuaHost)
        self.runtime = runtime
        self.procs: dict[str, Process] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        #: hooks for the receiver side (installed by lua/modules/process.py):
        #: on_event(proc, event_dict) and on_message(proc, from_pid, topic, payloads)
        self.on_event: Callable[[Process, dict[str, Any]], None] | None = None
        self.on_message: Callable[[Process, str | None, str, list[Any]], None] | None = None
        #: live spawned processes per process.host and per calling entry
        self.per_host: dict[str, int] = {}
        self.per_caller: dict[str, int] = {}

    def new_pid(self, host: str, entry: str | None) -> Process:
        with self._lock:
            pid = f"{{{host}|{next(self._ids)}}}"
            proc = self.procs[pid] = Process(self, pid, entry)
        return proc

    def for_dispatcher(self, disp: Dispatcher) -> Process:
        """The PID of a Lua execution (a process, or a function that asked for one)."""
        if disp.process is None:
            proc = self.new_pid("local", disp.entry)
            disp.process = proc
            proc.attach(disp)
            disp.on_finish.append(lambda: self.gone(proc))
        return disp.process

    def gone(self, proc: Process) -> None:
        with proc.lock:
            proc.alive = False
        with self._lock:
            self.procs.pop(proc.pid, None)

    def get(self, pid: str) -> Process | None:
        return self.procs.get(pid)

    # -- spawning ------------------------------------------------------------------------
    def spawn(self, definition: Any, host_id: str, args: list[Any], parent: Process | None,
              monitored: bool, linked: bool, *, caller: str | None = None,
              limits: tuple[int, int] = (DEFAULT_MAX_PROCESSES, DEFAULT_MAX_PER_CALLER),
              ) -> Process:
        """Start a process in the caller's context; UNAVAILABLE past the host's limits."""
        max_host, max_caller = limits
        caller_key = caller or "-"
        with self._lock:
            if max_host and self.per_host.get(host_id, 0) >= max_host:
                raise CallError(f"process host {host_id} is full ({max_host} processes "
                                "running, max_processes)", entry=definition.entry.id,
                                kind=UNAVAILABLE)
            if max_caller and self.per_caller.get(caller_key, 0) >= max_caller:
                raise CallError(f"{caller_key} already runs {max_caller} processes "
                                "(max_processes_per_caller)", entry=definition.entry.id,
                                kind=UNAVAILABLE)
            self.per_host[host_id] = self.per_host.get(host_id, 0) + 1
            self.per_caller[caller_key] = self.per_caller.get(caller_key, 0) + 1
        proc = self.new_pid(host_id, definition.entry.id)
        if parent is not None and monitored:
            proc.monitors.add(parent.pid)
        if parent is not None and linked:
            proc.links.add(parent.pid)
        ctx = contextvars.copy_context()

        def run() -> None:
            try:
                ctx.run(self._run_detached, proc, definition, args)
            finally:
                with self._lock:
                    self.per_host[host_id] -= 1
                    self.per_caller[caller_key] -= 1

        thread = threading.Thread(target=run, name=f"wippy-process-{proc.pid}", daemon=True)
        thread.start()
        return proc

    def _run_detached(self, proc: Process, definition: Any, args: list[Any]) -> None:
        """In the spawner's context, minus its execution budget (see the module docstring):
        the process's own executions take the interrupt generation current when they start."""
        CURRENT.set(None)
        self._run(proc, definition, args)

    def run_to_end(self, definition: Any, host_id: str, args: list[Any]) -> dict[str, Any]:
        """Spawn and wait (the CLI's `wippy run`): `{"value": v}` or `{"error": exc}`."""
        proc = self.spawn(definition, host_id, args, None, False, False)
        proc.finished.wait()
        assert proc.result is not None
        return proc.result

    def _run(self, proc: Process, definition: Any, args: list[Any]) -> None:
        _slot.process = proc if definition.lua else None
        try:
            value = definition.run(args)
            result: dict[str, Any] = {"value": value}
            failed = False
        except CallError as exc:
            result, failed = {"error": exc}, True
        except BaseException as exc:  # noqa: BLE001 - a crash is reported, not raised
            result, failed = {"error": CallError(f"{type(exc).__name__}: {exc}",
                                                 entry=proc.entry)}, True
        finally:
            _slot.process = None
        self.gone(proc)
        proc.result = result
        proc.finished.set()
        at = time.time_ns()
        for watcher in proc.monitors:
            self.event(watcher, {"kind": EXIT, "from": proc.pid, "at": at, "result": result})
        if failed:
            for peer in proc.links:
                self.event(peer, {"kind": LINK_DOWN, "from": proc.pid, "at": at,
                                  "result": result})

    # -- deliveries ----------------------------------------------------------------------
    def event(self, pid: str, event: dict[str, Any]) -> bool:
        proc = self.procs.get(pid)
        hook = self.on_event
        if proc is None or hook is None:
            return False
        return proc.deliver(lambda: hook(proc, event))

    def send(self, sender: str | None, pid: str, topic: str, payloads: list[Any]) -> bool:
        proc = self.procs.get(pid)
        hook = self.on_message
        if proc is None or hook is None:
            return False
        return proc.deliver(lambda: hook(proc, sender, topic, payloads))
