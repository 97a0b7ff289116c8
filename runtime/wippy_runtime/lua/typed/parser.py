"""A recursive-descent parser for Lua 5.4 plus Wippy's type syntax.

It walks the whole grammar (so it knows an annotation's `:` from a method call's, and a
cast's `as` from a name) and records, for lowering,

- `erase`: source spans that are pure annotation (`: T` on locals, loop names, parameters and
  varargs, return types, `<T>` type parameters, `::<T>` call type arguments, `as T` / `:: T`
  casts, `!` non-nil assertions), and
- `decls`: each `type X = ...` / `export type X = ...` / `interface X ... end` with its type as
  a small tree of `TypeNode`s, which lowering turns into a runtime type value;

and, for the static checker, `tree`: the chunk's statements as nodes of tree.py (expressions
with Lua's operator precedence), each with its line.

Everything else is left as it is, so Lua itself still reports the errors this parser does not
look for (goto scoping, `<const>` assignment, ...). Errors this parser does report are worded as
Lua's (see LuaSyntaxError).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import tree as t
from .tokens import EOF, KEYWORDS, NAME, NUMBER, OP, STRING, LuaSyntaxError, Token, tokenize

#: how deep expressions, blocks and types may nest (Lua's LUAI_MAXCCALLS: past it, Lua's
#: own parser stops with "C stack overflow")
MAX_NEST = 200
#: names a type expression can use without declaring them
PRIMITIVES = frozenset(
    ["any", "unknown", "never", "nil", "boolean", "number", "integer", "string", "table", "function", "userdata", "thread", "error"])


# -- type expressions ---------------------------------------------------------------------------
@dataclass(slots=True)
class TypeNode:
    """One node of a type expression.

    kind and fields:
      prim      name
      ref       path (["inner", "Inner"]), args (generic arguments, maybe empty)
      literal   src (the literal's Lua source: "\"hot\"", "3", "true")
      union / inter / tuple   items
      optional / readonly     items[0]
      array     items[0];  map: items[0] key, items[1] value
      record    fields [(name, type, optional)], items: [key, value] of an index signature
      func      (a function type: at run time only "is a function")
      typeof    src (the Lua expression), items[0] the expression's declared type if known
    `constraints` are the `@name(args)` after the node: [(name, args source)].
    """

    kind: str
    name: str = ""
    path: list[str] = field(default_factory=list)
    items: list[TypeNode] = field(default_factory=list)
    fields: list[tuple[str, TypeNode, bool]] = field(default_factory=list)
    src: str = ""
    constraints: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class TypeDecl:
    """`[export] type Name<params> = type`, spanning source[start:end]."""

    start: int
    end: int
    name: str
    params: list[str]
    type: TypeNode
    exported: bool
    toplevel: bool


_BLOCK_END = frozenset(("end", "else", "elseif", "until"))
#: binary operator -> (left, right) priority, as Lua's parser has them (`..` and `^` are right
#: associative: their right priority is lower)
_BINOPS = {"or": (1, 1), "and": (2, 2),
           "<": (3, 3), ">": (3, 3), "<=": (3, 3), ">=": (3, 3), "~=": (3, 3), "==": (3, 3),
           "|": (4, 4), "~": (5, 5), "&": (6, 6), "<<": (7, 7), ">>": (7, 7),
           "..": (9, 8), "+": (10, 10), "-": (10, 10),
           "*": (11, 11), "/": (11, 11), "//": (11, 11), "%": (11, 11), "^": (14, 13)}
_UNOPS = frozenset(("not", "-", "#", "~"))
_UNARY_PRIORITY = 12
_LITERAL_NAMES = {"nil": "nil", "true": "boolean", "false": "boolean"}


class Parser:
    def __init__(self, src: str) -> None:
        self.src = src
        self.toks = tokenize(src)
        self.i = 0
        self.erase: list[tuple[int, int]] = []
        self.decls: list[TypeDecl] = []
        self.depth = 0          # block nesting: 0 is the chunk's own block
        #: declared types of annotated locals, for `typeof(name)` (innermost wins)
        self.scopes: list[dict[str, TypeNode]] = [{}]
        self._split_gt: Token | None = None  # the second '>' of a '>>' that closed generics
        self.in_type = 0        # > 0 while reading a type expression
        #: nested expressions, blocks and types open now (MAX_NEST: Lua's own limit)
        self.nest = 0
        #: (after `return`, end of its values) of the chunk's own return statement
        self.chunk_return: tuple[int, int] | None = None
        #: the chunk's statements (tree.py), for the static checker
        self.tree: t.Block = []

    # -- token helpers --------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def peek(self, k: int = 1) -> Token:
        j = min(self.i + k, len(self.toks) - 1)
        return self.toks[j]

    def is_(self, value: str, kind: str | None = None) -> bool:
        t = self.toks[self.i]
        return t.value == value and (kind is None or t.kind == kind) and t.kind != STRING

    def next(self) -> Token:
        t = self.toks[self.i]
        if t.kind != EOF:
            self.i += 1
        return t

    def accept(self, value: str) -> bool:
        t = self.toks[self.i]
        if t.value == value and t.kind in (OP, NAME):
            self.i += 1
            return True
        return False

    def error(self, message: str, tok: Token | None = None) -> LuaSyntaxError:
        t = tok or self.tok
        seen = len(self.erase) + len(self.decls) + self.in_type
        return LuaSyntaxError(t.line, f"{message} {t.near()}", edits=seen)

    def expect(self, value: str, what: str | None = None) -> Token:
        t = self.tok
        if t.value == value and t.kind in (OP, NAME):
            self.i += 1
            return t
        raise self.error(f"'{what or value}' expected")

    def expect_match(self, value: str, opener: str, line: int) -> None:
        if self.accept(value):
            return
        if line == self.tok.line:
            raise self.error(f"'{value}' expected")
        raise self.error(f"'{value}' expected (to close '{opener}' at line {line})")

    def name(self) -> Token:
        t = self.tok
        if t.kind != NAME or t.value in KEYWORDS:
            raise self.error("<name> expected")
        self.i += 1
        return t

    def erase_from(self, start: int) -> None:
        """Blank source[start: end of the previous token]."""
        end = self.toks[self.i - 1].end
        if end > start:
            self.erase.append((start, end))

    # -- chunk and blocks ----------------------------------------------------------------------
    def chunk(self) -> None:
        self.tree = self.block()
        if self.tok.kind != EOF:
            raise self.error("'<eof>' expected")

    def block(self) -> t.Block:
        self.nested()
        self.scopes.append({})
        body: t.Block = []
        try:
            while True:
                tok = self.tok
                if tok.kind == EOF or (tok.kind == NAME and tok.value in _BLOCK_END):
                    return body
                if tok.kind == NAME and tok.value == "return":
                    self.next()
                    values: list[t.Node] = []
                    if not (self.tok.kind == EOF or self.tok.value in _BLOCK_END
                            or self.is_(";", OP)):
                        values = self.exprlist()
                        if self.depth == 0:
                            self.chunk_return = (tok.end, self.toks[self.i - 1].end)
                    self.accept(";")
                    body.append(t.Return(tok.line, values))
                    return body
                body.append(self.statement())
        finally:
            self.scopes.pop()
            self.nest -= 1

    def inner_block(self) -> t.Block:
        self.depth += 1
        try:
            return self.block()
        finally:
            self.depth -= 1

    # -- statements ----------------------------------------------------------------------------
    def statement(self) -> t.Node:
        tok = self.tok
        v = tok.value
        line = tok.line
        if tok.kind == OP:
            if v == ";":
                self.next()
                return t.Simple(line)
            if v == "::":
                self.next()
                self.name()
                self.expect("::")
                return t.Simple(line)
        elif tok.kind == NAME:
            if v == "if":
                self.next()
                cond = self.expr()
                self.expect("then")
                tests = [(cond, self.inner_block())]
                while self.is_("elseif", NAME):
                    self.next()
                    cond = self.expr()
                    self.expect("then")
                    tests.append((cond, self.inner_block()))
                orelse = self.inner_block() if self.accept("else") else None
                self.expect_match("end", "if", line)
                return t.If(line, tests, orelse)
            if v == "while":
                self.next()
                cond = self.expr()
                self.expect("do")
                body = self.inner_block()
                self.expect_match("end", "while", line)
                return t.While(line, cond, body)
            if v == "do":
                self.next()
                body = self.inner_block()
                self.expect_match("end", "do", line)
                return t.Do(line, body)
            if v == "for":
                return self.for_stat(tok)
            if v == "repeat":
                self.next()
                body = self.inner_block()
                self.expect_match("until", "repeat", line)
                return t.Repeat(line, body, self.expr())
            if v == "function":
                self.next()
                name = self.name()
                target: t.Node = t.Name(name.line, name.value)
                while self.accept("."):
                    field = self.name()
                    target = t.Index(field.line, target, None, field.value)
                method = self.accept(":")
                if method:
                    field = self.name()
                    target = t.Index(field.line, target, None, field.value)
                func = self.funcbody(line)
                func.method = method
                return t.FunctionStat(line, target, func)
            if v == "local":
                self.next()
                if self.accept("function"):
                    fname = self.name().value
                    return t.LocalFunction(line, fname, self.funcbody(line))
                return self.local_stat(line)
            if v == "goto":
                self.next()
                self.name()
                return t.Goto(line)
            if v == "break":
                self.next()
                return t.Simple(line)
            if v in ("type", "export") and self.type_decl():
                return t.TypeStat(line, self.decls[-1])
            if v == "interface" and self.interface_decl():
                return t.TypeStat(line, self.decls[-1])
        return self.expr_stat()

    def for_stat(self, tok: Token) -> t.Node:
        self.next()
        names = [self.typed_name()]
        if self.accept("="):
            values = [self.expr()]
            self.expect(",")
            values.append(self.expr())
            if self.accept(","):
                values.append(self.expr())
            numeric = True
        else:
            while self.accept(","):
                names.append(self.typed_name())
            self.expect("in", "=' or 'in")
            values = self.exprlist()
            numeric = False
        self.expect("do")
        body = self.inner_block()
        self.expect_match("end", "for", tok.line)
        return t.For(tok.line, names, values, body, numeric)

    def typed_name(self) -> tuple[str, TypeNode | None]:
        """`Name [: type]`, the annotation erased."""
        name = self.name().value
        return name, (self.annotation() if self.is_(":", OP) else None)

    def local_stat(self, line: int) -> t.Node:
        names: list[tuple[str, TypeNode | None]] = []
        while True:
            name, ty = self.typed_name()
            if self.is_("<", OP):  # Lua 5.4 attribute: <const> / <close>
                self.next()
                self.name()
                self.expect(">")
                if ty is None and self.is_(":", OP):
                    ty = self.annotation()
            names.append((name, ty))
            if not self.accept(","):
                break
        values = self.exprlist() if self.accept("=") else []
        scope = self.scopes[-1]
        for name, ty in names:
            if ty is not None:
                scope[name] = ty
            else:
                scope.pop(name, None)
        return t.Local(line, names, values)

    def annotation(self) -> TypeNode:
        """`: type` (at the ':'), erased."""
        start = self.tok.start
        self.next()
        ty = self.type_expr()
        self.erase_from(start)
        return ty

    def expr_stat(self) -> t.Node:
        line = self.tok.line
        first = self.suffixedexp()
        if self.is_("=", OP) or self.is_(",", OP):
            targets = [first]
            while self.accept(","):
                targets.append(self.suffixedexp())
            self.expect("=")
            return t.Assign(line, targets, self.exprlist())
        if type(first) is not t.Call:
            raise self.error("syntax error")
        return t.CallStat(line, first)

    def type_decl(self) -> bool:
        """`type Name [<params>] = type` or `export type ...`; False if this is not one (a
        plain Lua statement that happens to start with the name `type` or `export`)."""
        start_tok = self.tok
        k = 0
        exported = False
        if start_tok.value == "export":
            if not (self.peek().kind == NAME and self.peek().value == "type"):
                return False
            exported = True
            k = 1
        name_tok, after = self.peek(k + 1), self.peek(k + 2)
        if name_tok.kind != NAME or name_tok.value in KEYWORDS:
            return False
        if not (after.kind == OP and after.value in ("=", "<")):
            return False
        self.i += k + 2
        params: list[str] = []
        if self.accept("<"):
            while True:
                params.append(self.name().value)
                if self.accept(":"):  # a constraint on the parameter: checked statically only
                    self.type_expr()
                if self.accept("="):  # a default
                    self.type_expr()
                if not self.accept(","):
                    break
            self.close_gt()
        self.expect("=")
        ty = self.type_expr()
        end = self.toks[self.i - 1].end
        self.decls.append(TypeDecl(start_tok.start, end, name_tok.value, params, ty, exported,
                                   self.depth == 0))
        return True

    def interface_decl(self) -> bool:
        """`interface Name [: Base, ...] function m(params): R ... end`: a type whose values
        are tables with those methods (and the bases' fields)."""
        start_tok, name_tok, after = self.tok, self.peek(), self.peek(2)
        if name_tok.kind != NAME or name_tok.value in KEYWORDS:
            return False
        if not (after.kind == NAME and after.value in ("function", "end")
                or after.kind == OP and after.value == ":"):
            return False
        self.i += 2
        bases: list[TypeNode] = []
        if self.accept(":"):
            while True:
                bases.append(TypeNode("ref", path=[self.name().value]))
                if not self.accept(","):
                    break
        node = TypeNode("record")
        while self.accept("function"):
            method = self.name().value
            self.func_params()
            if self.accept(":"):
                self.return_types()
            node.fields.append((method, TypeNode("func"), False))
        self.expect_match("end", "interface", start_tok.line)
        ty = TypeNode("inter", items=[*bases, node]) if bases else node
        self.decls.append(TypeDecl(start_tok.start, self.toks[self.i - 1].end, name_tok.value,
                                   [], ty, False, self.depth == 0))
        return True

    # -- functions -----------------------------------------------------------------------------
    def funcbody(self, line: int) -> t.Function:
        generics: list[str] = []
        params: list[tuple[str, TypeNode | None]] = []
        vararg = False
        returns: list[TypeNode] | None = None
        if self.is_("<", OP):  # generic parameters: erased
            start = self.tok.start
            self.next()
            while True:
                generics.append(self.name().value)
                if self.accept(":"):
                    self.type_expr()
                if not self.accept(","):
                    break
            self.close_gt()
            self.erase_from(start)
        self.expect("(")
        self.scopes.append({})
        self.depth += 1
        try:
            if not self.is_(")", OP):
                while True:
                    if self.is_("...", OP):
                        self.next()
                        vararg = True
                        if self.is_(":", OP):
                            self.annotation()
                        break
                    if self.tok.kind != NAME or self.tok.value in KEYWORDS:
                        raise self.error("<name> or '...' expected")
                    name, ty = self.typed_name()
                    params.append((name, ty))
                    if ty is not None:
                        self.scopes[-1][name] = ty
                    if not self.accept(","):
                        break
            self.expect(")")
            if self.is_(":", OP):
                start = self.tok.start
                self.next()
                returns = self.return_types()
                self.erase_from(start)
            body = self.block()
            self.expect_match("end", "function", line)
        finally:
            self.depth -= 1
            self.scopes.pop()
        return t.Function(line, params, vararg, returns, generics, body)

    def return_types(self) -> list[TypeNode]:
        first = self.type_expr()
        types = [first]
        while self.accept(","):  # `: T1, T2` (unparenthesised) is accepted too
            types.append(self.type_expr())
        if len(types) == 1 and first.kind == "tuple":  # `: (T1, T2)`
            return first.items
        return types

    # -- expressions ---------------------------------------------------------------------------
    def exprlist(self) -> list[t.Node]:
        out = [self.expr()]
        while self.accept(","):
            out.append(self.expr())
        return out

    def nested(self, weight: int = 1) -> None:
        """One level deeper (an expression, a block, a type): past MAX_NEST, Lua's own error.
        The parser recurses per level, so this also keeps it far from Python's recursion
        limit on hostile input (`((((...` a hundred thousand deep): a type level takes twice
        the Python frames of an expression's, so it counts twice (100 nested types)."""
        self.nest += weight
        if self.nest > MAX_NEST:
            raise self.error("C stack overflow")

    def expr(self, limit: int = 0) -> t.Node:
        """An expression whose binary operators bind tighter than `limit` (Lua's subexpr)."""
        self.nested()
        try:
            tok = self.tok
            if tok.value in _UNOPS and tok.kind in (OP, NAME):
                self.next()
                left: t.Node = t.Unary(tok.line, tok.value, self.expr(_UNARY_PRIORITY))
            else:
                left = self.postfix_casts(self.simpleexp())
            while True:
                tok = self.tok
                if tok.kind not in (OP, NAME):
                    return left
                prio = _BINOPS.get(tok.value)
                if prio is None or prio[0] <= limit:
                    return left
                self.next()
                left = t.Binary(tok.line, tok.value, left, self.expr(prio[1]))
        finally:
            self.nest -= 1

    def postfix_casts(self, node: t.Node) -> t.Node:
        """`e as T`, `e :: T` and `e!` after an operand: erased (Wippy checks them statically;
        at run time the value passes through unchanged)."""
        while True:
            tok = self.tok
            if tok.kind == NAME and tok.value == "as" and self._cast_follows() or tok.kind == OP and tok.value == "::" and not self._label_follows():
                self.next()
                self.type_expr()
                self.erase_from(tok.start)
            elif tok.kind == OP and tok.value == "!":
                self.next()
                self.erase_from(tok.start)
            else:
                return node
            node = t.Cast(node.line, node)

    def _cast_follows(self) -> bool:
        """Is the name `as` here a cast, not a new statement that starts with a variable `as`?"""
        nxt = self.peek()
        if nxt.kind == OP and nxt.value in ("=", ".", "[", ":", ",", ")", "}", ";"):
            return False
        if nxt.kind == EOF:
            return False
        # `as(...)` / `as{...}` / `as "x"` on the next line is a call of a variable `as`
        return not (nxt.kind in (OP, STRING) and nxt.value[:1] in "({\"'["
                    and nxt.line != self.tok.line)

    def _label_follows(self) -> bool:
        return (self.peek().kind == NAME and self.peek(2).kind == OP
                and self.peek(2).value == "::")

    def simpleexp(self) -> t.Node:
        tok = self.tok
        kind = tok.kind
        if kind == NUMBER:
            self.next()
            return t.Literal(tok.line, "number", tok.value)
        if kind == STRING:
            self.next()
            return t.Literal(tok.line, "string", tok.value)
        if kind == NAME:
            lit = _LITERAL_NAMES.get(tok.value)
            if lit is not None:
                self.next()
                return t.Literal(tok.line, lit, tok.value)
            if tok.value == "function":
                self.next()
                return self.funcbody(tok.line)
        elif kind == OP:
            if tok.value == "...":
                self.next()
                return t.Vararg(tok.line)
            if tok.value == "{":
                return self.table()
        return self.suffixedexp()

    def primaryexp(self) -> t.Node:
        tok = self.tok
        if tok.kind == NAME and tok.value not in KEYWORDS:
            self.next()
            return t.Name(tok.line, tok.value)
        if tok.kind == OP and tok.value == "(":
            self.next()
            inner = self.expr()
            self.expect_match(")", "(", tok.line)
            return t.Paren(tok.line, inner)
        raise self.error("unexpected symbol")

    def suffixedexp(self) -> t.Node:
        """A primary expression with its fields, indexes and calls (a Call is a statement)."""
        node = self.primaryexp()
        typed_method = False  # `o:m::<T>(x)`: the call of `m` waits for its type arguments
        while True:
            tok = self.tok
            if tok.kind == OP:
                if tok.value == ".":
                    self.next()
                    field = self.name()
                    node = t.Index(field.line, node, None, field.value)
                    continue
                if tok.value == "::" and self.peek().kind == OP and self.peek().value == "<":
                    # explicit type arguments of a call, `f::<T>(x)` / `o:m::<T>(x)`: erased
                    self.next()
                    self.next()
                    self.type_expr()
                    while self.accept(","):
                        self.type_expr()
                    self.close_gt()
                    self.erase_from(tok.start)
                    if typed_method and type(node) is t.Call:
                        node.args = self.args()
                        typed_method = False
                    else:
                        node = t.Call(tok.line, node, self.args(), None)
                    continue
                if tok.value == "[":
                    self.next()
                    key = self.expr()
                    self.expect("]")
                    node = t.Index(tok.line, node, key, None)
                    continue
                if tok.value == ":":
                    self.next()
                    method = self.name().value
                    if self.is_("::", OP) and self.peek().kind == OP and self.peek().value == "<":
                        node = t.Call(tok.line, node, [], method)
                        typed_method = True
                        continue
                    node = t.Call(tok.line, node, self.args(), method)
                    continue
                if tok.value in ("(", "{"):
                    node = t.Call(tok.line, node, self.args(), None)
                    continue
            elif tok.kind == STRING:
                node = t.Call(tok.line, node, self.args(), None)
                continue
            return node

    def args(self) -> list[t.Node]:
        tok = self.tok
        if tok.kind == STRING:
            self.next()
            return [t.Literal(tok.line, "string", tok.value)]
        if tok.kind == OP and tok.value == "{":
            return [self.table()]
        if tok.kind == OP and tok.value == "(":
            self.next()
            values = [] if self.is_(")", OP) else self.exprlist()
            self.expect_match(")", "(", tok.line)
            return values
        raise self.error("function arguments expected")

    def table(self) -> t.Node:
        line = self.tok.line
        items: list[t.Node] = []
        self.expect("{")
        while not self.is_("}", OP):
            if self.is_("[", OP):
                self.next()
                items.append(self.expr())
                self.expect("]")
                self.expect("=")
                items.append(self.expr())
            elif (self.tok.kind == NAME and self.tok.value not in KEYWORDS
                  and self.peek().kind == OP and self.peek().value == "="):
                self.next()
                self.next()
                items.append(self.expr())
            else:
                items.append(self.expr())
            if not (self.accept(",") or self.accept(";")):
                break
        self.expect_match("}", "{", line)
        return t.Table(line, items)

    # -- type expressions ----------------------------------------------------------------------
    def close_gt(self) -> None:
        """The '>' closing generic arguments; half of a '>>' when generics nest."""
        if self._split_gt is not None and self._split_gt is self.tok:
            self._split_gt = None
            self.next()
            return
        t = self.tok
        if t.kind == OP and t.value == ">>":
            self._split_gt = t  # this '>' is consumed; the token stays for the outer one
            return
        self.expect(">")

    def type_expr(self) -> TypeNode:
        self.nested(2)
        self.in_type += 1
        try:
            first = self.type_inter()
            if not self.is_("|", OP):
                return first
            items = [first]
            while self.accept("|"):
                items.append(self.type_inter())
            return TypeNode("union", items=items)
        finally:
            self.in_type -= 1
            self.nest -= 2

    def type_inter(self) -> TypeNode:
        first = self.type_postfix()
        if not self.is_("&", OP):
            return first
        items = [first]
        while self.accept("&"):
            items.append(self.type_postfix())
        return TypeNode("inter", items=items)

    def type_postfix(self) -> TypeNode:
        node = self.type_primary()
        while True:
            if self.is_("?", OP):
                self.next()
                node = TypeNode("optional", items=[node])
            elif self.is_("[", OP) and self.peek().kind == OP and self.peek().value == "]":
                self.next()
                self.next()
                node = TypeNode("array", items=[node])
            elif self.is_("@", OP):
                self.next()
                cname = self.name().value
                args = ""
                if self.is_("(", OP):
                    open_tok = self.next()
                    if not self.is_(")", OP):
                        start = self.tok.start
                        self.exprlist()
                        args = self.src[start:self.toks[self.i - 1].end]
                    self.expect_match(")", "(", open_tok.line)
                node.constraints.append((cname, args))
            else:
                return node

    def type_primary(self) -> TypeNode:
        t = self.tok
        if t.kind == STRING:
            self.next()
            return TypeNode("literal", src=t.value)
        if t.kind == NUMBER:
            self.next()
            return TypeNode("literal", src=t.value)
        if t.kind == OP and t.value == "-" and self.peek().kind == NUMBER:
            self.next()
            return TypeNode("literal", src="-" + self.next().value)
        if t.kind == OP and t.value == "{":
            return self.type_table()
        if t.kind == OP and t.value == "(":
            return self.type_paren()
        if t.kind != NAME:
            raise self.error("type expected")
        v = t.value
        if v in ("true", "false"):
            self.next()
            return TypeNode("literal", src=v)
        if v == "nil":
            self.next()
            return TypeNode("prim", name="nil")
        if v == "function" and self.peek().value != "(":
            self.next()
            return TypeNode("func")
        if v in KEYWORDS and v != "function":
            raise self.error("type expected")
        if v == "readonly" and not (self.peek().kind in (OP, EOF)
                                    and self.peek().value not in ("{", "(")):
            self.next()
            return TypeNode("readonly", items=[self.type_postfix()])
        if v in ("fun", "function") and self.peek().kind == OP and self.peek().value == "(":
            return self.type_fun()
        if v == "typeof" and self.peek().kind == OP and self.peek().value == "(":
            return self.type_typeof()
        if v == "keyof" and self.peek().kind == OP and self.peek().value == "(":
            self.next()
            self.next()
            self.type_expr()
            self.expect(")")
            return TypeNode("prim", name="any")
        self.next()
        path = [v]
        while self.is_(".", OP):
            self.next()
            path.append(self.name().value)
        args: list[TypeNode] = []
        if self.is_("<", OP) and not self._attribute_follows():
            self.next()
            args.append(self.type_expr())
            while self.accept(","):
                args.append(self.type_expr())
            self.close_gt()
        if len(path) == 1 and not args and v in PRIMITIVES:
            return TypeNode("prim", name=v)
        return TypeNode("ref", path=path, items=args)

    def _attribute_follows(self) -> bool:
        """`<const>` / `<close>` after a local's type is Lua's attribute, not type arguments."""
        name, close = self.peek(), self.peek(2)
        return (name.kind == NAME and name.value in ("const", "close")
                and close.kind == OP and close.value == ">")

    def type_typeof(self) -> TypeNode:
        self.next()
        self.expect("(")
        start_i = self.i
        start = self.tok.start
        self.expr()
        src = self.src[start:self.toks[self.i - 1].end]
        self.expect(")")
        node = TypeNode("typeof", src=src)
        if self.i - start_i == 1:  # typeof(name): the name's declared type, if annotated
            declared = self.declared(self.toks[start_i].value)
            if declared is not None:
                node.items.append(declared)
        return node

    def declared(self, name: str) -> TypeNode | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def type_fun(self) -> TypeNode:
        self.next()  # fun / function
        self.func_params()
        if self.accept(":"):
            self.type_returns()
        return TypeNode("func")

    def func_params(self) -> None:
        line = self.tok.line
        self.expect("(")
        if not self.is_(")", OP):
            while True:
                if self.accept("..."):
                    if not (self.is_(")", OP) or self.is_(",", OP)):
                        self.accept(":")
                        self.type_expr()
                elif (self.tok.kind == NAME and self.peek().kind == OP
                      and self.peek().value == ":"):
                    self.next()
                    self.next()
                    self.type_expr()
                else:
                    self.type_expr()
                if not self.accept(","):
                    break
        self.expect_match(")", "(", line)

    def type_returns(self) -> None:
        self.type_expr()

    def type_paren(self) -> TypeNode:
        """`(T)` grouping, `(A, B)` a return tuple, or `(params) -> R` a function type."""
        save = self.i
        # A function type's parameter list can hold things no type can (`name: T`, `...`), so
        # try it first as a parameter list followed by '->'.
        try:
            self.func_params()
            if self.is_("->", OP):
                self.next()
                self.type_expr()
                return TypeNode("func")
        except LuaSyntaxError:
            pass
        self.i = save
        line = self.tok.line
        self.expect("(")
        if self.accept(")"):
            return TypeNode("tuple")
        items = [self.type_expr()]
        while self.accept(","):
            items.append(self.type_expr())
        self.expect_match(")", "(", line)
        if len(items) == 1:
            return items[0]
        return TypeNode("tuple", items=items)

    def type_table(self) -> TypeNode:
        line = self.tok.line
        self.expect("{")
        if self.accept("}"):
            return TypeNode("record")
        if self.is_("[", OP):
            save = self.i
            self.next()
            key = self.type_expr()
            if self.accept("]") and self.accept(":"):
                value = self.type_expr()
                if self.accept("}"):
                    return TypeNode("map", items=[key, value])
                self.i = save  # a record with an index signature among its fields
            else:
                self.i = save
        if not self._field_follows():
            elem = self.type_expr()
            self.expect_match("}", "{", line)
            return TypeNode("array", items=[elem])
        node = TypeNode("record")
        while not self.is_("}", OP):
            if self.is_("[", OP):
                self.next()
                key = self.type_expr()
                self.expect("]")
                self.expect(":")
                node.items = [key, self.type_expr()]
            else:
                fname = self.next()
                if fname.kind != NAME:
                    raise self.error("<name> expected", fname)
                optional = self.accept("?")
                self.expect(":")
                fty = self.type_expr()
                node.fields.append((fname.value, fty, optional))
            if not (self.accept(",") or self.accept(";")):
                break
        self.expect_match("}", "{", line)
        return node

    def _field_follows(self) -> bool:
        t, nxt = self.tok, self.peek()
        if t.kind != NAME or nxt.kind != OP:
            return False
        if nxt.value == ":":
            return True
        return nxt.value == "?" and self.peek(2).kind == OP and self.peek(2).value == ":"


def parse(src: str) -> Parser:
    """Parse `src`; raises LuaSyntaxError. The parser's `erase` and `decls` say what to lower."""
    p = Parser(src)
    p.chunk()
    return p
