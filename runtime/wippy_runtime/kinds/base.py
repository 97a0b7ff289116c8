"""What every entry kind provides.

A kind handler turns an `Entry` into a *built* object: a `Target` for callable entries
(functions), or a plain resource (a library's source, a directory) for the others. A target
says what to run and how its errors read; its `Pool` (scheduler/pools/) owns the instances
and the call path (`target.pool.invoke`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import CallError, LoadError
from ..registry import Entry
from ..scheduler.offload import NEVER, WHEN_BUSY
from ..scheduler.pool_config import INLINE, PoolPlan
from ..scheduler.pools import Pool, make_pool


class BuildContext(Protocol):
    """What a kind handler may use from the runtime while building an entry."""

    runtime: Any  # the Runtime, as services.py's protocols describe it
    generation: int

    def resolve(self, entry: Entry, ref: str, expected_kind: str | None = None) -> Any: ...


class InstanceBase:
    """An instance in a pool: `fn(args)` runs the entry's method on it (a tuple of plain
    values in, a plain value out)."""

    fn: Any

    def close(self) -> None:
        pass


@dataclass
class EntryInfo:
    """How an entry is described to people (`wippy entries`, `%entries`, inspection)."""

    id: str
    kind: str
    method: str | None = None
    signature: str | None = None
    pool: str | None = None
    imports: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)


class Target:
    """A callable entry generation: what to run (`new_instance`) and how its failures read
    (`map_error`). Where and on which instance a call runs is its `pool`'s business: a
    subclass finishes its constructor with `_open_pool`, which builds and starts the pool
    with this target's factory and error mapping."""

    kind = "?"
    #: when a call from a Lua coroutine runs on a worker thread (scheduler/offload.py);
    #: `_open_pool` refines it (inline WASM: NEVER); WASM with imports sets ALWAYS
    offload = WHEN_BUSY
    #: (action, resource) pairs every caller needs besides `funcs.call` on the entry, judged
    #: by the call pipeline for the caller's context at each call (a WASI mount's `fs.get`)
    call_permissions: tuple[tuple[str, str], ...] = ()
    #: calls back into the runtime (the `funcs` host): it waits as long as its callees do, so
    #: even inline it does not hold a busy dispatcher's other coroutines up
    calls_back = False
    pool: Pool

    def __init__(self, entry: Entry) -> None:
        self.entry = entry
        self.entry_id = entry.id

    def _open_pool(self, plan: PoolPlan, generation: int, **options: Any) -> None:
        """Build this generation's pool and create the instances it starts with (an
        instantiation error fails the load)."""
        self.pool = make_pool(self.entry_id, plan, self.new_instance, self.map_error,
                              generation, **options)
        if plan.type == INLINE and self.offload == WHEN_BUSY and self.kind != "lua" and \
                not self.calls_back:
            self.offload = NEVER  # inline WASM that cannot block stays on the caller's path
        self.pool.start()

    # -- what kinds implement ------------------------------------------------------------
    def new_instance(self) -> InstanceBase:
        raise NotImplementedError

    def map_error(self, exc: BaseException) -> tuple[CallError, bool]:
        """Turn an exception from an instance into (CallError, discard_instance)."""
        if isinstance(exc, CallError):
            return exc, False
        return CallError(f"{type(exc).__name__}: {exc}", entry=self.entry_id), True

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry_id, self.entry.kind)

    def retire(self) -> None:
        """Called when a newer generation replaces this one (or the entry is removed)."""
        self.pool.retire()


def pool_text(pool: Pool) -> str:
    """How a pool is shown in entry listings: `inline`, `lazy(max 100)`."""
    plan = pool.plan
    return plan.type if plan.type == INLINE else f"{plan.type}(max {plan.max_instances})"


def warn_unknown_fields(entry: Entry, known: set[str] | frozenset[str], runtime: Any) -> None:
    """Warn about fields this kind does not read, and go on: Wippy's loader decodes entries
    leniently and ignores what it does not know (real projects carry fields for other tools,
    e.g. `security:` on a function), so rejecting them would refuse projects that run there."""
    unknown = sorted(set(entry.data) - known)
    if unknown and runtime is not None:
        err = entry.error(LoadError, f"unknown field(s) for {entry.kind}: {', '.join(unknown)} "
                          "(ignored)", unknown[0])
        runtime.warn(str(err))


class Resource:
    """A non-callable built entry (a library's compiled source, a directory, ...)."""

    kind = "?"

    def __init__(self, entry: Entry) -> None:
        self.entry = entry

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry.id, self.entry.kind)

    def retire(self) -> None:
        pass


def resolve_field(ctx: BuildContext, entry: Entry, field_name: str,
                  expected_kind: str | None = None) -> Any:
    """`ctx.resolve` of the reference in `entry.data[field_name]`, its errors (not found,
    wrong kind, cycle) naming that field and its line."""
    try:
        return ctx.resolve(entry, entry.data[field_name], expected_kind)
    except LoadError as exc:
        if exc.field is not None or exc.entry != entry.id:
            raise
        raise entry.error(type(exc), exc.message, field_name) from None
