"""The local workflow engine: `workflow.lua` entries run as processes with workflow rules.

Wippy runs workflows on Temporal. This runtime has no Temporal server and needs none: a
workflow is a process of the process host (scheduler/processes.py) - its own thread, PID,
mailbox, monitors and links - with these rules on top:

* **Identity.** A workflow's PID is `{client@worker|workflow_id}`, Wippy's form (the
  temporal.client and temporal.worker entries' ids). The workflow id is
  `temporal.workflow.id` from the spawn options, else the Spawner's `with_name`, else a
  generated one. A live workflow id is unique per worker.
* **Id conflicts** follow Wippy's defaults: a named or explicit id reuses the running workflow
  (`use_existing`: the spawn returns its PID and its startup messages are delivered to it), a
  generated id fails on a duplicate; `temporal.workflow.id_conflict_policy` (`use_existing`,
  `fail`, `terminate_existing`) and `temporal.workflow.execution_error_when_already_started`
  override that.
* **Signals.** Messages (and events) reach a workflow one at a time, each once the previous
  one has been handled as far as it goes (the dispatcher's `post_idle`), as Temporal feeds
  signals in workflow tasks; startup messages (`with_message`) arrive before any later send.
* **Children.** A workflow that spawns starts a child workflow, monitored automatically (its
  EXIT arrives on `process.events()`); links and monitors from inside a workflow are rejected
  (lua/modules/process.py). From outside, a monitor works as for any process and a link is
  one-way, as in Wippy: EXIT when the workflow completes, LINK_DOWN when it fails.
* **Parent close.** When a workflow ends, the children it spawned and that still run are
  terminated (Temporal's default; `temporal.workflow.parent_close_policy`: `request_cancel`
  sends them CANCEL, `abandon` leaves them running).
* **Limits.** `temporal.workflow.execution_timeout` / `run_timeout` stop a workflow that runs
  longer (TIMEOUT, naming the workflow and its entry); the entry's `limits.max_execution_ms`
  stops a loop that never yields, as for any Lua process.

Durability and replay: none. Everything is in-process; a workflow's state (its history,
versions, pending signals) is lost with the runtime, and nothing is replayed, so side effects
(uuid, time, crypto, random) simply run once. Other Temporal start options (retry policy,
memo, search attributes, cron, task timeouts, ...) are accepted and ignored.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import ALREADY_EXISTS, INVALID, NOT_FOUND, TIMEOUT, UNAVAILABLE, CallError
from ..resources.memory_store import parse_duration
from .processes import CANCEL, EXIT, Process, ProcessHost

#: conflict policies (Temporal's WORKFLOW_ID_CONFLICT_POLICY_* names, lower case)
POLICIES = ("use_existing", "fail", "terminate_existing")
#: parent close policies (Temporal's PARENT_CLOSE_POLICY_* names, lower case)
PARENT_CLOSE = ("terminate", "request_cancel", "abandon")
#: how long `terminate_existing` waits for the old run to end
_TERMINATE_WAIT_S = 5.0


def option(options: dict[str, Any], name: str) -> Any:
    """A Temporal option by its short name (`workflow.id`) or Wippy's prefixed spelling."""
    for key in (f"temporal.{name}", name):
        if key in options:
            return options[key]
    return None


class WorkflowRun:
    """What `workflow.info()` reports, and the run's own history (counted, not kept)."""

    def __init__(self, workflow_id: str, workflow_type: str, worker: Any) -> None:
        self.workflow_id = workflow_id
        self.run_id = str(uuid.uuid4())
        self.workflow_type = workflow_type
        self.worker_id: str = worker.entry.id
        self.client_id: str = worker.client
        self.task_queue: str = worker.task_queue
        self.namespace: str = worker.namespace
        self.attempt = 1
        #: Temporal starts a history with execution-started, task-scheduled, task-started
        self.history_length = 3
        self.history_size = 0
        self.versions: dict[str, int] = {}
        self.attrs: dict[str, dict[str, Any]] = {"search": {}, "memo": {}}
        #: child workflows started with process.spawn, and their parent close policy
        self.children: list[tuple[Process, str]] = []
        self._lock = threading.Lock()

    def record(self, data: Any = None) -> None:
        """One history event (an activity, a child, a signal, a marker), sized by its data."""
        try:
            size = len(json.dumps(data, default=str)) if data is not None else 0
        except (TypeError, ValueError):
            size = 0
        with self._lock:
            self.history_length += 1
            self.history_size += size

    def info(self) -> dict[str, Any]:
        return {"workflow_id": self.workflow_id, "run_id": self.run_id,
                "workflow_type": self.workflow_type, "task_queue": self.task_queue,
                "namespace": self.namespace, "attempt": self.attempt,
                "history_length": self.history_length, "history_size": self.history_size}


class WorkflowProcess(Process):
    """A workflow's PID: deliveries wait for a quiet point and count as history."""

    def _post(self, disp: Any, fn: Callable[[], None]) -> None:
        disp.post_idle(fn)

    def deliver(self, fn: Callable[[], None]) -> bool:
        run = self.workflow
        if run is not None:
            run.record()
        return super().deliver(fn)


def workflow_of(proc: Process | None) -> WorkflowRun | None:
    """The workflow run a process is, or None."""
    return proc.workflow if proc is not None else None


class WorkflowEngine:
    """The workflows of one runtime's process host."""

    def __init__(self, host: ProcessHost) -> None:
        self.host = host
        #: "worker|workflow_id" -> the live workflow process
        self.runs: dict[str, Process] = {}
        self._lock = threading.Lock()

    # -- finding workers and runs --------------------------------------------------------
    def worker(self, host_id: str) -> Any:
        """The temporal.worker serving `host_id` (its entry id, or its task queue)."""
        built = self.host.runtime.built
        found = built.get(host_id)
        if found is not None and found.entry.kind == "temporal.worker":
            return found
        for res in list(built.values()):
            if res.entry.kind == "temporal.worker" and getattr(res, "task_queue", None) == host_id:
                return res
        return None

    @staticmethod
    def parse_pid(text: str) -> tuple[str, str, str] | None:
        """(node, host, workflow id) of a workflow PID, with or without its braces."""
        body = text[1:-1] if text.startswith("{") and text.endswith("}") else text
        node, at, rest = body.partition("@")
        host, bar, wid = rest.partition("|")
        if not at or not bar or not node or not host or not wid:
            return None
        return node, host, wid

    def resolve(self, text: str) -> Process | None:
        """A live workflow by PID text (braces optional)."""
        parsed = self.parse_pid(text)
        if parsed is None:
            return None
        return self.runs.get(f"{parsed[1]}|{parsed[2]}")

    def is_workflow_pid(self, text: str) -> bool:
        """Does `text` name a workflow of one of this runtime's workers (live or not)?"""
        parsed = self.parse_pid(text)
        return parsed is not None and self.worker(parsed[1]) is not None

    def link(self, watcher: Process, target: Process) -> None:
        """`process.link`: to a workflow it is one-way, as in Wippy (Temporal links nothing
        back): the watcher gets EXIT when the workflow completes, LINK_DOWN when it fails,
        and the workflow never fails with the watcher. Other processes link both ways."""
        if target.workflow is None:
            self.host.link(watcher, target)
            return
        with target.lock:
            target.links.add(watcher.pid)

    def _exit_to_links(self, proc: Process, result: dict[str, Any]) -> None:
        """A workflow that completed tells its links with EXIT (the process host tells them
        only of failures, with LINK_DOWN)."""
        if "error" in result:
            return
        with proc.lock:
            links = list(proc.links)
        at = int(time.time())
        for peer in links:
            self.host.event(peer, {"kind": EXIT, "from": proc.pid, "at": at,
                                   "result": result})

    # -- starting ------------------------------------------------------------------------
    def start(self, definition: Any, host_id: str, args: list[Any], *,
              parent: Process | None = None, monitored: bool = False, linked: bool = False,
              ctx: Any = None, on_done: Callable[[dict[str, Any]], None] | None = None,
              caller: str | None = None, name: str | None = None,
              options: dict[str, Any] | None = None,
              messages: Iterable[tuple[str, Any]] | None = None,
              sender: str | None = None) -> Process:
        """Start `definition` on the worker `host_id` names (or reuse the running workflow
        of the same id, per the conflict policy); deliver `messages` from `sender`. Raises
        CallError naming the workflow entry."""
        eid = definition.entry.id
        worker = self.worker(host_id)
        if worker is None:
            raise CallError(f"{host_id}: no such temporal.worker (nor task queue) to run "
                            "the workflow on", entry=eid, kind=NOT_FOUND)
        if definition.worker != worker.entry.id:
            where = definition.worker or "no worker (meta.temporal.workflow.worker)"
            raise CallError(f"workflow is not registered on worker {worker.entry.id} "
                            f"(it is registered on {where})", entry=eid, kind=NOT_FOUND)
        opts = StartOptions.read(eid, options or {}, name)
        if workflow_of(parent) is not None:
            monitored = True  # a parent workflow gets its children's EXIT, as in Wippy
        key = f"{worker.entry.id}|{opts.workflow_id}"
        pid = f"{{{worker.client}@{worker.entry.id}|{opts.workflow_id}}}"
        messages = list(messages or ())
        while True:
            with self._lock:
                existing = self.runs.get(key)
                if existing is None or not existing.alive:
                    proc = self._launch(definition, worker, opts, key, pid, args, parent,
                                        monitored, linked, ctx, on_done, caller)
                    self._send_all(sender, proc, messages)
                    return proc
                if opts.conflict == "fail":
                    raise CallError(f"workflow {opts.workflow_id} is already running "
                                    f"({existing.pid}) and the id conflict policy is fail",
                                    entry=eid, kind=ALREADY_EXISTS)
                if opts.conflict == "use_existing":
                    self._send_all(sender, existing, messages)
                    if parent is not None and monitored:
                        self.host.monitor(parent, existing)
                    return existing
            # terminate_existing: stop the old run and wait for it (outside the lock: its
            # completion takes the lock), then start afresh under the same id
            self.host.terminate(existing)
            if not existing.finished.wait(_TERMINATE_WAIT_S):
                raise CallError(f"workflow {opts.workflow_id}: the running workflow did not "
                                f"stop within {_TERMINATE_WAIT_S:g}s (id conflict policy "
                                "terminate_existing)", entry=eid, kind=UNAVAILABLE)

    def _launch(self, definition: Any, worker: Any, opts: StartOptions, key: str, pid: str,
                args: list[Any], parent: Process | None, monitored: bool, linked: bool,
                ctx: Any, on_done: Callable[[dict[str, Any]], None] | None,
                caller: str | None) -> Process:
        """(Under the engine's lock) spawn a new run as `pid`."""
        eid = definition.entry.id
        run = WorkflowRun(opts.workflow_id, eid, worker)
        timer: list[threading.Timer] = []

        def finished(result: dict[str, Any]) -> None:
            with self._lock:
                if self.runs.get(key) is proc:
                    del self.runs[key]
            for t in timer:
                t.cancel()
            self._exit_to_links(proc, result)
            self._close_children(run, proc.pid)

        def setup(new: Process) -> None:  # before its thread starts
            new.workflow = run
            new.on_done.append(finished)
            if on_done is not None:
                new.on_done.append(on_done)
            self.runs[key] = new

        proc = self.host.spawn(definition, worker.entry.id, args, parent, monitored, linked,
                               ctx=ctx, caller=caller, pid=pid, cls=WorkflowProcess,
                               setup=setup)
        if opts.timeout:
            timer.append(threading.Timer(opts.timeout, lambda: proc.stop(CallError(
                f"workflow {opts.workflow_id} ran past its execution timeout "
                f"({opts.timeout:g}s)", entry=eid, kind=TIMEOUT))))
            timer[0].daemon = True
            timer[0].start()
        parent_run = workflow_of(parent)
        if parent_run is not None:
            parent_run.record({"child": eid, "args": args})
            live = [c for c in parent_run.children if c[0].alive]  # (parent thread only)
            parent_run.children = [*live, (proc, opts.parent_close)]
        return proc

    def _close_children(self, run: WorkflowRun, parent_pid: str) -> None:
        """A parent workflow ended: its running children get the parent close policy
        (Temporal's default terminates them; `request_cancel` sends CANCEL; `abandon`)."""
        at = int(time.time())
        for child, policy in run.children:
            if not child.alive or policy == "abandon":
                continue
            if policy == "terminate":
                self.host.terminate(child)
            else:
                self.host.event(child.pid, {"kind": CANCEL, "from": parent_pid, "at": at,
                                            "reason": "parent workflow closed"})

    def _send_all(self, sender: str | None, proc: Process,
                  messages: list[tuple[str, Any]]) -> None:
        for topic, payload in messages:
            self.host.send(sender, proc.pid, topic, [payload])


@dataclass
class StartOptions:
    """The Temporal start options this engine acts on (the others are ignored)."""

    workflow_id: str
    #: one of POLICIES
    conflict: str
    #: seconds; 0: none
    timeout: float
    #: one of PARENT_CLOSE: what happens to this child when its parent workflow ends
    parent_close: str

    @classmethod
    def read(cls, eid: str, options: dict[str, Any], name: str | None) -> StartOptions:
        """From spawn options; INVALID naming the entry for a bad value. Defaults as in
        Wippy: a named or explicit id reuses a running workflow, a generated one fails."""
        wid = option(options, "workflow.id")
        if wid is not None and (not isinstance(wid, str) or not wid):
            raise CallError("temporal.workflow.id must be a non-empty string", entry=eid,
                            kind=INVALID)
        wid = wid or name
        conflict = _enum(eid, options, "workflow.id_conflict_policy",
                         "workflow_id_conflict_policy_", POLICIES)
        if conflict is None:
            fail = option(options, "workflow.execution_error_when_already_started")
            fail = fail if isinstance(fail, bool) else wid is None
            conflict = "fail" if fail else "use_existing"
        timeout = 0.0
        for key in ("workflow.execution_timeout", "workflow.run_timeout"):
            raw = option(options, key)
            if raw is None:
                continue
            seconds = parse_duration(raw)
            if seconds is None or seconds <= 0:
                raise CallError(f"temporal.{key} must be a positive duration (\"30s\", "
                                f"\"5m\") or seconds, got {raw!r}", entry=eid, kind=INVALID)
            timeout = min(timeout, seconds) if timeout else seconds
        parent_close = _enum(eid, options, "workflow.parent_close_policy",
                             "parent_close_policy_", PARENT_CLOSE) or "terminate"
        return cls(wid or f"{eid.replace(':', '.')}_{uuid.uuid4().hex[:16]}", conflict,
                   timeout, parent_close)


def _enum(eid: str, options: dict[str, Any], name: str, prefix: str,
          allowed: tuple[str, ...]) -> str | None:
    """An enum option as Temporal spells it ("fail", "FAIL", "WORKFLOW_ID_..._FAIL")."""
    raw = option(options, name)
    if raw is None:
        return None
    text = str(raw).lower().removeprefix(prefix)
    if text not in allowed:
        raise CallError(f"temporal.{name} has invalid value {raw!r} (one of: "
                        f"{', '.join(allowed)})", entry=eid, kind=INVALID)
    return text


def engine_of(host: ProcessHost) -> WorkflowEngine:
    """The workflow engine of a process host (made on first use)."""
    engine = host.__dict__.get("workflows")
    if engine is None:
        engine = host.__dict__.setdefault("workflows", WorkflowEngine(host))
    return engine
