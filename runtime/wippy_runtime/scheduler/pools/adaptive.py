"""The adaptive pool: elastic like the lazy pool, optionally starting with one warm instance.

Wippy's `type: adaptive`: it grows with demand up to `max_size` and idle instances expire;
with `warm_start: true` one instance is made at load, so the first call does not pay for an
instantiation.
"""

from __future__ import annotations

from ..pool_config import ADAPTIVE
from .slots import SlotPool


class AdaptivePool(SlotPool):
    type = ADAPTIVE

    def start(self) -> None:
        self._prestart(self.plan.prestart)  # 1 with warm_start, else 0
