"""The static pool: a fixed set of `workers` instances, all made at load, and a bounded queue.

Wippy's `type: static` (or a `workers:` count): the instances exist from the start and never
expire; calls beyond them wait in a queue of `buffer` places (default 64 per worker), and a
call that finds the queue full fails at once with UNAVAILABLE. Offloaded calls always hop to
its workers when the caller is busy: running them in parallel is what the workers are for.
"""

from __future__ import annotations

from ..pool_config import STATIC
from .slots import SlotPool


class StaticPool(SlotPool):
    type = STATIC
    idle_timeout_s = None

    def start(self) -> None:
        self._prestart(self.plan.max_instances)
