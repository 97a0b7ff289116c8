"""The process host: PIDs, spawning, mailboxes, monitors, links and names.

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
* Links are bidirectional and fire only on failure (an error, a termination): the peer gets a
  LINK_DOWN event if it traps links, and otherwise fails itself ("linked process failed"), as
  in Wippy. Monitors get EXIT on every exit. Terminating stops a Lua process at once: its
  dispatcher ends the execution at the next scheduling point, and the instruction hook ends a
  loop that never yields; a WASM process runs to its end.
* A spawned process runs in the security context of its spawner (actor, scope, values), or in
  the one a Spawner built (`process.with_context(...)`).
* Names (`process.registry`) are per runtime and released when their process exits.
* PIDs read `{node@host|n}`, Wippy's form; this runtime is one node, named "local".
* Live processes are bounded per process.host (`max_processes`) and per calling entry
  (`max_processes_per_caller`); a spawn past either fails with UNAVAILABLE at once. A process
  does not inherit its spawner's execution budget (it outlives the call that started it),
  only the interrupt.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import CANCELED, UNAVAILABLE, CallError
from ..security.context import run_in
from .limits import CURRENT

if TYPE_CHECKING:
    from .dispatcher import Dispatcher

EXIT, LINK_DOWN, CANCEL = "pid.exit", "pid.link.down", "pid.cancel"
#: defaults for a process.host without `max_processes` / `max_processes_per_caller`
DEFAULT_MAX_PROCESSES = 4096
DEFAULT_MAX_PER_CALLER = 1024
#: this runtime's node name in PIDs
NODE = "local"

_slot = threading.local()


class Upgrade(CallError):
    """Raised through a process's dispatcher by `process.upgrade`: the process host runs the
    new definition (or the same one again) as the same PID, keeping monitors, links and names.
    `redeliver` are deliveries the old instance had not handed to Lua yet (plain data)."""

    def __init__(self, definition: Any, args: list[Any],
                 redeliver: list[Callable[[], None]]) -> None:
        super().__init__("process upgrading")
        self.definition = definition
        self.input_args = args
        self.redeliver = redeliver


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
        #: LINK_DOWN arrives as an event (True) or makes this process fail (False, Wippy's
        #: default)
        self.trap_links = False
        #: names registered for this PID (released when it exits)
        self.names: set[str] = set()
        #: called with the result dict once the process has ended (any thread)
        self.on_done: list[Callable[[dict[str, Any]], None]] = []
        #: why the process is being stopped (terminate, a failed link), if it is
        self.stop_reason: CallError | None = None
        #: a spawned process (its own thread), not the PID of a function execution
        self.spawned = False
        #: a workflow's run (scheduler/workflows.py); None for every other process
        self.workflow: Any = None

    def _post(self, disp: Dispatcher, fn: Callable[[], None]) -> None:
        """How a delivery reaches this process's dispatcher (a workflow overrides it)."""
        disp.post(fn)

    def attach(self, disp: Dispatcher) -> None:
        with self.lock:
            self.dispatcher = disp
            pending, self.pending = self.pending, []
            reason = self.stop_reason
        if reason is not None:  # stopped before it started running
            disp.post(lambda: disp.stop(reason))
        for fn in pending:
            self._post(disp, fn)

    def stop(self, reason: CallError) -> None:
        """End this process at its dispatcher's next scheduling point (any thread)."""
        with self.lock:
            if not self.alive or self.stop_reason is not None:
                return
            self.stop_reason = reason
            disp = self.dispatcher
        if disp is not None:
            disp.post(lambda: disp.stop(reason))

    def deliver(self, fn: Callable[[], None]) -> bool:
        """Run `fn` on this process's dispatcher thread (soon); False if the PID is gone."""
        with self.lock:
            if not self.alive:
                return False
            disp = self.dispatcher
            if disp is None:
                self.pending.append(fn)
                return True
        self._post(disp, fn)
        return True


class ProcessHost:
    """All PIDs of one runtime."""

    def __init__(self, runtime: Any) -> None:  # the Runtime (lua/host.py's LuaHost)
        self.runtime = runtime
        self.procs: dict[str, Process] = {}
        #: process.registry names -> PID
        self.names: dict[str, str] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        #: hooks for the receiver side (installed by lua/modules/process.py):
        #: on_event(proc, event_dict) and on_message(proc, from_pid, topic, payloads)
        self.on_event: Callable[[Process, dict[str, Any]], None] | None = None
        self.on_message: Callable[[Process, str | None, str, list[Any]], None] | None = None
        #: live spawned processes per process.host and per calling entry
        self.per_host: dict[str, int] = {}
        self.per_caller: dict[str, int] = {}

    def new_pid(self, host: str, entry: str | None, *, pid: str | None = None,
                cls: type[Process] = Process) -> Process:
        """A new live PID (`pid`: a given one, as a workflow's `{client@worker|id}`)."""
        with self._lock:
            if pid is None:
                pid = f"{{{NODE}@{host}|{next(self._ids)}}}"
            proc = self.procs[pid] = cls(self, pid, entry)
        return proc

    def for_dispatcher(self, disp: Dispatcher) -> Process:
        """The PID of a Lua execution (a process, or a function that asked for one)."""
        if disp.process is None:
            proc = self.new_pid("local", disp.entry)
            disp.process = proc
            proc.attach(disp)
            disp.on_finish.append(lambda: self._function_ended(proc, disp.failure))
        return disp.process

    def _function_ended(self, proc: Process, failure: Any) -> None:
        """A function's PID goes with its execution; if it failed, its links go down (its
        linked processes fail too unless they trap links), as for a process."""
        self.gone(proc)
        if failure is None:
            return
        if not isinstance(failure, CallError):
            text = failure.decode("utf-8", "replace") if isinstance(failure, bytes) \
                else str(failure)
            failure = CallError(text, entry=proc.entry)
        with proc.lock:
            links = list(proc.links)
        at = int(time.time())
        for peer in links:
            self.event(peer, {"kind": LINK_DOWN, "from": proc.pid, "at": at,
                              "result": {"error": failure}})

    def gone(self, proc: Process) -> None:
        with proc.lock:
            proc.alive = False
        with self._lock:
            if self.procs.get(proc.pid) is proc:  # a given PID may be live again already
                del self.procs[proc.pid]
            for name in proc.names:
                if self.names.get(name) == proc.pid:
                    del self.names[name]
            proc.names.clear()

    def get(self, pid: str) -> Process | None:
        return self.procs.get(pid)

    def resolve(self, pid_or_name: str) -> Process | None:
        """A live process by PID text or registered name."""
        proc = self.procs.get(pid_or_name)
        if proc is None:
            pid = self.names.get(pid_or_name)
            proc = self.procs.get(pid) if pid is not None else None
        return proc

    # -- names ---------------------------------------------------------------------------
    def register(self, name: str, proc: Process) -> bool:
        """Bind `name` to `proc`; False if another live process holds it."""
        with self._lock:
            holder = self.names.get(name)
            if holder is not None and holder != proc.pid and holder in self.procs:
                return False
            self.names[name] = proc.pid
            proc.names.add(name)
        return True

    def unregister(self, name: str) -> bool:
        with self._lock:
            pid = self.names.pop(name, None)
            if pid is None:
                return False
            holder = self.procs.get(pid)
            if holder is not None:
                holder.names.discard(name)
        return True

    # -- relations -----------------------------------------------------------------------
    def monitor(self, watcher: Process, target: Process, on: bool = True) -> None:
        with target.lock:
            if on:
                target.monitors.add(watcher.pid)
            else:
                target.monitors.discard(watcher.pid)

    def link(self, a: Process, b: Process, on: bool = True) -> None:
        for x, y in ((a, b), (b, a)):
            with x.lock:
                if on:
                    x.links.add(y.pid)
                else:
                    x.links.discard(y.pid)

    def terminate(self, proc: Process) -> None:
        proc.stop(CallError("process terminated", entry=proc.entry, kind=CANCELED))

    # -- spawning ------------------------------------------------------------------------
    def spawn(self, definition: Any, host_id: str, args: list[Any], parent: Process | None,
              monitored: bool, linked: bool, *, ctx: Any = None,
              on_done: Callable[[dict[str, Any]], None] | None = None,
              caller: str | None = None,
              limits: tuple[int, int] = (DEFAULT_MAX_PROCESSES, DEFAULT_MAX_PER_CALLER),
              pid: str | None = None, cls: type[Process] = Process,
              setup: Callable[[Process], None] | None = None) -> Process:
        """Start `definition` as a new process on its own thread, in security context `ctx`
        (None: none). `on_done(result)` runs on that thread when it has ended. UNAVAILABLE
        past the host's limits (`caller`: the spawning entry). `pid`/`cls`/`setup`: a given
        PID, Process class and a step run on the new Process before its thread starts (the
        workflow engine's)."""
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
        proc = self.new_pid(host_id, definition.entry.id, pid=pid, cls=cls)
        proc.spawned = True
        if setup is not None:
            setup(proc)
        if on_done is not None:
            proc.on_done.append(on_done)
        if parent is not None and monitored:
            proc.monitors.add(parent.pid)
        if parent is not None and linked:
            self.link(proc, parent)

        def run() -> None:
            try:
                run_in(ctx, self._run_detached, proc, definition, args)
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
        while True:
            _slot.process = proc if definition.lua else None
            try:
                value = definition.run(args)
                result: dict[str, Any] = {"value": value}
                failed = False
            except Upgrade as up:
                definition, args = up.definition, up.input_args
                with proc.lock:
                    proc.dispatcher, proc.stop_reason, proc.module_state = None, None, None
                    proc.entry = definition.entry.id
                for delivery in up.redeliver:
                    proc.deliver(delivery)
                continue
            except CallError as exc:
                result, failed = {"error": exc}, True
            except BaseException as exc:  # noqa: BLE001 - a crash is reported, not raised
                result, failed = {"error": CallError(f"{type(exc).__name__}: {exc}",
                                                     entry=proc.entry)}, True
            finally:
                _slot.process = None
            break
        self.gone(proc)
        proc.result = result
        proc.finished.set()
        at = int(time.time())  # Wippy's EXIT `at`: unix seconds
        with proc.lock:
            monitors, links = list(proc.monitors), list(proc.links)
        for watcher in monitors:
            self.event(watcher, {"kind": EXIT, "from": proc.pid, "at": at, "result": result})
        if failed:
            for peer in links:
                self.event(peer, {"kind": LINK_DOWN, "from": proc.pid, "at": at,
                                  "result": result})
        for done in proc.on_done:
            done(result)

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
