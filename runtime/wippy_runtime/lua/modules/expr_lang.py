"""An evaluator for the expr-lang expression language (Go's github.com/expr-lang/expr), the
language of Wippy's `expr` module.

No maintained Python implementation of expr-lang exists (the `expr-lang` name on PyPI is an
empty placeholder; simpleeval evaluates Python syntax, the CEL libraries CEL's), so this is
written here: the grammar is Lark's (already a dependency of the engine), the evaluation is a
Transformer that turns the parse tree into nested Python closures once per expression, so a
compiled program runs without re-walking a tree.

Covered: literals (integers in decimal/hex/octal/binary with `_`, floats, the three string
quotes, `true`/`false`/`nil`, arrays, maps), arithmetic with expr's typing (int op int stays
int, `/` is float division, `%` integers only, `**`/`^` power), comparison, `&&`/`and`,
`||`/`or`, `!`/`not`, `in`/`not in`, `matches`, `contains`, `startsWith`, `endsWith`, ranges
`a..b`, `??`, the ternary `?:`, member access `a.b` / `a?.b`, indexing (negative from the end)
and slices, and the builtins listed in `BUILTINS`, including the predicate builtins (`all`,
`any`, `none`, `one`, `filter`, `map`, `count`, `find`, `findIndex`, `findLast`, `sum`,
`groupBy`, `sortBy`) whose closures use `#`, `#index` and the `.field` shorthand.
Not covered: `let`, the pipe operator `|`, variables declared in closures, custom functions and
methods on Go values, the date and time builtins. An expression using them is a compile error
that names the token.

Unknown variables are nil at run time (Wippy compiles without a type environment), unless
`compile` is given an environment: then a name neither in it nor a builtin is a compile error,
as expr's type checker reports it. Collections and repeated strings built by one evaluation
are capped (`LIMIT` items) so an expression cannot exhaust memory.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import LarkError, UnexpectedInput, VisitError

LIMIT = 1_000_000

_GRAMMAR = r"""
?start: expr

?expr: coalesce
     | coalesce "?" expr ":" expr          -> cond

?coalesce: or_expr
         | coalesce "??" or_expr           -> nil_coalesce

?or_expr: and_expr
        | or_expr OR and_expr              -> or_
?and_expr: cmp
         | and_expr AND cmp                -> and_

?cmp: range_expr
    | cmp CMP range_expr                   -> compare
    | cmp IN range_expr                    -> in_
    | cmp NOT_IN range_expr                -> not_in

?range_expr: add
           | add ".." add                  -> range_

?add: mul
    | add "+" mul                          -> add_
    | add "-" mul                          -> sub
?mul: pow
    | mul "*" pow                          -> mul_
    | mul "/" pow                          -> div
    | mul "%" pow                          -> mod
?pow: unary
    | unary POW pow                        -> pow_

?unary: postfix
      | NOT unary                          -> not_
      | "-" unary                          -> neg
      | "+" unary                          -> pos

?postfix: atom
        | postfix "." NAME                 -> member
        | postfix "?." NAME                -> safe_member
        | postfix "[" expr "]"             -> index
        | postfix "[" [expr] ":" [expr] "]" -> slice
        | NAME "(" [args] ")"              -> call

?atom: INT                                 -> int_
     | FLOAT                               -> float_
     | STRING                              -> string
     | "true"                              -> true
     | "false"                             -> false
     | "nil"                               -> nil
     | NAME                                -> var
     | "#" NAME                            -> pointer_var
     | "#"                                 -> pointer
     | "." NAME                            -> implicit_member
     | "(" expr ")"
     | "[" [expr ("," expr)* [","]] "]"    -> array
     | "{" [pair ("," pair)* [","]] "}"    -> map_

args: arg ("," arg)* [","]
?arg: expr
    | "{" expr "}"                         -> closure
pair: (NAME | STRING | INT) ":" expr

OR: "||" | /or\b/
AND: "&&" | /and\b/
NOT.2: "!" | /not\b/
NOT_IN.3: /not\s+in\b/
IN.2: /in\b/
POW: "**" | "^"
CMP: "==" | "!=" | "<=" | ">=" | "<" | ">" | /matches\b/ | /contains\b/ | /startsWith\b/
   | /endsWith\b/

NAME: /(?!(true|false|nil|and|or|not|in|matches|contains|startsWith|endsWith)\b)[A-Za-z_$][A-Za-z0-9_$]*/
FLOAT.2: /([0-9][0-9_]*)?\.[0-9][0-9_]*([eE][+-]?[0-9]+)?/ | /[0-9][0-9_]*[eE][+-]?[0-9]+/
INT: /0[xX][0-9a-fA-F_]+/ | /0[oO][0-7_]+/ | /0[bB][01_]+/ | /[0-9][0-9_]*/
STRING: /"(\\.|[^"\\])*"/ | /'(\\.|[^'\\])*'/ | /`[^`]*`/

%ignore /\s+/
%ignore /\/\/[^\n]*/
%ignore /\/\*(.|\n)*?\*\//
"""


class ExprError(Exception):
    """A compile or run-time failure, with expr-lang's wording where it has one."""


@functools.cache
def _parser() -> Lark:
    """The grammar's parser, built on first use (building it costs ~90 ms, which every
    runtime would otherwise pay at import, expressions or not)."""
    return Lark(_GRAMMAR, parser="lalr", maybe_placeholders=True)

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "a": "\a",
            "b": "\b", "f": "\f", "v": "\v", "0": "\0", "`": "`"}
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|.)", re.S)


def _unquote(raw: str) -> str:
    if raw[0] == "`":
        return raw[1:-1]

    def one(m: re.Match[str]) -> str:
        code = m.group(1)
        if code[0] in "uUx" and len(code) > 1:
            return chr(int(code[1:], 16))
        if code in _ESCAPES:
            return _ESCAPES[code]
        raise ExprError(f"invalid escape sequence \\{code} in string literal")

    return _ESCAPE.sub(one, raw[1:-1])


def type_name(v: Any) -> str:
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "map"
    return type(v).__name__


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def equal(a: Any, b: Any) -> bool:
    if _num(a) and _num(b):
        return bool(a == b)
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    return bool(a == b)


def _bad(op: str, a: Any, b: Any) -> ExprError:
    return ExprError(f"invalid operation: {type_name(a)} {op} {type_name(b)}")


def _arith(op: str) -> Callable[[Any, Any], Any]:
    def apply(a: Any, b: Any) -> Any:
        if op == "+" and isinstance(a, str) and isinstance(b, str):
            if len(a) + len(b) > LIMIT:
                raise ExprError("string too long")
            return a + b
        if op == "+" and isinstance(a, list) and isinstance(b, list):
            return a + b
        if not (_num(a) and _num(b)):
            raise _bad(op, a, b)
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            if b == 0 and isinstance(a, int) and isinstance(b, int):
                raise ExprError("integer divide by zero")
            return a / b if b != 0 else (math.inf if a > 0 else -math.inf if a < 0 else math.nan)
        if op == "%":
            if not (isinstance(a, int) and isinstance(b, int)):
                raise _bad(op, a, b)
            if b == 0:
                raise ExprError("integer divide by zero")
            return int(math.fmod(a, b))  # Go's remainder takes the dividend's sign
        if abs(b) > 4096 and abs(a) > 1:
            raise ExprError("exponent too large")
        return float(a) ** b
    return apply


def _compare(op: str, a: Any, b: Any) -> bool:
    if op == "==":
        return equal(a, b)
    if op == "!=":
        return not equal(a, b)
    if op in ("matches", "contains", "startsWith", "endsWith"):
        if not (isinstance(a, str) and isinstance(b, str)):
            raise _bad(op, a, b)
        if op == "matches":
            try:
                return re.search(b, a) is not None
            except re.error as exc:
                raise ExprError(f"invalid regular expression {b!r}: {exc}") from None
        if op == "contains":
            return b in a
        return a.startswith(b) if op == "startsWith" else a.endswith(b)
    if not ((_num(a) and _num(b)) or (isinstance(a, str) and isinstance(b, str))):
        raise _bad(op, a, b)
    if op == "<":
        return bool(a < b)
    if op == ">":
        return bool(a > b)
    if op == "<=":
        return bool(a <= b)
    return bool(a >= b)


def _member(obj: Any, key: Any, safe: bool) -> Any:
    if obj is None:
        if safe:
            return None
        raise ExprError(f"cannot fetch {key} from nil")
    if isinstance(obj, dict):
        return obj.get(key)
    if isinstance(obj, (list, str)):
        if isinstance(key, bool) or not isinstance(key, int):
            raise ExprError(f"cannot use {type_name(key)} as index to {type_name(obj)}")
        i = key + len(obj) if key < 0 else key
        if not 0 <= i < len(obj):
            raise ExprError(f"index out of range: {key} (array length is {len(obj)})")
        return obj[i]
    raise ExprError(f"cannot fetch {key} from {type_name(obj)}")


def _truth(v: Any, what: str) -> bool:
    if not isinstance(v, bool):
        raise ExprError(f"{what} must be bool, got {type_name(v)}")
    return v


# -- builtins ------------------------------------------------------------------------------

def _len(v: Any) -> int:
    if isinstance(v, (str, list, dict)):
        return len(v)
    raise ExprError(f"invalid argument for len (type {type_name(v)})")


def _extreme(pick: Callable[..., Any], name: str) -> Callable[..., Any]:
    def f(*args: Any) -> Any:
        items = list(args[0]) if len(args) == 1 and isinstance(args[0], list) else list(args)
        if not items:
            raise ExprError(f"not enough arguments to call {name}")
        for v in items:
            if not _num(v):
                raise ExprError(f"invalid argument for {name} (type {type_name(v)})")
        return pick(items)
    return f


def _numeric(name: str, fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def f(v: Any) -> Any:
        if not _num(v):
            raise ExprError(f"invalid argument for {name} (type {type_name(v)})")
        return fn(v)
    return f


def _to_int(v: Any) -> int:
    if isinstance(v, str):
        try:
            return int(v.strip())
        except ValueError:
            raise ExprError(f"invalid operation: int({v!r})") from None
    if _num(v):
        return int(v)
    raise ExprError(f"invalid argument for int (type {type_name(v)})")


def _to_float(v: Any) -> float:
    if isinstance(v, str):
        try:
            return float(v.strip())
        except ValueError:
            raise ExprError(f"invalid operation: float({v!r})") from None
    if _num(v):
        return float(v)
    raise ExprError(f"invalid argument for float (type {type_name(v)})")


def _to_string(v: Any) -> str:
    if isinstance(v, str):
        return v
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e21:
        return str(int(v))
    if isinstance(v, (list, dict)):
        return json.dumps(v, separators=(",", ":"))
    return str(v)


def _strs(name: str, *vals: Any) -> None:
    for v in vals:
        if not isinstance(v, str):
            raise ExprError(f"invalid argument for {name} (type {type_name(v)})")


def _s1(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def f(*args: Any) -> Any:
        _strs(name, *args)
        return fn(*args)
    return f


def _repeat(s: Any, n: Any) -> str:
    _strs("repeat", s)
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ExprError("invalid argument for repeat: count must be a non-negative int")
    if len(s) * n > LIMIT:
        raise ExprError("string too long")
    return str(s * n)


def _array(name: str, v: Any) -> list[Any]:
    if not isinstance(v, list):
        raise ExprError(f"invalid argument for {name} (type {type_name(v)})")
    return v


def _map_arg(name: str, v: Any) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise ExprError(f"invalid argument for {name} (type {type_name(v)})")
    return v


def _sort_key(v: Any) -> Any:
    if _num(v):
        return (0, v)
    if isinstance(v, str):
        return (1, v)
    raise ExprError(f"cannot sort {type_name(v)} values")


def _sort(v: Any, order: Any = "asc") -> list[Any]:
    items = _array("sort", v)
    return sorted(items, key=_sort_key, reverse=order == "desc")


def _flatten(v: Any) -> list[Any]:
    out: list[Any] = []
    for x in _array("flatten", v):
        if isinstance(x, list):
            out.extend(_flatten(x))
        else:
            out.append(x)
    return out


def _uniq(v: Any) -> list[Any]:
    out: list[Any] = []
    for x in _array("uniq", v):
        if not any(equal(x, y) for y in out):
            out.append(x)
    return out


def _from_json(v: Any) -> Any:
    _strs("fromJSON", v)
    try:
        return json.loads(v)
    except ValueError as exc:
        raise ExprError(f"fromJSON: {exc}") from None


def _mean(v: Any) -> float:
    items = _array("mean", v)
    if not items:
        return 0.0
    for x in items:
        if not _num(x):
            raise ExprError(f"invalid argument for mean (type {type_name(x)})")
    return float(sum(items)) / len(items)


def _median(v: Any) -> float:
    items = sorted(_array("median", v), key=_sort_key)
    if not items:
        return 0.0
    mid = len(items) // 2
    return float(items[mid]) if len(items) % 2 else (items[mid - 1] + items[mid]) / 2


def _round(v: float) -> Any:
    return float(math.floor(v + 0.5)) if v >= 0 else -float(math.floor(-v + 0.5))


BUILTINS: dict[str, Callable[..., Any]] = {
    "len": _len,
    "max": _extreme(max, "max"),
    "min": _extreme(min, "min"),
    "abs": _numeric("abs", abs),
    "ceil": _numeric("ceil", lambda v: float(math.ceil(v))),
    "floor": _numeric("floor", lambda v: float(math.floor(v))),
    "round": _numeric("round", _round),
    "int": _to_int,
    "float": _to_float,
    "string": _to_string,
    "type": type_name,
    "trim": lambda s, chars=None: _s1("trim", lambda x: x.strip(chars))(s),
    "trimPrefix": _s1("trimPrefix", lambda s, p: s[len(p):] if s.startswith(p) else s),
    "trimSuffix": _s1("trimSuffix", lambda s, p: s[:-len(p)] if p and s.endswith(p) else s),
    "upper": _s1("upper", str.upper),
    "lower": _s1("lower", str.lower),
    "split": _s1("split", lambda s, sep: s.split(sep) if sep else list(s)),
    "replace": _s1("replace", lambda s, old, new: s.replace(old, new)),
    "repeat": _repeat,
    "indexOf": _s1("indexOf", lambda s, sub: s.find(sub)),
    "lastIndexOf": _s1("lastIndexOf", lambda s, sub: s.rfind(sub)),
    "hasPrefix": _s1("hasPrefix", lambda s, p: s.startswith(p)),
    "hasSuffix": _s1("hasSuffix", lambda s, p: s.endswith(p)),
    "join": lambda v, sep="": _s1("join", lambda s: s.join(_array("join", v)))(sep),
    "keys": lambda v: list(_map_arg("keys", v)),
    "values": lambda v: list(_map_arg("values", v).values()),
    "first": lambda v: _array("first", v)[0] if _array("first", v) else None,
    "last": lambda v: _array("last", v)[-1] if _array("last", v) else None,
    "reverse": lambda v: list(reversed(_array("reverse", v))),
    "sort": _sort,
    "uniq": _uniq,
    "flatten": _flatten,
    "concat": lambda *vs: [x for v in vs for x in _array("concat", v)],
    "mean": _mean,
    "median": _median,
    "toJSON": lambda v: json.dumps(v, indent=2, ensure_ascii=False),
    "fromJSON": _from_json,
}

#: builtins whose second argument is a closure over each element
PREDICATES = frozenset({"all", "any", "none", "one", "filter", "map", "count", "find",
                        "findIndex", "findLast", "findLastIndex", "sum", "groupBy", "sortBy"})


class _Scope:
    """What a closure sees: the element (`#`), its index (`#index`)."""

    __slots__ = ("env", "item", "index")

    def __init__(self, env: dict[str, Any], item: Any = None, index: int = 0) -> None:
        self.env = env
        self.item = item
        self.index = index


Fn = Callable[[_Scope], Any]


def _predicate(name: str, coll: Any, fn: Fn | None, scope: _Scope, extra: list[Any]) -> Any:
    items = _array(name, coll) if not isinstance(coll, dict) else list(coll.values())
    if fn is None:
        if name in ("sum", "count"):  # sum(array) and count(array) of booleans
            fn = _identity
        else:
            raise ExprError(f"{name} needs a predicate closure as its second argument")

    def each() -> Any:
        for i, x in enumerate(items):
            yield x, fn(_Scope(scope.env, x, i))

    if name == "all":
        return all(_truth(r, "predicate") for _, r in each())
    if name == "any":
        return any(_truth(r, "predicate") for _, r in each())
    if name == "none":
        return not any(_truth(r, "predicate") for _, r in each())
    if name == "one":
        return sum(1 for _, r in each() if _truth(r, "predicate")) == 1
    if name == "filter":
        return [x for x, r in each() if _truth(r, "predicate")]
    if name == "map":
        return [r for _, r in each()]
    if name == "count":
        return sum(1 for _, r in each() if _truth(r, "predicate"))
    if name == "sum":
        total: Any = 0
        for _, r in each():
            total = _arith("+")(total, r)
        return total
    if name in ("find", "findIndex"):
        for i, (x, r) in enumerate(each()):
            if _truth(r, "predicate"):
                return x if name == "find" else i
        return None if name == "find" else -1
    if name in ("findLast", "findLastIndex"):
        found: Any = None if name == "findLast" else -1
        for i, (x, r) in enumerate(each()):
            if _truth(r, "predicate"):
                found = x if name == "findLast" else i
        return found
    if name == "groupBy":
        groups: dict[Any, list[Any]] = {}
        for x, r in each():
            groups.setdefault(r if isinstance(r, str) else _to_string(r), []).append(x)
        return groups
    # sortBy
    order = extra[0] if extra else "asc"
    keyed = [(r, x) for x, r in each()]
    keyed.sort(key=lambda p: _sort_key(p[0]), reverse=order == "desc")
    return [x for _, x in keyed]


def _identity(scope: _Scope) -> Any:
    return scope.item


def _int_literal(text: str) -> int:
    t = text.replace("_", "")
    if t[:2].lower() in ("0x", "0o", "0b"):
        return int(t, 0)
    return int(t)


@v_args(inline=True)
class _Compile(Transformer[Token, Fn]):
    """Parse tree -> a closure `scope -> value`; `names` collects the free variables."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    # literals
    def int_(self, tok: Token) -> Fn:
        v = _int_literal(str(tok))
        return lambda s: v

    def float_(self, tok: Token) -> Fn:
        v = float(str(tok).replace("_", ""))
        return lambda s: v

    def string(self, tok: Token) -> Fn:
        v = _unquote(str(tok))
        return lambda s: v

    def true(self) -> Fn:
        return lambda s: True

    def false(self) -> Fn:
        return lambda s: False

    def nil(self) -> Fn:
        return lambda s: None

    def array(self, *items: Fn | None) -> Fn:
        fns = [f for f in items if f is not None]
        return lambda s: [f(s) for f in fns]

    def pair(self, key: Any, value: Fn) -> tuple[str, Fn]:
        k = str(key)
        if key.type == "STRING":
            k = _unquote(k)
        return k, value

    def map_(self, *pairs: tuple[str, Fn] | None) -> Fn:
        items = [p for p in pairs if p is not None]
        return lambda s: {k: f(s) for k, f in items}

    # names
    def var(self, tok: Token) -> Fn:
        name = str(tok)
        self.names.add(name)
        if name in BUILTINS or name in PREDICATES:
            return lambda s: s.env[name] if name in s.env else _no_call(name)
        return lambda s: s.env.get(name)

    def pointer(self) -> Fn:
        return lambda s: s.item

    def pointer_var(self, tok: Token) -> Fn:
        name = str(tok)
        if name != "index":
            raise ExprError(f"unknown pointer #{name}")
        return lambda s: s.index

    def implicit_member(self, tok: Token) -> Fn:
        key = str(tok)
        return lambda s: _member(s.item, key, False)

    # operators
    def cond(self, c: Fn, a: Fn, b: Fn) -> Fn:
        return lambda s: a(s) if _truth(c(s), "condition") else b(s)

    def nil_coalesce(self, a: Fn, b: Fn) -> Fn:
        def f(s: _Scope) -> Any:
            v = a(s)
            return b(s) if v is None else v
        return f

    def or_(self, a: Fn, _op: Token, b: Fn) -> Fn:
        return lambda s: _truth(a(s), "operand of ||") or _truth(b(s), "operand of ||")

    def and_(self, a: Fn, _op: Token, b: Fn) -> Fn:
        return lambda s: _truth(a(s), "operand of &&") and _truth(b(s), "operand of &&")

    def compare(self, a: Fn, op: Token, b: Fn) -> Fn:
        o = str(op)
        return lambda s: _compare(o, a(s), b(s))

    def in_(self, a: Fn, _op: Token, b: Fn) -> Fn:
        return lambda s: _contains(b(s), a(s))

    def not_in(self, a: Fn, _op: Token, b: Fn) -> Fn:
        return lambda s: not _contains(b(s), a(s))

    def range_(self, a: Fn, b: Fn) -> Fn:
        def f(s: _Scope) -> list[int]:
            lo, hi = a(s), b(s)
            if not (isinstance(lo, int) and isinstance(hi, int)) or isinstance(
                    lo, bool) or isinstance(hi, bool):
                raise _bad("..", lo, hi)
            if hi - lo >= LIMIT:
                raise ExprError("range too large")
            return list(range(lo, hi + 1))
        return f

    def _bin(self, op: str, a: Fn, b: Fn) -> Fn:
        apply = _arith(op)
        return lambda s: apply(a(s), b(s))

    def add_(self, a: Fn, b: Fn) -> Fn:
        return self._bin("+", a, b)

    def sub(self, a: Fn, b: Fn) -> Fn:
        return self._bin("-", a, b)

    def mul_(self, a: Fn, b: Fn) -> Fn:
        return self._bin("*", a, b)

    def div(self, a: Fn, b: Fn) -> Fn:
        apply = _arith("/")
        return lambda s: apply(_as_float(a(s)), b(s))

    def mod(self, a: Fn, b: Fn) -> Fn:
        return self._bin("%", a, b)

    def pow_(self, a: Fn, _op: Token, b: Fn) -> Fn:
        return self._bin("**", a, b)

    def not_(self, _op: Token, a: Fn) -> Fn:
        return lambda s: not _truth(a(s), "operand of !")

    def neg(self, a: Fn) -> Fn:
        def f(s: _Scope) -> Any:
            v = a(s)
            if not _num(v):
                raise ExprError(f"invalid operation: -{type_name(v)}")
            return -v
        return f

    def pos(self, a: Fn) -> Fn:
        def f(s: _Scope) -> Any:
            v = a(s)
            if not _num(v):
                raise ExprError(f"invalid operation: +{type_name(v)}")
            return v
        return f

    # postfix
    def member(self, obj: Fn, tok: Token) -> Fn:
        key = str(tok)
        return lambda s: _member(obj(s), key, False)

    def safe_member(self, obj: Fn, tok: Token) -> Fn:
        key = str(tok)
        return lambda s: _member(obj(s), key, True)

    def index(self, obj: Fn, key: Fn) -> Fn:
        return lambda s: _member(obj(s), key(s), False)

    def slice(self, obj: Fn, lo: Fn | None, hi: Fn | None) -> Fn:
        def f(s: _Scope) -> Any:
            v = obj(s)
            if not isinstance(v, (list, str)):
                raise ExprError(f"cannot slice {type_name(v)}")
            a = 0 if lo is None else lo(s)
            b = len(v) if hi is None else hi(s)
            for i in (a, b):
                if isinstance(i, bool) or not isinstance(i, int):
                    raise ExprError(f"cannot use {type_name(i)} as slice index")
            return v[a:b]
        return f

    def closure(self, body: Fn) -> Any:
        return ("closure", body)

    def args(self, *items: Any) -> list[Any]:
        return [i for i in items if i is not None]

    def call(self, tok: Token, args: list[Any] | None) -> Fn:
        name = str(tok)
        args = args or []
        if name in PREDICATES:
            if not args:
                raise ExprError(f"not enough arguments to call {name}")
            coll = args[0]
            if isinstance(coll, tuple):
                raise ExprError(f"{name}: the first argument cannot be a closure")
            # the predicate, braced `{# > 1}` or bare `# > 1`, is evaluated per element
            body = None if len(args) < 2 else (
                args[1][1] if isinstance(args[1], tuple) else args[1])
            extra = args[2:]
            if any(isinstance(e, tuple) for e in extra):
                raise ExprError(f"{name} takes one closure")
            return lambda s: _predicate(name, coll(s), body, s, [e(s) for e in extra])
        if any(isinstance(a, tuple) for a in args):
            raise ExprError(f"{name} does not take a closure argument")
        fn = BUILTINS.get(name)
        if fn is None:
            self.names.add(name)

            def user(s: _Scope) -> Any:
                target = s.env.get(name)
                if not callable(target):
                    raise ExprError(f"unknown function {name}")
                return target(*[a(s) for a in args])
            return user

        def builtin(s: _Scope) -> Any:
            values = [a(s) for a in args]
            try:
                return fn(*values)
            except TypeError as exc:
                raise ExprError(f"{name}: wrong number or type of arguments ({exc})") from None
        return builtin


def _no_call(name: str) -> Any:
    raise ExprError(f"{name} is a builtin function: call it as {name}(...)")


def _as_float(v: Any) -> Any:
    return float(v) if _num(v) else v


def _contains(coll: Any, item: Any) -> bool:
    if isinstance(coll, list):
        return any(equal(item, x) for x in coll)
    if isinstance(coll, dict):
        return isinstance(item, str) and item in coll
    if coll is None:
        return False
    raise ExprError(f"invalid operation: {type_name(item)} in {type_name(coll)}")


class Program:
    """A compiled expression: `run(env)` evaluates it over a dict of variables."""

    __slots__ = ("source", "_fn", "names")

    def __init__(self, source: str, fn: Fn, names: frozenset[str]) -> None:
        self.source = source
        self._fn = fn
        self.names = names

    def run(self, env: dict[str, Any] | None = None) -> Any:
        try:
            return self._fn(_Scope(env or {}))
        except RecursionError:
            raise ExprError("expression nests too deeply") from None


@functools.lru_cache(maxsize=1000)
def compile_expr(source: str) -> Program:
    """Parse and compile `source` (cached: the same text compiles once)."""
    try:
        tree = _parser().parse(source)
    except UnexpectedInput as exc:
        where = f" (line {exc.line}, column {exc.column})" if exc.line > 0 else ""
        token = getattr(exc, "token", None)
        pos = exc.pos_in_stream or 0
        what = f"unexpected token {str(token)!r}" if token is not None and str(token) else (
            "unexpected end of expression" if token is not None else
            f"unexpected character {source[pos:pos + 1]!r}")
        raise ExprError(f"syntax error: {what}{where}") from None
    except LarkError as exc:
        raise ExprError(f"syntax error: {exc}") from None
    compiler = _Compile()
    try:
        fn = compiler.transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, ExprError):
            raise exc.orig_exc from None
        raise
    return Program(source, fn, frozenset(compiler.names))


def check_names(program: Program, env: dict[str, Any]) -> None:
    """expr's type check against an environment: every free name must be known."""
    for name in sorted(program.names):
        if name not in env and name not in BUILTINS and name not in PREDICATES:
            raise ExprError(f"unknown name {name}")
