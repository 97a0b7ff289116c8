"""An endpoint's call: the function runs through the runtime's call pipeline (pools, limits,
error mapping; `Calls.dispatch`, since the host and not a caller chose it) with the exchange,
and the actor and scope middleware found, as its execution context; what it returns becomes
the response unless it wrote one.

The rules, as Wippy's endpoint and its `wasi-http` transport have them:
- the function raised, or returned `nil, err`: 500 with the error's text (if nothing was
  written yet; a response already sent stays as it is);
- the function set or wrote anything (`res:set_status`, `res:write_json`, ...): that is the
  response;
- otherwise its return value is encoded: a string as `text/plain; charset=utf-8`, bytes from
  WASM (`list<u8>`) as `application/octet-stream`, anything else as JSON;
- no value: a `wasi-http` function answers 204; any other function answers 500 "no response
  sent" (it most likely forgot to write one).
A `wasi-http` function with no arguments of its own gets the request body as its one string
argument (none for an empty body).
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import WippyError
from ..scheduler.limits import Execution
from ..security.context import ExecutionContext
from .exchange import Exchange, ExchangeError

WASI_HTTP = "wasi-http"


def transport_of(runtime: Any, func_id: str) -> str:
    """The `transport` of a WASM function entry (`payload` for everything else)."""
    target = runtime.targets.get(func_id)
    config = getattr(target, "cfg", None)
    return getattr(config, "transport", "") or "payload"


def call_endpoint(runtime: Any, func_id: str, ex: Exchange) -> None:
    res = ex.response
    wasi_http = transport_of(runtime, func_id) == WASI_HTTP
    args: tuple = ()
    if wasi_http:
        try:
            body = ex.request.read_all()
        except ExchangeError as exc:
            res.error(413, str(exc))
            return
        if body:
            args = (body.decode("utf-8", "surrogateescape"),)
    base = runtime.security.context_for(ex.actor, ex.scope, None)
    ctx = ExecutionContext(base.actor, base.scope, base.values, request=ex)
    try:
        with runtime.guard.running(Execution(runtime.guard, func_id, 0)):
            value = runtime.calls.dispatch(func_id, args, ctx)
    except WippyError as exc:
        if not res.committed:
            res.error(500, str(exc))
        return
    if res.handled:
        return
    encode_result(ex, value, wasi_http)


def encode_result(ex: Exchange, value: Any, wasi_http: bool) -> None:
    res = ex.response
    if value is None:
        if wasi_http:
            res.set_status(204)
        else:
            res.error(500, "no response sent")
        return
    if isinstance(value, (bytes, bytearray)):
        content_type, data = "application/octet-stream", bytes(value)
    elif isinstance(value, str):
        content_type, data = "text/plain; charset=utf-8", value.encode("utf-8",
                                                                         "surrogateescape")
    else:
        try:
            data = json.dumps(value, ensure_ascii=False, separators=(",", ":"),
                              default=str).encode()
        except (TypeError, ValueError) as exc:
            res.error(500, f"cannot encode the result as JSON: {exc}")
            return
        content_type = "application/json"
    if "Content-Type" not in res.headers:
        res.headers.set("Content-Type", content_type)
    res.write(data)
