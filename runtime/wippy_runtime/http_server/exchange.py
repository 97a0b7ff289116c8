"""One HTTP request and its response, as the handler function sees them (`http.request()`,
`http.response()`).

Why a separate object and not the stdlib handler itself: the handler function may run on
another thread than the one serving the socket (a pool worker), middleware writes to the same
response before and after it, and Wippy's rules (headers are fixed by the first write, a body
is read once, a response is "handled" once anything set it) need one owner. The request line
and headers are parsed by `http.server`; the body is read lazily from the socket.

The response is buffered and sent with a Content-Length when the function returns, unless it
streams: `flush()`, chunked transfer mode or server-sent events switch to chunked encoding and
send every write at once. Either way the headers count as sent from the first write (Wippy's
rule), so a later `set_status` fails with "headers already sent".
"""

from __future__ import annotations

import threading
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

#: Wippy's default `max_body` (bytes) for `request:body()`
DEFAULT_MAX_BODY = 125829120


class ExchangeError(Exception):
    """A request or response operation that cannot be done now; `kind` is a Wippy error
    kind constant chosen by the caller's module."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


class Headers:
    """Case-insensitive header map keeping the first spelling and repeated values."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[str, list[str]]] = {}

    def set(self, name: str, value: str) -> None:
        self._items[name.lower()] = (name, [value])

    def add(self, name: str, value: str) -> None:
        key = name.lower()
        if key in self._items:
            self._items[key][1].append(value)
        else:
            self._items[key] = (name, [value])

    def get(self, name: str) -> str | None:
        item = self._items.get(name.lower())
        return item[1][0] if item else None

    def remove(self, name: str) -> None:
        self._items.pop(name.lower(), None)

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._items

    def items(self) -> list[tuple[str, str]]:
        return [(name, v) for name, values in self._items.values() for v in values]


class Request:
    """The incoming request: line and headers parsed, body read from `rfile` on demand."""

    def __init__(self, method: str, target: str, headers: Any, rfile: Any,
                 remote: tuple[str, int], server_host: str) -> None:
        self.method = method
        parts = urlsplit(target)
        #: the path as received (still URL-escaped), which routing matches segment by segment
        self.raw_path = parts.path or "/"
        self.path = unquote(self.raw_path)
        self.raw_query = parts.query
        self.query: list[tuple[str, str]] = parse_qsl(parts.query, keep_blank_values=True)
        self.headers = headers  # an email.message.Message from http.server
        self.host = headers.get("Host") or server_host
        self.remote_addr = f"{remote[0]}:{remote[1]}"
        self._rfile = rfile
        chunked = "chunked" in (headers.get("Transfer-Encoding") or "").lower()
        length = headers.get("Content-Length")
        self.chunked = chunked
        try:
            #: -1 when unknown (a chunked body), as Go's `Request.ContentLength`
            self.content_length = -1 if chunked else max(0, int(length)) if length else 0
        except ValueError:
            self.content_length = 0
        self._remaining = self.content_length if not chunked else 0
        self._chunk_left = 0
        self._eof = not chunked and self.content_length == 0
        self.consumed = False  # a body was taken (body/stream): it can be taken only once
        #: route parameters; None until a route matched (then a dict, maybe empty)
        self.params: dict[str, str] | None = None
        #: the endpoint entry that matched (what `endpoint_firewall` judges)
        self.endpoint: str | None = None

    # -- reading the body ------------------------------------------------------------------
    def header(self, name: str) -> str | None:
        values = self.headers.get_all(name)
        return ", ".join(values) if values else None

    def query_value(self, key: str) -> str | None:
        for k, v in self.query:
            if k == key:
                return v
        return None

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes of the body (all that is left for -1); b"" at its end."""
        if self._eof:
            return b""
        if self.chunked:
            return self._read_chunked(size)
        want = self._remaining if size < 0 else min(size, self._remaining)
        data = self._rfile.read(want) if want else b""
        self._remaining -= len(data)
        if self._remaining <= 0 or not data:
            self._eof = True
        return data

    def _read_chunked(self, size: int) -> bytes:
        out = bytearray()
        while not self._eof and (size < 0 or len(out) < size):
            if self._chunk_left == 0:
                line = self._rfile.readline(65537).split(b";", 1)[0].strip()
                try:
                    self._chunk_left = int(line, 16)
                except ValueError:
                    raise ExchangeError("malformed chunked request body", "") from None
                if self._chunk_left == 0:
                    while self._rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    self._eof = True
                    break
            want = self._chunk_left if size < 0 else min(self._chunk_left, size - len(out))
            data = self._rfile.read(want)
            if not data:
                self._eof = True
                break
            out += data
            self._chunk_left -= len(data)
            if self._chunk_left == 0:
                self._rfile.readline(3)
        return bytes(out)

    def read_all(self, limit: int = DEFAULT_MAX_BODY) -> bytes:
        """The whole body; ExchangeError if it is longer than `limit`."""
        if self.content_length > limit:
            raise ExchangeError(f"request body too large ({self.content_length} bytes, "
                                f"limit {limit})", "")
        data = self.read(limit + 1)
        if len(data) > limit:
            raise ExchangeError(f"request body too large (limit {limit} bytes)", "")
        return data

    @property
    def fully_read(self) -> bool:
        return self._eof


class Response:
    """The response being built; thread-safe (middleware and the function may be on different
    threads, though never at once in practice)."""

    def __init__(self, wfile: Any, send_head: Any, head_only: bool) -> None:
        self._wfile = wfile
        self._send_head = send_head  # (status, headers list) -> None, writes the status line
        self.head_only = head_only
        self.status: int | None = None
        self.headers = Headers()
        #: anything set or written: the endpoint's return value is not encoded then
        self.handled = False
        #: the first write happened: status and headers can no longer change (Wippy's rule)
        self.committed = False
        self.mode = ""  # "", "chunked" or "sse"
        self._buffer = bytearray()
        self._streaming = False  # the head is on the wire, writes go out as chunks
        self.finished = False
        self.bytes_written = 0
        self._lock = threading.RLock()

    def _check_open(self, what: str) -> None:
        if self.committed:
            raise ExchangeError(f"cannot {what}: headers already sent", "")

    def set_status(self, code: int) -> None:
        with self._lock:
            self._check_open("set status")
            if not 100 <= code <= 999:
                raise ExchangeError(f"invalid status code {code}", "")
            self.status = code
            self.handled = True

    def set_header(self, name: str, value: str) -> None:
        with self._lock:
            self._check_open("set header")
            if not name or any(c in name for c in "\r\n:") or any(c in value for c in "\r\n"):
                raise ExchangeError(f"invalid header {name!r}", "")
            self.headers.set(name, value)
            self.handled = True

    def set_transfer(self, mode: str) -> None:
        with self._lock:
            self._check_open("set transfer mode")
            if mode not in ("chunked", "sse"):
                raise ExchangeError(f"unknown transfer mode {mode!r} (chunked or sse)", "")
            self.mode = mode
            if mode == "sse":
                self.headers.set("Content-Type", "text/event-stream")
                self.headers.set("Cache-Control", "no-cache")
                self.headers.set("Connection", "keep-alive")
            self.handled = True

    def write(self, data: bytes) -> None:
        with self._lock:
            if self.finished:
                raise ExchangeError("response already finished", "")
            self.handled = True
            self.committed = True
            self.bytes_written += len(data)
            if self.mode and not self._streaming:
                self._start_stream()
            if self._streaming:
                if data and not self.head_only:
                    self._wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    self._wfile.flush()
            else:
                self._buffer += data

    def flush(self) -> None:
        with self._lock:
            if self.finished:
                return
            self.handled = True
            self.committed = True
            if not self._streaming:
                self._start_stream()

    def _start_stream(self) -> None:
        self.headers.remove("Content-Length")
        self.headers.set("Transfer-Encoding", "chunked")
        self._send_head(self.status or 200, self.headers.items())
        self._streaming = True
        pending = bytes(self._buffer)
        self._buffer.clear()
        if pending and not self.head_only:
            self._wfile.write(b"%x\r\n%s\r\n" % (len(pending), pending))
        self._wfile.flush()

    def error(self, status: int, text: str) -> None:
        """Replace whatever was set with a plain-text error (nothing was sent yet)."""
        with self._lock:
            if self.committed:
                return
            self.status = status
            self.headers = Headers()
            self.headers.set("Content-Type", "text/plain; charset=utf-8")
            self.headers.set("X-Content-Type-Options", "nosniff")
            self._buffer = bytearray(text.encode("utf-8", "replace") + b"\n")
            self.handled = True
            self.committed = True

    def finish(self) -> None:
        """Send what is buffered (or end the chunked stream); idempotent."""
        with self._lock:
            if self.finished:
                return
            self.finished = True
            if self._streaming:
                if not self.head_only:
                    self._wfile.write(b"0\r\n\r\n")
                self._wfile.flush()
                return
            status = self.status or 200
            body = bytes(self._buffer)
            no_body = status in (204, 304) or 100 <= status < 200
            if not no_body:
                self.headers.set("Content-Length", str(len(body)))
                if body and "Content-Type" not in self.headers:
                    self.headers.set("Content-Type", _sniff(body))
            self._send_head(status, self.headers.items())
            if body and not no_body and not self.head_only:
                self._wfile.write(body)
            self._wfile.flush()


def _sniff(body: bytes) -> str:
    """Go's `http.DetectContentType` in small: what a body with no Content-Type is sent as."""
    start = body[:512].lstrip().lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return "text/html; charset=utf-8"
    try:
        body[:512].decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < 508:  # not just a character cut at the sniffing limit
            return "application/octet-stream"
    return "text/plain; charset=utf-8"


class Exchange:
    """A request, its response, and what middleware learned (the actor and scope a token
    named) for the function's execution context."""

    def __init__(self, request: Request, response: Response) -> None:
        self.request = request
        self.response = response
        self.actor: Any = None
        self.scope: Any = None


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
