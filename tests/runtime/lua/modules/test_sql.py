"""The `sql` module over `db.sql.sqlite` entries (real SQLite), from Lua."""

from __future__ import annotations

import sqlite3

import pytest
from wippy_runtime.errors import INVALID, NOT_FOUND, PERMISSION_DENIED, CallError


@pytest.fixture
def db(rt):
    rt.define({"id": "app:db", "kind": "db.sql.sqlite", "file": ":memory:"})
    return "app:db"


def test_get_type_stats_release(run, db):
    out = run("""
local d, err = sql.get("app:db")
local t = d:type()
local st = d:stats()
local ok = d:release()
local _, e2 = d:query("SELECT 1")
return {err == nil, t, t == sql.type.SQLITE, st.open_connections, st.in_use, st.idle, ok,
        e2:kind(), tostring(d)}
""", ["sql"])
    assert out[:8] == [True, "sqlite", True, 1, 0, 1, True, INVALID]
    assert "app:db" in out[8]


def test_query_rows_keyed_by_column_and_execute_result(run, db):
    out = run("""
local d = sql.get("app:db")
d:execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, value REAL, raw BLOB)")
local r1 = d:execute("INSERT INTO t (name, value, raw) VALUES (?, ?, ?)", {"alice", 1.5, "\\0\\1"})
local r2 = d:execute("INSERT INTO t (name, value) VALUES (?, ?)", {"bob", 2})
local up = d:execute("UPDATE t SET value = value + 1 WHERE value > ?", {0})
local rows = d:query("SELECT id, name, value, raw FROM t ORDER BY id")
local none = d:query("SELECT * FROM t WHERE name = ?", {"nobody"})
return {r1.last_insert_id, r1.rows_affected, r2.last_insert_id, up.rows_affected, #rows,
        rows[1].name, rows[1].value, math.type(rows[1].id), #rows[1].raw, rows[2].raw == nil,
        #none}
""", ["sql"])
    assert out == [1, 1, 2, 2, 2, "alice", 2.5, "integer", 2, True, 0]


def test_memory_database_is_shared_by_every_caller_of_the_entry(run, db):
    run('sql.get("app:db"):execute("CREATE TABLE s (v INTEGER)") '
        'sql.get("app:db"):execute("INSERT INTO s VALUES (7)") return true', ["sql"])
    assert run('return sql.get("app:db"):query("SELECT v FROM s")[1].v', ["sql"]) == 7


def test_file_database_is_a_real_sqlite_file(run, rt, tmp_path):
    path = tmp_path / "data.db"
    rt.define({"id": "app:file", "kind": "db.sql.sqlite", "file": str(path)})
    run('local d = sql.get("app:file") d:execute("CREATE TABLE f (x TEXT)") '
        'd:execute("INSERT INTO f VALUES (?)", {"on disk"}) return true', ["sql"])
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT x FROM f").fetchall() == [("on disk",)]


def test_transaction_commit_rollback_and_isolation(run, db):
    out = run("""
local d = sql.get("app:db")
d:execute("CREATE TABLE tx (name TEXT)")
local tx = d:begin()
tx:execute("INSERT INTO tx VALUES (?)", {"kept"})
local ok = tx:commit()
local tx2 = d:begin({isolation = sql.isolation.SERIALIZABLE})
tx2:execute("INSERT INTO tx VALUES (?)", {"dropped"})
local inside = tx2:query("SELECT COUNT(*) AS n FROM tx")[1].n
tx2:rollback()
local after = d:query("SELECT COUNT(*) AS n FROM tx")[1].n
local _, e1 = tx2:query("SELECT 1")
local _, e2 = tx:commit()
local bad, e3 = d:begin({isolation = "sometimes"})
return {ok, inside, after, e1:kind(), e2:kind(), bad == nil, e3:kind(), tx:db_type() == nil}
""", ["sql"])
    assert out == [True, 2, 1, INVALID, INVALID, True, INVALID, True]


def test_read_only_transaction_refuses_writes(run, db):
    out = run("""
local d = sql.get("app:db")
d:execute("CREATE TABLE ro (x INTEGER)")
local tx = d:begin({read_only = true})
local rows, e1 = tx:query("SELECT * FROM ro")
local _, e2 = tx:execute("INSERT INTO ro VALUES (1)")
tx:rollback()
return {#rows, e1 == nil, e2 ~= nil}
""", ["sql"])
    assert out == [0, True, True]


def test_savepoints(run, db):
    out = run("""
local d = sql.get("app:db")
d:execute("CREATE TABLE sp (name TEXT)")
local tx = d:begin()
tx:execute("INSERT INTO sp VALUES ('base')")
assert(tx:savepoint("outer"))
tx:execute("INSERT INTO sp VALUES ('outer')")
assert(tx:savepoint("inner"))
tx:execute("INSERT INTO sp VALUES ('inner')")
local rb = tx:rollback_to("inner")
local rel = tx:release("outer")
local _, bad = tx:savepoint("has spaces")
local _, empty = tx:savepoint("")
tx:commit()
local names = {}
for _, r in ipairs(d:query("SELECT name FROM sp ORDER BY name")) do names[#names + 1] = r.name end
return {rb, rel, bad:kind(), empty:kind(), names}
""", ["sql"])
    assert out == [True, True, INVALID, INVALID, ["base", "outer"]]


def test_prepared_statements(run, db):
    out = run("""
local d = sql.get("app:db")
d:execute("CREATE TABLE ps (name TEXT, value INTEGER)")
local ins = d:prepare("INSERT INTO ps VALUES (?, ?)")
for i = 1, 3 do ins:execute({"item" .. i, i * 100}) end
local closed = ins:close()
local _, e1 = ins:execute({"x", 1})
local _, e2 = ins:close()
local q = d:prepare("SELECT name FROM ps WHERE value > ? ORDER BY value")
local two, one = #q:query({150}), q:query({250})[1].name
local tx = d:begin()
local up = tx:prepare("UPDATE ps SET value = value + ? WHERE name = ?")
up:execute({50, "item1"})
tx:commit()
local _, e3 = up:execute({1, "item1"})
local bad, e4 = d:prepare("SELEC nonsense")
return {closed, e1:kind(), e2:kind(), two, one,
        d:query("SELECT value FROM ps WHERE name = 'item1'")[1].value, e3:kind(), bad == nil,
        e4:kind()}
""", ["sql"])
    assert out == [True, INVALID, INVALID, 2, "item3", 150, INVALID, True, INVALID]


def test_typed_parameters(run, db):
    out = run("""
local d = sql.get("app:db")
d:execute("CREATE TABLE ty (a, b, c, e)")
d:execute("INSERT INTO ty VALUES (?, ?, ?, ?)", {sql.as.int(2.9), sql.as.text(12), sql.NULL,
                                                  sql.as.null()})
local r = d:query("SELECT typeof(a) AS ta, a, typeof(b) AS tb, b, typeof(c) AS tc FROM ty")[1]
return {r.ta, r.a, r.tb, r.b, r.tc}
""", ["sql"])
    assert out == ["integer", 2, "text", "12", "null"]


def test_errors(run, rt, db):
    rt.define({"id": "app:notdb", "kind": "store.memory"})
    out = run("""
local a, e1 = sql.get("")
local b, e2 = sql.get("app:nope")
local c, e3 = sql.get("app:notdb")
local d = sql.get("app:db")
local r, e4 = d:query("INVALID SQL SYNTAX HERE")
local s, e5 = d:query("SELECT * FROM no_such_table")
local t, e6 = d:query("SELECT ?", {{nested = true}})
return {a == nil, e1:kind(), e1:retryable(), e2:kind(), e3:kind(), r == nil, e4:kind(),
        e5:kind(), t == nil, e6:kind()}
""", ["sql"])
    assert out == [True, INVALID, False, NOT_FOUND, INVALID, True, INVALID, INVALID, True,
                   INVALID]


def test_bad_arguments_name_the_function_and_argument(run, db):
    with pytest.raises(CallError) as info:
        run('return sql.get("app:db"):query(42)', ["sql"])
    assert "db:query" in str(info.value) and "sql" in str(info.value)
    with pytest.raises(CallError) as info:
        run("return sql.get()", ["sql"])
    assert "sql.get" in str(info.value) and "id" in str(info.value)
    with pytest.raises(CallError) as info:
        run('return sql.as.int("x")', ["sql"])
    assert "sql.as.int" in str(info.value)


def test_db_get_permission(run, db, policy):
    allow = policy("allow_all")
    deny = policy("no_db", actions="db.get", resources="app:db", effect="deny")
    out = run('local d, e = sql.get("app:db") return {d == nil, e:kind()}', ["sql"],
              actor="bob", scope=[allow, deny])
    assert out == [True, PERMISSION_DENIED]


def test_entry_validation(rt):
    from wippy_runtime.errors import LoadError

    with pytest.raises(LoadError, match="file is required"):
        rt.define({"id": "app:nofile", "kind": "db.sql.sqlite"})
    with pytest.raises(LoadError, match="not a pragma name"):
        rt.define({"id": "app:badopt", "kind": "db.sql.sqlite", "file": ":memory:",
                   "options": {"journal_mode": "wal; DROP TABLE x"}})
    with pytest.raises(LoadError, match="does not exist"):
        rt.define({"id": "app:nodir", "kind": "db.sql.sqlite", "file": "/no/such/dir/x.db"})
