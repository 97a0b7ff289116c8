"""`temporal.worker`: the host workflows run on and activities are registered with.

`process.spawn(workflow, worker_or_task_queue, ...)` starts a `workflow.lua` entry on the
worker named by its entry id or its `task_queue` (scheduler/workflows.py). A workflow entry
registers with a worker through `meta.temporal.workflow.worker`, a function (an activity)
through `meta.temporal.activity.worker`; a workflow may call only its worker's activities.
`worker_options` (concurrency sizes, pollers, rate limits) are accepted and ignored: each
workflow runs on its own thread and each activity on the call pipeline, as any process and
call of this runtime.
"""

from __future__ import annotations

from ..errors import ValidationError
from ..registry import Entry
from .base import BuildContext, EntryInfo, Resource, warn_unknown_fields

_KNOWN = {"client", "task_queue", "worker_options", "options", "lifecycle", "meta"}


class TemporalWorker(Resource):
    kind = "temporal.worker"

    def __init__(self, entry: Entry, client: str, namespace: str, task_queue: str) -> None:
        super().__init__(entry)
        self.client = client
        self.namespace = namespace
        self.task_queue = task_queue

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry.id, self.kind,
                         detail={"client": self.client, "task_queue": self.task_queue})


def build_temporal_worker(entry: Entry, ctx: BuildContext) -> TemporalWorker:
    warn_unknown_fields(entry, _KNOWN, getattr(ctx, "runtime", None))
    ref = entry.data.get("client")
    if not isinstance(ref, str) or not ref:
        raise entry.error(ValidationError, "client is required (a temporal.client entry id)",
                          "client")
    client = ctx.resolve(entry, ref, "temporal.client")
    if getattr(client, "kind", None) != "temporal.client":
        raise entry.error(ValidationError, f"client {ref} is a {client.entry.kind}, expected "
                          "temporal.client", "client")
    queue = entry.data.get("task_queue")
    if not isinstance(queue, str) or not queue:
        raise entry.error(ValidationError, "task_queue is required (a non-empty string)",
                          "task_queue")
    options = entry.data.get("worker_options")
    if options is not None and not isinstance(options, dict):
        raise entry.error(ValidationError, "worker_options must be a mapping",
                          "worker_options")
    return TemporalWorker(entry, client.entry.id, client.namespace, queue)
