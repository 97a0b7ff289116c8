"""The `http_client` module (Wippy's `en/lua/http/client.md`): outgoing HTTP from Lua.

`get/post/put/patch/delete/head(url, options?)` and `request(method, url, options?)` return a
response table (`status_code`, `body`, `body_size`, `headers`, `url`) or `nil, err`; an HTTP
error status is a response, not an error. `request_batch({{method, url, options?}, ...})`
sends them concurrently and returns `responses, nil`, or `responses, errors` (per index) when
some failed. Options: `headers`, `body`, `query`, `form`, `files` (a multipart/form-data
upload of `{name, filename, content, content_type?}` items, with `form`'s fields beside them),
`cookies`, `auth = {user, pass}`, `timeout` (seconds, or a Go duration string), `stream = true`
(the response's `stream` is a Stream over the body instead of `body`; its reads block the
calling Lua thread, where Wippy's yield). The other
documented options (`tls`, `unix_socket`, `overlay_network`,
`max_response_body`) are refused with INVALID rather than silently ignored.

Why this shape: the request blocks in `urllib.request` on a worker thread (the dispatcher's
shared async executor) while the calling coroutine is parked (`PENDING`); the completion is
posted back to the dispatcher thread, which builds the Lua table (Lua states are not
thread-safe). So many requests overlap instead of queueing, and other coroutines keep running.
The standard library suffices: one connection per request, no new dependency.

Errors, as Wippy documents them: a denied policy or a private address -> PERMISSION_DENIED; a
bad URL or option -> INVALID; network failure and timeout -> INTERNAL, retryable (the message
says "timeout"). Security: `http_client.request` on the URL; `http_client.private_ip` on the
address when the host is a literal private/loopback IP or `localhost` (names are not resolved
first, unlike Wippy's dialer check).
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import TYPE_CHECKING, Any

import lupa.lua54 as lupa

from ...errors import INTERNAL, INVALID, PERMISSION_DENIED, CallError
from ...scheduler.dispatcher import PENDING, current, executor
from ...security import current as current_context
from ..convert import ConversionError, to_lua, to_plain
from ._common import network_denied
from .errors import LuaErrorValue
from .stream import StreamSource, new_stream
from .time import DurationError, parse_go_duration

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

#: seconds, when the options give no `timeout` (Wippy's default is not documented)
DEFAULT_TIMEOUT = 30.0
_SUPPORTED = {"headers", "body", "query", "form", "files", "cookies", "auth", "timeout",
              "stream"}
_METHODS = ("get", "post", "put", "patch", "delete", "head")


class _NoRedirectErrors(urllib.request.HTTPErrorProcessor):
    """Hand 4xx/5xx responses back as responses (Wippy returns them with `status_code`)."""

    def http_response(self, request: Any, response: Any) -> Any:
        return response

    https_response = http_response


_OPENER = urllib.request.build_opener(_NoRedirectErrors)


class RequestError(Exception):
    def __init__(self, message: str, kind: str, retryable: bool | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.retryable = retryable


def _text(value: Any, what: str) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    raise RequestError(f"{what} must be a string", INVALID, False)


def _string_map(value: Any, what: str) -> dict[str, str]:
    try:
        plain = to_plain(value)
    except ConversionError as exc:
        raise RequestError(f"{what}: {exc}", INVALID, False) from None
    if plain in ({}, []):
        return {}
    if not isinstance(plain, dict):
        raise RequestError(f"{what} must be a table of strings", INVALID, False)
    return {str(k): _text(v, f"{what}.{k}") for k, v in plain.items()}


def _timeout(value: Any) -> float:
    if value is None:
        return DEFAULT_TIMEOUT
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, bytes):
        try:
            seconds = parse_go_duration(value.decode()) / 1e9
        except DurationError as exc:
            raise RequestError(f"invalid timeout: {exc}", INVALID, False) from None
    else:
        raise RequestError("timeout must be a number of seconds or a duration string",
                           INVALID, False)
    if seconds <= 0:
        raise RequestError("timeout must be positive", INVALID, False)
    return seconds


def _private_host(host: str) -> str | None:
    """The address to check for `http_client.private_ip`, or None for a public one."""
    if host.lower() == "localhost":
        return "127.0.0.1"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None
    return str(ip) if (ip.is_private or ip.is_loopback or ip.is_link_local) else None


def _files(value: Any) -> list[dict[str, Any]]:
    """The `files` option as checked items {name, filename, content (bytes), content_type}."""
    try:
        plain = to_plain(value)
    except ConversionError as exc:
        raise RequestError(f"files: {exc}", INVALID, False) from None
    if isinstance(plain, dict) and not plain:
        plain = []
    if not isinstance(plain, list):
        raise RequestError("files must be an array of {name=, filename=, content=}",
                           INVALID, False)
    items = []
    for i, item in enumerate(plain, 1):
        if not isinstance(item, dict):
            raise RequestError(f"files[{i}] must be a table", INVALID, False)
        for key in ("name", "filename"):
            if not isinstance(item.get(key), str) or not item[key]:
                raise RequestError(f"files[{i}].{key} is required", INVALID, False)
        content = item.get("content")
        if content is None:
            raise RequestError(f"files[{i}].content is required", INVALID, False)
        items.append({"name": item["name"], "filename": item["filename"],
                      "content": content if isinstance(content, bytes)
                      else _text(content, f"files[{i}].content").encode(),
                      "content_type": str(item.get("content_type")
                                          or "application/octet-stream")})
    return items


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "")


def _multipart(form: dict[str, str], files: list[dict[str, Any]]) -> tuple[bytes, str]:
    """A multipart/form-data body (RFC 7578) and its Content-Type."""
    boundary = "wippy-" + uuid.uuid4().hex
    out = bytearray()
    for name, value in form.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{_quote(name)}\""
                "\r\n\r\n").encode() + value.encode() + b"\r\n"
    for f in files:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; "
                f"name=\"{_quote(f['name'])}\"; filename=\"{_quote(f['filename'])}\"\r\n"
                f"Content-Type: {f['content_type']}\r\n\r\n").encode()
        out += f["content"] + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def prepare(runtime: LuaHost, method: str, url: str, options: Any) -> tuple[Any, float]:
    """Validate and build the request on the dispatcher thread (the security context is
    there); RequestError names what is wrong."""
    opts: dict[str, Any] = {}
    if options is not None:
        try:
            keys = list(options.keys())
        except AttributeError:
            raise RequestError("options must be a table", INVALID, False) from None
        for key in keys:
            name = _text(key, "option name")
            if name == "overlay_network":  # judged first, as Wippy does, then unsupported
                denied = network_denied(runtime.security, to_plain(options[key]))
                if denied is not None:
                    raise RequestError(denied, PERMISSION_DENIED, False)
            if name not in _SUPPORTED:
                raise RequestError(f"option {name!r} is not supported by this runtime",
                                   INVALID, False)
            opts[name] = options[key]
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RequestError(f"invalid URL {url!r} (need http:// or https:// and a host)",
                           INVALID, False)
    if not method or not method.replace("-", "").isalpha():
        raise RequestError(f"invalid method {method!r}", INVALID, False)
    security = runtime.security
    if not security.allowed("http_client.request", url):
        raise RequestError(security.denial("http_client.request", url, current_context()),
                           PERMISSION_DENIED, False)
    private = _private_host(parts.hostname)
    if private is not None and not security.allowed("http_client.private_ip", private):
        raise RequestError(f"not allowed: private IP {private}", PERMISSION_DENIED, False)
    if "query" in opts:
        query = urllib.parse.urlencode(_string_map(opts["query"], "query"))
        joined = f"{parts.query}&{query}" if parts.query else query
        url = urllib.parse.urlunsplit(parts._replace(query=joined))
    headers = _string_map(opts["headers"], "headers") if "headers" in opts else {}
    body: bytes | None = None
    if "body" in opts and opts["body"] is not None:
        raw = opts["body"]
        body = raw if isinstance(raw, bytes) else _text(raw, "body").encode()
    if "files" in opts and opts["files"] is not None:
        if body is not None:
            raise RequestError("body and files are exclusive", INVALID, False)
        form = _string_map(opts["form"], "form") if "form" in opts else {}
        body, content_type = _multipart(form, _files(opts["files"]))
        headers["Content-Type"] = content_type
    elif "form" in opts:
        if body is not None:
            raise RequestError("body and form are exclusive", INVALID, False)
        body = urllib.parse.urlencode(_string_map(opts["form"], "form")).encode()
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    if "cookies" in opts:
        cookies = _string_map(opts["cookies"], "cookies")
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if "auth" in opts:
        auth = _string_map(opts["auth"], "auth")
        token = base64.b64encode(f"{auth.get('user', '')}:{auth.get('pass', '')}".encode())
        headers["Authorization"] = "Basic " + token.decode()
    req = urllib.request.Request(url, data=body, headers=headers, method=method.upper())
    if opts.get("stream"):
        req.wippy_stream = True  # type: ignore[attr-defined]
    ctx = current_context()
    network = getattr(ctx, "network", None) if ctx is not None else None
    if network:
        # an inherited overlay (`with_options{network=}` up the chain) always applies: the
        # caller chose it, so no per-request permission gate, and never a silent clearnet
        req.wippy_proxy = _overlay(runtime, network)  # type: ignore[attr-defined]
    return req, _timeout(opts.get("timeout"))


def _overlay(runtime: LuaHost, network: str) -> tuple[str, int]:
    """The SOCKS5 proxy (host, port) of the overlay network entry `network`."""
    built = runtime.built.get(network)
    if built is None:
        raise RequestError(f"overlay network {network} not found", INVALID, False)
    entry = built.entry
    if entry.kind != "network.socks5":
        raise RequestError(f"overlay network {network} is a {entry.kind}; only "
                           "network.socks5 is supported by this runtime", INVALID, False)
    host, port = entry.data.get("host"), entry.data.get("port")
    if not isinstance(host, str) or not host or isinstance(port, bool) \
            or not isinstance(port, int):
        raise RequestError(f"overlay network {network} needs host and port", INVALID, False)
    return host, port


def _socks5_connect(proxy: tuple[str, int], host: str, port: int, timeout: Any) -> socket.socket:
    """A socket to host:port through a SOCKS5 proxy (RFC 1928, no authentication, the proxy
    resolves the name)."""
    sock = socket.create_connection(proxy, timeout)
    try:
        sock.sendall(b"\x05\x01\x00")
        if sock.recv(2) != b"\x05\x00":
            raise OSError(f"SOCKS5 proxy {proxy[0]}:{proxy[1]} refused the handshake")
        name = host.encode("idna")
        sock.sendall(b"\x05\x01\x00\x03" + bytes([len(name)]) + name + port.to_bytes(2, "big"))
        reply = sock.recv(4)
        if len(reply) < 4 or reply[1] != 0:
            code = reply[1] if len(reply) > 1 else -1
            raise OSError(f"SOCKS5 proxy {proxy[0]}:{proxy[1]} could not connect to "
                          f"{host}:{port} (reply {code})")
        skip = {1: 4, 4: 16}.get(reply[3])
        if skip is None:
            skip = sock.recv(1)[0]
        sock.recv(skip + 2)
        return sock
    except BaseException:
        sock.close()
        raise


def _socks_opener(proxy: tuple[str, int]) -> Any:
    class Socks:
        def connect(self: Any) -> None:
            self.sock = _socks5_connect(proxy, self.host, self.port, self.timeout)

    class SocksHTTP(Socks, http.client.HTTPConnection):
        pass

    class SocksHTTPS(http.client.HTTPSConnection):
        def connect(self: Any) -> None:
            raw = _socks5_connect(proxy, self.host, self.port, self.timeout)
            self.sock = ssl.create_default_context().wrap_socket(raw, server_hostname=self.host)

    class Handler(urllib.request.HTTPHandler, urllib.request.HTTPSHandler):
        def http_open(self, req: Any) -> Any:
            return self.do_open(SocksHTTP, req)

        def https_open(self, req: Any) -> Any:
            return self.do_open(SocksHTTPS, req)

    return urllib.request.build_opener(_NoRedirectErrors, Handler)


def _headers(resp: Any) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in resp.headers.items():
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def perform(req: Any, timeout: float) -> dict[str, Any]:
    """The blocking part, on a worker thread: the response as plain data."""
    proxy = getattr(req, "wippy_proxy", None)
    opener = _OPENER if proxy is None else _socks_opener(proxy)
    try:
        if getattr(req, "wippy_stream", False):
            resp = opener.open(req, timeout=timeout)  # the Stream closes it
            return {"status_code": resp.status, "headers": _headers(resp), "url": resp.geturl(),
                    "stream": resp}
        with opener.open(req, timeout=timeout) as resp:
            data = resp.read() if req.get_method() != "HEAD" else b""
            return {"status_code": resp.status, "body": data, "body_size": len(data),
                    "headers": _headers(resp), "url": resp.geturl()}
    except TimeoutError as exc:
        raise RequestError(f"request to {req.full_url} failed: timeout after {timeout:g}s "
                           f"({exc})", INTERNAL, True) from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            raise RequestError(f"request to {req.full_url} failed: timeout after "
                               f"{timeout:g}s", INTERNAL, True) from None
        raise RequestError(f"request to {req.full_url} failed: {exc.reason}",
                           INTERNAL, True) from None
    except (OSError, ValueError) as exc:  # reset connections, malformed responses
        raise RequestError(f"request to {req.full_url} failed: {exc}", INTERNAL, True) from None


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua

    def fail(exc: RequestError) -> tuple[None, LuaErrorValue]:
        return None, LuaErrorValue(str(exc), exc.kind, retryable=exc.retryable)

    def request(method: Any, url: Any, options: Any = None) -> Any:
        try:
            req, timeout = prepare(runtime, _text(method, "method"), _text(url, "url"),
                                   options)
        except RequestError as exc:
            return fail(exc)
        disp, task = current(state)
        disp.inflight += 1  # the dispatcher is busy while a request is out

        def done(value: Any, exc: RequestError | None) -> None:
            disp.inflight -= 1
            if exc is not None:
                disp.resume(task, fail(exc))
                return
            body = value.pop("stream", None)
            table = to_lua(lua, value)
            if body is not None:
                size = int(body.headers.get("Content-Length") or -1)
                table[b"stream"] = new_stream(state, StreamSource(
                    body.read, size, close=body.close, name=f"response {req.full_url}"))
            disp.resume(task, (table, None))

        def job() -> None:
            try:
                value = perform(req, timeout)
            except RequestError as exc:
                failure = exc
                disp.post(lambda: done(None, failure))
                return
            except BaseException as exc:  # noqa: BLE001 - every failure goes back to Lua
                failure = RequestError(f"request to {req.full_url} failed: {exc}", INTERNAL)
                disp.post(lambda: done(None, failure))
                return
            disp.post(lambda: done(value, None))

        executor().submit(job)
        return PENDING

    def request_batch(requests: Any = None, *_: Any) -> Any:
        """All requests at once on worker threads; resumes when the last one is done with
        `responses, nil` or `responses, errors` (index i: a response or an error value).
        A malformed or denied request fails the whole batch before anything is sent."""
        if lupa.lua_type(requests) != "table":
            raise CallError("bad argument #1 to 'request_batch' (table expected)", kind=INVALID)
        items = [requests[i] for i in range(1, len(requests) + 1)]
        if not items:
            raise CallError("bad argument #1 to 'request_batch' (requests table cannot be "
                            "empty)", kind=INVALID)
        prepared = []
        for n, item in enumerate(items, 1):
            if lupa.lua_type(item) != "table":
                return fail(RequestError(f"request {n}: each request must be a table",
                                         INVALID, False))
            method, url, options = item[1], item[2], item[3]
            if not isinstance(method, bytes):
                return fail(RequestError(f"request {n}: method must be a string", INVALID,
                                         False))
            if not isinstance(url, bytes):
                return fail(RequestError(f"request {n}: URL must be a string", INVALID, False))
            if options is not None and lupa.lua_type(options) == "table" and options[b"stream"]:
                return fail(RequestError("streaming not supported in batch requests", INVALID,
                                         False))
            try:
                prepared.append(prepare(runtime, _text(method, "method"), _text(url, "url"),
                                        options))
            except RequestError as exc:
                return fail(RequestError(f"request {n}: {exc}", exc.kind, exc.retryable))
        disp, task = current(state)
        disp.inflight += 1
        outcomes: list[Any] = [None] * len(prepared)
        left = [len(prepared)]

        def finished() -> None:
            disp.inflight -= 1
            responses, errors = lua.table(), lua.table()
            failed = False
            for i, (value, exc) in enumerate(outcomes, 1):
                if exc is not None:
                    failed = True
                    errors[i] = LuaErrorValue(str(exc), INTERNAL, retryable=True)
                else:
                    responses[i] = to_lua(lua, value)
            disp.resume(task, (responses, errors if failed else None))

        def one(i: int, req: Any, timeout: float) -> None:
            try:
                outcome: tuple[Any, Any] = (perform(req, timeout), None)
            except BaseException as exc:  # noqa: BLE001 - reported in the errors table
                outcome = (None, exc)

            def record() -> None:
                outcomes[i] = outcome
                left[0] -= 1
                if left[0] == 0:
                    finished()
            disp.post(record)

        pool = executor()
        for i, (req, timeout) in enumerate(prepared):
            pool.submit(one, i, req, timeout)
        return PENDING

    wrap = state.async_glue[b"wrap"]
    module = lua.table()
    module[b"request"] = wrap(request)
    module[b"request_batch"] = wrap(request_batch)
    def verb(method: bytes) -> Any:
        return lambda url=None, options=None, *_: request(method, url, options)

    for name in _METHODS:
        module[name.encode()] = wrap(verb(name.upper().encode()))
    module[b"encode_uri"] = lambda s: urllib.parse.quote_plus(_text(s, "string")).encode()

    def decode_uri(s: Any) -> Any:
        try:
            return urllib.parse.unquote_plus(_text(s, "string"), errors="strict").encode(), None
        except (UnicodeDecodeError, RequestError) as exc:
            return None, LuaErrorValue(f"invalid encoding: {exc}", INVALID, retryable=False)

    module[b"decode_uri"] = decode_uri
    state.bind("http_client", module)
