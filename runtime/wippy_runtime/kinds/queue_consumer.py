"""`queue.consumer`: calls a function entry with each message of a queue
(resources/queue/consumer.py runs it).

Wippy's fields: `queue` (a `queue.queue` entry), `func` (the function entry called with the
message body), `concurrency` (handlers at once, default 1, at most 1000), `prefetch` (default
10, at most 10000: validated; there is nothing to prefetch in-process), `driver_options` and
`lifecycle`. The queue and the function must exist when the consumer is built (a load error
naming the consumer otherwise), and the consumer is rebuilt when either is replaced. It
starts consuming when built, unless `lifecycle.auto_start` is explicitly false (this runtime
has no supervisor to start it later), and stops when retired: removed, replaced, or the
runtime closed.
"""

from __future__ import annotations

from typing import Any

from ..errors import ValidationError
from ..registry import Entry
from ..resources.queue.consumer import Consumer
from ..scheduler.limits import Execution
from .base import BuildContext, EntryInfo, Resource, Target, resolve_field, warn_unknown_fields
from .queue_queue import QueueEntry

_FIELDS = {"queue", "func", "concurrency", "prefetch", "driver_options", "lifecycle"}
DEFAULT_CONCURRENCY, MAX_CONCURRENCY = 1, 1000
DEFAULT_PREFETCH, MAX_PREFETCH = 10, 10000


class QueueConsumer(Resource):
    kind = "queue.consumer"

    def __init__(self, entry: Entry, consumer: Consumer, prefetch: int) -> None:
        super().__init__(entry)
        self.consumer = consumer
        self.prefetch = prefetch

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry.id, self.kind,
                         detail={**self.consumer.info(), "prefetch": self.prefetch})

    def retire(self) -> None:
        self.consumer.stop()


def _bounded(entry: Entry, name: str, default: int, maximum: int) -> int:
    value = entry.data.get(name)
    if value is None or value == 0:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise entry.error(ValidationError, f"{name} must be a positive integer, got {value!r}",
                          name)
    if value > maximum:
        raise entry.error(ValidationError, f"{name} {value} exceeds maximum {maximum}", name)
    return value


def _ref(entry: Entry, name: str, what: str) -> None:
    value = entry.data.get(name)
    if not value or not isinstance(value, str):
        raise entry.error(ValidationError, f"{name} is required ({what})", name)


def build_queue_consumer(entry: Entry, ctx: BuildContext) -> QueueConsumer:
    warn_unknown_fields(entry, _FIELDS, ctx.runtime)
    _ref(entry, "queue", "a queue.queue entry")
    _ref(entry, "func", "the function entry that handles messages")
    queue = resolve_field(ctx, entry, "queue", "queue.queue")
    assert isinstance(queue, QueueEntry)
    func = resolve_field(ctx, entry, "func")
    if not isinstance(func, Target):
        raise entry.error(ValidationError, f"func {func.entry.id} is a {func.entry.kind}, not "
                          "a function", "func")
    concurrency = _bounded(entry, "concurrency", DEFAULT_CONCURRENCY, MAX_CONCURRENCY)
    prefetch = _bounded(entry, "prefetch", DEFAULT_PREFETCH, MAX_PREFETCH)
    runtime = ctx.runtime

    def invoke(func_id: str, args: tuple) -> Any:
        # an execution of its own, as Runtime.call makes: interrupt() reaches the handler
        with runtime.guard.running(Execution(runtime.guard, func_id, 0)):
            return runtime.calls.call(func_id, args)

    consumer = Consumer(entry.id, queue.entry.id, queue.driver, func.entry_id, concurrency,
                        invoke, runtime.write_error)
    lifecycle = entry.data.get("lifecycle")
    if not (isinstance(lifecycle, dict) and lifecycle.get("auto_start") is False):
        consumer.start()
    return QueueConsumer(entry, consumer, prefetch)
