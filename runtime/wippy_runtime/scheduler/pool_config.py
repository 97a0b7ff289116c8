"""The `pool:` block of an entry: validation and Wippy's auto-selection.

Kept apart from the pool implementation so the loader can validate a definition without
building anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

INLINE, LAZY, STATIC, ADAPTIVE = "inline", "lazy", "static", "adaptive"
POOL_TYPES = (STATIC, LAZY, INLINE, ADAPTIVE)
IMPLICIT_LAZY_MAX = 100      # the implicitly selected pool
EXPLICIT_ELASTIC_MAX = 16    # `type: lazy|adaptive` without max_size
STATIC_DEFAULT_WORKERS = 8
LAZY_IDLE_TIMEOUT_S = 30.0


class PoolConfigError(ValueError):
    """A `pool:` value Wippy would reject; the message is Wippy's wording."""


@dataclass(frozen=True)
class PoolConfig:
    type: str = ""
    size: int = 0
    workers: int = 0
    buffer: int = 0
    max_size: int = 0
    warm_start: bool = False
    worker_class: str = ""

    @classmethod
    def from_data(cls, data: Any) -> PoolConfig:
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise PoolConfigError("pool must be a mapping")
        known = {"type", "size", "workers", "buffer", "max_size", "warm_start", "worker_class"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise PoolConfigError(f"unknown pool field(s): {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name in ("size", "workers", "buffer", "max_size"):
            value = data.get(name, 0)
            if isinstance(value, bool) or not isinstance(value, int):
                raise PoolConfigError(f"pool.{name} must be an integer, got {value!r}")
            values[name] = value
        ptype = data.get("type", "") or ""
        if not isinstance(ptype, str):
            raise PoolConfigError(f"invalid pool type: {ptype!r}")
        cfg = cls(type=ptype, warm_start=bool(data.get("warm_start", False)),
                  worker_class=str(data.get("worker_class", "") or ""), **values)
        cfg.validate()
        return cfg

    def validate(self) -> None:
        """Wippy's `PoolConfig.Validate` rules and messages."""
        if min(self.size, self.workers, self.buffer, self.max_size) < 0:
            raise PoolConfigError("pool values cannot be negative")
        if self.type and self.type not in POOL_TYPES:
            raise PoolConfigError(f"invalid pool type: {self.type!r} "
                                  f"(expected one of {', '.join(POOL_TYPES)})")
        if self.worker_class:
            return
        is_flex = self.workers == 0 and (self.size == 0 or self.max_size > 0)
        if not is_flex and self.size <= 0:
            raise PoolConfigError("pool.size must be greater than 0 for non-flex pools")
        if self.workers > 0 and self.size <= 0:
            raise PoolConfigError("pool.size must be greater than 0 for worker pools")

    def to_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("type", "size", "workers", "buffer", "max_size", "warm_start",
                     "worker_class"):
            value = getattr(self, name)
            if value:
                out[name] = value
        return out


@dataclass(frozen=True)
class PoolPlan:
    """What `select_pool` decided: the pool type, how many instances at most, the queue."""

    type: str
    max_instances: int
    workers: int
    queue_size: int
    idle_timeout_s: float | None
    prestart: int


def select_pool(cfg: PoolConfig) -> PoolPlan:
    """Wippy's selection logic (RT `function/pool.go`)."""
    ptype = cfg.type
    if not ptype:
        if cfg.workers == 0 and (cfg.size == 0 or cfg.max_size > 0):
            ptype = "implicit-lazy"
        elif cfg.workers > 0:
            ptype = STATIC
        else:
            ptype = INLINE
    if ptype == INLINE:
        return PoolPlan(INLINE, 1, 1, 0, None, 0)
    if ptype == "implicit-lazy":
        return PoolPlan(LAZY, cfg.max_size or IMPLICIT_LAZY_MAX, 0, 0, LAZY_IDLE_TIMEOUT_S, 0)
    if ptype == LAZY:
        return PoolPlan(LAZY, cfg.max_size or EXPLICIT_ELASTIC_MAX, 0, 0, LAZY_IDLE_TIMEOUT_S, 0)
    if ptype == STATIC:
        workers = cfg.workers or cfg.size or STATIC_DEFAULT_WORKERS
        return PoolPlan(STATIC, workers, workers, cfg.buffer or workers * 64, None, workers)
    # adaptive: elastic, starts with one warm instance when warm_start is set
    return PoolPlan(ADAPTIVE, cfg.max_size or EXPLICIT_ELASTIC_MAX, 0, 0, LAZY_IDLE_TIMEOUT_S,
                    1 if cfg.warm_start else 0)
