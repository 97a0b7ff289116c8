"""A recursive-descent parser for Lua 5.4 plus Wippy's type syntax.

It does not build a tree of the Lua program: lowering needs only where the dialect's constructs
are. It walks the whole grammar (so it knows an annotation's `:` from a method call's, and a
cast's `as` from a name) and records

- `erase`: source spans that are pure annotation (`: T` on locals, loop names, parameters and
  varargs, return types, `<T>` type parameters, `::<T>` call type arguments, `as T` / `:: T`
  casts, `!` non-nil assertions), and
- `decls`: each `type X = ...` / `export type X = ...` / `interface X ... end` with its type as
  a small tree of `TypeNode`s, which lowering turns into a runtime type value.

Everything else is left as it is, so Lua itself still reports the errors this parser does not
look for (goto scoping, `<const>` assignment, ...). Errors this parser does report are worded as
Lua's (see LuaSyntaxError).
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
_BINOPS = frozenset(["+", "-", "*", "/", "//", "%", "^", "..", "==", "~=", "<", "<=", ">", ">=", "and", "or", "&", "|", "~", "<<", ">>"])
_UNOPS = frozenset(("not", "-", "#", "~"))


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
        self.block()
        if self.tok.kind != EOF:
            raise self.error("'<eof>' expected")

    def block(self) -> None:
        self.nested()
        self.scopes.append({})
        try:
            while True:
                t = self.tok
                if t.kind == EOF or (t.kind == NAME and t.value in _BLOCK_END):
                    return
                if t.kind == NAME and t.value == "return":
                    self.next()
                    if not (self.tok.kind == EOF or self.tok.value in _BLOCK_END
                            or self.is_(";", OP)):
                        self.exprlist()
                        if self.depth == 0:
                            self.chunk_return = (t.end, self.toks[self.i - 1].end)
                    self.accept(";")
                    return
                self.statement()
        finally:
            self.scopes.pop()
            self.nest -= 1

    def inner_block(self) -> None:
        self.depth += 1
        try:
            self.block()
        finally:
            self.depth -= 1

    # -- statements ----------------------------------------------------------------------------
    def statement(self) -> None:
        t = self.tok
        v = t.value
        if t.kind == OP:
            if v == ";":
                self.next()
                return
            if v == "::":
                self.next()
                self.name()
                self.expect("::")
                return
        elif t.kind == NAME:
            if v == "if":
                self.next()
                self.expr()
                self.expect("then")
                self.inner_block()
                while self.is_("elseif", NAME):
                    self.next()
                    self.expr()
                    self.expect("then")
                    self.inner_block()
                if self.accept("else"):
                    self.inner_block()
                self.expect_match("end", "if", t.line)
                return
            if v == "while":
                self.next()
                self.expr()
                self.expect("do")
                self.inner_block()
                self.expect_match("end", "while", t.line)
                return
            if v == "do":
                self.next()
                self.inner_block()
                self.expect_match("end", "do", t.line)
                return
            if v == "for":
                self.for_stat(t)
                return
            if v == "repeat":
                self.next()
                self.inner_block()
                self.expect_match("until", "repeat", t.line)
                self.expr()
                return
            if v == "function":
                self.next()
                self.name()
                while self.accept("."):
                    self.name()
                if self.accept(":"):
                    self.name()
                self.funcbody(t.line)
                return
            if v == "local":
                self.next()
                if self.accept("function"):
                    self.name()
                    self.funcbody(t.line)
                else:
                    self.local_stat()
                return
            if v == "goto":
                self.next()
                self.name()
                return
            if v == "break":
                self.next()
                return
            if v in ("type", "export") and self.type_decl():
                return
            if v == "interface" and self.interface_decl():
                return
        self.expr_stat()

    def for_stat(self, t: Token) -> None:
        self.next()
        self.typed_name()
        if self.accept("="):
            self.expr()
            self.expect(",")
            self.expr()
            if self.accept(","):
                self.expr()
        else:
            while self.accept(","):
                self.typed_name()
            self.expect("in", "=' or 'in")
            self.exprlist()
        self.expect("do")
        self.inner_block()
        self.expect_match("end", "for", t.line)

    def typed_name(self) -> tuple[str, TypeNode | None]:
        """`Name [: type]`, the annotation erased."""
        name = self.name().value
        return name, (self.annotation() if self.is_(":", OP) else None)

    def local_stat(self) -> None:
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
        if self.accept("="):
            self.exprlist()
        scope = self.scopes[-1]
        for name, ty in names:
            if ty is not None:
                scope[name] = ty
            else:
                scope.pop(name, None)

    def annotation(self) -> TypeNode:
        """`: type` (at the ':'), erased."""
        start = self.tok.start
        self.next()
        ty = self.type_expr()
        self.erase_from(start)
        return ty

    def expr_stat(self) -> None:
        kind = self.suffixedexp()
        if self.is_("=", OP) or self.is_(",", OP):
            while self.accept(","):
                self.suffixedexp()
            self.expect("=")
            self.exprlist()
        elif kind != "call":
            raise self.error("syntax error")

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
    def funcbody(self, line: int) -> None:
        if self.is_("<", OP):  # generic parameters: erased
            start = self.tok.start
            self.next()
            while True:
                self.name()
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
                        if self.is_(":", OP):
                            self.annotation()
                        break
                    if self.tok.kind != NAME or self.tok.value in KEYWORDS:
                        raise self.error("<name> or '...' expected")
                    name, ty = self.typed_name()
                    if ty is not None:
                        self.scopes[-1][name] = ty
                    if not self.accept(","):
                        break
            self.expect(")")
            if self.is_(":", OP):
                start = self.tok.start
                self.next()
                self.return_types()
                self.erase_from(start)
            self.block()
            self.expect_match("end", "function", line)
        finally:
            self.depth -= 1
            self.scopes.pop()

    def return_types(self) -> None:
        self.type_expr()
        while self.accept(","):  # `: T1, T2` (unparenthesised) is accepted too
            self.type_expr()

    # -- expressions ---------------------------------------------------------------------------
    def exprlist(self) -> None:
        self.expr()
        while self.accept(","):
            self.expr()

    def nested(self, weight: int = 1) -> None:
        """One level deeper (an expression, a block, a type): past MAX_NEST, Lua's own error.
        The parser recurses per level, so this also keeps it far from Python's recursion
        limit on hostile input (`((((...` a hundred thousand deep): a type level takes twice
        the Python frames of an expression's, so it counts twice (100 nested types)."""
        self.nest += weight
        if self.nest > MAX_NEST:
            raise self.error("C stack overflow")

    def expr(self) -> None:
        """An expression. Precedence does not matter here (nothing is re-printed), so binary
        operators are read as one flat chain."""
        self.nested()
        try:
            while True:
                while self.tok.value in _UNOPS and self.tok.kind in (OP, NAME):
                    self.next()
                self.simpleexp()
                self.postfix_casts()
                t = self.tok
                if t.kind in (OP, NAME) and t.value in _BINOPS:
                    self.next()
                    continue
                return
        finally:
            self.nest -= 1

    def postfix_casts(self) -> None:
        """`e as T`, `e :: T` and `e!` after an operand: erased (Wippy checks them statically;
        at run time the value passes through unchanged)."""
        while True:
            t = self.tok
            if t.kind == NAME and t.value == "as" and self._cast_follows() or t.kind == OP and t.value == "::" and not self._label_follows():
                self.next()
                self.type_expr()
                self.erase_from(t.start)
            elif t.kind == OP and t.value == "!":
                self.next()
                self.erase_from(t.start)
            else:
                return

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

    def simpleexp(self) -> None:
        t = self.tok
        if t.kind in (NUMBER, STRING) or t.kind == NAME and t.value in ("nil", "true", "false") or t.kind == OP and t.value == "...":
            self.next()
        elif t.kind == NAME and t.value == "function":
            self.next()
            self.funcbody(t.line)
        elif t.kind == OP and t.value == "{":
            self.table()
        else:
            self.suffixedexp()

    def primaryexp(self) -> None:
        t = self.tok
        if t.kind == NAME and t.value not in KEYWORDS:
            self.next()
            return
        if t.kind == OP and t.value == "(":
            self.next()
            self.expr()
            self.expect_match(")", "(", t.line)
            return
        raise self.error("unexpected symbol")

    def suffixedexp(self) -> str:
        """Returns "call" when the expression ends with a call (a valid statement)."""
        self.primaryexp()
        kind = "var"
        while True:
            t = self.tok
            if t.kind == OP:
                if t.value == ".":
                    self.next()
                    self.name()
                    kind = "var"
                    continue
                if t.value == "::" and self.peek().kind == OP and self.peek().value == "<":
                    # explicit type arguments of a call, `f::<T>(x)` / `o:m::<T>(x)`: erased
                    self.next()
                    self.next()
                    self.type_expr()
                    while self.accept(","):
                        self.type_expr()
                    self.close_gt()
                    self.erase_from(t.start)
                    self.args()
                    kind = "call"
                    continue
                if t.value == "[":
                    self.next()
                    self.expr()
                    self.expect("]")
                    kind = "var"
                    continue
                if t.value == ":":
                    self.next()
                    self.name()
                    if self.is_("::", OP) and self.peek().kind == OP and self.peek().value == "<":
                        continue  # `o:m::<T>(x)`: the type arguments come next
                    self.args()
                    kind = "call"
                    continue
                if t.value in ("(", "{"):
                    self.args()
                    kind = "call"
                    continue
            elif t.kind == STRING:
                self.args()
                kind = "call"
                continue
            return kind

    def args(self) -> None:
        t = self.tok
        if t.kind == STRING:
            self.next()
        elif t.kind == OP and t.value == "{":
            self.table()
        elif t.kind == OP and t.value == "(":
            self.next()
            if not self.is_(")", OP):
                self.exprlist()
            self.expect_match(")", "(", t.line)
        else:
            raise self.error("function arguments expected")

    def table(self) -> None:
        line = self.tok.line
        self.expect("{")
        while not self.is_("}", OP):
            if self.is_("[", OP):
                self.next()
                self.expr()
                self.expect("]")
                self.expect("=")
                self.expr()
            elif (self.tok.kind == NAME and self.tok.value not in KEYWORDS
                  and self.peek().kind == OP and self.peek().value == "="):
                self.next()
                self.next()
                self.expr()
            else:
                self.expr()
            if not (self.accept(",") or self.accept(";")):
                break
        self.expect_match("}", "{", line)

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
