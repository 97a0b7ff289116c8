"""`funcs.new()`: the Executor, to call with another actor, scope or context values.

Immutable (every `with_*` returns a new Executor). As in Wippy, changing the identity needs
permission `funcs.security` on `security` and adding context values needs `funcs.context` on
`context`, and the call itself (`funcs.call` on the target) is also judged against the
*caller's* context; the injected actor, scope and values apply inside the callee (and to what
it calls in turn). A denial comes back as `nil, err` PERMISSION_DENIED from `:call` / `:async`
(a safe form of the real runtime's `nil, err` from `with_*`, which would make a chained call
fail with "attempt to index a nil value"). `with_options` is kept and forwarded as opaque task
options, except `network`, the overlay network the callee (and all it calls) connects through.
Lua sees the Executor through a table of Lua-function methods (lua_object.py), so `:call` and
`:async` may yield while the callee runs on a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...errors import INVALID, PERMISSION_DENIED, CallError
from ...security import Actor, ExecutionContext, Scope, current
from ..convert import ConversionError, to_plain
from ..exposed import lua_methods
from ._common import network_denied, unwrap_identity
from .errors import LuaErrorValue


def _table(value: Any, fn: str) -> dict[str, Any]:
    try:
        plain = to_plain(value)
    except ConversionError as exc:
        raise CallError(f"bad argument #1 to '{fn}' ({exc})", kind=INVALID) from None
    if plain == [] or plain == {}:
        return {}
    if not isinstance(plain, dict) or not all(isinstance(k, str) for k in plain):
        raise CallError(f"bad argument #1 to '{fn}' (table with string keys expected)",
                        kind=INVALID)
    return plain


@lua_methods("with_actor", "with_scope", "with_context", "with_options", "call", "async")
class Executor:
    """A call configuration: overrides of actor, scope, context values, and options.

    `call(ctx, target, *args)` / `run_async(ctx, target, *args)` are funcs' own call paths:
    they judge the permission in the current (caller's) context and run the callee in `ctx`.
    `face` wraps a new Executor for Lua."""

    __slots__ = ("_call", "_async", "_security", "_face", "actor", "scope", "values",
                 "options")

    def __init__(self, call: Callable[..., Any], run_async: Callable[..., Any], security: Any,
                 face: Callable[[Executor], Any], actor: Actor | None = None,
                 scope: Scope | None = None, values: dict[str, Any] | None = None,
                 options: dict[str, Any] | None = None) -> None:
        self._call = call
        self._async = run_async
        self._security = security
        self._face = face
        self.actor = actor
        self.scope = scope
        self.values = values
        self.options = options

    def _with(self, **changes: Any) -> Any:
        parts = {"actor": self.actor, "scope": self.scope, "values": self.values,
                 "options": self.options, **changes}
        return self._face(Executor(self._call, self._async, self._security, self._face,
                                   **parts))

    def with_actor(self, actor: Any = None, *_: Any) -> Executor:
        return self._with(actor=unwrap_identity(actor, Actor, "with_actor", "actor"))

    def with_scope(self, scope: Any = None, *_: Any) -> Executor:
        return self._with(scope=unwrap_identity(scope, Scope, "with_scope", "scope"))

    def with_context(self, values: Any = None, *_: Any) -> Executor:
        merged = dict(self.values or {})
        merged.update(_table(values, "with_context"))
        return self._with(values=merged)

    def with_options(self, options: Any = None, *_: Any) -> Any:
        opts = _table(options, "with_options")
        denied = network_denied(self._security, opts.get("network"))
        if denied is not None:
            return None, LuaErrorValue(denied, PERMISSION_DENIED, retryable=False)
        return self._with(options=opts)

    def call(self, target: Any = None, *args: Any) -> Any:
        ctx, err = self._callee()
        if err is not None:
            return None, err
        return self._call(ctx, target, *args)

    def async_(self, target: Any = None, *args: Any) -> Any:
        ctx, err = self._callee()
        if err is not None:
            return None, err
        return self._async(ctx, target, *args)

    def _callee(self) -> tuple[Any, Any]:
        """The callee's context, or the caller's denial of the change."""
        caller = current()
        sec = self._security
        if (self.actor is not None or self.scope is not None) and \
                not sec.allowed("funcs.security", "security", None, caller):
            return None, LuaErrorValue("not allowed to call functions with custom security "
                                       "context", PERMISSION_DENIED, retryable=False)
        if self.values and not sec.allowed("funcs.context", "context", None, caller):
            return None, LuaErrorValue("not allowed to call functions with custom context "
                                       "values", PERMISSION_DENIED, retryable=False)
        network = (self.options or {}).get("network")
        ctx = (caller or ExecutionContext()).derive(
            actor=self.actor, scope=self.scope, values=self.values,
            network=network if isinstance(network, str) and network else None)
        return ctx, None

    def __str__(self) -> str:
        return "funcs.Executor"
