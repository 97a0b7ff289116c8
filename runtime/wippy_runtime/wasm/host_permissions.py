"""The one place host capabilities ask the security layer for permission.

Wippy checks `security.IsAllowed(ctx, "fs.get", fsID)` for every WASI mount and
`funcs.call` for every call a guest makes through the `funcs` host (wippy-facts §2.8, §3.4).
The security context and policies are being built separately (`security/`); until their
permission check lands, this hook allows everything. Wire it to the real check here, and only
here: mounts (`wasi_config.py`) and the funcs host (`host_funcs.py`) both call it.
"""

from __future__ import annotations

from typing import Any


def check_host_permission(runtime: Any, action: str, resource: str, *, entry: str) -> None:
    """Raise a PERMISSION_DENIED CallError/LoadError when `entry` may not do `action` on
    `resource` (e.g. "fs.get" on "app:data"). Today: always allowed (see module docstring)."""
    del runtime, action, resource, entry
