"""The `http` module: the request and response of the HTTP call a function is answering
(`http.request()`, `http.response()`), and Wippy's constants (`http.STATUS.OK`, ...).

The exchange comes from the execution context the endpoint called the function in; outside an
HTTP call both functions return `nil, err` (INTERNAL "no HTTP request context"). Request
methods return `value, nil` (or `nil, err`); response methods return `nil` on success or an
error value: INVALID once the headers are sent (the first write sends them: a later
`set_status` or `set_header` fails), INTERNAL when the connection broke. The body is read
once, by `body()`, `body_json()`, `stream()` or `parse_multipart()`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ...errors import INTERNAL, INVALID
from ...http_server.exchange import DEFAULT_MAX_BODY, Exchange, ExchangeError
from ...security import current
from ..convert import ConversionError, to_lua, to_plain
from ..objects import error_value, fail, lua_class
from ._common import build
from .json import _jsonable
from .stream import StreamSource, bytes_source, new_stream

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

METHOD = {m: m for m in ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")}
STATUS = {
    "OK": 200, "CREATED": 201, "ACCEPTED": 202, "NO_CONTENT": 204, "PARTIAL_CONTENT": 206,
    "MOVED_PERMANENTLY": 301, "FOUND": 302, "SEE_OTHER": 303, "NOT_MODIFIED": 304,
    "TEMPORARY_REDIRECT": 307, "PERMANENT_REDIRECT": 308, "BAD_REQUEST": 400,
    "UNAUTHORIZED": 401, "PAYMENT_REQUIRED": 402, "FORBIDDEN": 403, "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405, "NOT_ACCEPTABLE": 406, "CONFLICT": 409, "GONE": 410,
    "UNPROCESSABLE": 422, "TOO_MANY_REQUESTS": 429, "INTERNAL_ERROR": 500,
    "NOT_IMPLEMENTED": 501, "BAD_GATEWAY": 502, "SERVICE_UNAVAILABLE": 503,
    "GATEWAY_TIMEOUT": 504, "VERSION_NOT_SUPPORTED": 505,
}
CONTENT = {"JSON": "application/json", "FORM": "application/x-www-form-urlencoded",
           "MULTIPART": "multipart/form-data", "TEXT": "text/plain",
           "STREAM": "application/octet-stream"}
TRANSFER = {"CHUNKED": "chunked", "SSE": "sse"}
ERROR = {k: k for k in ("PARSE_FAILED", "INVALID_STATE", "WRITE_FAILED", "STREAM_ERROR")}
#: Wippy's default `max_memory` of `parse_multipart` (bytes)
MULTIPART_MAX = 33554432


class RequestHandle:
    __slots__ = ("ex", "max_body")

    def __init__(self, ex: Exchange, max_body: int) -> None:
        self.ex = ex
        self.max_body = max_body


class UploadedFile:
    __slots__ = ("name", "data", "headers")

    def __init__(self, name: str, data: bytes, headers: dict[str, str]) -> None:
        self.name = name
        self.data = data
        self.headers = headers


def _exchange() -> Exchange | None:
    ctx = current()
    request = getattr(ctx, "request", None) if ctx is not None else None
    return request if isinstance(request, Exchange) else None


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _b(text: str | None) -> bytes | None:
    return None if text is None else text.encode("utf-8", "surrogateescape")


def _json_bytes(value: Any) -> bytes:
    return json.dumps(_jsonable(to_plain(value)), ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def _parse_multipart(content_type: str, body: bytes) -> tuple[dict, dict]:
    """(files, values) of a multipart/form-data body, parsed by the stdlib email parser
    (imported here: only uploads need it)."""
    import email.parser
    import email.policy

    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ValueError("body is not a multipart message")
    files: dict[str, list[UploadedFile]] = {}
    values: dict[str, list[str]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        raw = part.get_payload(decode=True)
        payload = raw if isinstance(raw, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            headers = {k: str(v) for k, v in part.items()}
            files.setdefault(str(name), []).append(UploadedFile(filename, payload, headers))
        else:
            charset = part.get_content_charset() or "utf-8"
            values.setdefault(str(name), []).append(payload.decode(charset, "replace"))
    return files, values


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua

    def no_context(what: str) -> tuple[Any, Any]:
        return fail(f"http.{what}: no HTTP request context (the function is not answering "
                    "an HTTP request)", INTERNAL)

    # -- the request -------------------------------------------------------------------
    def r_method(h: RequestHandle, *_: Any) -> Any:
        return h.ex.request.method.encode(), None

    def r_path(h: RequestHandle, *_: Any) -> Any:
        return _b(h.ex.request.path), None

    def r_query(h: RequestHandle, key: Any = None, *_: Any) -> Any:
        name = _text(key)
        if name is None:
            return fail("request:query: key must be a string", INVALID)
        return _b(h.ex.request.query_value(name)), None

    def r_query_params(h: RequestHandle, *_: Any) -> Any:
        merged: dict[str, list[str]] = {}
        for k, v in h.ex.request.query:
            merged.setdefault(k, []).append(v)
        return to_lua(lua, {k: ",".join(v) for k, v in merged.items()}), None

    def r_header(h: RequestHandle, name: Any = None, *_: Any) -> Any:
        text = _text(name)
        if text is None:
            return fail("request:header: name must be a string", INVALID)
        return _b(h.ex.request.header(text)), None

    def r_content_type(h: RequestHandle, *_: Any) -> Any:
        return _b(h.ex.request.headers.get("Content-Type")), None

    def r_content_length(h: RequestHandle, *_: Any) -> Any:
        return h.ex.request.content_length, None

    def r_host(h: RequestHandle, *_: Any) -> Any:
        return _b(h.ex.request.host), None

    def r_remote_addr(h: RequestHandle, *_: Any) -> Any:
        return _b(h.ex.request.remote_addr), None

    def r_has_body(h: RequestHandle, *_: Any) -> Any:
        req = h.ex.request
        return req.content_length > 0 or req.chunked, None

    def take_body(h: RequestHandle, what: str) -> tuple[bytes | None, Any]:
        req = h.ex.request
        if req.consumed:
            return None, error_value(f"request:{what}: the body was already read", INVALID)
        if req.content_length == 0 and not req.chunked:
            return None, error_value(f"request:{what}: no body", INVALID)
        req.consumed = True
        try:
            return req.read_all(h.max_body), None
        except ExchangeError as exc:
            return None, error_value(f"request:{what}: {exc}", INVALID)
        except OSError as exc:
            return None, error_value(f"request:{what}: read failed: {exc}", INTERNAL)

    def r_body(h: RequestHandle, *_: Any) -> Any:
        data, err = take_body(h, "body")
        return (data, None) if err is None else (None, err)

    def r_body_json(h: RequestHandle, *_: Any) -> Any:
        data, err = take_body(h, "body_json")
        if err is not None:
            return None, err
        try:
            return to_lua(lua, json.loads(data or b"")), None
        except (ValueError, RecursionError) as exc:
            return fail(f"request:body_json: invalid JSON: {exc}", INVALID)

    def r_accepts(h: RequestHandle, content_type: Any = None, *_: Any) -> Any:
        wanted = _text(content_type)
        if wanted is None:
            return fail("request:accepts: content_type must be a string", INVALID)
        accept = h.ex.request.header("Accept") or ""
        return wanted in accept or "*/*" in accept, None

    def r_is_content_type(h: RequestHandle, expected: Any = None, *_: Any) -> Any:
        wanted = _text(expected)
        if wanted is None:
            return fail("request:is_content_type: expected must be a string", INVALID)
        return (h.ex.request.headers.get("Content-Type") or "").startswith(wanted), None

    def r_param(h: RequestHandle, name: Any = None, *_: Any) -> Any:
        params = h.ex.request.params
        if params is None:
            return fail("request:param: no route parameters", INTERNAL)
        text = _text(name)
        if text is None:
            return fail("request:param: name must be a string", INVALID)
        return _b(params.get(text)), None

    def r_params(h: RequestHandle, *_: Any) -> Any:
        params = h.ex.request.params
        if params is None:
            return fail("request:params: no route parameters", INTERNAL)
        return to_lua(lua, dict(params)), None

    def r_stream(h: RequestHandle, *_: Any) -> Any:
        req = h.ex.request
        if req.content_length == 0 and not req.chunked:
            return fail("request:stream: no body", INVALID)
        if req.consumed:
            return fail("request:stream: the body was already read", INVALID)
        req.consumed = True
        return new_stream(state, StreamSource(req.read, req.content_length,
                                              name="request body")), None

    def r_parse_multipart(h: RequestHandle, max_memory: Any = None, *_: Any) -> Any:
        ctype = h.ex.request.headers.get("Content-Type") or ""
        if not ctype.lower().startswith("multipart/form-data"):
            return fail("request:parse_multipart: request is not multipart/form-data",
                        INVALID)
        limit = MULTIPART_MAX
        if isinstance(max_memory, int) and not isinstance(max_memory, bool) and max_memory > 0:
            limit = max(max_memory, h.max_body)
        data, err = take_body(h, "parse_multipart")
        if err is not None:
            return None, err
        if len(data or b"") > max(limit, h.max_body):
            return fail("request:parse_multipart: body too large", INVALID)
        try:
            files, values = _parse_multipart(ctype, data or b"")
        except (ValueError, TypeError) as exc:
            return fail(f"request:parse_multipart: parse failed: {exc}", INTERNAL)
        form = lua.table()
        ftable = lua.table()
        for name, items in files.items():
            ftable[name.encode()] = lua.table_from([file_cls.new(f) for f in items])
        vtable = lua.table()
        for name, texts in values.items():
            vtable[name.encode()] = (texts[0].encode() if len(texts) == 1
                                     else lua.table_from([t.encode() for t in texts]))
        form[b"files"] = ftable
        form[b"values"] = vtable
        return form, None

    request_cls = lua_class(state, "http.Request", {
        "method": r_method, "path": r_path, "query": r_query, "query_params": r_query_params,
        "header": r_header, "content_type": r_content_type,
        "content_length": r_content_length, "host": r_host, "remote_addr": r_remote_addr,
        "body": r_body, "body_json": r_body_json, "has_body": r_has_body,
        "accepts": r_accepts, "is_content_type": r_is_content_type, "param": r_param,
        "params": r_params, "stream": r_stream, "parse_multipart": r_parse_multipart,
    }, lambda h: f"Request({h.ex.request.method} {h.ex.request.path})")

    # -- uploaded files ----------------------------------------------------------------
    file_cls = lua_class(state, "http.MultipartFile", {
        "name": lambda f, *_: (f.name.encode("utf-8", "surrogateescape"), None),
        "size": lambda f, *_: (len(f.data), None),
        "header": lambda f, name=None, *_: _b(next(
            (v for k, v in f.headers.items() if k.lower() == (_text(name) or "").lower()),
            None)),
        "stream": lambda f, *_: (new_stream(state, bytes_source(f.data, f.name)), None),
    }, lambda f: f"MultipartFile({f.name})")

    # -- the response --------------------------------------------------------------------
    def guarded(what: str, fn: Any) -> Any:
        """A response method: nil on success, INVALID for a state error, INTERNAL for a
        broken connection."""
        def method(ex: Exchange, *args: Any) -> Any:
            try:
                fn(ex, *args)
            except ExchangeError as exc:
                return error_value(f"response:{what}: {exc}", exc.kind or INVALID)
            except OSError as exc:
                return error_value(f"response:{what}: write failed: {exc}", INTERNAL)
            return None
        return method

    def need_text(what: str, value: Any, name: str) -> str:
        text = _text(value)
        if text is None:
            raise ExchangeError(f"{name} must be a string", INVALID)
        return text

    def s_status(ex: Exchange, code: Any = None, *_: Any) -> None:
        if isinstance(code, bool) or not isinstance(code, (int, float)) or code != int(code):
            raise ExchangeError("status code must be an integer", INVALID)
        ex.response.set_status(int(code))

    def s_header(ex: Exchange, name: Any = None, value: Any = None, *_: Any) -> None:
        ex.response.set_header(need_text("set_header", name, "name"),
                               need_text("set_header", value, "value"))

    def s_content_type(ex: Exchange, value: Any = None, *_: Any) -> None:
        ex.response.set_header("Content-Type", need_text("set_content_type", value,
                                                         "content_type"))

    def s_write(ex: Exchange, data: Any = None, *_: Any) -> None:
        if isinstance(data, bytes):
            ex.response.write(data)
        else:
            ex.response.write(need_text("write", data, "data").encode())

    def s_write_json(ex: Exchange, value: Any = None, *_: Any) -> None:
        try:
            data = _json_bytes(value)
        except (ValueError, TypeError, ConversionError, RecursionError) as exc:
            raise ExchangeError(f"JSON encoding failed: {exc}", INVALID) from None
        res = ex.response
        if not res.committed and "Content-Type" not in res.headers:
            res.headers.set("Content-Type", "application/json")
        res.write(data)

    def s_flush(ex: Exchange, *_: Any) -> None:
        ex.response.flush()

    def s_transfer(ex: Exchange, mode: Any = None, *_: Any) -> None:
        ex.response.set_transfer(need_text("set_transfer", mode, "mode"))

    def s_event(ex: Exchange, event: Any = None, *_: Any) -> None:
        try:
            plain = to_plain(event)
        except ConversionError as exc:
            raise ExchangeError(f"event: {exc}", INVALID) from None
        if not isinstance(plain, dict):
            raise ExchangeError("event must be a table {name=, data=}", INVALID)
        name = plain.get("name")
        if not isinstance(name, str) or not name:
            raise ExchangeError("event name is required", INVALID)
        if plain.get("data") is None:
            raise ExchangeError("event data is required", INVALID)
        try:
            data = json.dumps(_jsonable(plain["data"]), ensure_ascii=False,
                              separators=(",", ":"))
        except (ValueError, TypeError, RecursionError) as exc:
            raise ExchangeError(f"JSON encoding failed: {exc}", INVALID) from None
        res = ex.response
        if res.mode != "sse":
            if res.committed:
                raise ExchangeError("cannot switch to server-sent events: headers already "
                                    "sent", INVALID)
            res.set_transfer("sse")
        res.write(f"event: {name}\ndata: {data}\n\n".encode())
        res.flush()

    response_cls = lua_class(state, "http.Response", {
        "set_status": guarded("set_status", s_status),
        "set_header": guarded("set_header", s_header),
        "set_content_type": guarded("set_content_type", s_content_type),
        "write": guarded("write", s_write), "write_json": guarded("write_json", s_write_json),
        "flush": guarded("flush", s_flush), "set_transfer": guarded("set_transfer", s_transfer),
        "write_event": guarded("write_event", s_event),
    }, lambda ex: f"Response({ex.request.method} {ex.request.path})")

    # -- the module --------------------------------------------------------------------
    def request(options: Any = None, *_: Any) -> Any:
        ex = _exchange()
        if ex is None:
            return no_context("request")
        max_body = DEFAULT_MAX_BODY
        if options is not None:
            try:
                opts = to_plain(options)
            except ConversionError:
                opts = None
            if isinstance(opts, dict) and isinstance(opts.get("max_body"), int) \
                    and opts["max_body"] > 0:
                max_body = opts["max_body"]
        return request_cls.new(RequestHandle(ex, max_body)), None

    def response(*_: Any) -> Any:
        ex = _exchange()
        if ex is None:
            return no_context("response")
        return response_cls.new(ex), None

    def consts(table: dict[str, Any]) -> dict[str, Any]:
        return {k: v.encode() if isinstance(v, str) else v for k, v in table.items()}

    state.bind("http", build(state, {
        "request": request, "response": response, "METHOD": consts(METHOD),
        "STATUS": STATUS, "CONTENT": consts(CONTENT), "TRANSFER": consts(TRANSFER),
        "ERROR": consts(ERROR)}))
