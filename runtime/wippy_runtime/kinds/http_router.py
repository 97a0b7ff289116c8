"""`http.router`: a path prefix on an `http.service` (`meta.server` or `server:`) with the
middleware its endpoints run behind (`middleware`, `post_middleware`, configured by `options`
and `post_options`). Middleware this runtime does not implement is reported at load and
skipped, so an app using it still serves its other routes."""

from __future__ import annotations

from typing import Any

from ..errors import ValidationError
from ..http_server.hub import RouterSpec, hub_of
from ..http_server.middleware import Middleware, make
from ..registry import Entry
from .base import BuildContext, EntryInfo, Resource, warn_unknown_fields

_KNOWN = {"server", "prefix", "middleware", "post_middleware", "options", "post_options",
          "lifecycle"}


class HttpRouter(Resource):
    kind = "http.router"

    def __init__(self, entry: Entry, spec: RouterSpec, hub: Any) -> None:
        super().__init__(entry)
        self.spec = spec
        self._hub = hub

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry.id, self.kind, detail={
            "server": self.spec.server_id, "prefix": self.spec.prefix})

    def retire(self) -> None:
        self._hub.discard(self._hub.routers, self.spec)


def string_map(entry: Entry, name: str) -> dict[str, str]:
    raw = entry.data.get(name) or {}
    if not isinstance(raw, dict):
        raise entry.error(ValidationError, f"{name} must be a map of option names to values",
                          name)
    return {str(k): v if isinstance(v, str) else str(v).lower() if isinstance(v, bool)
            else str(v) for k, v in raw.items()}


def middleware_list(entry: Entry, name: str, options: dict[str, str],
                    runtime: Any) -> list[Middleware]:
    names = entry.data.get(name) or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise entry.error(ValidationError, f"{name} must be a list of middleware names", name)
    out = []
    for mw_name in names:
        mw = make(mw_name, options, runtime)
        if mw is None:
            runtime.warn(f"{entry.id}: middleware {mw_name!r} is not implemented by "
                         "wippy-kernel (skipped)")
        else:
            out.append(mw)
    return out


def server_ref(entry: Entry) -> Any:
    meta = entry.meta if isinstance(entry.meta, dict) else {}
    return entry.data.get("server") or meta.get("server")


def build_http_router(entry: Entry, ctx: BuildContext) -> HttpRouter:
    warn_unknown_fields(entry, _KNOWN, ctx.runtime)
    ref = server_ref(entry)
    if not ref or not isinstance(ref, str):
        raise entry.error(ValidationError, "meta.server is required (the http.service "
                          "this router belongs to)", "meta")
    server = ctx.resolve(entry, ref, "http.service")
    prefix = entry.data.get("prefix", "/") or "/"
    if not isinstance(prefix, str) or not prefix.startswith("/"):
        raise entry.error(ValidationError, f"prefix {prefix!r} must start with '/'", "prefix")
    if "{" in prefix or "}" in prefix:
        raise entry.error(ValidationError, f"prefix {prefix!r} cannot hold wildcards",
                          "prefix")
    options = string_map(entry, "options")
    post_options = string_map(entry, "post_options") or options
    spec = RouterSpec(entry.id, server.entry.id, prefix,
                      middleware_list(entry, "middleware", options, ctx.runtime),
                      middleware_list(entry, "post_middleware", post_options, ctx.runtime))
    hub = hub_of(ctx.runtime)
    hub.add(hub.routers, spec)
    return HttpRouter(entry, spec, hub)
