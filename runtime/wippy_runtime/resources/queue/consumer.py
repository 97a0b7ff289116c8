"""The consumer behind `queue.consumer`: hands a queue's messages to a function entry.

How it runs, and why:

* Up to `concurrency` handlers run at once, each on one of the consumer's own worker threads
  (a thread pool of that size, named `wippy-queue-<consumer id>`). The consumer is woken by its
  driver when a message arrives and takes messages while it has a free slot, so no thread waits
  on an empty queue and an idle consumer costs nothing. Wippy's `prefetch` (messages buffered
  ahead of the handlers) has nothing to buffer here: a message stays in its queue, visible to
  `queue.info`, until a slot takes it. The threads are the consumer's own, not the
  scheduler's shared `funcs.async` threads: a handler may run for as long as it likes without
  taking threads other callers wait for, and `stop()` can shut exactly these down.
* The handler is called through the runtime's call pipeline (`invoke`, given by the kind:
  `Calls.call` inside an execution of its own), so the function's permissions, pool and limits
  apply as to any other caller, `Runtime.interrupt()` reaches it, and the function is looked
  up by id at each delivery (a replaced function serves the next message).
* Each call runs in a fresh `contextvars` context holding only its delivery: nothing of the
  thread that published (its security context, its execution) leaks into the handler.
* A handler that returns settles its delivery with ack, one that raises with nack, unless it
  settled it itself (`msg:ack()`/`msg:nack()`: single-shot, first claim wins). A failure is
  written to the runtime's error output naming the consumer, the function and the message.
* `stop()` (the entry retired: removed, replaced, or the runtime closed) detaches from the
  queue, so waiting messages stay queued for a successor, lets running handlers finish (up to
  a grace period) and shuts the worker threads down. A handler still running after the grace
  keeps its thread until it returns (`Runtime.interrupt()` ends it; an interrupted delivery is
  nacked, as any failed one, so its message is not lost).
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ...errors import CallError
from .memory import MemoryDriver
from .message import DELIVERY, Delivery

#: how long `stop()` waits for running handlers before leaving their threads to finish alone
STOP_GRACE_S = 10.0


class Consumer:
    def __init__(self, consumer_id: str, queue_id: str, driver: MemoryDriver, func_id: str,
                 concurrency: int, invoke: Callable[[str, tuple], Any],
                 report: Callable[[str], Any]) -> None:
        self.id = consumer_id
        self.queue_id = queue_id
        self.driver = driver
        self.func_id = func_id
        self.concurrency = concurrency
        self._invoke = invoke
        self._report = report
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._executor: ThreadPoolExecutor | None = None
        self._detach: Callable[[], None] | None = None
        self.active = 0
        self.started = False
        self.stopped = False
        self.stats = {"delivered": 0, "acked": 0, "nacked": 0, "failed": 0}
        self.last_error: str | None = None

    def start(self) -> None:
        with self._lock:
            if self.started or self.stopped:
                return
            self.started = True
        self._detach = self.driver.attach(self.queue_id, self.wake)
        self.wake()

    def wake(self) -> None:
        """Take messages while a handler slot is free (any thread: the driver calls it)."""
        with self._lock:
            while not self.stopped and self.active < self.concurrency:
                delivery = self.driver.take(self.queue_id)
                if delivery is None:
                    return
                self.active += 1
                self.stats["delivered"] += 1
                if self._executor is None:
                    self._executor = ThreadPoolExecutor(
                        self.concurrency, thread_name_prefix="wippy-queue-" +
                        self.id.replace(":", "-"))
                # submitted under the lock: stop() shuts the pool only after it saw `stopped`
                self._executor.submit(contextvars.Context().run, self._handle, delivery)

    def _handle(self, delivery: Delivery) -> None:
        error: CallError | None = None
        token = DELIVERY.set(delivery)
        try:
            self._invoke(self.func_id, (delivery.message.data(),))
        except CallError as exc:
            error = exc
        except Exception as exc:  # noqa: BLE001 - a bug of ours must not kill the worker
            error = CallError(f"{type(exc).__name__}: {exc}", entry=self.func_id)
        finally:
            DELIVERY.reset(token)
            delivery.release()
        try:
            if error is None:
                delivery.ack()
            else:
                delivery.nack()
                attempt = int(delivery.message.headers.get("attempts", 0) or 0) + 1
                self.last_error = (f"queue consumer {self.id}: {self.func_id} failed on message "
                                   f"{delivery.message.id} (delivery {attempt}): {error}")
                self._report(self.last_error + "\n")
        except Exception as exc:  # noqa: BLE001 - an output hook failing must not either
            self.last_error = f"queue consumer {self.id}: settling failed: {exc}"
        finally:
            with self._lock:
                if error is not None:
                    self.stats["failed"] += 1
                self.stats["acked" if delivery.outcome == "ack" else "nacked"] += 1
                self.active -= 1
                self._idle.notify_all()
        self.wake()

    def stop(self, grace_s: float = STOP_GRACE_S) -> bool:
        """Stop taking messages, wait for running handlers (up to `grace_s`), shut the
        threads down; True when every handler had finished."""
        with self._lock:
            if self.stopped:
                return self.active == 0
            self.stopped = True
        if self._detach is not None:
            self._detach()
        with self._lock:
            drained = self._idle.wait_for(lambda: self.active == 0, timeout=grace_s)
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=drained)
        return drained

    def info(self) -> dict[str, Any]:
        with self._lock:
            state = "stopped" if self.stopped else "running" if self.started else "not started"
            out: dict[str, Any] = {"queue": self.queue_id, "func": self.func_id,
                                   "concurrency": self.concurrency, "state": state,
                                   "running": self.active, **self.stats}
        if self.last_error:
            out["last_error"] = self.last_error
        return out
