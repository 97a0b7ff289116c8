"""Instance pools, one class per Wippy pool type; `make_pool` picks the one a plan names.

One pool per entry *generation*: replacing an entry builds a new pool and retires the old
one, which closes its instances once the calls still running on it have finished.
"""

from __future__ import annotations

from typing import Any

from ..pool_config import ADAPTIVE, INLINE, LAZY, STATIC, PoolPlan
from .adaptive import AdaptivePool
from .base import LATENCY_WINDOW, ErrorMapper, Factory, Pool, PoolStats
from .inline import Gate, InlinePool
from .lazy import LazyPool
from .slots import SlotPool
from .static import StaticPool

POOL_CLASSES: dict[str, type[Pool]] = {
    INLINE: InlinePool, LAZY: LazyPool, STATIC: StaticPool, ADAPTIVE: AdaptivePool,
}


def make_pool(entry_id: str, plan: PoolPlan, factory: Factory, map_error: ErrorMapper,
              generation: int = 1, **options: Any) -> Pool:
    """The pool of `plan.type` (inline pools take `gate`, `private_call`)."""
    cls = POOL_CLASSES[plan.type]
    return cls(entry_id, plan, factory, map_error, generation, **options)


__all__ = ["LATENCY_WINDOW", "POOL_CLASSES", "AdaptivePool", "InlinePool", "LazyPool", "Gate", "Pool", "PoolStats",
           "SlotPool", "StaticPool", "make_pool"]
