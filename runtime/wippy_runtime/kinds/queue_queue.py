"""`queue.queue`: a queue declared on a driver entry; the Lua `queue` module publishes to it
and `queue.consumer` entries consume it.

Wippy's fields: `driver` (a `queue.driver.*` entry), `codec` (the body's encoding: `json/plain`,
the default, or `text/plain`, `lua/any`, `golang/any`; another name fails the load, as Wippy
checks it when declaring), `driver_options` (per driver: `memory.max_length`, the waiting
messages it holds), `dead_letter` (`queue`, `max_attempts`: where a message goes after its last
failed delivery) and `queue_name` (a broker-side name; unused by the memory driver).

Only `queue.driver.memory` runs here. A queue on an SQS or AMQP driver fails to load with an
error saying so: those need a real broker, and a stand-in would pass tests it should not.
"""

from __future__ import annotations

from typing import Any

from ..errors import LoadError, ValidationError
from ..registry import Entry
from ..resources.queue.memory import DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_LENGTH, QueueSettings
from ..resources.queue.message import CODECS, JSON
from .base import BuildContext, EntryInfo, Resource, resolve_field, warn_unknown_fields
from .queue_driver_memory import MemoryQueueDriver

_FIELDS = {"driver", "codec", "driver_options", "dead_letter", "queue_name", "lifecycle"}


class QueueEntry(Resource):
    kind = "queue.queue"

    def __init__(self, entry: Entry, driver: MemoryQueueDriver, settings: QueueSettings) -> None:
        super().__init__(entry)
        self.driver_entry = driver
        self.driver = driver.driver
        self.settings = settings
        self.driver.declare(entry.id, settings, self)

    def info(self) -> EntryInfo:
        detail: dict[str, Any] = {"driver": self.driver_entry.entry.id,
                                  "codec": self.settings.codec}
        if self.driver.declared(self.entry.id):
            detail.update(self.driver.info(self.entry.id))
        return EntryInfo(self.entry.id, self.kind, detail=detail)

    def retire(self) -> None:
        # a replacement generation re-declared the queue already: then this is a no-op
        self.driver.undeclare(self.entry.id, self)


def _positive_int(entry: Entry, value: Any, what: str, field_name: str, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise entry.error(ValidationError, f"{what} must be a positive integer, got {value!r}",
                          field_name)
    return value


def build_queue_queue(entry: Entry, ctx: BuildContext) -> QueueEntry:
    warn_unknown_fields(entry, _FIELDS, ctx.runtime)
    data = entry.data
    ref = data.get("driver")
    if not ref or not isinstance(ref, str):
        raise entry.error(ValidationError, "driver is required (a queue.driver.memory entry)",
                          "driver")
    driver = resolve_field(ctx, entry, "driver")
    if not isinstance(driver, MemoryQueueDriver):
        kind = driver.entry.kind
        if kind.startswith("queue.driver."):
            raise entry.error(LoadError, f"driver {driver.entry.id} is a {kind}, which "
                              "wippy-kernel does not run (it needs a real broker); use a "
                              "queue.driver.memory", "driver")
        raise entry.error(ValidationError, f"driver {driver.entry.id} is a {kind}, not a "
                          "queue driver", "driver")
    codec = data.get("codec") or JSON
    if codec not in CODECS:
        raise entry.error(ValidationError, f"unknown payload codec {codec!r} (use one of: "
                          f"{', '.join(CODECS)})", "codec")
    options = data.get("driver_options") or {}
    if not isinstance(options, dict):
        raise entry.error(ValidationError, "driver_options must map driver names to options",
                          "driver_options")
    memory = options.get("memory") or {}
    if not isinstance(memory, dict):
        raise entry.error(ValidationError, "driver_options.memory must be a mapping",
                          "driver_options")
    max_length = _positive_int(entry, memory.get("max_length"),
                               "driver_options.memory.max_length", "driver_options",
                               DEFAULT_MAX_LENGTH)
    dead = data.get("dead_letter") or {}
    if not isinstance(dead, dict):
        raise entry.error(ValidationError, "dead_letter must be a mapping with queue and "
                          "max_attempts", "dead_letter")
    max_attempts = _positive_int(entry, dead.get("max_attempts"), "dead_letter.max_attempts",
                                 "dead_letter", DEFAULT_MAX_ATTEMPTS)
    dead_queue = dead.get("queue")
    if dead_queue is not None and (not isinstance(dead_queue, str) or not dead_queue):
        raise entry.error(ValidationError, "dead_letter.queue must be a queue id",
                          "dead_letter")
    settings = QueueSettings(codec, max_length, max_attempts,
                             entry.ref(dead_queue) if dead_queue else None)
    return QueueEntry(entry, driver, settings)
