"""The one place host capabilities ask the security layer for permission.

Wippy checks `security.IsAllowed(ctx, "fs.get", fsID)` for every WASI mount and
`funcs.call` for every call a guest makes through the `funcs` host (wippy-facts §2.8, §3.4).
Both go through the runtime's security layer (`security/`), with the caller's execution
context: mounts (`wasi_config.py`) and the funcs host (`host_funcs.py`) both call this.
"""

from __future__ import annotations

from typing import Any


def check_host_permission(runtime: Any, action: str, resource: str, *, entry: str) -> None:
    """Raise a PERMISSION_DENIED CallError when the current execution may not do `action` on
    `resource` (e.g. "fs.get" on "app:data"); the error is reported against `entry`."""
    runtime.security.check(action, resource, entry=entry)
