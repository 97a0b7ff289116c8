"""The execution context and how it travels.

`ExecutionContext` bundles actor, scope and request values; it is immutable, so a nested call
sees exactly what its caller had unless the caller chose otherwise (`funcs.new():with_*`).
The current one lives in a `ContextVar`: setting it around an invocation is cheap, and every
nested `funcs.call` on the same thread inherits it for free. Code that moves work to another
thread must `capture()` here and `run_in()` there (or use `contextvars.copy_context()`).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any, TypeVar

from .actor import Actor
from .policy import ALLOW
from .scope import Scope

T = TypeVar("T")
_CACHE_LIMIT = 1024


class ExecutionContext:
    """Who runs (actor), under which policies (scope), with which request values; the overlay
    network its outgoing connections use (a `network.*` entry id, set by `with_options{network
    =}` and inherited by every nested call and spawned process); and the inbound request the
    execution serves, if any (an HTTP exchange `http.request()` reads). `derive` does not pass
    the request on: as in Wippy, a child made with other options does not answer its caller's
    request."""

    __slots__ = ("actor", "scope", "values", "network", "request", "_decisions")

    def __init__(self, actor: Actor | None = None, scope: Scope | None = None,
                 values: Mapping[str, Any] | None = None, request: Any = None,
                 network: str | None = None) -> None:
        self.actor = actor
        self.scope = scope
        self.values: Mapping[str, Any] = MappingProxyType(dict(values or {}))
        self.network = network
        self.request = request
        # (action, resource) -> allowed; valid forever because actor and scope never change.
        self._decisions: dict[tuple[str, str], bool] = {}

    def derive(self, *, actor: Actor | None = None, scope: Scope | None = None,
               values: Mapping[str, Any] | None = None,
               network: str | None = None) -> ExecutionContext:
        """A child context: given parts replace, values merge over the inherited ones."""
        merged = dict(self.values)
        if values:
            merged.update(values)
        return ExecutionContext(actor if actor is not None else self.actor,
                                scope if scope is not None else self.scope, merged,
                                network=network if network is not None else self.network)

    def evaluate(self, action: str, resource: str,
                 meta: Mapping[str, Any] | None = None) -> bool:
        """Scope says allow for this actor (both must be present; callers handle absence)."""
        assert self.scope is not None
        if meta:
            return self.scope.evaluate(self.actor, action, resource, meta) == ALLOW
        key = (action, resource)
        cached = self._decisions.get(key)
        if cached is None:
            cached = self.scope.evaluate(self.actor, action, resource) == ALLOW
            if len(self._decisions) >= _CACHE_LIMIT:
                self._decisions.clear()
            self._decisions[key] = cached
        return cached

    def __repr__(self) -> str:
        return f"ExecutionContext(actor={self.actor!r}, scope={self.scope!r}, " \
               f"values={dict(self.values)!r})"


_CURRENT: contextvars.ContextVar[ExecutionContext | None] = contextvars.ContextVar(
    "wippy_execution_context", default=None)

#: the variable itself, for code that reads it without a Python call (the compiled lanes)
CONTEXT_VAR = _CURRENT
#: the current ExecutionContext, or None when nobody set one (a bare host call)
current: Callable[[], ExecutionContext | None] = _CURRENT.get


@contextmanager
def using(ctx: ExecutionContext | None) -> Iterator[ExecutionContext | None]:
    """Make `ctx` current for the block (and every call made inside it)."""
    token = _CURRENT.set(ctx)
    try:
        yield ctx
    finally:
        _CURRENT.reset(token)


def call_in(ctx: ExecutionContext | None, fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` with `ctx` current; the flat form of `using` for hot-ish paths."""
    token = _CURRENT.set(ctx)
    try:
        return fn(*args)
    finally:
        _CURRENT.reset(token)


def capture() -> ExecutionContext | None:
    """The context to hand to another thread (see `run_in`)."""
    return _CURRENT.get()


def run_in(ctx: ExecutionContext | None, fn: Callable[..., T], *args: Any) -> T:
    """Run `fn` on this thread as if called by the execution that `capture()`d `ctx`."""
    return contextvars.copy_context().run(call_in, ctx, fn, *args)
