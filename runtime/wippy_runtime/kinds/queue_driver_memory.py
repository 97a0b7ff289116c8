"""`queue.driver.memory`: an in-process queue driver (resources/queue/memory.py) that
`queue.queue` entries declare their queues on.

Wippy's fields: `lifecycle` (accepted; the driver runs from the moment it is built, as it has
no connection to open). Replacing the entry starts an empty driver (the queues built on it are
rebuilt and re-declared on the new one); retiring it closes its queues.
"""

from __future__ import annotations

from ..registry import Entry
from ..resources.queue.memory import MemoryDriver
from .base import BuildContext, EntryInfo, Resource, warn_unknown_fields

_FIELDS = {"lifecycle"}


class MemoryQueueDriver(Resource):
    kind = "queue.driver.memory"

    def __init__(self, entry: Entry) -> None:
        super().__init__(entry)
        self.driver = MemoryDriver(entry.id)

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry.id, self.kind,
                         detail={"state": "stopped" if self.driver.closed else "running"})

    def retire(self) -> None:
        self.driver.close()


def build_queue_driver_memory(entry: Entry, ctx: BuildContext) -> MemoryQueueDriver:
    warn_unknown_fields(entry, _FIELDS, ctx.runtime)
    return MemoryQueueDriver(entry)
