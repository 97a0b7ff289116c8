"""Runtime modules made available to Lua, one file per module (Wippy's `modules:` names).

`MODULES` maps a module name to its installer `(state, runtime) -> None`, which binds the
module as a global of that name (Wippy's `require` reads `_G`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import (
    base64,
    compress,
    contract,
    crypto,
    ctx,
    env,
    events,
    excel,
    exec,
    expr,
    fs,
    funcs,
    hash,
    html,
    http,
    http_client,
    hub,
    io,
    json,
    logger,
    metrics,
    process,
    queue,
    registry,
    security,
    sql,
    store,
    stream,
    system,
    templates,
    text,
    time,
    treesitter,
    uuid,
    workflow,
    yaml,
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
    "contract": contract.install,
    "hub": hub.install,
    "workflow": workflow.install,
    "treesitter": treesitter.install,
    "excel": excel.install,
    "exec": exec.install,
    "html": html.install,
    "expr": expr.install,
    "templates": templates.install,
    "queue": queue.install,
    "http": http.install,
    "stream": stream.install,
}

#: modules every Lua entry has as globals already (Wippy lets `modules:` list them too)
GLOBAL_MODULES = frozenset({"channel", "os", "payload", "process", "errors"})
