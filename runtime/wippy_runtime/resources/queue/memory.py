"""The memory queue driver behind `queue.driver.memory`: in-process FIFO queues.

Semantics, as Wippy's memory driver has them, with the differences chosen here:

* Queues are declared on the driver by `queue.queue` entries, keyed by queue id; re-declaring
  a queue (its entry rebuilt) keeps its waiting messages and takes the new settings. A queue
  holds at most `max_length` waiting messages (`driver_options.memory.max_length`, default
  1000). A publish to a full queue fails at once (UNAVAILABLE) instead of blocking the
  publisher until room appears: a Lua caller parked forever on a queue nobody drains is worse
  than an error it can handle.
* Ack drops the message (it was taken off the queue when delivered). Nack puts it back at the
  tail with its `attempts` header counted up. Wippy's memory driver redelivers a nacked message
  forever, so a handler that always fails spins a core for good; here a message is delivered
  at most `dead_letter.max_attempts` times (default 5), then moved to `dead_letter.queue` (a
  queue of the same driver) with the `x_original_queue`, `x_dead_letter_reason` and
  `x_dead_letter_time` headers, or dropped and counted when there is none.
* Consumers attach to a queue and are *woken* when a message arrives (no thread waits on an
  empty queue); a woken consumer takes messages while it has free handler slots. Several
  consumers of one queue are woken in rotating order, so they share the load.
* Closing the driver (its entry retired) closes its queues: waiting messages are discarded,
  later publishes fail.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...errors import INTERNAL, UNAVAILABLE
from .message import Delivery, Message, QueueError

DEFAULT_MAX_LENGTH = 1000
DEFAULT_MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class QueueSettings:
    """What a `queue.queue` entry declares on its driver."""

    codec: str
    max_length: int = DEFAULT_MAX_LENGTH
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    dead_letter: str | None = None


class MemoryQueue:
    __slots__ = ("id", "settings", "messages", "consumers", "turn", "declared_by",
                 "published", "dropped", "dead_lettered")

    def __init__(self, queue_id: str, settings: QueueSettings, declared_by: object) -> None:
        self.id = queue_id
        self.settings = settings
        self.messages: deque[Message] = deque()
        #: attached consumers' wake functions
        self.consumers: list[Callable[[], None]] = []
        self.turn = 0
        #: the declaration that owns the queue now (a retired generation must not undeclare
        #: what its replacement declared)
        self.declared_by = declared_by
        self.published = 0
        self.dropped = 0
        self.dead_lettered = 0


class MemoryDriver:
    """One `queue.driver.memory` entry generation: its queues, thread-safe."""

    def __init__(self, driver_id: str) -> None:
        self.id = driver_id
        self._lock = threading.Lock()
        self._queues: dict[str, MemoryQueue] = {}
        self.closed = False

    # -- declarations ---------------------------------------------------------------------
    def declare(self, queue_id: str, settings: QueueSettings, owner: object) -> None:
        with self._lock:
            self._check_open()
            q = self._queues.get(queue_id)
            if q is None:
                self._queues[queue_id] = MemoryQueue(queue_id, settings, owner)
            else:
                q.settings = settings
                q.declared_by = owner

    def undeclare(self, queue_id: str, owner: object) -> None:
        """Remove the queue if `owner` still owns its declaration (its waiting messages go)."""
        with self._lock:
            q = self._queues.get(queue_id)
            if q is not None and q.declared_by is owner:
                del self._queues[queue_id]

    def declared(self, queue_id: str) -> bool:
        with self._lock:
            return queue_id in self._queues

    # -- messages -------------------------------------------------------------------------
    def publish(self, queue_id: str, message: Message) -> None:
        with self._lock:
            q = self._queue(queue_id)
            if len(q.messages) >= q.settings.max_length:
                raise QueueError(f"queue {queue_id} is full ({q.settings.max_length} messages "
                                 "waiting)", UNAVAILABLE)
            q.messages.append(message)
            q.published += 1
            wakes = self._rotation(q)
        for wake in wakes:
            wake()

    def take(self, queue_id: str) -> Delivery | None:
        """The next message of the queue as a delivery, or None when it is empty (or gone)."""
        with self._lock:
            q = self._queues.get(queue_id)
            if q is None or not q.messages:
                return None
            msg = q.messages.popleft()
        return Delivery(msg, _nothing, lambda: self._redeliver(queue_id, msg))

    def _redeliver(self, queue_id: str, msg: Message) -> None:
        """A nack: back to the tail, or to the dead-letter queue after the last attempt."""
        retry = msg.clone()
        attempts = int(retry.headers.get("attempts", 0) or 0) + 1
        retry.headers["attempts"] = attempts
        with self._lock:
            q = self._queues.get(queue_id)
            if q is None:
                return  # the queue was removed while the handler ran: nothing to put back
            settings = q.settings
            if attempts < settings.max_attempts and len(q.messages) < settings.max_length:
                q.messages.append(retry)
                wakes = self._rotation(q)
            else:
                wakes = self._dead_letter(q, retry, attempts)
        for wake in wakes:
            wake()

    def _dead_letter(self, q: MemoryQueue, msg: Message, attempts: int
                     ) -> list[Callable[[], None]]:
        target = self._queues.get(q.settings.dead_letter or "")
        if target is None or len(target.messages) >= target.settings.max_length:
            q.dropped += 1
            return []
        reason = (f"delivered {attempts} times" if attempts >= q.settings.max_attempts
                  else f"queue {q.id} is full")
        msg.headers.update({"x_original_queue": q.id, "x_dead_letter_reason": reason,
                            "x_dead_letter_time": time.time()})
        target.messages.append(msg)
        q.dead_lettered += 1
        return self._rotation(target)

    # -- consumers ------------------------------------------------------------------------
    def attach(self, queue_id: str, wake: Callable[[], None]) -> Callable[[], None]:
        """Call `wake()` whenever the queue gets a message; returns the detach function."""
        with self._lock:
            q = self._queue(queue_id)
            q.consumers.append(wake)

        def detach() -> None:
            with self._lock:
                if wake in q.consumers:
                    q.consumers.remove(wake)

        return detach

    def _rotation(self, q: MemoryQueue) -> list[Callable[[], None]]:
        n = len(q.consumers)
        if not n:
            return []
        q.turn = (q.turn + 1) % n
        return q.consumers[q.turn:] + q.consumers[:q.turn]

    # -- stats and shutdown ---------------------------------------------------------------
    def info(self, queue_id: str) -> dict[str, Any]:
        """Wippy's stats keys (`message_count`, `ready`, `consumer_count`) and this driver's
        counters."""
        with self._lock:
            q = self._queue(queue_id)
            waiting = len(q.messages)
            return {"message_count": waiting, "ready": waiting,
                    "consumer_count": len(q.consumers), "published": q.published,
                    "dead_lettered": q.dead_lettered, "dropped": q.dropped}

    def close(self) -> None:
        with self._lock:
            self.closed = True
            self._queues.clear()

    def _queue(self, queue_id: str) -> MemoryQueue:
        self._check_open()
        q = self._queues.get(queue_id)
        if q is None:
            raise QueueError(f"queue {queue_id} is not declared on driver {self.id}", INTERNAL)
        return q

    def _check_open(self) -> None:
        if self.closed:
            raise QueueError(f"queue driver {self.id} is stopped", INTERNAL)


def _nothing() -> None:
    pass
