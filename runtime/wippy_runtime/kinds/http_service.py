"""`http.service`: an HTTP server listening on `addr` (`:8085`, `127.0.0.1:0`).

Routers attach to it by `meta.server` (or `server:`), endpoints to the routers, static mounts
to the server. It listens once the runtime's services start (`wippy run`, `wippy test`, or
`Runtime.start_services()`), stops on `Runtime.close()` and when the entry is
removed; a new generation takes the port over from the one it replaces. A port already in use
is reported naming this entry, and the rest of the app keeps working.

What is implemented of Wippy's HTTP server side, and what is not:
- routing with Go `ServeMux` patterns (`{id}`, `{rest...}`, subtrees, most specific wins,
  405 for a known path with another method, OPTIONS answered 204 through the router's
  middleware); router `prefix`, `middleware`, `post_middleware`, `options`;
- middleware `cors`, `token_auth` (a `security.token_store`), `endpoint_firewall`; others
  (`websocket_relay`, `sse_relay`, `compress`, `ratelimit`, `real_ip`, ...) are reported at
  load and skipped;
- endpoints calling any function entry through the call pipeline, the `http` Lua module's
  request and response, the `wasi-http` transport of `function.wasm`; `http.static` over an
  `fs.directory` (`static_options.index`, `spa`, `cache`);
- not implemented: TLS (`tls:`), overlay `network:` (accepted, listening is plain TCP),
  `timeouts:` and `host:` worker limits (each connection has its own thread), HTTP/2,
  WebSocket upgrades.
"""

from __future__ import annotations

from ..errors import ValidationError
from ..http_server.hub import ServiceSpec, hub_of, parse_addr
from ..registry import Entry
from .base import BuildContext, EntryInfo, Resource, warn_unknown_fields

_KNOWN = {"addr", "lifecycle", "network", "tls", "timeouts", "host"}


class HttpService(Resource):
    kind = "http.service"

    def __init__(self, entry: Entry, spec: ServiceSpec, hub: object) -> None:
        super().__init__(entry)
        self.spec = spec
        self._hub = hub

    @property
    def port(self) -> int | None:
        """The port it listens on (the real one when `addr` asked for 0), None if not."""
        return self.spec.listener.port if self.spec.listener is not None else None

    def info(self) -> EntryInfo:
        detail: dict[str, object] = {"addr": self.entry.data.get("addr")}
        if self.spec.listener is not None:
            detail["listening"] = self.spec.address
        if self.spec.error:
            detail["error"] = self.spec.error
        return EntryInfo(self.entry.id, self.kind, detail=detail)

    def retire(self) -> None:
        self._hub.remove_service(self.spec)  # type: ignore[attr-defined]


def build_http_service(entry: Entry, ctx: BuildContext) -> HttpService:
    warn_unknown_fields(entry, _KNOWN, ctx.runtime)
    addr = entry.data.get("addr")
    if not addr:
        raise entry.error(ValidationError, "addr is required (e.g. \":8080\")", "addr")
    try:
        host, port = parse_addr(addr)
    except ValueError as exc:
        raise entry.error(ValidationError, str(exc), "addr") from None
    if entry.data.get("tls") not in (None, {}, {"mode": ""}):
        ctx.runtime.warn(f"{entry.id}: tls is not supported by wippy-kernel; serving plain "
                         "HTTP")
    hub = hub_of(ctx.runtime)
    spec = ServiceSpec(entry.id, host, port)
    hub.add_service(spec)
    return HttpService(entry, spec, hub)
