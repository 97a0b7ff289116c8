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

import re
import sqlite3
import uuid
from pathlib import Path

from ..errors import LoadError, ValidationError
from ..registry import Entry
from ..resources.sqlite import SqliteDb
from .base import BuildContext, EntryInfo, Resource

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_VALUE = re.compile(r"^[A-Za-z0-9_.\-]+$")
DEFAULT_MAX_OPEN = 10
BUSY_TIMEOUT_S = 5.0


class SqliteDatabase(Resource):
    kind = "db.sql.sqlite"

    def __init__(self, entry: Entry, db: SqliteDb) -> None:
        super().__init__(entry)
        self.db = db

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry.id, self.kind,
                         detail={"file": self.entry.data.get("file"), "target": self.db.target})

    def retire(self) -> None:
        self.db.close()


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
        return SqliteDatabase(entry, SqliteDb(entry.id, target, uri, pragmas, max_open))
    except sqlite3.Error as exc:
        raise entry.error(LoadError, f"cannot open SQLite database {file!r}: {exc}",
                          "file") from None
