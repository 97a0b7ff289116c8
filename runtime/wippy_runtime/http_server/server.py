"""One listening socket per `http.service`: the stdlib's `ThreadingHTTPServer`, a thread per
connection, every request dispatched through the service's current route table.

Why the stdlib server: it parses HTTP/1.1 (keep-alive, chunked bodies are ours to read), runs
each connection on its own thread (a handler function that blocks holds up nobody else), and
needs no dependency; an asyncio server would only hand every request to a thread anyway, since
functions run through the synchronous call pipeline.
"""

from __future__ import annotations

import errno
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .exchange import Exchange, Request, Response, reason

Dispatch = Callable[[Exchange], None]


class ListenError(Exception):
    """The service could not listen (address in use, bad host); the message says why."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    dispatch: Dispatch

    def server_bind(self) -> None:
        if self.address_family == socket.AF_INET6:
            # ":8085" listens on every interface, IPv4 and IPv6, as Go's listener does
            # (`localhost` may resolve to ::1 first)
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "wippy-kernel"
    server: _Server

    def _serve(self) -> None:
        host, port = self.server.server_address[:2]
        host_text = host.decode() if isinstance(host, bytes) else str(host)
        request = Request(self.command, self.path, self.headers, self.rfile,
                          self.client_address[:2], f"{host_text}:{port}")

        def send_head(status: int, headers: list[tuple[str, str]]) -> None:
            self.send_response(status, reason(status))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()

        response = Response(self.wfile, send_head, head_only=self.command == "HEAD")
        exchange = Exchange(request, response)
        try:
            self.server.dispatch(exchange)
        except Exception as exc:  # a bug or a broken connection; the client gets a 500
            response.error(500, f"internal error: {type(exc).__name__}: {exc}")
        try:
            response.finish()
        except OSError:
            self.close_connection = True
            return
        if not request.fully_read:
            self.close_connection = True  # the unread rest of the body would be a request

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass  # no access log on the CLI's stderr; failures reach the client as the body


class Listener:
    """A started server: `address` is where it listens (the port, when 0 was asked for)."""

    def __init__(self, host: str, port: int, dispatch: Dispatch, name: str) -> None:
        family = socket.AF_INET6 if host in ("", "::") and socket.has_ipv6 else socket.AF_INET
        bind_host = "::" if family == socket.AF_INET6 else (host or "0.0.0.0")
        cls = type("_Server", (_Server,), {"address_family": family})
        try:
            self.server = cls((bind_host, port), _Handler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ListenError(f"cannot listen on {host}:{port}: address already in use"
                                  ) from None
            raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}"
                              ) from None
        self.server.dispatch = dispatch
        self.port: int = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name=f"http {name}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop accepting and free the port (requests in flight finish on their threads)."""
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)
