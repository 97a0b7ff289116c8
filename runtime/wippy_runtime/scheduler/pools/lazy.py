"""The lazy pool: instances are made on demand up to `max_size`, and idle ones expire.

Wippy's `type: lazy` and the pool an entry gets when it declares no `pool:` block at all (the
implicit lazy pool, up to 100 instances). Nothing exists until the first call; an instance
left idle for `LAZY_IDLE_TIMEOUT_S` is closed, so an entry nobody calls costs nothing.
"""

from __future__ import annotations

from ..pool_config import LAZY
from .slots import SlotPool


class LazyPool(SlotPool):
    type = LAZY

    def start(self) -> None:
        """Nothing to make: instances appear with the calls that need them."""
