"""`http.endpoint`: `method` + `path` on a router (`meta.router`) answered by `func`, a
function entry called through the runtime's call pipeline (the caller's permissions and the
function's limits apply; the `http` module reads the request from its execution context).

The path is a Go `ServeMux` pattern below the router's prefix (`/users/{id}`); a bad pattern
or an unknown router fails the load naming this entry. `func` is looked up at each request, so
a function defined later (or replaced) is what the next request gets; a missing one answers 500
naming it.
"""

from __future__ import annotations

from typing import Any

from ..errors import ValidationError
from ..http_server.calling import call_endpoint
from ..http_server.hub import RouteSpec, hub_of
from ..http_server.routes import PatternError, join, parse_pattern
from ..registry import Entry
from ..registry.ids import InvalidIdError
from .base import BuildContext, EntryInfo, Resource, warn_unknown_fields

_KNOWN = {"method", "path", "func", "router", "lifecycle"}
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"}


class HttpEndpoint(Resource):
    kind = "http.endpoint"

    def __init__(self, entry: Entry, spec: RouteSpec, func_id: str, hub: Any) -> None:
        super().__init__(entry)
        self.spec = spec
        self.func_id = func_id
        self._hub = hub

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry.id, self.kind, method=self.spec.method, detail={
            "path": self.spec.pattern.text, "func": self.func_id,
            "router": self.spec.router.id if self.spec.router else None})

    def retire(self) -> None:
        self._hub.discard(self._hub.routes, self.spec)


def build_http_endpoint(entry: Entry, ctx: BuildContext) -> HttpEndpoint:
    warn_unknown_fields(entry, _KNOWN | {"post_middleware"}, ctx.runtime)
    meta = entry.meta if isinstance(entry.meta, dict) else {}
    router_ref = entry.data.get("router") or meta.get("router")
    if not router_ref or not isinstance(router_ref, str):
        raise entry.error(ValidationError, "meta.router is required (the http.router this "
                          "endpoint belongs to)", "meta")
    router = ctx.resolve(entry, router_ref, "http.router")
    method = entry.data.get("method")
    if not isinstance(method, str) or method.upper() not in _METHODS:
        raise entry.error(ValidationError, f"method must be an HTTP method (GET, POST, ...), "
                          f"got {method!r}", "method")
    path = entry.data.get("path")
    if not isinstance(path, str):
        raise entry.error(ValidationError, "path is required (e.g. /users/{id})", "path")
    try:
        pattern = parse_pattern(join(router.spec.prefix, path))
    except PatternError as exc:
        raise entry.error(ValidationError, str(exc), "path") from None
    func = entry.data.get("func")
    if not func or not isinstance(func, str):
        raise entry.error(ValidationError, "func is required (the function entry that "
                          "answers)", "func")
    try:
        func_id = entry.ref(func)
    except InvalidIdError as exc:
        raise entry.error(ValidationError, exc.message, "func") from None
    runtime = ctx.runtime
    spec = RouteSpec(entry.id, method.upper(), pattern,
                     lambda ex: call_endpoint(runtime, func_id, ex), router=router.spec)
    hub = hub_of(runtime)
    hub.add(hub.routes, spec)
    return HttpEndpoint(entry, spec, func_id, hub)
