"""Call traces: a tree of nested calls with timings, arguments, results and errors.

Tracing costs nothing while it is off: `Tracer.start()` wraps each target pool's call path
through the pool's one hook, `observe` (and targets registered while it runs), `stop()` puts
the original back, so the `funcs.call` hot path is untouched unless someone is looking. Nesting follows the calling thread: a call made
while another runs on the same thread is its child (Lua -> funcs.call -> WASM is synchronous on
one thread); a call that hops to a worker thread starts a new root there.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import INTERNAL, CallError, GuestError

if TYPE_CHECKING:
    from .kinds.base import Target
    from .registry.live import Registry

MAX_REPR = 120


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_REPR else text[: MAX_REPR - 3] + "..."


@dataclass
class Span:
    """One call: `entry` was invoked with `args` and returned `result` or failed with `error`."""

    id: int
    entry: str
    kind: str
    args: str
    start_ns: int
    thread: str
    parent: int | None = None
    end_ns: int | None = None
    result: str | None = None
    error: str | None = None
    error_kind: str | None = None
    children: list[Span] = field(default_factory=list)

    @property
    def duration_us(self) -> float | None:
        return None if self.end_ns is None else (self.end_ns - self.start_ns) / 1000

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "entry": self.entry, "kind": self.kind, "args": self.args,
                "result": self.result, "error": self.error, "error_kind": self.error_kind,
                "duration_us": self.duration_us, "thread": self.thread, "parent": self.parent,
                "children": [c.as_dict() for c in self.children]}


class Tracer:
    """Records spans for every call while enabled. Keeps the last `max_roots` call trees."""

    def __init__(self, registry: Registry, max_roots: int = 200) -> None:
        self._registry = registry
        registry.on_target.append(self._on_target)
        self.enabled = False
        self.roots: deque[Span] = deque(maxlen=max_roots)
        self._ids = itertools.count(1)
        self._local = threading.local()
        self._lock = threading.Lock()

    # -- switching ----------------------------------------------------------------------
    def start(self) -> None:
        if self.enabled:
            return
        self.enabled = True
        for target in list(self._registry.targets.values()):
            self.attach(target)

    def stop(self) -> None:
        if not self.enabled:
            return
        self.enabled = False
        for target in list(self._registry.targets.values()):
            self.detach(target)

    def clear(self) -> None:
        with self._lock:
            self.roots.clear()

    def _on_target(self, target: Target) -> None:
        if self.enabled:
            self.attach(target)

    def attach(self, target: Target) -> None:
        """Route one target's calls through a span (the pool's `observe` hook)."""
        tracer = self

        def wrap(original: Callable[[tuple], Any]) -> Callable[[tuple], Any]:
            def traced_invoke(args: tuple) -> Any:
                span = tracer._open(target, args)
                try:
                    value = original(args)
                except GuestError as exc:
                    tracer._close(span, error=f"err: {_short(exc.payload)}", kind="result")
                    raise
                except CallError as exc:
                    tracer._close(span, error=exc.message, kind=exc.kind)
                    raise
                except BaseException as exc:
                    tracer._close(span, error=f"{type(exc).__name__}: {exc}", kind=INTERNAL)
                    raise
                tracer._close(span, result=value)
                return value

            return traced_invoke

        target.pool.observe(wrap)

    def detach(self, target: Target) -> None:
        target.pool.observe(None)

    # -- spans --------------------------------------------------------------------------
    def _stack(self) -> list[Span]:
        stack = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack

    def _open(self, target: Target, args: tuple) -> Span:
        try:
            shown = ", ".join(_short(a) for a in args)  # plain values: the pool's arguments
        except Exception:  # noqa: BLE001 - a trace must never break the call
            shown = "<unprintable>"
        stack = self._stack()
        parent = stack[-1] if stack else None
        span = Span(id=next(self._ids), entry=target.entry_id, kind=target.entry.kind,
                    args=shown, start_ns=time.perf_counter_ns(),
                    thread=threading.current_thread().name,
                    parent=parent.id if parent else None)
        if parent is not None:
            parent.children.append(span)
        else:
            with self._lock:
                self.roots.append(span)
        stack.append(span)
        return span

    def _close(self, span: Span, *, result: Any = None, error: str | None = None,
               kind: str | None = None) -> None:
        span.end_ns = time.perf_counter_ns()
        if error is None:
            span.result = _short(result)
        else:
            span.error, span.error_kind = error, kind
        stack = self._stack()
        if stack and stack[-1] is span:
            stack.pop()

    # -- reading ------------------------------------------------------------------------
    def trees(self) -> list[Span]:
        with self._lock:
            return list(self.roots)

    def render(self, limit: int | None = None) -> str:
        """The call trees as indented text, newest last."""
        roots = self.trees()
        if limit is not None:
            roots = roots[-limit:]
        lines: list[str] = []

        def walk(span: Span, depth: int) -> None:
            took = f"{span.duration_us:.1f} µs" if span.duration_us is not None else "running"
            outcome = (f"-> {span.result}" if span.error is None else
                       f"!! {span.error_kind}: {span.error}")
            lines.append(f"{'  ' * depth}{span.entry}({span.args}) {outcome}  [{took}]")
            for child in span.children:
                walk(child, depth + 1)

        for root in roots:
            walk(root, 0)
        return "\n".join(lines)
