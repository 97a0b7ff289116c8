"""`sql.builder` from real Lua on real SQLite: the SQL text it writes, its arguments,
placeholder formats, executors on DBs and transactions, and its errors."""

from __future__ import annotations

import pytest
from wippy_runtime.errors import INVALID, CallError

SETUP = """
local db = sql.get("app:db")
db:execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT, value REAL, "
           .. "active INTEGER, category TEXT)")
db:execute("DELETE FROM items")
for _, r in ipairs({{"alice", 100, 1, "A"}, {"bob", 200, 0, "B"}, {"carol", 150, 1, "A"},
                    {"dave", 300, 1, "C"}}) do
  db:execute("INSERT INTO items (name, value, active, category) VALUES (?, ?, ?, ?)", r)
end
local b = sql.builder
"""


@pytest.fixture
def db(rt):
    rt.define({"id": "app:db", "kind": "db.sql.sqlite", "file": ":memory:"})
    return "app:db"


def test_select_sql_text_and_args(run, db):
    out = run(SETUP + """
local q = b.select("id", "name"):from("items"):where({active = 1, category = "A"})
  :where("value > ?", 120):order_by("name ASC"):limit(10):offset(5)
local s, args = q:to_sql()
local d = b.select("category"):distinct():from("items"):group_by("category")
  :having(b.gt({["COUNT(*)"] = 1}))
return {s, args, (d:to_sql()), tostring(q)}
""", ["sql"])
    assert out[0] == ("SELECT id, name FROM items WHERE active = ? AND category = ? AND "
                      "value > ? ORDER BY name ASC LIMIT 10 OFFSET 5")
    assert out[1] == [1, "A", 120]
    assert out[2] == "SELECT DISTINCT category FROM items GROUP BY category HAVING COUNT(*) > ?"
    assert out[3] == out[0]


def test_conditions_nulls_arrays_and_junctions(run, db):
    out = run(SETUP + """
local function s(x) return (x:to_sql()) end
return {
  s(b.eq({a = sql.NULL})), s(b.not_eq({a = sql.NULL})), s(b.eq({a = {1, 2, 3}})),
  s(b.not_eq({a = {1}})), s(b.eq({a = {}})), s(b.like({name = "a%"})),
  s(b.not_like({name = "a%"})), s(b.lte({v = 1})), s(b.gte({v = 1})), s(b.lt({v = 1})),
  s(b.or_({b.and_({b.eq({category = "A"}), b.gt({value = 100})}), b.eq({name = "d"})})),
  s(b.expr("x IN (?)", b.select("id"):from("items"):where({active = 1}))),
}
""", ["sql"])
    assert out == ["a IS NULL", "a IS NOT NULL", "a IN (?,?,?)", "a NOT IN (?)", "(1=0)",
                   "name LIKE ?", "name NOT LIKE ?", "v <= ?", "v >= ?", "v < ?",
                   "((category = ? AND value > ?) OR name = ?)",
                   "x IN (SELECT id FROM items WHERE active = ?)"]


def test_builders_are_values_extending_one_does_not_change_it(run, db):
    out = run(SETUP + """
local base = b.select("name"):from("items")
local a = base:where({category = "A"}):order_by("name")
local rows = a:run_with(sql.get("app:db")):query()
local all = base:order_by("name"):run_with(sql.get("app:db")):query()
return {(base:to_sql()), #rows, rows[1].name, rows[2].name, #all}
""", ["sql"])
    assert out == ["SELECT name FROM items", 2, "alice", "carol", 4]


@pytest.mark.parametrize(("fmt", "expected"), [
    ("question", "UPDATE items SET name = ?, value = ? WHERE id = ?"),
    ("dollar", "UPDATE items SET name = $1, value = $2 WHERE id = $3"),
    ("at", "UPDATE items SET name = @p1, value = @p2 WHERE id = @p3"),
    ("colon", "UPDATE items SET name = :1, value = :2 WHERE id = :3"),
])
def test_placeholder_formats(run, db, fmt, expected):
    out = run(SETUP + f"""
return (b.update("items"):set("name", "x"):set("value", 1):where({{id = 2}})
  :placeholder_format(b.{fmt}):to_sql())
""", ["sql"])
    assert out == expected


def test_insert_update_delete_run_and_report_results(run, db):
    out = run(SETUP + """
local db = sql.get("app:db")
local ins = b.insert("items"):columns("name", "value", "active"):values("eve", 5, 1)
  :values("fay", sql.as.float(6), sql.NULL)
local r1 = ins:run_with(db):exec()
local r2 = b.insert("items"):set_map({name = "gus", value = 7}):run_with(db):exec()
local r3 = b.update("items"):set_map({active = 0}):where(b.lt({value = 10})):run_with(db):exec()
local r4 = b.delete("items"):where("value < ?", 7):run_with(db):exec()
local left = b.select("name", "active"):from("items"):where(b.lt({value = 10}))
  :run_with(db):query()
return {r1.rows_affected, r2.rows_affected, r3.rows_affected, r4.rows_affected,
        #left, left[1].name, left[1].active,
        (b.insert("t"):options("OR IGNORE"):values(1):suffix("RETURNING id"):to_sql())}
""", ["sql"])
    assert out == [2, 1, 3, 2, 1, "gus", 0, "INSERT OR IGNORE INTO t VALUES (?) RETURNING id"]


def test_insert_select_and_update_from(run, db):
    out = run(SETUP + """
local db = sql.get("app:db")
db:execute("CREATE TABLE copy (name TEXT, value REAL)")
local sub = b.select("name", "value"):from("items"):where(b.gt({value = 150}))
local r = b.insert("copy"):columns("name", "value"):select(sub):run_with(db):exec()
local u = b.update("copy"):set("value", 1):from_select(b.select("name"):from("items"), "src")
  :where("copy.name = src.name")
return {r.rows_affected, (u:to_sql())}
""", ["sql"])
    assert out == [2, "UPDATE copy SET value = ? FROM (SELECT name FROM items) AS src "
                      "WHERE copy.name = src.name"]


def test_executor_runs_inside_a_transaction(run, db):
    out = run(SETUP + """
local db = sql.get("app:db")
local tx = db:begin()
b.delete("items"):run_with(tx):exec()
local inside = #b.select("id"):from("items"):run_with(tx):query()
tx:rollback()
local after = #b.select("id"):from("items"):run_with(db):query()
local _, err = b.select("id"):from("items"):run_with(tx):query()
local released = sql.get("app:db")
local stale = b.select("id"):from("items"):run_with(released)
released:release()
local _, rerr = stale:query()
local ex = b.select("id"):from("items"):where({id = 1}):run_with(db)
local s, a = ex:to_sql()
return {inside, after, err:kind(), s, a, err:message(), rerr:message()}
""", ["sql"])
    assert out[:3] == [0, 4, INVALID]
    assert out[3:5] == ["SELECT id FROM items WHERE id = ?", [1]]
    assert out[5] == ("executor:query: transaction is not active (already committed or rolled "
                      "back)")
    assert out[6] == "executor:query: database app:db is released"


def test_invalid_statements_are_invalid_errors(run, db):
    out = run(SETUP + """
local r = {}
for name, q in pairs({
  no_columns = b.select():from("items"),
  no_table = b.insert():values(1),
  no_values = b.insert("items"),
  no_set = b.update("items"),
  update_no_table = b.update():set("a", 1),
  delete_no_table = b.delete(),
}) do
  local s, err = q:to_sql()
  local ex, err2 = q:run_with(sql.get("app:db"))
  r[name] = {s == nil, err:kind(), err:message(), ex == nil, err2 and err2:kind()}
end
local _, qerr = b.select("nope"):from("missing"):run_with(sql.get("app:db")):query()
r.sql_error = {qerr:kind(), qerr:message()}
return r
""", ["sql"])
    for name in ("no_columns", "no_table", "no_values", "no_set", "update_no_table",
                 "delete_no_table"):
        assert out[name][:2] == [True, INVALID] and out[name][3:] == [True, INVALID], name
    assert "at least one result column" in out["no_columns"][2]
    assert "must specify a table" in out["no_table"][2]
    assert "at least one Set clause" in out["no_set"][2]
    assert out["sql_error"][0] == INVALID and "no such table: missing" in out["sql_error"][1]


def test_bad_arguments_raise_naming_the_method(run, db):
    with pytest.raises(CallError, match="run_with"):
        run(SETUP + 'return b.select("a"):from("items"):run_with({})', ["sql"])
    with pytest.raises(CallError, match="limit"):
        run(SETUP + 'return b.select("a"):limit("ten")', ["sql"])
    with pytest.raises(CallError, match="eq"):
        run(SETUP + "return b.eq(5)", ["sql"])
    with pytest.raises(CallError, match="call it as a method"):
        run(SETUP + 'local q = b.select("a") return q.to_sql()', ["sql"])


# -- the builder and plain queries from coroutines, selects and processes ------------------
# (what Wippy's `coroutine_sql` app tests do; they timed out while `sql.builder` was missing:
# the spawned coroutine died on `sql.builder.select` and the waiting side only saw its timer)

COROUTINE = SETUP + """
local results = channel.new(1)
coroutine.spawn(function()
  local cdb = sql.get("app:db")
  local rows, err = b.select("name"):from("items"):where({category = "C"}):run_with(cdb):query()
  local plain = cdb:query("SELECT COUNT(*) AS n FROM items")
  cdb:release()
  results:send({name = rows and rows[1].name, err = err, n = plain[1].n})
end)
local timeout = time.after("20s")
local r = channel.select({results:case_receive(), timeout:case_receive()})
if r.channel == timeout then error("coroutine SQL query did not complete") end
return r.value
"""


def test_queries_complete_inside_a_coroutine_waited_on_by_select(run, db):
    assert run(COROUTINE, ["sql", "time"]) == {"name": "dave", "n": 4}


def test_queries_complete_in_a_coroutine_of_a_spawned_process(rt, db):
    rt.define({"id": "app:processes", "kind": "process.host"})
    rt.define({"id": "app:worker", "kind": "process.lua", "method": "main",
               "modules": ["sql", "time"],
               "source": "local function main(parent)\n" + COROUTINE.replace(
                   "return r.value", 'process.send(parent, "done", r.value)') +
                         "\nend\nreturn {main = main}"})
    rt.define({"id": "app:parent", "kind": "function.lua", "method": "main",
               "modules": ["time"], "source": """
local function main()
  process.spawn("app:worker", "app:processes", process.pid())
  local timeout = time.after("20s")
  local r = channel.select({process.inbox():case_receive(), timeout:case_receive()})
  if r.channel == timeout then error("spawned process SQL query did not complete") end
  return r.value:payload():data()
end
return {main = main}"""})
    assert rt.call("app:parent") == {"name": "dave", "n": 4}
