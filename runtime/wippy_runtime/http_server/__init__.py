"""The HTTP server side of the runtime: route patterns (`routes`), one request and its
response (`exchange`), middleware by name (`middleware`), the listening socket (`server`), the
per-runtime table of services, routers and routes and how a request finds its handler (`hub`),
and an endpoint's call through the call pipeline (`calling`). The `http.*` entry kinds
(kinds/http_*.py) register here; the `http` Lua module reads the exchange."""
