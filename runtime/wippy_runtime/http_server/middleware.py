"""Router middleware by name, with Wippy's option keys: `cors`, `token_auth`,
`endpoint_firewall`.

A middleware is `fn(exchange, next)`: it may answer the request itself (a CORS preflight, a
401) or add to the response and call `next()` to go on. A router's `middleware` runs before the
route's endpoint is known, its `post_middleware` after (where `endpoint_firewall` can judge the
matched endpoint). Options are the router's `options` map; each middleware reads its own keys
(`cors.allow.origins`, ...) and the older unprefixed spellings Wippy still accepts
(`allow_origins`, `token_store`, ...). A name this runtime does not implement is reported by
`make` so the router can warn and go on without it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from http.cookies import CookieError, SimpleCookie
from typing import Any

from ..security.policy import ALLOW
from .exchange import Exchange

Next = Callable[[], None]
Middleware = Callable[[Exchange, Next], None]


def _option(options: Mapping[str, str], key: str, legacy: str, default: str = "") -> str:
    value = options.get(key)
    if value is None:
        value = options.get(legacy)
    return value if value else default


def _origin_allowed(origin: str, allowed: list[str]) -> bool:
    for rule in allowed:
        if rule in ("*", origin):
            return True
        if rule.startswith("*.") and origin.endswith(rule[1:]) and len(origin) > len(rule) - 1:
            return True
        if rule == "localhost" and (origin in ("http://localhost", "https://localhost")
                                    or origin.startswith(("http://localhost:",
                                                          "https://localhost:"))):
            return True
    return False


def cors(options: Mapping[str, str], runtime: Any) -> Middleware:
    """CORS: answer preflights (204 with the allowed methods, headers and max age) for an
    allowed origin, and add Access-Control-Allow-Origin (the origin itself) and Vary to
    actual requests from one. A disallowed origin gets no CORS headers; the request itself
    still proceeds (the browser enforces)."""
    origins_text = _option(options, "cors.allow.origins", "allow_origins", "*")
    methods = _option(options, "cors.allow.methods", "allow_methods",
                      "GET,POST,PUT,DELETE,OPTIONS,PATCH")
    headers = _option(options, "cors.allow.headers", "allow_headers",
                      "Origin,Content-Type,Accept,Authorization,X-Requested-With")
    expose = _option(options, "cors.expose.headers", "expose_headers")
    credentials = _option(options, "cors.allow.credentials", "allow_credentials") == "true"
    max_age = _option(options, "cors.max.age", "max_age", "86400")
    private = _option(options, "cors.allow.private.network", "allow_private_network") == "true"
    origins = [o.strip() for o in origins_text.split(",") if o.strip()]
    check = origins_text != "*"

    def common(res: Any, origin: str) -> None:
        res.headers.set("Access-Control-Allow-Origin", origin)
        if credentials:
            res.headers.set("Access-Control-Allow-Credentials", "true")
        if private:
            res.headers.set("Access-Control-Allow-Private-Network", "true")

    def run(ex: Exchange, nxt: Next) -> None:
        req, res = ex.request, ex.response
        origin = req.headers.get("Origin") or ""
        allowed = bool(origin) and (not check or _origin_allowed(origin, origins))
        if req.method == "OPTIONS" and req.headers.get("Access-Control-Request-Method"):
            if not allowed:
                nxt()
                return
            common(res, origin)
            res.headers.set("Access-Control-Allow-Methods", methods)
            if headers:
                res.headers.set("Access-Control-Allow-Headers", headers)
            if max_age:
                res.headers.set("Access-Control-Max-Age", max_age)
            res.headers.set("Vary", "Origin, Access-Control-Request-Method, "
                                    "Access-Control-Request-Headers")
            res.set_status(204)
            return
        if allowed:
            common(res, origin)
            if expose:
                res.headers.set("Access-Control-Expose-Headers", expose)
            res.headers.set("Vary", "Origin")
        nxt()

    return run


def _token_from(ex: Exchange, header: str, prefix: str, query: str, cookie: str) -> str:
    req = ex.request
    value = req.headers.get(header) if header else None
    if value:
        if prefix and value.startswith(prefix):
            return value[len(prefix):]
        if not prefix:
            return value
    if query:
        token = req.query_value(query)
        if token:
            return token
    if cookie and req.headers.get("Cookie"):
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(req.headers.get("Cookie") or "")
        except CookieError:
            return ""
        if cookie in jar and jar[cookie].value:
            return jar[cookie].value
    return ""


def token_auth(options: Mapping[str, str], runtime: Any) -> Middleware:
    """Authenticate by token: from the `Authorization: Bearer ...` header, else the
    `x-auth-token` query parameter, else the `x-auth-token` cookie. A token the store
    validates makes its actor and scope the function's; a missing or bad token changes
    nothing (an endpoint or `endpoint_firewall` decides what an anonymous caller gets)."""
    store_id = _option(options, "token_auth.store", "token_store")
    header = _option(options, "token_auth.header.name", "header_name", "Authorization")
    prefix = _option(options, "token_auth.header.prefix", "header_prefix", "Bearer ")
    query = _option(options, "token_auth.query.param", "query_param", "x-auth-token")
    cookie = _option(options, "token_auth.cookie.name", "cookie_name", "x-auth-token")

    def run(ex: Exchange, nxt: Next) -> None:
        token = _token_from(ex, header, prefix, query, cookie)
        if token and store_id:
            store = runtime.built.get(store_id)
            validate = getattr(store, "validate", None)
            if validate is not None:
                found = validate(token)
                if found is not None:
                    ex.actor, ex.scope = found
            else:
                runtime.warn(f"token_auth: {store_id} is not a security.token_store "
                             "(token ignored)")
        nxt()

    return run


def _json_error(ex: Exchange, status: int, error: str, details: str) -> None:
    res = ex.response
    res.set_header("Content-Type", "application/json")
    res.set_status(status)
    res.write(json.dumps({"success": False, "error": error, "details": details}).encode()
              + b"\n")


def endpoint_firewall(options: Mapping[str, str], runtime: Any) -> Middleware:
    """Let a request through only when its actor's scope allows `access` (or the
    `endpoint_firewall.action` option) on the matched endpoint's id: 401 without an actor,
    403 without a scope or when denied. Meant as post-middleware, where the endpoint is
    known; as plain middleware it answers 500 saying so."""
    action = _option(options, "endpoint_firewall.action", "endpoint_action", "access")

    def run(ex: Exchange, nxt: Next) -> None:
        actor, scope = ex.actor, ex.scope
        if actor is None or not getattr(actor, "id", ""):
            _json_error(ex, 401, "Authentication required",
                        "You must be authenticated to access this endpoint")
            return
        if scope is None:
            _json_error(ex, 403, "Access denied", "No authorization scope available")
            return
        if ex.request.endpoint is None:
            _json_error(ex, 500, "Configuration error",
                        "endpoint_firewall middleware must be configured as post-middleware")
            return
        if scope.evaluate(actor, action, ex.request.endpoint) != ALLOW:
            _json_error(ex, 403, "Access denied",
                        "You don't have permission to access this endpoint")
            return
        nxt()

    return run


FACTORIES: dict[str, Callable[[Mapping[str, str], Any], Middleware]] = {
    "cors": cors,
    "token_auth": token_auth,
    "endpoint_firewall": endpoint_firewall,
}


def make(name: str, options: Mapping[str, str], runtime: Any) -> Middleware | None:
    """The middleware `name` configured by `options`, or None if it is not implemented."""
    factory = FACTORIES.get(name)
    return factory(options, runtime) if factory is not None else None


def chain(middleware: list[Middleware], ex: Exchange, final: Callable[[], None]) -> None:
    """Run `middleware` in order around `final`."""
    def step(i: int) -> None:
        if i == len(middleware):
            final()
        else:
            middleware[i](ex, lambda: step(i + 1))
    step(0)
