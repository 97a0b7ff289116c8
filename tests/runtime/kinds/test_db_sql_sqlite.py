"""`db.sql.sqlite` entries: files, shared in-memory databases, pragmas, limits."""

from __future__ import annotations

import pytest
from wippy_runtime import Runtime
from wippy_runtime.errors import LoadError
from wippy_runtime.kinds.db_sql_sqlite import SqliteDatabase


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    yield runtime
    runtime.close()


def test_memory_database_is_shared_by_the_entry_connections_only(rt):
    a_entry = rt.define({"id": "app:a", "kind": "db.sql.sqlite", "file": ":memory:"})
    b = rt.define({"id": "app:b", "kind": "db.sql.sqlite", "file": ":memory:"}).db
    assert isinstance(a_entry, SqliteDatabase)
    a = a_entry.db
    a.conn.execute("CREATE TABLE t (x)")
    a.conn.execute("INSERT INTO t VALUES (1)")
    other = a.open_transaction_connection()
    try:
        assert other.execute("SELECT x FROM t").fetchall() == [(1,)]
    finally:
        a.close_transaction_connection(other)
    assert b.conn.execute("SELECT name FROM sqlite_master").fetchall() == []


def test_file_relative_to_project_root_and_pragmas(rt, tmp_path):
    (tmp_path / "app.yaml").write_text(
        "namespace: app\nentries:\n  - name: db\n    kind: db.sql.sqlite\n"
        "    file: data/app.db\n    options: {_foreign_keys: 'on', journal_mode: wal}\n")
    (tmp_path / "data").mkdir()
    report = rt.load(tmp_path)
    assert report.errors == []
    db = rt.built["app:db"].db
    assert db.target == str(tmp_path / "data" / "app.db")
    assert db.conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
    assert db.conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_pool_max_open_limits_transactions(rt):
    db = rt.define({"id": "app:p", "kind": "db.sql.sqlite", "file": ":memory:",
                    "pool": {"max_open": 2}}).db
    conn = db.open_transaction_connection()
    with pytest.raises(Exception, match="too many open transactions"):
        db.open_transaction_connection()
    db.close_transaction_connection(conn)
    assert db.stats()["open_connections"] == 1


def test_replacing_the_entry_closes_the_old_database(rt):
    old = rt.define({"id": "app:r", "kind": "db.sql.sqlite", "file": ":memory:"})
    rt.define({"id": "app:r", "kind": "db.sql.sqlite", "file": ":memory:"})
    assert old.db.closed


@pytest.mark.parametrize("extra, message", [
    ({}, "file is required"),
    ({"file": ":memory:", "pool": {"max_open": -1}}, "pool.max_open must be a positive"),
    ({"file": ":memory:", "options": "wal"}, "options must map pragma names"),
])
def test_bad_definitions_name_the_entry(rt, extra, message):
    with pytest.raises(LoadError) as info:
        rt.define({"id": "app:bad", "kind": "db.sql.sqlite", **extra})
    assert message in str(info.value) and "app:bad" in str(info.value)
