"""The HTTP side of one runtime: its services, routers, endpoints and static mounts, and how a
request finds its handler.

Entries attach to each other by id (an endpoint's `meta.router`, a router's `meta.server`), and
each kind registers its current generation here when built and leaves when retired; a request
is routed over what is registered at that moment, so a replaced endpoint serves its next
request and a removed one answers 404. Services listen only once `start()` was called (what
`wippy run` and `wippy test` do before running anything; a service defined later starts at
once), so loading an app to list its entries never opens a port.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .exchange import Exchange
from .middleware import Middleware, chain
from .routes import Pattern


def parse_addr(addr: str) -> tuple[str, int]:
    """`:8085`, `127.0.0.1:0`, `[::1]:80`, `localhost:9000` -> (host, port); ValueError."""
    if not isinstance(addr, str) or ":" not in addr:
        raise ValueError(f"addr {addr!r} must be host:port (e.g. \":8080\")")
    host, _, port_text = addr.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        port = int(port_text)
    except ValueError:
        raise ValueError(f"addr {addr!r}: port {port_text!r} is not a number") from None
    if not 0 <= port <= 65535:
        raise ValueError(f"addr {addr!r}: port {port} is out of range")
    return host, port


@dataclass(eq=False)
class RouterSpec:
    id: str
    server_id: str
    prefix: str
    middleware: list[Middleware] = field(default_factory=list)
    post_middleware: list[Middleware] = field(default_factory=list)


@dataclass(eq=False)
class RouteSpec:
    """An endpoint or a static mount on a router or a server: `handle(exchange)` answers."""

    id: str
    method: str  # "" for any (static files answer GET and HEAD themselves)
    pattern: Pattern
    handle: Callable[[Exchange], None]
    router: RouterSpec | None = None
    server_id: str = ""
    middleware: list[Middleware] = field(default_factory=list)


class ServiceSpec:
    """An `http.service` generation: where it listens, and its listener once started."""

    def __init__(self, entry_id: str, host: str, port: int) -> None:
        self.id = entry_id
        self.host = host
        self.port = port
        self.listener: Any = None  # a server.Listener while listening
        self.error: str | None = None

    @property
    def address(self) -> str:
        port = self.listener.port if self.listener is not None else self.port
        return f"{self.host}:{port}"


class HttpHub:
    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime
        self.started = False
        self.services: dict[str, ServiceSpec] = {}
        self.routers: dict[str, RouterSpec] = {}
        self.routes: dict[str, RouteSpec] = {}
        self._lock = threading.RLock()

    # -- services ----------------------------------------------------------------------
    def start(self) -> list[str]:
        """Start listening on every service; return one message per service that could not
        (the others run, and so does the rest of the app)."""
        with self._lock:
            self.started = True
            problems = []
            for spec in list(self.services.values()):
                problem = self._listen(spec)
                if problem:
                    problems.append(problem)
            return problems

    def _listen(self, spec: ServiceSpec) -> str | None:
        if spec.listener is not None:
            return None
        from .server import Listener, ListenError  # the stdlib server costs ~20 ms to import

        try:
            spec.listener = Listener(spec.host, spec.port, lambda ex: self.dispatch(spec.id, ex),
                                     spec.id)
            spec.error = None
            return None
        except ListenError as exc:
            spec.error = f"{spec.id}: {exc}"
            self.runtime.warn(spec.error)
            return spec.error

    def add_service(self, spec: ServiceSpec) -> None:
        with self._lock:
            old = self.services.get(spec.id)
            self.services[spec.id] = spec
            if self.started and (old is None or old.listener is None):
                self._listen(spec)
            # else: the old generation still holds the port; its retire() starts this one

    def remove_service(self, spec: ServiceSpec) -> None:
        with self._lock:
            if spec.listener is not None:
                spec.listener.close()
                spec.listener = None
            current = self.services.get(spec.id)
            if current is spec:
                del self.services[spec.id]
            elif current is not None and self.started:
                self._listen(current)

    def stop(self) -> None:
        with self._lock:
            for spec in self.services.values():
                if spec.listener is not None:
                    spec.listener.close()
                    spec.listener = None
            self.started = False

    # -- routers and routes ----------------------------------------------------------------
    def add(self, table: dict[str, Any], spec: Any) -> None:
        with self._lock:
            table[spec.id] = spec

    def discard(self, table: dict[str, Any], spec: Any) -> None:
        key = spec.id
        with self._lock:
            if table.get(key) is spec:
                del table[key]

    def _live(self, route: RouteSpec, server_id: str) -> bool:
        if route.router is None:
            return route.server_id == server_id
        router = route.router
        return self.routers.get(router.id) is router and router.server_id == server_id

    # -- dispatch ----------------------------------------------------------------------
    def dispatch(self, server_id: str, ex: Exchange) -> None:
        req = ex.request
        with self._lock:
            routes = [r for r in self.routes.values() if self._live(r, server_id)]
        matched: list[tuple[RouteSpec, dict[str, str]]] = []
        for route in routes:
            params = route.pattern.match(req.raw_path)
            if params is not None:
                matched.append((route, params))
        matched.sort(key=lambda m: m[0].pattern.rank())
        method = "GET" if req.method == "HEAD" else req.method
        for route, params in matched:
            if route.method in ("", method, req.method):
                self._run(route, params, ex)
                return
        res = ex.response
        if not matched:
            slashed = req.raw_path + "/"
            if any(r.pattern.subtree and r.pattern.match(slashed) is not None for r in routes):
                # Go's ServeMux: `/static` redirects to the subtree `/static/`
                target = slashed + (f"?{req.raw_query}" if req.raw_query else "")
                res.error(301, f"Moved Permanently: {target}")
                res.headers.set("Location", target)
                return
            res.error(404, "404 page not found")
            return
        if req.method == "OPTIONS":
            # every route answers OPTIONS with 204 through its router's middleware, so CORS
            # can answer a preflight
            route = matched[0][0]
            outer = route.router.middleware if route.router is not None else route.middleware
            chain(outer, ex, lambda: res.set_status(204))
            return
        allowed = sorted({r.method for r, _ in matched if r.method} | {"OPTIONS"})
        res.error(405, "Method Not Allowed")
        res.headers.set("Allow", ", ".join(allowed))

    @staticmethod
    def _run(route: RouteSpec, params: dict[str, str], ex: Exchange) -> None:
        ex.request.params = params
        ex.request.endpoint = route.id
        if route.router is None:
            chain(route.middleware, ex, lambda: route.handle(ex))
            return
        router = route.router
        chain(router.middleware, ex,
              lambda: chain(router.post_middleware, ex, lambda: route.handle(ex)))


def hub_of(runtime: Any) -> HttpHub:
    """The runtime's HTTP hub (made on first use; one per runtime)."""
    hub = runtime.__dict__.get("http_hub")
    if hub is None:
        hub = runtime.__dict__["http_hub"] = HttpHub(runtime)
    return hub


def start_services(runtime: Any) -> list[str]:
    """Start the runtime's HTTP services (see `HttpHub.start`)."""
    return hub_of(runtime).start()
