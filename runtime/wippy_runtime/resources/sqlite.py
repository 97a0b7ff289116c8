"""An SQLite database (Python's `sqlite3`) behind a `db.sql.sqlite` entry.

The database owns one shared connection for plain queries (serialised by a lock) and opens one
more per transaction, so a transaction is isolated from other callers as in Wippy's pool; a
named shared-cache in-memory database stands for `":memory:"` so all of them see the same
tables, kept alive by the shared connection.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from typing import Any

BUSY_TIMEOUT_S = 5.0


class SqliteDb:
    """One database: the shared connection, and one more per open transaction."""

    db_type = "sqlite"

    def __init__(self, db_id: str, target: str, uri: bool, pragmas: dict[str, str],
                 max_open: int) -> None:
        self.id = db_id
        self.target = target
        self.uri = uri
        self.pragmas = pragmas
        self.max_open = max_open
        self.lock = threading.RLock()
        self._stats_lock = threading.Lock()
        self.open_tx = 0
        self.in_use = 0
        self.closed = False
        self.conn = self.connect()

    def connect(self) -> sqlite3.Connection:
        """A new autocommit connection with the entry's pragmas applied."""
        conn = sqlite3.connect(self.target, uri=self.uri, timeout=BUSY_TIMEOUT_S,
                               isolation_level=None, check_same_thread=False)
        for name, value in self.pragmas.items():
            conn.execute(f"PRAGMA {name} = {value}")
        return conn

    def open_transaction_connection(self) -> sqlite3.Connection:
        with self._stats_lock:
            if self.open_tx + 1 >= self.max_open:
                raise sqlite3.OperationalError(
                    f"too many open transactions on {self.id} (pool.max_open is "
                    f"{self.max_open})")
            self.open_tx += 1
        try:
            return self.connect()
        except BaseException:
            with self._stats_lock:
                self.open_tx -= 1
            raise

    def close_transaction_connection(self, conn: sqlite3.Connection) -> None:
        try:
            conn.close()
        finally:
            with self._stats_lock:
                self.open_tx -= 1

    def stats(self) -> dict[str, Any]:
        open_now = 1 + self.open_tx
        return {"max_open_connections": self.max_open, "open_connections": open_now,
                "in_use": self.in_use + self.open_tx, "idle": open_now - self.in_use - self.open_tx,
                "wait_count": 0, "wait_duration": "0s", "max_idle_closed": 0,
                "max_idle_time_closed": 0, "max_lifetime_closed": 0}

    def close(self) -> None:
        self.closed = True
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()
