"""`db.sql.sqlite`: an SQLite database (Python's `sqlite3`) the Lua `sql` module queries.

Wippy's fields: `file` (a path, resolved against the project root, or `":memory:"`), `options`
(here: SQLite pragmas, `{journal_mode: wal, foreign_keys: "on"}`; a leading `_` as in Go DSN
parameters is accepted) and `pool` (`max_open`, `max_idle`, `max_lifetime`: the limit on
connections open at once). Everything else Wippy knows (`lifecycle`) is accepted.

Connections: the entry owns one shared connection for plain `db:query/execute` (serialised by a
lock) and opens one more per transaction, so a transaction is isolated from other callers as in
Wippy's pool. `":memory:"` is a named shared-cache in-memory database (one per entry
generation) kept alive by the shared connection, so every connection of the entry sees the same
tables and the data lives as long as the entry does.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
import uuid
from pathlib import Path
from typing import Any

from ..errors import LoadError, ValidationError
from ..registry import Entry
from .base import BuildContext, EntryInfo, Resource

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_VALUE = re.compile(r"^[A-Za-z0-9_.\-]+$")
DEFAULT_MAX_OPEN = 10
BUSY_TIMEOUT_S = 5.0


class SqliteDatabase(Resource):
    kind = "db.sql.sqlite"
    db_type = "sqlite"

    def __init__(self, entry: Entry, target: str, uri: bool, pragmas: dict[str, str],
                 max_open: int) -> None:
        super().__init__(entry)
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
                    f"too many open transactions on {self.entry.id} (pool.max_open is "
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

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry.id, self.kind,
                         detail={"file": self.entry.data.get("file"), "target": self.target})

    def retire(self) -> None:
        self.closed = True
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()


def build_sqlite(entry: Entry, ctx: BuildContext) -> SqliteDatabase:
    file = entry.data.get("file")
    if not file or not isinstance(file, str):
        raise entry.error(ValidationError, "file is required (a path, or \":memory:\")", "file")
    options = entry.data.get("options") or {}
    if not isinstance(options, dict):
        raise entry.error(ValidationError, "options must map pragma names to values", "options")
    pragmas: dict[str, str] = {}
    for key, value in options.items():
        name = str(key).lstrip("_")
        text = str(value).lower() if isinstance(value, bool) else str(value)
        if not _IDENT.match(name) or not _VALUE.match(text):
            raise entry.error(ValidationError, f"option {key!r}: {value!r} is not a pragma "
                              "name and a simple value", "options")
        pragmas[name] = text
    pool = entry.data.get("pool") or {}
    if not isinstance(pool, dict):
        raise entry.error(ValidationError, "pool must be a mapping", "pool")
    max_open = pool.get("max_open", 0) or DEFAULT_MAX_OPEN
    if isinstance(max_open, bool) or not isinstance(max_open, int) or max_open < 1:
        raise entry.error(ValidationError, "pool.max_open must be a positive integer", "pool")
    if file == ":memory:":
        target, uri = f"file:wippy-{uuid.uuid4().hex}?mode=memory&cache=shared", True
    else:
        path = Path(file)
        if not path.is_absolute():
            path = (entry.origin.root / path).resolve()
        if not path.parent.is_dir():
            raise entry.error(LoadError, f"directory of {file!r} does not exist ({path.parent})",
                              "file")
        target, uri = str(path), False
    try:
        return SqliteDatabase(entry, target, uri, pragmas, max_open)
    except sqlite3.Error as exc:
        raise entry.error(LoadError, f"cannot open SQLite database {file!r}: {exc}",
                          "file") from None
