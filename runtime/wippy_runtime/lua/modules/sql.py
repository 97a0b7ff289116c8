"""The `sql` module over `db.sql.sqlite` entries: `sql.get(id)` -> DB, with queries, execution,
prepared statements and transactions (savepoints included) on Python's `sqlite3`.

Wippy's shapes: `db:query` returns an array of rows keyed by column name, `db:execute` returns
`{last_insert_id=, rows_affected=}`, every method returns `value, nil` or `nil, err`; a released
DB, a finished transaction and a closed statement fail with INVALID. `sql.get` needs `db.get`
on the database id (PERMISSION_DENIED otherwise). Parameters are an array bound to `?`
placeholders; `sql.as.int/float/text/binary/null()` and `sql.NULL` force a bound type.
`sql.builder` (sql_builder.py) writes statements whose executors run here, on a DB or a
transaction, with the same shapes and errors.

Queries run on the caller's thread, coroutines and spawned processes included: SQLite answers
in microseconds, so parking the coroutine for a worker hop would cost more than it saves.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
from typing import TYPE_CHECKING, Any

from ...errors import INTERNAL, INVALID, NOT_FOUND, PERMISSION_DENIED, UNAVAILABLE
from ...resources.sqlite import SqliteDb
from ..convert import ConversionError, to_lua, to_plain
from ..exposed import lua_methods
from ..objects import bad_argument, built, error_value, fail, lua_class, text_arg
from .sql_builder import build_module

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

TYPES = {"POSTGRES": "postgres", "MYSQL": "mysql", "SQLITE": "sqlite", "MSSQL": "mssql",
         "ORACLE": "oracle", "UNKNOWN": "unknown"}
ISOLATION = {"DEFAULT": "default", "READ_UNCOMMITTED": "read_uncommitted",
             "READ_COMMITTED": "read_committed", "WRITE_COMMITTED": "write_committed",
             "REPEATABLE_READ": "repeatable_read", "SERIALIZABLE": "serializable"}
_SAVEPOINT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_BINDINGS = re.compile(r"binding", re.I)


@lua_methods("type", "value")
class SqlValue:
    """A parameter with a forced SQL type (`sql.as.int(5)`, `sql.NULL`)."""

    __slots__ = ("kind", "val")

    def __init__(self, kind: str, val: Any) -> None:
        self.kind = kind
        self.val = val

    def type(self, *_: Any) -> bytes:
        return self.kind.encode()

    def value(self, *_: Any) -> Any:
        return self.val

    def __repr__(self) -> str:
        return f"sql.{self.kind}({self.val!r})"


class DbHandle:
    __slots__ = ("db", "released")

    def __init__(self, db: SqliteDb) -> None:
        self.db = db
        self.released = False


class TxHandle:
    __slots__ = ("db", "conn", "active", "lock", "read_only")

    def __init__(self, db: SqliteDb, conn: sqlite3.Connection, read_only: bool) -> None:
        self.db = db
        self.conn = conn
        self.active = True
        self.lock = threading.Lock()
        self.read_only = read_only

    def finish(self) -> None:
        if self.active:
            self.active = False
            self.db.close_transaction_connection(self.conn)

    def __del__(self) -> None:  # a transaction never committed is rolled back with its conn
        with contextlib.suppress(Exception):
            self.finish()


class StmtHandle:
    __slots__ = ("sql", "owner", "closed")

    def __init__(self, sql: str, owner: DbHandle | TxHandle) -> None:
        self.sql = sql
        self.owner = owner
        self.closed = False


def _error_kind(exc: sqlite3.Error) -> str:
    text = str(exc).lower()
    if "locked" in text or "busy" in text or "too many open" in text:
        return UNAVAILABLE
    if isinstance(exc, (sqlite3.OperationalError, sqlite3.ProgrammingError,
                        sqlite3.IntegrityError, sqlite3.DataError)):
        return INVALID
    return INTERNAL


def _param(function: str, i: int, value: Any) -> Any:
    if isinstance(value, SqlValue):
        v = value.val
        if value.kind == "null" or v is None:
            return None
        if value.kind == "int":
            return int(v)
        if value.kind == "float":
            return float(v)
        if value.kind == "binary":
            return v if isinstance(v, bytes) else str(v).encode()
        return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
    if isinstance(value, bool):
        return int(value)
    if value is None or isinstance(value, (int, float, str, bytes)):
        return value
    raise _BadParam(f"{function}: params[{i}] must be a string, number, boolean or sql.as "
                    f"value, got {'table' if isinstance(value, (dict, list)) else 'a value'}")


class _BadParam(ValueError):
    pass


def _params(function: str, params: Any) -> list[Any] | tuple[Any, Any]:
    if params is None:
        return []
    try:
        plain = to_plain(params)
    except ConversionError as exc:
        return fail(f"{function}: params: {exc}", INVALID)
    if plain == {}:
        return []
    if not isinstance(plain, list):
        return fail(f"{function}: params must be an array of values bound to ? placeholders",
                    INVALID)
    try:
        return [_param(function, i + 1, v) for i, v in enumerate(plain)]
    except _BadParam as exc:
        return fail(str(exc), INVALID)


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua
    security = runtime.security

    def rows_of(cur: sqlite3.Cursor) -> Any:
        names = [d[0] for d in cur.description or ()]
        return to_lua(lua, [dict(zip(names, row, strict=False)) for row in cur.fetchall()])

    def run(function: str, conn: sqlite3.Connection, lock: Any, sql: Any, params: Any,
            query: bool) -> Any:
        text = text_arg(function, 1, "sql", sql)
        bound = _params(function, params)
        if isinstance(bound, tuple):
            return bound
        return run_bound(function, conn, lock, text, bound, query)

    def run_bound(function: str, conn: sqlite3.Connection, lock: Any, text: str,
                  bound: list[Any], query: bool) -> Any:
        try:
            with lock:
                cur = conn.execute(text, bound)
                if query:
                    return rows_of(cur), None
                result = {"last_insert_id": cur.lastrowid or 0,
                          "rows_affected": max(cur.rowcount, 0)}
        except sqlite3.Error as exc:
            return fail(f"{function}: {exc}", _error_kind(exc))
        return to_lua(lua, result), None

    def check_sql(function: str, conn: sqlite3.Connection, lock: Any, sql: str) -> Any:
        """Compile `sql` now (EXPLAIN compiles without running it) so a syntax error is the
        prepare's error, as with a real prepared statement; sqlite3 keeps the compiled
        statement in its cache for the executions that follow."""
        try:
            with lock:
                conn.execute("EXPLAIN " + sql).fetchall()
        except sqlite3.ProgrammingError as exc:
            if not _BINDINGS.search(str(exc)):
                return error_value(f"{function}: {exc}", INVALID)
        except sqlite3.Error as exc:
            return error_value(f"{function}: {exc}", _error_kind(exc))
        return None

    # -- DB ------------------------------------------------------------------------------
    def db_live(h: DbHandle, method: str) -> Any:
        if h.released or h.db.closed:
            return fail(f"db:{method}: database {h.db.id} is released", INVALID)
        return None

    def db_type(h: DbHandle, *_: Any) -> Any:
        return db_live(h, "type") or (h.db.db_type.encode(), None)

    def db_query(h: DbHandle, sql: Any = None, params: Any = None, *_: Any) -> Any:
        return db_live(h, "query") or run("db:query", h.db.conn, h.db.lock, sql, params, True)

    def db_execute(h: DbHandle, sql: Any = None, params: Any = None, *_: Any) -> Any:
        return db_live(h, "execute") or run("db:execute", h.db.conn, h.db.lock, sql, params,
                                            False)

    def db_prepare(h: DbHandle, sql: Any = None, *_: Any) -> Any:
        dead = db_live(h, "prepare")
        if dead:
            return dead
        text = text_arg("db:prepare", 1, "sql", sql)
        err = check_sql("db:prepare", h.db.conn, h.db.lock, text)
        return (None, err) if err else (stmt_cls.new(StmtHandle(text, h)), None)

    def db_begin(h: DbHandle, options: Any = None, *_: Any) -> Any:
        dead = db_live(h, "begin")
        if dead:
            return dead
        opts = to_plain(options) if options is not None else {}
        if opts == []:
            opts = {}
        if not isinstance(opts, dict):
            raise bad_argument("db:begin", 1, "options", "table", options)
        isolation = opts.get("isolation", "default")
        if isolation not in ISOLATION.values():
            return fail(f"db:begin: invalid isolation level {isolation!r} (use sql.isolation.*)",
                        INVALID)
        read_only = bool(opts.get("read_only", False))
        try:
            conn = h.db.open_transaction_connection()
        except sqlite3.Error as exc:
            return fail(f"db:begin: {exc}", _error_kind(exc))
        try:
            if read_only:
                conn.execute("PRAGMA query_only = ON")
            # SQLite transactions are serializable; a write-intending one takes the write
            # lock up front so it cannot fail half-way on a lock upgrade.
            conn.execute("BEGIN" if read_only or isolation == "default" else "BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            h.db.close_transaction_connection(conn)
            return fail(f"db:begin: {exc}", _error_kind(exc))
        return tx_cls.new(TxHandle(h.db, conn, read_only)), None

    def db_release(h: DbHandle, *_: Any) -> Any:
        h.released = True
        return True, None

    def db_stats(h: DbHandle, *_: Any) -> Any:
        return db_live(h, "stats") or (to_lua(lua, h.db.stats()), None)

    db_cls = lua_class(state, "sql.DB", {
        "type": db_type, "query": db_query, "execute": db_execute, "prepare": db_prepare,
        "begin": db_begin, "release": db_release, "stats": db_stats,
    }, lambda h: f"sql.DB{{{h.db.id}{', released' if h.released else ''}}}"
        if h is not None else "sql.DB{}")

    # -- Transaction ---------------------------------------------------------------------
    def tx_live(t: TxHandle, method: str) -> Any:
        if not t.active:
            return fail(f"tx:{method}: transaction is not active (already committed or rolled "
                        "back)", INVALID)
        return None

    def tx_type(t: TxHandle, *_: Any) -> Any:
        return tx_live(t, "db_type") or (t.db.db_type.encode(), None)

    def tx_query(t: TxHandle, sql: Any = None, params: Any = None, *_: Any) -> Any:
        return tx_live(t, "query") or run("tx:query", t.conn, t.lock, sql, params, True)

    def tx_execute(t: TxHandle, sql: Any = None, params: Any = None, *_: Any) -> Any:
        return tx_live(t, "execute") or run("tx:execute", t.conn, t.lock, sql, params, False)

    def tx_prepare(t: TxHandle, sql: Any = None, *_: Any) -> Any:
        dead = tx_live(t, "prepare")
        if dead:
            return dead
        text = text_arg("tx:prepare", 1, "sql", sql)
        err = check_sql("tx:prepare", t.conn, t.lock, text)
        return (None, err) if err else (stmt_cls.new(StmtHandle(text, t)), None)

    def tx_end(t: TxHandle, method: str, sql: str) -> Any:
        dead = tx_live(t, method)
        if dead:
            return dead
        try:
            with t.lock:
                t.conn.execute(sql)
        except sqlite3.Error as exc:
            return fail(f"tx:{method}: {exc}", _error_kind(exc))
        finally:
            if sql != "COMMIT" or not t.conn.in_transaction:
                t.finish()
        return True, None

    def tx_commit(t: TxHandle, *_: Any) -> Any:
        return tx_end(t, "commit", "COMMIT")

    def tx_rollback(t: TxHandle, *_: Any) -> Any:
        return tx_end(t, "rollback", "ROLLBACK")

    def savepoint_op(method: str, template: str) -> Any:
        def op(t: TxHandle, name: Any = None, *_: Any) -> Any:
            dead = tx_live(t, method)
            if dead:
                return dead
            text = text_arg(f"tx:{method}", 1, "name", name)
            if not text:
                return fail(f"tx:{method}: savepoint name is required", INVALID)
            if not _SAVEPOINT.match(text):
                return fail(f"tx:{method}: invalid savepoint name {text!r} (letters, digits "
                            "and _ only)", INVALID)
            try:
                with t.lock:
                    t.conn.execute(template.format(text))
            except sqlite3.Error as exc:
                return fail(f"tx:{method}: {exc}", _error_kind(exc))
            return True, None

        return op

    tx_cls = lua_class(state, "sql.Transaction", {
        "db_type": tx_type, "query": tx_query, "execute": tx_execute, "prepare": tx_prepare,
        "commit": tx_commit, "rollback": tx_rollback,
        "savepoint": savepoint_op("savepoint", "SAVEPOINT {}"),
        "rollback_to": savepoint_op("rollback_to", "ROLLBACK TO SAVEPOINT {}"),
        "release": savepoint_op("release", "RELEASE SAVEPOINT {}"),
    }, lambda t: "sql.Transaction{" + ("active" if t is not None and t.active else "done") + "}")

    # -- Statement -----------------------------------------------------------------------
    def stmt_target(s: StmtHandle, method: str) -> Any:
        if s.closed:
            return fail(f"stmt:{method}: statement is closed", INVALID)
        owner = s.owner
        if isinstance(owner, TxHandle):
            dead = tx_live(owner, method)
            return dead or (owner.conn, owner.lock)
        dead = db_live(owner, method)
        return dead or (owner.db.conn, owner.db.lock)

    def stmt_query(s: StmtHandle, params: Any = None, *_: Any) -> Any:
        target = stmt_target(s, "query")
        if target[0] is None:
            return target
        return run("stmt:query", target[0], target[1], s.sql.encode(), params, True)

    def stmt_execute(s: StmtHandle, params: Any = None, *_: Any) -> Any:
        target = stmt_target(s, "execute")
        if target[0] is None:
            return target
        return run("stmt:execute", target[0], target[1], s.sql.encode(), params, False)

    def stmt_close(s: StmtHandle, *_: Any) -> Any:
        if s.closed:
            return fail("stmt:close: statement is already closed", INVALID)
        s.closed = True
        return True, None

    stmt_cls = lua_class(state, "sql.Statement", {
        "query": stmt_query, "execute": stmt_execute, "close": stmt_close,
    }, lambda s: "sql.Statement{" + ("closed" if s is None or s.closed else s.sql) + "}")

    # -- the builder's executors ---------------------------------------------------------
    def target_of(obj: Any) -> DbHandle | TxHandle | None:
        h = db_cls.unwrap(obj)
        return h if h is not None else tx_cls.unwrap(obj)

    def run_on(function: str, obj: Any, text: str, args: list[Any], query: bool) -> Any:
        """A builder's statement on the DB or transaction it was given to `run_with`."""
        try:
            bound = [_param(function, i + 1, to_plain(v)) for i, v in enumerate(args)]
        except (_BadParam, ConversionError) as exc:
            return fail(f"{function}: {exc}", INVALID)
        h = target_of(obj)
        if isinstance(h, TxHandle):
            if not h.active:
                return fail(f"{function}: transaction is not active (already committed or "
                            "rolled back)", INVALID)
            return run_bound(function, h.conn, h.lock, text, bound, query)
        assert isinstance(h, DbHandle)
        if h.released or h.db.closed:
            return fail(f"{function}: database {h.db.id} is released", INVALID)
        return run_bound(function, h.db.conn, h.db.lock, text, bound, query)

    # -- module --------------------------------------------------------------------------
    def get(db_id: Any = None, *_: Any) -> Any:
        did = text_arg("sql.get", 1, "id", db_id)
        if not did:
            return fail("sql.get: resource id is required", INVALID)
        if not security.allowed("db.get", did):
            return fail(f"sql.get: not allowed to access database: {did}", PERMISSION_DENIED)
        res = built(runtime, did)
        if res is None:
            return fail(f"sql.get: database {did} not found", NOT_FOUND)
        db = getattr(res, "db", None)
        if not isinstance(db, SqliteDb):
            return fail(f"sql.get: {did} is a {res.entry.kind}, not a database", INVALID)
        return db_cls.new(DbHandle(db)), None

    def typed(kind: str) -> Any:
        def make(value: Any = None, *_: Any) -> SqlValue:
            if kind in ("int", "float") and (isinstance(value, bool)
                                              or not isinstance(value, (int, float))):
                raise bad_argument(f"sql.as.{kind}", 1, "value", "number", value)
            if kind == "binary" and not isinstance(value, bytes):
                raise bad_argument("sql.as.binary", 1, "value", "string", value)
            return SqlValue(kind, value)

        return make

    as_table = lua.table()
    for kind in ("int", "float", "text", "binary"):
        as_table[kind.encode()] = typed(kind)
    as_table[b"null"] = lambda *_: SqlValue("null", None)

    module = lua.table()
    module[b"get"] = get
    module[b"type"] = to_lua(lua, TYPES)
    module[b"isolation"] = to_lua(lua, ISOLATION)
    module[b"NULL"] = SqlValue("null", None)
    module[b"as"] = as_table
    module[b"builder"] = build_module(state, run_on, lambda obj: target_of(obj) is not None)
    state.bind("sql", module)
