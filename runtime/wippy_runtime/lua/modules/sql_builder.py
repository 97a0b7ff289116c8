"""`sql.builder`: Wippy's fluent SQL query builder (the `squirrel` builder's shapes), bound as
a field of the `sql` module.

`select/insert/update/delete` start a statement, `expr/eq/not_eq/lt/lte/gt/gte/like/not_like/
and_/or_` make conditions ("Sqlizers"); every method returns a *new* builder (a builder is a
value: a base query can be extended twice), `to_sql()` gives `sql, args` (or `nil, err`
INVALID for a statement that cannot be written: no columns, no table, no values, no SET),
`run_with(db_or_tx)` an executor whose `query()`/`exec()` run it on that DB or transaction with
the `sql` module's own result shapes and errors. `tostring(builder)` is its SQL.

SQL text follows the builder it mirrors, because code compares it: conditions of one `eq`
sorted by column and joined by AND, `and_`/`or_` parenthesised, `nil`/`sql.NULL` as `IS NULL`,
an array as `IN (?,?)` (an empty one is false, `(1=0)`), LIMIT/OFFSET written inline, several
`where` calls joined by AND. A builder or condition given as an argument of `expr` (or as
`insert:select`, `update:from_select`) is inlined, its arguments in place. Placeholders are `?`
until the outermost statement renders them in its `placeholder_format` (`$1`, `@p1`, `:1`);
`??` stays a literal `?`.

Written by hand: no Python library renders this dialect (pypika and SQLAlchemy core build
their own SQL shapes, not squirrel's, which Wippy code and tests compare against).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...errors import INVALID
from ..convert import ConversionError, to_lua, to_plain
from ..objects import bad_argument, fail, lua_class, lua_type, text_arg

if TYPE_CHECKING:
    from ..state import LuaState


class BuildError(ValueError):
    """A statement that cannot be written (the `to_sql` INVALID error's text)."""


@dataclass(frozen=True)
class Placeholder:
    """`sql.builder.question|dollar|at|colon`: how `?` is rendered."""

    name: str

    def render(self, text: str) -> str:
        if self.name == "question":
            return text.replace("??", "?")
        count = 0

        def number(m: re.Match[str]) -> str:
            nonlocal count
            if m.group(0) == "??":
                return "?"
            count += 1
            return {"dollar": "${}", "at": "@p{}", "colon": ":{}"}[self.name].format(count)

        return re.sub(r"\?\?|\?", number, text)

    def __repr__(self) -> str:
        return f"sql.builder.{self.name}"


QUESTION = Placeholder("question")
PLACEHOLDERS = {name: Placeholder(name) for name in ("question", "dollar", "at", "colon")}


class Sqlizer:
    """Anything that renders to SQL with `?` placeholders and its arguments."""

    def sql(self) -> tuple[str, list[Any]]:
        raise NotImplementedError


def _inline(text: str, args: tuple[Any, ...] | list[Any]) -> tuple[str, list[Any]]:
    """`text` with each Sqlizer argument's SQL in place of its `?` (and its args spliced)."""
    if not any(isinstance(a, Sqlizer) for a in args):
        return text, list(args)
    out_args: list[Any] = []
    parts: list[str] = []
    it = iter(args)
    pos = 0
    for m in re.finditer(r"\?\?|\?", text):
        parts.append(text[pos:m.start()])
        pos = m.end()
        if m.group(0) == "??":
            parts.append("??")
            continue
        arg = next(it, None)
        if isinstance(arg, Sqlizer):
            sub_sql, sub_args = arg.sql()
            parts.append(sub_sql)
            out_args.extend(sub_args)
        else:
            parts.append("?")
            out_args.append(arg)
    parts.append(text[pos:])
    out_args.extend(it)
    return "".join(parts), out_args


@dataclass(frozen=True)
class Expr(Sqlizer):
    text: str
    args: tuple[Any, ...] = ()

    def sql(self) -> tuple[str, list[Any]]:
        return _inline(self.text, self.args)


_NULL_OPS = {"=": "IS NULL", "<>": "IS NOT NULL"}


def _is_null(value: Any) -> bool:
    return value is None or getattr(value, "kind", None) == "null"


@dataclass(frozen=True)
class Compare(Sqlizer):
    """`eq` / `not_eq` / `lt` ... `not_like` of a {column = value} map."""

    op: str
    pairs: tuple[tuple[str, Any], ...]

    def sql(self) -> tuple[str, list[Any]]:
        parts: list[str] = []
        args: list[Any] = []
        for column, value in sorted(self.pairs, key=lambda p: p[0]):
            if _is_null(value) and self.op in _NULL_OPS:
                parts.append(f"{column} {_NULL_OPS[self.op]}")
            elif isinstance(value, list):
                if self.op not in _NULL_OPS:
                    raise BuildError(f"{column}: an array is only allowed with eq and not_eq")
                if not value:
                    parts.append("(1=0)" if self.op == "=" else "(1=1)")
                    continue
                marks = ",".join("?" * len(value))
                parts.append(f"{column} {'IN' if self.op == '=' else 'NOT IN'} ({marks})")
                args.extend(value)
            elif isinstance(value, Sqlizer):
                sub_sql, sub_args = value.sql()
                parts.append(f"{column} {self.op} ({sub_sql})")
                args.extend(sub_args)
            else:
                parts.append(f"{column} {self.op} ?")
                args.append(value)
        return " AND ".join(parts), args


@dataclass(frozen=True)
class Junction(Sqlizer):
    op: str  # "AND" / "OR"
    parts: tuple[Sqlizer, ...]

    def sql(self) -> tuple[str, list[Any]]:
        if not self.parts:
            return ("(1=1)" if self.op == "AND" else "(1=0)"), []
        texts: list[str] = []
        args: list[Any] = []
        for part in self.parts:
            text, part_args = part.sql()
            if text:
                texts.append(text)
                args.extend(part_args)
        return "(" + f" {self.op} ".join(texts) + ")", args


def _clauses(keyword: str, parts: tuple[Sqlizer, ...], joiner: str = " AND "
             ) -> tuple[str, list[Any]]:
    if not parts:
        return "", []
    texts: list[str] = []
    args: list[Any] = []
    for part in parts:
        text, part_args = part.sql()
        if text:
            texts.append(text)
            args.extend(part_args)
    return (f" {keyword} " + joiner.join(texts) if texts else ""), args


def _tail(order_by: tuple[str, ...], limit: int | None, offset: int | None,
          suffixes: tuple[Sqlizer, ...]) -> tuple[str, list[Any]]:
    text = ""
    if order_by:
        text += " ORDER BY " + ", ".join(order_by)
    if limit is not None:
        text += f" LIMIT {limit}"
    if offset is not None:
        text += f" OFFSET {offset}"
    args: list[Any] = []
    for suffix in suffixes:
        s, a = suffix.sql()
        text += " " + s
        args.extend(a)
    return text, args


class Statement(Sqlizer):
    placeholder: Placeholder = QUESTION

    def to_sql(self) -> tuple[str, list[Any]]:
        """The statement in its placeholder format (raises BuildError)."""
        text, args = self.sql()
        return self.placeholder.render(text), args


@dataclass(frozen=True)
class Select(Statement):
    columns: tuple[str, ...] = ()
    distinct: bool = False
    table: str = ""
    joins: tuple[Sqlizer, ...] = ()
    wheres: tuple[Sqlizer, ...] = ()
    group_by: tuple[str, ...] = ()
    havings: tuple[Sqlizer, ...] = ()
    order_by: tuple[str, ...] = ()
    limit: int | None = None
    offset: int | None = None
    suffixes: tuple[Sqlizer, ...] = ()
    placeholder: Placeholder = QUESTION

    def sql(self) -> tuple[str, list[Any]]:
        if not self.columns:
            raise BuildError("select statements must have at least one result column")
        text = "SELECT " + ("DISTINCT " if self.distinct else "") + ", ".join(self.columns)
        args: list[Any] = []
        if self.table:
            text += " FROM " + self.table
        for join in self.joins:
            s, a = join.sql()
            text += " " + s
            args.extend(a)
        s, a = _clauses("WHERE", self.wheres)
        text += s
        args.extend(a)
        if self.group_by:
            text += " GROUP BY " + ", ".join(self.group_by)
        s, a = _clauses("HAVING", self.havings)
        text += s
        args.extend(a)
        s, a = _tail(self.order_by, self.limit, self.offset, self.suffixes)
        return text + s, args + a


@dataclass(frozen=True)
class Insert(Statement):
    table: str = ""
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    select: Select | None = None
    prefixes: tuple[Sqlizer, ...] = ()
    options: tuple[str, ...] = ()
    suffixes: tuple[Sqlizer, ...] = ()
    placeholder: Placeholder = QUESTION

    def sql(self) -> tuple[str, list[Any]]:
        if not self.table:
            raise BuildError("insert statements must specify a table")
        if not self.rows and self.select is None:
            raise BuildError("insert statements must have at least one set of values or "
                             "select clause")
        args: list[Any] = []
        text = ""
        for prefix in self.prefixes:
            s, a = prefix.sql()
            text += s + " "
            args.extend(a)
        text += "INSERT " + "".join(o + " " for o in self.options) + "INTO " + self.table
        if self.columns:
            text += " (" + ",".join(self.columns) + ")"
        if self.select is not None:
            s, a = self.select.sql()
            text += " " + s
            args.extend(a)
        else:
            rows: list[str] = []
            for row in self.rows:
                marks: list[str] = []
                for value in row:
                    if isinstance(value, Sqlizer):
                        s, a = value.sql()
                        marks.append(s)
                        args.extend(a)
                    else:
                        marks.append("?")
                        args.append(value)
                rows.append("(" + ",".join(marks) + ")")
            text += " VALUES " + ",".join(rows)
        s, a = _tail((), None, None, self.suffixes)
        return text + s, args + a


@dataclass(frozen=True)
class Update(Statement):
    table: str = ""
    sets: tuple[tuple[str, Any], ...] = ()
    source: Sqlizer | None = None  # FROM
    source_alias: str = ""
    wheres: tuple[Sqlizer, ...] = ()
    order_by: tuple[str, ...] = ()
    limit: int | None = None
    offset: int | None = None
    suffixes: tuple[Sqlizer, ...] = ()
    placeholder: Placeholder = QUESTION

    def sql(self) -> tuple[str, list[Any]]:
        if not self.table:
            raise BuildError("update statements must specify a table")
        if not self.sets:
            raise BuildError("update statements must have at least one Set clause")
        args: list[Any] = []
        sets: list[str] = []
        for column, value in self.sets:
            if isinstance(value, Sqlizer):
                s, a = value.sql()
                sets.append(f"{column} = " + (f"({s})" if isinstance(value, Select) else s))
                args.extend(a)
            else:
                sets.append(f"{column} = ?")
                args.append(value)
        text = f"UPDATE {self.table} SET " + ", ".join(sets)
        if self.source is not None:
            s, a = self.source.sql()
            if isinstance(self.source, Select):
                s = f"({s}) AS {self.source_alias}" if self.source_alias else f"({s})"
            text += " FROM " + s
            args.extend(a)
        s, a = _clauses("WHERE", self.wheres)
        text += s
        args.extend(a)
        s, a = _tail(self.order_by, self.limit, self.offset, self.suffixes)
        return text + s, args + a


@dataclass(frozen=True)
class Delete(Statement):
    table: str = ""
    wheres: tuple[Sqlizer, ...] = ()
    order_by: tuple[str, ...] = ()
    limit: int | None = None
    offset: int | None = None
    suffixes: tuple[Sqlizer, ...] = ()
    placeholder: Placeholder = QUESTION

    def sql(self) -> tuple[str, list[Any]]:
        if not self.table:
            raise BuildError("delete statements must specify a From table")
        text = "DELETE FROM " + self.table
        s, a = _clauses("WHERE", self.wheres)
        t, b = _tail(self.order_by, self.limit, self.offset, self.suffixes)
        return text + s + t, a + b


@dataclass(frozen=True)
class Executor:
    text: str
    args: tuple[Any, ...]
    target: Any  # the Lua DB or Transaction object


#: runs `text` with plain `args` on a Lua DB/Transaction object: (function name, target,
#: text, args, query?) -> Lua's `value, err`
RunOn = Callable[[str, Any, str, list[Any], bool], Any]


def build_module(state: LuaState, run_on: RunOn, is_target: Callable[[Any], bool]) -> Any:
    """The `sql.builder` table for one Lua state; `run_on` executes on a DB or transaction
    (`is_target` tells whether a Lua value is one)."""
    lua = state.lua
    classes: list[Any] = []

    def unwrap(value: Any) -> Any:
        if lua_type(value) != "table":
            return None
        for cls in classes:
            h = cls.unwrap(value)
            if h is not None:
                return h
        return None

    def value_of(function: str, i: int, value: Any) -> Any:
        """A bound value (or an inlined Sqlizer) from Lua."""
        h = unwrap(value)
        if h is not None:
            if isinstance(h, Sqlizer):
                return h
            raise bad_argument(function, i, "value", "a value or condition", value)
        try:
            plain = to_plain(value)
        except ConversionError as exc:
            raise bad_argument(function, i, "value", f"a value ({exc})", value) from None
        if isinstance(plain, dict):
            if plain:
                raise bad_argument(function, i, "value", "a value, array or condition", value)
            return []
        return plain

    def texts(function: str, values: tuple[Any, ...], name: str = "column") -> tuple[str, ...]:
        return tuple(text_arg(function, i + 1, name, v) for i, v in enumerate(values))

    def mapping(function: str, value: Any) -> tuple[tuple[str, Any], ...]:
        if lua_type(value) != "table" or unwrap(value) is not None:
            raise bad_argument(function, 1, "map", "table of column = value", value)
        pairs: list[tuple[str, Any]] = []
        for key, val in value.items():
            if not isinstance(key, bytes):
                raise bad_argument(function, 1, "map", "table with string keys", value)
            pairs.append((key.decode("utf-8", "replace"), value_of(function, 1, val)))
        return tuple(pairs)

    def condition(function: str, cond: Any, args: tuple[Any, ...]) -> Sqlizer:
        """where/having's three forms: "sql", args... | {column = value} | a Sqlizer."""
        if isinstance(cond, bytes):
            return Expr(cond.decode("utf-8", "replace"),
                        tuple(value_of(function, i + 2, a) for i, a in enumerate(args)))
        h = unwrap(cond)
        if isinstance(h, Sqlizer):
            return h
        if lua_type(cond) == "table":
            return Compare("=", mapping(function, cond))
        raise bad_argument(function, 1, "condition", "string, table or condition", cond)

    def count(function: str, value: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise bad_argument(function, 1, "n", "non-negative integer", value)
        return value

    def placeholder(function: str, value: Any) -> Placeholder:
        if not isinstance(value, Placeholder):
            raise bad_argument(function, 1, "format", "sql.builder placeholder", value)
        return value

    def statement_of(function: str, value: Any, kind: type) -> Any:
        h = unwrap(value)
        if not isinstance(h, kind):
            raise bad_argument(function, 1, "query", "SelectBuilder", value)
        return h

    def render(b: Statement) -> Any:
        try:
            text, args = b.to_sql()
        except BuildError as exc:
            return fail(f"to_sql: {exc}", INVALID)
        return text.encode(), to_lua(lua, args)

    def run_with(b: Statement, target: Any = None, *_: Any) -> Any:
        if not is_target(target):
            raise bad_argument("run_with", 1, "db", "sql.DB or sql.Transaction", target)
        try:
            text, args = b.to_sql()
        except BuildError as exc:
            return fail(f"run_with: {exc}", INVALID)
        return executor_cls.new(Executor(text, tuple(args), target)), None

    def describe(b: Any) -> str:
        if b is None:
            return "sql.Builder{}"
        try:
            return b.to_sql()[0]
        except BuildError as exc:
            return f"{type(b).__name__}{{invalid: {exc}}}"

    def method(cls_ref: list[Any], name: str, fn: Callable[..., dict[str, Any]]) -> Any:
        """A builder method: `fn(builder, *args)` returns the fields to change."""

        def call(b: Any, *args: Any) -> Any:
            return cls_ref[0].new(dataclasses.replace(b, **fn(f"{name}", b, *args)))

        return call

    def common(ref: list[Any], extra: dict[str, Callable[..., dict[str, Any]]]) -> dict:
        methods = {name: method(ref, name, fn) for name, fn in extra.items()}
        methods["placeholder_format"] = method(
            ref, "placeholder_format",
            lambda f, b, fmt=None, *_: {"placeholder": placeholder(f, fmt)})
        methods["to_sql"] = render
        methods["run_with"] = run_with
        return methods

    def where(f: str, b: Any, cond: Any = None, *args: Any) -> dict[str, Any]:
        return {"wheres": b.wheres + (condition(f, cond, args),)}

    def suffix(f: str, b: Any, text: Any = None, *args: Any) -> dict[str, Any]:
        text_arg(f, 1, "sql", text)
        return {"suffixes": b.suffixes + (condition(f, text, args),)}

    def join(word: str) -> Callable[..., dict[str, Any]]:
        def add(f: str, b: Any, text: Any = None, *args: Any) -> dict[str, Any]:
            clause = text_arg(f, 1, "join", text)
            return {"joins": b.joins + (condition(f, f"{word} {clause}".encode(), args),)}

        return add

    tail = {
        "where": where,
        "order_by": lambda f, b, *cols: {"order_by": b.order_by + texts(f, cols)},
        "limit": lambda f, b, n=None, *_: {"limit": count(f, n)},
        "offset": lambda f, b, n=None, *_: {"offset": count(f, n)},
        "suffix": suffix,
    }

    select_ref: list[Any] = []
    select_cls = lua_class(state, "sql.SelectBuilder", common(select_ref, {
        **tail,
        "from": lambda f, b, t=None, *_: {"table": text_arg(f, 1, "table", t)},
        "join": join("JOIN"), "left_join": join("LEFT JOIN"),
        "right_join": join("RIGHT JOIN"), "inner_join": join("INNER JOIN"),
        "group_by": lambda f, b, *cols: {"group_by": b.group_by + texts(f, cols)},
        "having": lambda f, b, cond=None, *args: {
            "havings": b.havings + (condition(f, cond, args),)},
        "columns": lambda f, b, *cols: {"columns": b.columns + texts(f, cols)},
        "distinct": lambda f, b, *_: {"distinct": True},
    }), describe)
    select_ref.append(select_cls)

    def values(f: str, b: Insert, *vals: Any) -> dict[str, Any]:
        return {"rows": b.rows + (tuple(value_of(f, i + 1, v) for i, v in enumerate(vals)),)}

    def insert_map(f: str, b: Insert, m: Any = None, *_: Any) -> dict[str, Any]:
        pairs = sorted(mapping(f, m), key=lambda p: p[0])
        return {"columns": tuple(p[0] for p in pairs), "rows": (tuple(p[1] for p in pairs),)}

    def prefix(f: str, b: Insert, text: Any = None, *args: Any) -> dict[str, Any]:
        return {"prefixes": b.prefixes + (condition(f, text_arg(f, 1, "sql", text).encode(),
                                                    args),)}

    insert_ref: list[Any] = []
    insert_cls = lua_class(state, "sql.InsertBuilder", common(insert_ref, {
        "into": lambda f, b, t=None, *_: {"table": text_arg(f, 1, "table", t)},
        "columns": lambda f, b, *cols: {"columns": b.columns + texts(f, cols)},
        "values": values,
        "set_map": insert_map,
        "select": lambda f, b, q=None, *_: {"select": statement_of(f, q, Select)},
        "prefix": prefix,
        "suffix": suffix,
        "options": lambda f, b, *opts: {"options": b.options + texts(f, opts, "option")},
    }), describe)
    insert_ref.append(insert_cls)

    def set_one(f: str, b: Update, column: Any = None, value: Any = None, *_: Any
                ) -> dict[str, Any]:
        return {"sets": b.sets + ((text_arg(f, 1, "column", column),
                                   value_of(f, 2, value)),)}

    def set_map(f: str, b: Update, m: Any = None, *_: Any) -> dict[str, Any]:
        return {"sets": b.sets + tuple(sorted(mapping(f, m), key=lambda p: p[0]))}

    update_ref: list[Any] = []
    update_cls = lua_class(state, "sql.UpdateBuilder", common(update_ref, {
        **tail,
        "table": lambda f, b, t=None, *_: {"table": text_arg(f, 1, "table", t)},
        "set": set_one,
        "set_map": set_map,
        "from": lambda f, b, t=None, *_: {"source": Expr(text_arg(f, 1, "table", t)),
                                          "source_alias": ""},
        "from_select": lambda f, b, q=None, alias=None, *_: {
            "source": statement_of(f, q, Select),
            "source_alias": text_arg(f, 2, "alias", alias)},
    }), describe)
    update_ref.append(update_cls)

    delete_ref: list[Any] = []
    delete_cls = lua_class(state, "sql.DeleteBuilder", common(delete_ref, {
        **tail,
        "from": lambda f, b, t=None, *_: {"table": text_arg(f, 1, "table", t)},
    }), describe)
    delete_ref.append(delete_cls)

    def sqlizer_sql(s: Sqlizer, *_: Any) -> Any:
        try:
            text, args = s.sql()
        except BuildError as exc:
            return fail(f"to_sql: {exc}", INVALID)
        return text.encode(), to_lua(lua, args)

    sqlizer_cls = lua_class(state, "sql.Sqlizer", {"to_sql": sqlizer_sql},
                            lambda s: s.sql()[0] if s is not None else "sql.Sqlizer{}")

    def ex_run(query: bool) -> Callable[..., Any]:
        def go(e: Executor, *_: Any) -> Any:
            return run_on("executor:query" if query else "executor:exec", e.target, e.text,
                          list(e.args), query)

        return go

    executor_cls = lua_class(state, "sql.QueryExecutor", {
        "query": ex_run(True), "exec": ex_run(False),
        "to_sql": lambda e, *_: (e.text.encode(), to_lua(lua, list(e.args))),
    }, lambda e: f"sql.QueryExecutor{{{e.text}}}" if e is not None else "sql.QueryExecutor{}")

    classes.extend([select_cls, insert_cls, update_cls, delete_cls, sqlizer_cls])

    def start(cls: Any, make: Callable[..., Any]) -> Callable[..., Any]:
        return lambda *args: cls.new(make(*args))

    def compare(op: str, name: str) -> Callable[..., Any]:
        return lambda m=None, *_: sqlizer_cls.new(Compare(op, mapping(f"sql.builder.{name}", m)))

    def junction(op: str, name: str) -> Callable[..., Any]:
        def make(conds: Any = None, *_: Any) -> Any:
            function = f"sql.builder.{name}"
            if lua_type(conds) != "table" or unwrap(conds) is not None:
                raise bad_argument(function, 1, "conditions", "array of conditions", conds)
            parts = tuple(condition(function, c, ()) for c in conds.values())
            return sqlizer_cls.new(Junction(op, parts))

        return make

    module = lua.table()
    module[b"select"] = start(select_cls, lambda *cols: Select(columns=texts(
        "sql.builder.select", cols)))
    module[b"insert"] = start(insert_cls, lambda t=None, *_: Insert(
        table=text_arg("sql.builder.insert", 1, "table", t) if t is not None else ""))
    module[b"update"] = start(update_cls, lambda t=None, *_: Update(
        table=text_arg("sql.builder.update", 1, "table", t) if t is not None else ""))
    module[b"delete"] = start(delete_cls, lambda t=None, *_: Delete(
        table=text_arg("sql.builder.delete", 1, "table", t) if t is not None else ""))
    module[b"expr"] = lambda text=None, *args: sqlizer_cls.new(Expr(
        text_arg("sql.builder.expr", 1, "sql", text),
        tuple(value_of("sql.builder.expr", i + 2, a) for i, a in enumerate(args))))
    for name, op in (("eq", "="), ("not_eq", "<>"), ("lt", "<"), ("lte", "<="), ("gt", ">"),
                     ("gte", ">="), ("like", "LIKE"), ("not_like", "NOT LIKE")):
        module[name.encode()] = compare(op, name)
    module[b"and_"] = junction("AND", "and_")
    module[b"or_"] = junction("OR", "or_")
    for name, ph in PLACEHOLDERS.items():
        module[name.encode()] = ph
    module[b"default_placeholder"] = QUESTION
    return module
