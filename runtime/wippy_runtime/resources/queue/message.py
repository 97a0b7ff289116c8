"""Messages, deliveries and codecs: what a queue carries and what a consumer's handler sees.

* A `Message` holds its body *encoded* by its queue's codec (`json/plain` by default), as a
  broker would: the publisher's value is copied and checked at publish time, so a value with no
  form in that codec (a function, a cycle, non-UTF-8 bytes under JSON) fails the publish, not
  the consumer, and a publisher mutating its table afterwards changes nothing.
* A `Delivery` is one attempt at handling a message. Settling (ack or nack) is single-shot: the
  first claim wins, whether it is the handler's `msg:ack()`/`msg:nack()` or the consumer's
  automatic settle after the handler returns; later claims are refused. Once the handler has
  returned the delivery is *released*: a Message object the handler kept reads as released.
* `DELIVERY` is the context variable through which the handler's `queue.message()` finds its
  delivery. The consumer sets it around the call on its worker thread; calls hopping to other
  threads copy the context, so a nested call still sees it (as Wippy's context does).
"""

from __future__ import annotations

import contextvars
import copy
import json
import threading
import uuid
from collections.abc import Callable
from typing import Any

from ...errors import INTERNAL, INVALID

JSON, TEXT, LUA, GOLANG = "json/plain", "text/plain", "lua/any", "golang/any"
#: codecs a `queue.queue` may name (an empty codec means JSON, as in Wippy)
CODECS = (JSON, TEXT, LUA, GOLANG)


class QueueError(Exception):
    """A queue operation failed: `kind` is an error kind constant of `wippy_runtime.errors`."""

    def __init__(self, message: str, kind: str = INTERNAL) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


def encode(codec: str, value: Any) -> Any:
    """The stored form of a plain `value` under `codec`; QueueError(INVALID) when it has none."""
    if codec == JSON:
        try:
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise QueueError(f"message data cannot be encoded as {JSON}: {exc}",
                             INVALID) from None
    if codec == TEXT:
        if not isinstance(value, (str, bytes)):
            raise QueueError(f"message data must be a string for {TEXT}, got "
                             f"{type(value).__name__}", INVALID)
        return value
    return copy.deepcopy(value)  # lua/any, golang/any: the plain value itself, unshared


def decode(codec: str, stored: Any) -> Any:
    """The plain value a handler receives."""
    if codec == JSON:
        return json.loads(stored)
    if codec == TEXT:
        return stored
    return copy.deepcopy(stored)


class Message:
    """One message: id, encoded body, headers (string keys; string, number or bool values)."""

    __slots__ = ("id", "body", "codec", "headers")

    def __init__(self, body: Any, codec: str, headers: dict[str, Any] | None = None,
                 message_id: str | None = None) -> None:
        self.id = message_id or str(uuid.uuid4())
        self.body = body
        self.codec = codec
        self.headers: dict[str, Any] = dict(headers or {})

    def data(self) -> Any:
        return decode(self.codec, self.body)

    def clone(self) -> Message:
        return Message(self.body, self.codec, self.headers, self.id)


class Delivery:
    """One attempt at handling `message`; `ack`/`nack` tell the driver the outcome."""

    __slots__ = ("message", "_ack", "_nack", "_lock", "settled", "released", "outcome")

    def __init__(self, message: Message, ack: Callable[[], None],
                 nack: Callable[[], None]) -> None:
        self.message = message
        self._ack = ack
        self._nack = nack
        self._lock = threading.Lock()
        self.settled = False
        self.released = False
        #: "ack" or "nack" once settled (how the consumer counts it)
        self.outcome: str | None = None

    def claim(self, outcome: str) -> bool:
        """Claim the single settle slot; False when it was already claimed."""
        with self._lock:
            if self.settled:
                return False
            self.settled = True
            self.outcome = outcome
            return True

    def ack(self) -> bool:
        """Settle as handled; False (and nothing done) when already settled."""
        if not self.claim("ack"):
            return False
        self._ack()
        return True

    def nack(self) -> bool:
        """Settle as failed (the driver redelivers or dead-letters); False when settled."""
        if not self.claim("nack"):
            return False
        self._nack()
        return True

    def release(self) -> None:
        self.released = True


#: the delivery the running handler is processing (None outside a consumer's call)
DELIVERY: contextvars.ContextVar[Delivery | None] = contextvars.ContextVar(
    "wippy_queue_delivery", default=None)
