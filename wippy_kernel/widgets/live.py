"""One background thread that refreshes displayed live widgets (`%pools`; `%trace` while tracing
is on).

Why a thread: a widget's model only changes when the kernel sends `comm_msg` updates, and cells
may run for a long time (or not at all) while the user watches a pool fill up. The thread calls
each watched widget's `refresh()` every `interval` seconds; a refresh only assigns traits, and
ipywidgets sends a message only for values that changed, so idle pools cost no traffic. Comm
messages from this thread are safe: ipykernel's iopub socket hands them to its IOPub thread.

A widget stops being refreshed when it is closed (`widget.close()` in the kernel, or a
`comm_close` from the front end) and when the kernel shuts down (`stop()`); the thread itself
exits as soon as nothing is watched, and is started again by the next `watch()`.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

log = logging.getLogger(__name__)

#: seconds between two refreshes of every watched widget
INTERVAL = 0.5


class Refreshable(Protocol):
    """What the refresher needs: a widget (it has `comm`) that can re-read its source."""

    comm: Any

    def refresh(self) -> None: ...


class LiveRefresher:
    """Refreshes watched widgets on a daemon thread until they close or `stop()` is called."""

    def __init__(self, interval: float = INTERVAL) -> None:
        self.interval = interval
        self._widgets: list[Refreshable] = []
        self._lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self._stop_thread = threading.Event()  # the running thread's own stop signal

    @property
    def watched(self) -> list[Refreshable]:
        with self._lock:
            return list(self._widgets)

    def watch(self, widget: Refreshable) -> None:
        """Refresh `widget` from now on; forget it when its comm closes."""
        comm = getattr(widget, "comm", None)
        if comm is not None and hasattr(comm, "on_close"):
            comm.on_close(lambda _msg: self.unwatch(widget))
        with self._lock:
            if widget not in self._widgets:
                self._widgets.append(widget)
            if self.thread is None or not self.thread.is_alive():
                self._stop_thread = threading.Event()
                self.thread = threading.Thread(target=self._loop, args=(self._stop_thread,),
                                               name="wippy-widgets", daemon=True)
                self.thread.start()

    def unwatch(self, widget: Refreshable) -> None:
        with self._lock:
            if widget in self._widgets:
                self._widgets.remove(widget)

    def stop(self, timeout: float = 2.0) -> None:
        """Kernel shutdown: tell each widget it is no longer live (its `stopped()`), forget
        them all and end the thread (waits up to `timeout`)."""
        with self._lock:
            widgets = list(self._widgets)
            self._widgets.clear()
            thread, self.thread = self.thread, None
            self._stop_thread.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        for widget in widgets:
            stopped = getattr(widget, "stopped", None)
            if stopped is not None:
                try:
                    stopped()
                except Exception:  # a closing front end must not block the shutdown
                    log.exception("marking %r stopped failed", widget)

    def _loop(self, stop: threading.Event) -> None:
        while not stop.wait(self.interval):
            with self._lock:
                # a widget closed in the kernel has no comm any more
                self._widgets = [w for w in self._widgets if getattr(w, "comm", None) is not None]
                widgets = list(self._widgets)
                if not widgets:
                    if self.thread is threading.current_thread():
                        self.thread = None
                    return
            for widget in widgets:
                if stop.is_set():
                    return
                try:
                    widget.refresh()
                except Exception:  # one broken view must not stop the others
                    log.exception("refreshing %r failed; it is no longer refreshed", widget)
                    self.unwatch(widget)


#: the kernel's refresher (stopped by `WippyKernel.do_shutdown`)
REFRESHER = LiveRefresher()
