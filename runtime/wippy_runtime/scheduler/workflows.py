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
from collections.abc import Callable
from typing import Any

from ..errors import ALREADY_EXISTS, INVALID, NOT_FOUND, TIMEOUT, UNAVAILABLE, CallError
from ..resources.memory_store import parse_duration
from .processes import EXIT, Process, ProcessHost

#: conflict policies (Temporal's WORKFLOW_ID_CONFLICT_POLICY_* names, lower case)
POLICIES = ("use_existing", "fail", "terminate_existing")
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
              messages: list[tuple[str, Any]] | None = None,
              sender: str | None = None) -> Process:
        """Start `definition` on the worker `host_id` names (or reuse the running workflow
        of the same id, per the conflict policy); deliver `messages` from `sender`. Raises
        CallError naming the workflow entry."""
        eid = definition.entry.id
        options = options or {}
        worker = self.worker(host_id)
        if worker is None:
            raise CallError(f"{host_id}: no such temporal.worker (nor task queue) to run "
                            "the workflow on", entry=eid, kind=NOT_FOUND)
        if definition.worker != worker.entry.id:
            where = definition.worker or "no worker (meta.temporal.workflow.worker)"
            raise CallError(f"workflow is not registered on worker {worker.entry.id} "
                            f"(it is registered on {where})", entry=eid, kind=NOT_FOUND)
        parent_run = workflow_of(parent)
        if parent_run is not None:
            monitored = True  # a parent workflow gets its children's EXIT, as in Wippy
        wid, policy, timeout = self._start_options(eid, options, name)
        manual = wid is not None
        wid = wid or f"{eid.replace(':', '.')}_{uuid.uuid4().hex[:16]}"
        if policy is None:
            fail = option(options, "workflow.execution_error_when_already_started")
            policy = "fail" if (fail if isinstance(fail, bool) else not manual) \
                else "use_existing"
        key = f"{worker.entry.id}|{wid}"
        pid = f"{{{worker.client}@{worker.entry.id}|{wid}}}"
        while True:
            with self._lock:
                existing = self.runs.get(key)
                if existing is None or not existing.alive:
                    return self._launch(definition, worker, wid, key, pid, args, parent,
                                        monitored, linked, ctx, on_done, caller, timeout,
                                        sender, messages)
                if policy == "fail":
                    raise CallError(f"workflow {wid} is already running ({existing.pid}) and "
                                    "the id conflict policy is fail", entry=eid,
                                    kind=ALREADY_EXISTS)
                if policy == "use_existing":
                    self._send_all(sender, existing, messages)
                    if parent is not None and monitored:
                        self.host.monitor(parent, existing)
                    return existing
            # terminate_existing: stop the old run and wait for it (outside the lock: its
            # completion takes the lock), then start afresh under the same id
            self.host.terminate(existing)
            if not existing.finished.wait(_TERMINATE_WAIT_S):
                raise CallError(f"workflow {wid}: the running workflow did not stop within "
                                f"{_TERMINATE_WAIT_S:g}s (id conflict policy "
                                "terminate_existing)", entry=eid, kind=UNAVAILABLE)

    def _launch(self, definition: Any, worker: Any, wid: str, key: str, pid: str,
                args: list[Any], parent: Process | None, monitored: bool, linked: bool,
                ctx: Any, on_done: Callable[[dict[str, Any]], None] | None,
                caller: str | None, timeout: float, sender: str | None,
                messages: list[tuple[str, Any]] | None) -> Process:
        """(Under the engine's lock) spawn a new run as `pid`, then its startup messages."""
        eid = definition.entry.id
        parent_run = workflow_of(parent)
        run = WorkflowRun(wid, eid, worker)
        timer: list[threading.Timer] = []

        def finished(result: dict[str, Any]) -> None:
            with self._lock:
                if self.runs.get(key) is proc:
                    del self.runs[key]
            for t in timer:
                t.cancel()
            self._exit_to_links(proc, result)

        def setup(new: Process) -> None:  # before its thread starts
            new.workflow = run
            new.on_done.append(finished)
            if on_done is not None:
                new.on_done.append(on_done)
            self.runs[key] = new

        proc = self.host.spawn(definition, worker.entry.id, args, parent, monitored, linked,
                               ctx=ctx, caller=caller, pid=pid, cls=WorkflowProcess,
                               setup=setup)
        if timeout:
            timer.append(threading.Timer(timeout, lambda: proc.stop(CallError(
                f"workflow {wid} ran past its execution timeout ({timeout:g}s)",
                entry=eid, kind=TIMEOUT))))
            timer[0].daemon = True
            timer[0].start()
        if parent_run is not None:
            parent_run.record({"child": eid, "args": args})
        self._send_all(sender, proc, messages)
        return proc

    def _start_options(self, eid: str, options: dict[str, Any],
                       name: str | None) -> tuple[str | None, str | None, float]:
        """(explicit workflow id, conflict policy, timeout seconds) from spawn options."""
        wid = option(options, "workflow.id")
        if wid is not None and (not isinstance(wid, str) or not wid):
            raise CallError("temporal.workflow.id must be a non-empty string", entry=eid,
                            kind=INVALID)
        wid = wid or name
        policy = option(options, "workflow.id_conflict_policy")
        if policy is not None:
            text = str(policy).lower()
            text = text.removeprefix("workflow_id_conflict_policy_")
            if text not in POLICIES:
                raise CallError(f"temporal.workflow.id_conflict_policy has invalid value "
                                f"{policy!r} (one of: {', '.join(POLICIES)})", entry=eid,
                                kind=INVALID)
            policy = text
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
        return wid, policy, timeout

    def _send_all(self, sender: str | None, proc: Process,
                  messages: list[tuple[str, Any]] | None) -> None:
        for topic, payload in messages or ():
            self.host.send(sender, proc.pid, topic, [payload])


def engine_of(host: ProcessHost) -> WorkflowEngine:
    """The workflow engine of a process host (made on first use)."""
    engine = host.__dict__.get("workflows")
    if engine is None:
        engine = host.__dict__.setdefault("workflows", WorkflowEngine(host))
    return engine
