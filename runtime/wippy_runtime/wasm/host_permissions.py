"""The one place host capabilities ask for permission.

Wippy checks `security.IsAllowed(ctx, "fs.get", fsID)` for every WASI mount and
`funcs.call` for every call a guest makes through the `funcs` host. Both are judged by the
runtime's call pipeline (`Calls.authorize`, calls.py) against the caller's execution context:
mounts (`wasi_config.py`) call this; the funcs host calls through the pipeline itself.
"""

from __future__ import annotations

from typing import Any, Protocol


class Authorizer(Protocol):
    def authorize(self, action: str, resource: str, *, entry: str | None = None) -> Any: ...


def check_host_permission(authorizer: Authorizer, action: str, resource: str, *,
                          entry: str) -> None:
    """Raise a PERMISSION_DENIED CallError when the current execution may not do `action` on
    `resource` (e.g. "fs.get" on "app:data"); the error is reported against `entry`."""
    denied = authorizer.authorize(action, resource, entry=entry)
    if denied is not None:
        raise denied
