"""Runtime modules made available to Lua, one file per module (Wippy's `modules:` names).

`MODULES` maps a module name to its installer `(state, runtime) -> None`, which binds the
module as a global of that name (Wippy's `require` reads `_G`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from . import (
    base64,
    compress,
    crypto,
    ctx,
    env,
    events,
    fs,
    funcs,
    hash,
    http_client,
    io,
    json,
    logger,
    metrics,
    process,
    registry,
    security,
    sql,
    store,
    system,
    text,
    time,
    uuid,
    yaml,
)


def _lazy(name: str) -> Callable[[Any, Any], None]:
    """The installer of module `name`, imported when an entry first lists it: these modules
    (and the parsers and servers they build) cost start-up time every runtime and kernel would
    otherwise pay, used or not."""

    def install(state: Any, runtime: Any) -> None:
        importlib.import_module(f"{__name__}.{name}").install(state, runtime)

    return install


#: the modules whose Python code is imported when an entry first lists them (`_lazy`); a state
#: offering every module (a notebook session) binds these on first use too
IMPORTED_ON_USE = frozenset({"contract", "hub", "workflow", "treesitter", "excel", "exec",
                             "html", "expr", "templates", "queue", "http", "stream"})


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
    "io": io.install,
    "process": process.install,  # also a global; listing it in modules: is harmless
    "logger": logger.install,
    "env": env.install,
    "uuid": uuid.install,
    "hash": hash.install,
    "crypto": crypto.install,
    "base64": base64.install,
    "yaml": yaml.install,
    "text": text.install,
    "compress": compress.install,
    "metrics": metrics.install,
    "system": system.install,
    **{name: _lazy(name) for name in sorted(IMPORTED_ON_USE)},
}

#: modules every Lua entry has as globals already (Wippy lets `modules:` list them too)
GLOBAL_MODULES = frozenset({"channel", "os", "payload", "process", "errors"})
