"""Runtime modules made available to Lua, one file per module (Wippy's `modules:` names).

`MODULES` maps a module name to its installer `(state, runtime) -> None`, which binds the
module as a global of that name (Wippy's `require` reads `_G`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import (
    ctx,
    events,
    fs,
    funcs,
    http_client,
    json,
    process,
    registry,
    security,
    sql,
    store,
    time,
)

MODULES: dict[str, Callable[[Any, Any], None]] = {
    "funcs": funcs.install,
    "json": json.install,
    "security": security.install,
    "ctx": ctx.install,
    "time": time.install,
    "http_client": http_client.install,
    "fs": fs.install,
    "events": events.install,
    "store": store.install,
    "sql": sql.install,
    "registry": registry.install,
    "process": process.install,  # also a global; listing it in modules: is harmless
}
