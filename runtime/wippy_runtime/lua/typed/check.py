"""The static checks Wippy's typed Lua makes at load, where this front end can be certain.

Wippy type-checks a chunk before it runs and refuses to load one with a type error. This
checker makes a conservative subset of those checks on the parser's tree (tree.py): it reports
an error only when the program is certainly wrong under Wippy's rules, and anything it cannot
type is unknown, never an error. What it knows:

- literals (nil, booleans, numbers, strings, table constructors, functions);
- locals and parameters with a declared type (`local x: number`, `a: string`);
- local functions with declared parameter and return types (`local function f(a: T): R`);
- the chunk's own type declarations (`type Point = {x: number}`), followed through aliases.

The rules: a value not assignable to a local's (or a parameter's, or a return's) declared
type; arithmetic on a string, boolean, nil, table or function; calling or indexing a value
that cannot be called or indexed; an unknown field read on a local of a declared record type;
too few or too many arguments to a local function whose parameters are all declared; no
`return` in a function whose declared result cannot be nil.

Decisions, and why:
- A value has a set of base kinds ("number", "string", ...), not a full type. A literal or a
  declared function result is exactly its type (a `number?` result is rejected where `number`
  is required, as Wippy does), but a local's declared type is only an upper bound: Wippy
  narrows a local by what was assigned and by conditions (`local x: number | string = 1` is a
  number where it is read), so a local is rejected only when *every* kind it may hold is.
- Calls are typed only through a local function that is never reassigned; a diagnostic that
  relies on a binding staying as declared is dropped when the chunk reassigns it (or, for a
  field read, writes any field of it).
- Field reads in conditions and in `and` / `or` / `not` / `==` are probes (`if opts.debug`),
  which Wippy allows: only reads whose value is used are checked.
- "No return" is reported only for a body with no `return` anywhere that certainly runs off
  its end: one that ends in a call (it may be `error(...)`), a loop or a `goto`, or an `if`
  with such a branch, may never get there.
- The first error is the one reported, worded the way Wippy's checker words it ("cannot
  assign string to number"), so the loader shows it as it shows a syntax error:
  "chunk:LINE: message".
"""

from __future__ import annotations

from typing import NamedTuple

from . import tree as t
from .parser import Parser, TypeDecl, TypeNode

_ARITH = frozenset(("+", "-", "*", "/", "//", "%", "^"))
_COMPARE = frozenset(("==", "~=", "<", "<=", ">", ">="))
_PROBE_OPS = frozenset(("and", "or", "==", "~="))
_PRIM_KINDS = {"number": "number", "integer": "number", "string": "string",
               "boolean": "boolean", "nil": "nil", "table": "table", "function": "function",
               "thread": "thread", "userdata": "userdata"}
_TABLE_KINDS = frozenset(("array", "map", "record"))
_NOT_NUMERIC = frozenset(("string", "boolean", "nil", "table", "function"))
_NOT_NUMERIC_UNLESS_META = _NOT_NUMERIC - {"table"}
_NOT_CALLABLE = frozenset(("number", "string", "boolean", "nil"))
_NOT_INDEXABLE = frozenset(("number", "boolean", "nil"))
_NOT_CONCAT_LITERAL = frozenset(("boolean", "nil"))
_NUMERIC = frozenset(("number",))
_STRINGLIKE = frozenset(("string", "number"))


class Problem(NamedTuple):
    line: int
    message: str


class _Binding:
    """One local: its declared type, the local function it was declared as, and whether the
    chunk ever reassigns it or writes a field of it (which voids what was inferred from it)."""

    __slots__ = ("declared", "func", "reassigned", "fields_written")

    def __init__(self, declared: TypeNode | None = None, func: t.Function | None = None) -> None:
        self.declared = declared
        self.func = func
        self.reassigned = False
        self.fields_written = False


class _Value:
    """What is certain about a value: the kinds it may have (`exact`: it has exactly its
    type, so any kind that does not fit is an error; otherwise only an upper bound), the
    literal's (kind, source) if it is one, the type to name it by, and what it relies on."""

    __slots__ = ("kinds", "exact", "literal", "shown", "deps")

    def __init__(self, kinds: frozenset[str], exact: bool, literal: t.Literal | None = None,
                 shown: str = "", deps: tuple[tuple[_Binding, str], ...] = ()) -> None:
        self.kinds, self.exact, self.literal = kinds, exact, literal
        self.shown = shown or " | ".join(sorted(kinds))
        self.deps = deps


class _Function:
    """The function being checked: its declared results, whether it returned anywhere."""

    __slots__ = ("returns", "returned", "jumps")

    def __init__(self, returns: list[TypeNode] | None) -> None:
        self.returns = returns
        self.returned = False
        self.jumps = False


def check(p: Parser) -> Problem | None:
    """The first certain type error of parsed chunk `p`, or None."""
    return _Checker(p).run()


class _Checker:
    def __init__(self, p: Parser) -> None:
        counts: dict[str, int] = {}
        for d in p.decls:
            counts[d.name] = counts.get(d.name, 0) + (1 if d.toplevel else 2)
        # the chunk-level type names that mean one declaration everywhere in the chunk
        self.types: dict[str, TypeDecl] = {
            d.name: d for d in p.decls if d.toplevel and counts[d.name] == 1 and not d.params}
        # interfaces describe objects (methods, often through a metatable): no field rule
        self.interfaces = {id(d.type) for d in p.decls if p.src.startswith("interface", d.start)}
        self.p = p
        self.scopes: list[dict[str, _Binding]] = [{}]
        self.problems: list[tuple[int, str, tuple[tuple[_Binding, str], ...]]] = []
        self.fn = _Function(None)
        self.generics: list[frozenset[str]] = []

    def run(self) -> Problem | None:
        self.block(self.p.tree)
        for line, message, deps in sorted(self.problems, key=lambda x: x[0]):
            if not any(getattr(b, cond) for b, cond in deps):
                return Problem(line, message)
        return None

    def report(self, line: int, message: str, deps: tuple[tuple[_Binding, str], ...] = ()
               ) -> None:
        self.problems.append((line, message, deps))

    # -- scopes ---------------------------------------------------------------------------------
    def lookup(self, name: str) -> _Binding | None:
        for scope in reversed(self.scopes):
            b = scope.get(name)
            if b is not None:
                return b
        return None

    def declare(self, name: str, declared: TypeNode | None = None,
                func: t.Function | None = None) -> _Binding:
        if declared is not None and self.generics and self._mentions_generic(declared):
            declared = None
        b = _Binding(declared, func)
        self.scopes[-1][name] = b
        return b

    def _mentions_generic(self, node: TypeNode) -> bool:
        if node.kind == "ref" and any(node.path[0] in g for g in self.generics):
            return True
        return (any(self._mentions_generic(i) for i in node.items)
                or any(self._mentions_generic(f) for _, f, _ in node.fields))

    # -- types ----------------------------------------------------------------------------------
    def resolve(self, node: TypeNode | None, depth: int = 0) -> TypeNode | None:
        """`node` with the chunk's own aliases followed (None: not known here)."""
        while node is not None:
            if depth > 20:
                return None
            depth += 1
            if node.kind == "readonly":
                node = node.items[0]
            elif node.kind == "ref":
                if len(node.path) != 1 or node.items:
                    return None
                decl = self.types.get(node.path[0])
                if decl is None:
                    return None
                node = decl.type
            else:
                return node
        return None

    def kinds(self, node: TypeNode | None, depth: int = 0) -> frozenset[str] | None:
        """The base kinds a value of type `node` may have (None: any, or not known here)."""
        node = self.resolve(node, depth)
        if node is None or depth > 20 or id(node) in self.interfaces:
            return None  # an interface is structural: what has its methods is one
        k = node.kind
        if k == "prim":
            kind = _PRIM_KINDS.get(node.name)
            return frozenset((kind,)) if kind else None
        if k == "literal":
            return frozenset((_literal_kind(node.src),))
        if k in _TABLE_KINDS:
            return frozenset(("table",))
        if k == "func":
            return frozenset(("function",))
        if k == "optional":
            inner = self.kinds(node.items[0], depth + 1)
            return None if inner is None else inner | {"nil"}
        if k == "union":
            out: frozenset[str] = frozenset()
            for item in node.items:
                ks = self.kinds(item, depth + 1)
                if ks is None:
                    return None
                out |= ks
            return out
        return None  # intersection, typeof, tuple

    def rejects(self, node: TypeNode | None, kind: str, literal: t.Literal | None,
                depth: int = 0) -> bool:
        """Is a value of `kind` (the literal `literal`, if given) certainly not of type
        `node`?"""
        node = self.resolve(node, depth)
        if node is None or depth > 20:
            return False
        k = node.kind
        if k == "optional":
            return kind != "nil" and self.rejects(node.items[0], kind, literal, depth + 1)
        if k == "union":
            return all(self.rejects(i, kind, literal, depth + 1) for i in node.items)
        if k == "literal":
            if _literal_kind(node.src) != kind:
                return True
            return literal is not None and _different_literals(node.src, literal.src, kind)
        kinds = self.kinds(node, depth)
        return kinds is not None and kind not in kinds

    def not_assignable(self, value: _Value, node: TypeNode | None) -> bool:
        if value.exact:
            lit = value.literal
            return any(self.rejects(node, k, lit) for k in value.kinds)
        return bool(value.kinds) and all(self.rejects(node, k, None) for k in value.kinds)

    def record_fields(self, node: TypeNode | None) -> set[str] | None:
        """The fields of a record type declared in this chunk (None: not such a record)."""
        if node is None or node.kind != "ref":
            return None
        target = self.resolve(node)
        if (target is None or target.kind != "record" or target.items or not target.fields
                or id(target) in self.interfaces):
            return None
        return {name for name, _, _ in target.fields}

    # -- values ---------------------------------------------------------------------------------
    def value(self, e: t.Node) -> _Value | None:
        """What is certain about the (first) value of expression `e`."""
        if isinstance(e, t.Literal):
            return _Value(frozenset((e.kind,)), True, e)
        if isinstance(e, t.Table):
            return _Value(frozenset(("table",)), True)
        if isinstance(e, t.Function):
            return _Value(frozenset(("function",)), True)
        if isinstance(e, t.Paren):
            return self.value(e.inner)
        if isinstance(e, t.Name):
            b = self.lookup(e.name)
            if b is None or b.declared is None:
                return None
            ks = self.kinds(b.declared)
            if ks is None:
                return None
            return _Value(ks, False, shown=_show(b.declared))
        if isinstance(e, t.Call):
            fb = self.local_function(e)
            if fb is None or fb.func is None or not fb.func.returns:
                return None
            declared = fb.func.returns[0]
            ks = self.kinds(declared)
            if ks is None:
                return None
            return _Value(ks, True, shown=_show(declared), deps=((fb, "reassigned"),))
        if isinstance(e, t.Binary):
            op = e.op
            if op in _COMPARE:
                return _Value(frozenset(("boolean",)), True)
            left, right = self.value(e.left), self.value(e.right)
            if left is None or right is None:
                return None
            if op in _ARITH and left.kinds == _NUMERIC and right.kinds == _NUMERIC:
                return _Value(_NUMERIC, False, deps=left.deps + right.deps)
            if op == ".." and left.kinds <= _STRINGLIKE and right.kinds <= _STRINGLIKE:
                return _Value(frozenset(("string",)), False, deps=left.deps + right.deps)
            return None
        if isinstance(e, t.Unary) and e.op == "not":
            return _Value(frozenset(("boolean",)), True)
        return None

    def local_function(self, call: t.Call) -> _Binding | None:
        """The local function `call` calls by name, declared with no type parameters."""
        if call.method is not None or not isinstance(call.fn, t.Name):
            return None
        b = self.lookup(call.fn.name)
        if b is None or b.func is None or b.func.generics:
            return None
        return b

    def assign(self, value: t.Node, node: TypeNode | None, fmt: str, *,
               deps: tuple[tuple[_Binding, str], ...] = ()) -> None:
        """Report `fmt` (with {value} and {type}) when `value` cannot be of type `node`."""
        if node is None:
            return
        v = self.value(value)
        if v is not None and self.not_assignable(v, node):
            self.report(value.line, fmt.format(value=v.shown, type=_show(node)), deps + v.deps)

    # -- statements -----------------------------------------------------------------------------
    def block(self, body: t.Block, names: list[tuple[str, TypeNode | None]] | None = None
              ) -> None:
        self.scopes.append({})
        try:
            for name, declared in names or ():
                self.declare(name, declared)
            for stat in body:
                self.statement(stat)
        finally:
            self.scopes.pop()

    def statement(self, s: t.Node) -> None:
        if isinstance(s, t.Local):
            self.local(s)
        elif isinstance(s, t.CallStat):
            self.expr(s.call)
        elif isinstance(s, t.Assign):
            self.assignment(s)
        elif isinstance(s, t.LocalFunction):
            # a signature that names an enclosing function's type parameters is not known here
            generic = self.generics and any(
                self._mentions_generic(ty) for ty in
                [ty for _, ty in s.func.params if ty is not None] + (s.func.returns or []))
            self.declare(s.name, func=None if generic else s.func)
            self.function(s.func)
        elif isinstance(s, t.FunctionStat):
            self.target(s.target)
            self.function(s.func)
        elif isinstance(s, t.Return):
            self.ret(s)
        elif isinstance(s, t.If):
            for cond, body in s.tests:
                self.expr(cond, probe=True)
                self.block(body)
            if s.orelse is not None:
                self.block(s.orelse)
        elif isinstance(s, t.While):
            self.expr(s.cond, probe=True)
            self.block(s.body)
        elif isinstance(s, t.Repeat):
            self.scopes.append({})  # the condition sees the body's locals
            try:
                for stat in s.body:
                    self.statement(stat)
                self.expr(s.cond, probe=True)
            finally:
                self.scopes.pop()
        elif isinstance(s, t.For):
            for v in s.values:
                self.expr(v)
            self.block(s.body, s.names)
        elif isinstance(s, t.Do):
            self.block(s.body)
        elif isinstance(s, t.Goto):
            self.fn.jumps = True

    def local(self, s: t.Local) -> None:
        for v in s.values:
            self.expr(v)
        n = len(s.values)
        for i, (_, declared) in enumerate(s.names):
            if declared is not None and i < n:
                self.assign(s.values[i], declared, "cannot assign {value} to {type}")
        for name, declared in s.names:
            self.declare(name, declared)

    def assignment(self, s: t.Assign) -> None:
        for v in s.values:
            self.expr(v)
        for i, target in enumerate(s.targets):
            b = self.target(target)
            if b is not None and b.declared is not None and i < len(s.values):
                self.assign(s.values[i], b.declared, "cannot assign {value} to {type}")

    def target(self, target: t.Node) -> _Binding | None:
        """Mark what assigning to `target` changes; the binding assigned, if a local."""
        if isinstance(target, t.Name):
            b = self.lookup(target.name)
            if b is not None:
                b.reassigned = True
            return b
        # `a.b.c = v` / `function a.b:c()`: a field of the local `a` is written
        node = target
        while isinstance(node, t.Index):
            if node.key is not None:
                self.expr(node.key)
            node = node.obj
        if isinstance(node, t.Name):
            b = self.lookup(node.name)
            if b is not None:
                b.fields_written = True
        else:
            self.expr(node)
        return None

    def function(self, f: t.Function) -> None:
        outer = self.fn
        generic = bool(f.generics)
        if generic:
            self.generics.append(frozenset(f.generics))
        returns = f.returns
        if returns is not None and self.generics and any(map(self._mentions_generic, returns)):
            returns = None
        self.fn = _Function(returns)
        try:
            params = list(f.params)
            if f.method:
                params.insert(0, ("self", None))
            self.block(f.body, params)
            fn = self.fn
            if (returns and not fn.returned and not fn.jumps and _falls_through(f.body)
                    and self.rejects(returns[0], "nil", None)):
                self.report(f.line, "missing return")
        finally:
            self.fn = outer
            if generic:
                self.generics.pop()

    def ret(self, s: t.Return) -> None:
        for v in s.values:
            self.expr(v)
        fn = self.fn
        fn.returned = True
        returns = fn.returns
        if not returns:
            return
        values = s.values
        for i, v in enumerate(values[:len(returns)]):
            if i == 0:
                self.assign(v, returns[i], "cannot return {value}, expected {type}")
            else:
                self.assign(v, returns[i], f"cannot return {{value}} at position {i + 1}, "
                            "expected {type}")
        if values and _multiple(values[-1]):
            return
        for i in range(len(values), len(returns)):
            if self.rejects(returns[i], "nil", None):
                if i == 0:
                    self.report(s.line, "missing return")
                else:
                    self.report(s.line, f"missing return value at position {i + 1} "
                                f"(expected {_show(returns[i])})")
                return

    # -- expressions ----------------------------------------------------------------------------
    def expr(self, e: t.Node, probe: bool = False) -> None:
        """Check expression `e` and what is inside it; `probe`: its value is only tested."""
        if isinstance(e, t.Binary):
            op = e.op
            inner = op in _PROBE_OPS
            self.expr(e.left, inner)
            self.expr(e.right, inner)
            if op in _ARITH:
                if not self.operand(e.left):
                    self.operand(e.right)
            elif op == ".." and not self.concat(e.left):
                self.concat(e.right)
        elif isinstance(e, t.Unary):
            self.expr(e.operand, e.op == "not")
            if e.op == "-":
                self.operand(e.operand)
        elif isinstance(e, t.Call):
            self.call(e)
        elif isinstance(e, t.Index):
            self.index(e, probe)
        elif isinstance(e, (t.Paren, t.Cast)):
            self.expr(e.inner, probe)
        elif isinstance(e, t.Table):
            for item in e.items:
                self.expr(item)
        elif isinstance(e, t.Function):
            self.function(e)

    def operand(self, e: t.Node) -> bool:
        v = self.value(e)
        # only a fresh table is certainly without an __add: one from a name may have a metatable
        bad = _NOT_NUMERIC if isinstance(e, t.Table) else _NOT_NUMERIC_UNLESS_META
        if v is not None and v.kinds and v.kinds <= bad:
            self.report(e.line, f"cannot perform arithmetic on {v.shown}, expected number",
                        v.deps)
            return True
        return False

    def concat(self, e: t.Node) -> bool:
        if isinstance(e, t.Literal) and e.kind in _NOT_CONCAT_LITERAL:
            self.report(e.line, f"cannot concatenate {e.kind}, expected string or number")
            return True
        return False

    def call(self, c: t.Call) -> None:
        self.expr(c.fn)
        for a in c.args:
            self.expr(a)
        if c.method is not None:
            return
        callee = self.value(c.fn)
        if callee is not None and callee.kinds and callee.kinds <= _NOT_CALLABLE:
            self.report(c.line, f"expected function, got {callee.shown}", callee.deps)
            return
        b = self.local_function(c)
        if b is None:
            return
        f = b.func
        assert f is not None
        deps = ((b, "reassigned"),)
        params = f.params
        for i, a in enumerate(c.args[:len(params)]):
            self.assign(a, params[i][1], f"argument {i + 1}: expected {{type}}, got {{value}}",
                        deps=deps)
        if any(ty is None for _, ty in params):
            return  # an undeclared parameter: Wippy infers, and lets extra arguments go
        many = bool(c.args) and _multiple(c.args[-1])
        given = len(c.args) - (1 if many else 0)
        required = 0
        for i, (_, ty) in enumerate(params):
            if self.rejects(ty, "nil", None):
                required = i + 1
        if given < required and not many:
            self.report(c.line, f"not enough arguments (expected {required}, got {given})",
                        deps)
        elif given > len(params) and not f.vararg:
            self.report(c.line, f"too many arguments (expected {len(params)}, got {given})",
                        deps)

    def index(self, e: t.Index, probe: bool) -> None:
        self.expr(e.obj)
        if e.key is not None:
            self.expr(e.key)
        v = self.value(e.obj)
        if v is not None and v.kinds and v.kinds <= _NOT_INDEXABLE:
            self.report(e.line, f"cannot index type {v.shown}", v.deps)
            return
        if probe or e.field is None or not isinstance(e.obj, t.Name):
            return
        b = self.lookup(e.obj.name)
        if b is None:
            return
        fields = self.record_fields(b.declared)
        if fields is not None and e.field not in fields:
            self.report(e.line, f"field '{e.field}' does not exist on type "
                        f"{_show(b.declared)}", ((b, "fields_written"),))


# -- helpers -----------------------------------------------------------------------------------
def _multiple(e: t.Node) -> bool:
    """Can `e`, last in a list, stand for any number of values?"""
    return isinstance(e, (t.Call, t.Vararg))


def _falls_through(body: t.Block) -> bool:
    """Does running `body` certainly reach its end (when it has no `return`)?"""
    if not body:
        return True
    last = body[-1]
    if isinstance(last, t.If):
        branches = [b for _, b in last.tests]
        if last.orelse is not None:
            branches.append(last.orelse)
        return all(_falls_through(b) for b in branches)
    if isinstance(last, t.Do):
        return _falls_through(last.body)
    return isinstance(last, (t.Local, t.Assign, t.LocalFunction, t.FunctionStat, t.TypeStat,
                             t.Simple))


def _literal_kind(src: str) -> str:
    if src in ("true", "false"):
        return "boolean"
    if src == "nil":
        return "nil"
    if src[:1] in "\"'[":
        return "string"
    return "number"


def _different_literals(a: str, b: str, kind: str) -> bool:
    """Are literal sources `a` and `b` (both of `kind`) certainly different values?"""
    if kind == "boolean":
        return a != b
    if kind == "string":
        if "\\" in a or "\\" in b or a[:1] == "[" or b[:1] == "[":
            return False  # escapes and long strings: not compared here
        return a[1:-1] != b[1:-1]
    if kind == "number":
        x, y = _number(a), _number(b)
        return x is not None and y is not None and x != y
    return False


def _number(src: str) -> float | None:
    try:
        if src.startswith("-"):
            n = _number(src[1:])
            return None if n is None else -n
        if src[:2] in ("0x", "0X"):
            return float(int(src, 16)) if "." not in src and "p" not in src.lower() else None
        return float(src)
    except ValueError:
        return None


def _show(node: TypeNode | None) -> str:
    """A type as Wippy's messages name it (`number?`, `string | boolean`, `Person`)."""
    if node is None:
        return "unknown"
    k = node.kind
    if k == "prim":
        return node.name
    if k == "literal":
        return node.src
    if k == "ref":
        return ".".join(node.path)
    if k == "optional":
        inner = node.items[0]
        text = _show(inner)
        return f"({text})?" if inner.kind in ("union", "inter") else f"{text}?"
    if k == "union":
        return " | ".join(_show(i) for i in node.items)
    if k == "inter":
        return " & ".join(_show(i) for i in node.items)
    if k == "array":
        return "{" + _show(node.items[0]) + "}"
    if k == "map":
        return "{[" + _show(node.items[0]) + "]: " + _show(node.items[1]) + "}"
    if k == "record":
        return "{" + ", ".join(n + ("?" if o else "") + ": " + _show(ty)
                               for n, ty, o in node.fields) + "}"
    if k == "readonly":
        return "readonly " + _show(node.items[0])
    if k == "func":
        return "function"
    return "unknown"
