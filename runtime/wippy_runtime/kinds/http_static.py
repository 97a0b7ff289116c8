"""`http.static`: the files of an `fs.directory` (`fs:`) served under `path` on an
`http.service` (`meta.server`), GET and HEAD only.

A request path is resolved inside the directory and never outside it (`..` and symlinks out
answer 404). A directory serves its `index.html`; `static_options.spa: true` serves
`static_options.index` for every path that names no file (client-side routing);
`static_options.cache` sets Cache-Control; `middleware` with `options` run first, as on a
router.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ValidationError
from ..http_server.exchange import Exchange
from ..http_server.hub import RouteSpec, hub_of
from ..http_server.routes import PatternError, parse_pattern
from ..registry import Entry
from .base import BuildContext, EntryInfo, Resource, warn_unknown_fields
from .http_router import middleware_list, server_ref, string_map

_KNOWN = {"server", "fs", "path", "directory", "static_options", "middleware", "options",
          "lifecycle"}
_CHUNK = 1 << 16


class HttpStatic(Resource):
    kind = "http.static"

    def __init__(self, entry: Entry, spec: RouteSpec, root: Path, hub: Any) -> None:
        super().__init__(entry)
        self.spec = spec
        self.root = root
        self._hub = hub

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry.id, self.kind, detail={
            "server": self.spec.server_id, "path": self.spec.pattern.text,
            "directory": str(self.root)})

    def retire(self) -> None:
        self._hub.discard(self._hub.routes, self.spec)


def _inside(root: Path, rel: str) -> Path | None:
    target = (root / rel.lstrip("/")).resolve()
    if target != root and root not in target.parents:
        return None
    return target


def _serve_file(ex: Exchange, target: Path, cache: str) -> None:
    import mimetypes  # reads the system's type tables: only when a file is served

    res = ex.response
    ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if ctype.startswith("text/") or ctype in ("application/javascript", "application/json"):
        ctype += "; charset=utf-8"
    res.set_header("Content-Type", ctype)
    if cache:
        res.set_header("Cache-Control", cache)
    with target.open("rb") as f:
        while chunk := f.read(_CHUNK):
            res.write(chunk)
    if target.stat().st_size == 0:
        res.write(b"")


def static_handler(root: Path, prefix: str, index: str, spa: bool, cache: str) -> Any:
    def handle(ex: Exchange) -> None:
        req, res = ex.request, ex.response
        if req.method not in ("GET", "HEAD"):
            res.error(405, "Method Not Allowed")
            res.headers.set("Allow", "GET, HEAD")
            return
        rel = req.path[len(prefix.rstrip("/")):] if prefix != "/" else req.path
        target = _inside(root, rel)
        if target is not None and target.is_dir():
            target = target / (index or "index.html")
        if target is not None and target.is_file():
            _serve_file(ex, target, cache)
            return
        if spa and index:
            fallback = _inside(root, index)
            if fallback is not None and fallback.is_file():
                _serve_file(ex, fallback, cache)
                return
            res.error(500, "index file not found")
            return
        res.error(404, "404 page not found")
    return handle


def build_http_static(entry: Entry, ctx: BuildContext) -> HttpStatic:
    warn_unknown_fields(entry, _KNOWN, ctx.runtime)
    ref = server_ref(entry)
    if not ref or not isinstance(ref, str):
        raise entry.error(ValidationError, "meta.server is required (the http.service "
                          "serving these files)", "meta")
    server = ctx.resolve(entry, ref, "http.service")
    fs_ref = entry.data.get("fs")
    if not fs_ref or not isinstance(fs_ref, str):
        raise entry.error(ValidationError, "fs is required (an fs.directory entry)", "fs")
    fs = ctx.resolve(entry, fs_ref, "fs.directory")
    root: Path = fs.root
    directory = entry.data.get("directory")
    if directory:
        sub = _inside(root, str(directory))
        if sub is None or not sub.is_dir():
            raise entry.error(ValidationError, f"directory {directory!r} is not a directory "
                              f"inside {fs.entry.id}", "directory")
        root = sub
    path = entry.data.get("path", "/") or "/"
    try:
        pattern = parse_pattern(path if path.endswith("/") else path + "/")
    except (PatternError, AttributeError) as exc:
        raise entry.error(ValidationError, str(exc), "path") from None
    if pattern.params:
        raise entry.error(ValidationError, f"path {path!r} cannot hold wildcards", "path")
    opts = entry.data.get("static_options") or {}
    if not isinstance(opts, dict):
        raise entry.error(ValidationError, "static_options must be a map", "static_options")
    index = str(opts.get("index") or "")
    spa = opts.get("spa", False) is True
    if spa and not index:
        raise entry.error(ValidationError, "static_options.spa needs static_options.index",
                          "static_options")
    middleware = middleware_list(entry, "middleware", string_map(entry, "options"),
                                 ctx.runtime)
    spec = RouteSpec(entry.id, "", pattern,
                     static_handler(root, path, index, spa, str(opts.get("cache") or "")),
                     server_id=server.entry.id, middleware=middleware)
    hub = hub_of(ctx.runtime)
    hub.add(hub.routes, spec)
    return HttpStatic(entry, spec, root, hub)
