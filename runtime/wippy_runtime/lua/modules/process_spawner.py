"""`process.with_context(values)` / `process.with_options(opts)`: the Spawner.

An immutable spawn configuration (every `with_*` returns a new one): context values, actor,
scope, a name to register the child under, startup messages (`with_message`: delivered from
the spawner before anything sent later; a workflow's signal-with-start), and opaque options. It starts from the caller's own
context (its actor, scope and values) and the child runs in the result. As in Wippy, custom
context values need `process.context` on `context` and a changed actor or scope needs
`process.security` on `security`, judged in the caller's context; a denial raises (Wippy's
Spawner raises too). The spawn functions are the module's own (`spawn` in process.py), so the
permission checks on the entry and host are the same as for `process.spawn`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...errors import INVALID, PERMISSION_DENIED, CallError
from ...security import Actor, ExecutionContext, Scope, current
from ..convert import ConversionError, to_plain
from ..exposed import lua_methods
from ._common import network_denied, unwrap_identity


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


def _check_network(security: Any, options: dict[str, Any]) -> None:
    """A spawner's `network` option needs `network.select` (a denial raises, as Wippy's)."""
    denied = network_denied(security, options.get("network"))
    if denied is not None:
        raise CallError(denied, kind=PERMISSION_DENIED)


def _with_network(ctx: ExecutionContext, options: dict[str, Any] | None) -> ExecutionContext:
    """`with_options{network = id}`: the process (and all it spawns and calls) connects
    through that overlay network."""
    network = (options or {}).get("network")
    return ctx.derive(network=network) if isinstance(network, str) and network else ctx


@lua_methods("with_context", "with_options", "with_actor", "with_scope", "with_name",
             "with_message", "spawn", "spawn_monitored", "spawn_linked",
             "spawn_linked_monitored")
class Spawner:
    __slots__ = ("_spawn", "_security", "_face", "ctx", "options", "name", "messages")

    def __init__(self, spawn: Callable[..., Any], security: Any, face: Callable[[Any], Any],
                 ctx: ExecutionContext, options: dict[str, Any] | None = None,
                 name: str | None = None,
                 messages: tuple[tuple[str, Any], ...] = ()) -> None:
        self._spawn = spawn
        self._security = security
        self._face = face
        self.ctx = ctx
        self.options = options or {}
        self.name = name
        #: startup messages (topic, plain payload), delivered before anything sent later
        self.messages = messages

    @classmethod
    def start(cls, spawn: Callable[..., Any], security: Any, face: Callable[[Any], Any],
              values: Any, options: Any) -> Any:
        what = "context" if options is None else "options"
        if not security.allowed("process.context", "context"):
            raise CallError(f"not allowed to spawn processes with custom {what}",
                            kind=PERMISSION_DENIED)
        base = current() or ExecutionContext()
        ctx = base.derive(values=_table(values, "with_context")) if values is not None \
            else base
        opts = _table(options, "with_options") if options is not None else None
        if opts is not None:
            _check_network(security, opts)
        return face(cls(spawn, security, face, _with_network(ctx, opts), opts))

    def _with(self, **changes: Any) -> Any:
        parts = {"ctx": self.ctx, "options": self.options, "name": self.name,
                 "messages": self.messages, **changes}
        return self._face(Spawner(self._spawn, self._security, self._face, **parts))

    def _identity(self) -> None:
        if not self._security.allowed("process.security", "security"):
            raise CallError("not allowed to spawn processes with custom security context",
                            kind=PERMISSION_DENIED)

    def with_context(self, values: Any = None, *_: Any) -> Any:
        if not self._security.allowed("process.context", "context"):
            raise CallError("not allowed to spawn processes with custom context",
                            kind=PERMISSION_DENIED)
        return self._with(ctx=self.ctx.derive(values=_table(values, "with_context")))

    def with_options(self, options: Any = None, *_: Any) -> Any:
        opts = _table(options, "with_options")
        _check_network(self._security, opts)
        return self._with(options={**self.options, **opts}, ctx=_with_network(self.ctx, opts))

    def with_actor(self, actor: Any = None, *_: Any) -> Any:
        self._identity()
        return self._with(ctx=self.ctx.derive(actor=unwrap_identity(actor, Actor, "with_actor",
                                                            "actor")))

    def with_scope(self, scope: Any = None, *_: Any) -> Any:
        self._identity()
        return self._with(ctx=self.ctx.derive(scope=unwrap_identity(scope, Scope, "with_scope",
                                                            "scope")))

    def with_name(self, name: Any = None, *_: Any) -> Any:
        if not isinstance(name, bytes) or not name:
            raise CallError("bad argument #1 to 'with_name' (name cannot be empty)",
                            kind=INVALID)
        return self._with(name=name.decode("utf-8", "replace"))

    def with_message(self, topic: Any = None, payload: Any = None, *_: Any) -> Any:
        """A message the new process gets first, from the spawner (a workflow's
        signal-with-start); a reused workflow gets it too."""
        if not isinstance(topic, bytes) or not topic:
            raise CallError("bad argument #1 to 'with_message' (topic cannot be empty)",
                            kind=INVALID)
        if topic.startswith(b"@"):
            raise CallError("bad argument #1 to 'with_message' (cannot send to @ topics)",
                            kind=INVALID)
        try:
            plain = to_plain(payload)
        except ConversionError as exc:
            raise CallError(f"bad argument #2 to 'with_message' ({exc})",
                            kind=INVALID) from None
        return self._with(messages=(*self.messages,
                                    (topic.decode("utf-8", "replace"), plain)))

    def spawn(self, entry_id: Any = None, host_id: Any = None, *args: Any) -> Any:
        return self._spawn(self, False, False, entry_id, host_id, args)

    def spawn_monitored(self, entry_id: Any = None, host_id: Any = None, *args: Any) -> Any:
        return self._spawn(self, True, False, entry_id, host_id, args)

    def spawn_linked(self, entry_id: Any = None, host_id: Any = None, *args: Any) -> Any:
        return self._spawn(self, False, True, entry_id, host_id, args)

    def spawn_linked_monitored(self, entry_id: Any = None, host_id: Any = None,
                               *args: Any) -> Any:
        return self._spawn(self, True, True, entry_id, host_id, args)

    def __str__(self) -> str:
        return "process.Spawner"
