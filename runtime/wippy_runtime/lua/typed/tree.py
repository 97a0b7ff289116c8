"""The program tree the parser builds for the static checker (check.py).

Small and untyped on purpose: it holds what the checker reads (which names are declared where
and with which annotation, literals, operators with Lua's precedence, calls and their
arguments, field reads, returns) and the line of each node, nothing the lowering needs (that
works on source spans, parser.py). A node the checker has no rule for is still built, so that
a walk reaches the expressions inside it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .parser import TypeDecl, TypeNode


class Node:
    __slots__ = ("line",)
    line: int


Block = list["Node"]


# -- expressions -------------------------------------------------------------------------------
class Literal(Node):
    """nil, true/false, a number or a string: `kind` is "nil", "boolean", "number", "string";
    `src` the literal's source text."""

    __slots__ = ("kind", "src")

    def __init__(self, line: int, kind: str, src: str) -> None:
        self.line, self.kind, self.src = line, kind, src


class Vararg(Node):
    __slots__ = ()

    def __init__(self, line: int) -> None:
        self.line = line


class Table(Node):
    """A table constructor; `items` are its keys and values, in order (no structure kept)."""

    __slots__ = ("items",)

    def __init__(self, line: int, items: list[Node]) -> None:
        self.line, self.items = line, items


class Function(Node):
    """A function body: `params` [(name, annotation or None)], `vararg` (`...` present),
    `returns` the declared return types (None: not annotated), `generics` its `<T>` names."""

    __slots__ = ("params", "vararg", "returns", "generics", "body", "method")

    def __init__(self, line: int, params: list[tuple[str, TypeNode | None]], vararg: bool,
                 returns: list[TypeNode] | None, generics: list[str], body: Block) -> None:
        self.line, self.params, self.vararg = line, params, vararg
        self.returns, self.generics, self.body = returns, generics, body
        self.method = False  # `function a:b()`: an implicit `self` comes first


class Name(Node):
    __slots__ = ("name",)

    def __init__(self, line: int, name: str) -> None:
        self.line, self.name = line, name


class Index(Node):
    """`obj.field` (`field` set, `key` its string) or `obj[key]` (`field` None)."""

    __slots__ = ("obj", "key", "field")

    def __init__(self, line: int, obj: Node, key: Node | None, field: str | None) -> None:
        self.line, self.obj, self.key, self.field = line, obj, key, field


class Call(Node):
    """`fn(args)`, or `fn:method(args)` (`method` set; `fn` is then the receiver)."""

    __slots__ = ("fn", "args", "method")

    def __init__(self, line: int, fn: Node, args: list[Node], method: str | None) -> None:
        self.line, self.fn, self.args, self.method = line, fn, args, method


class Binary(Node):
    __slots__ = ("op", "left", "right")

    def __init__(self, line: int, op: str, left: Node, right: Node) -> None:
        self.line, self.op, self.left, self.right = line, op, left, right


class Unary(Node):
    __slots__ = ("op", "operand")

    def __init__(self, line: int, op: str, operand: Node) -> None:
        self.line, self.op, self.operand = line, op, operand


class Paren(Node):
    """`(e)`: one value of `e` (a call's extra results are dropped)."""

    __slots__ = ("inner",)

    def __init__(self, line: int, inner: Node) -> None:
        self.line, self.inner = line, inner


class Cast(Node):
    """`e as T`, `e :: T` or `e!`: the value of `e`, seen statically as something else."""

    __slots__ = ("inner",)

    def __init__(self, line: int, inner: Node) -> None:
        self.line, self.inner = line, inner


# -- statements --------------------------------------------------------------------------------
class Local(Node):
    """`local a: T, b = values` (`names` [(name, annotation or None)])."""

    __slots__ = ("names", "values")

    def __init__(self, line: int, names: list[tuple[str, TypeNode | None]],
                 values: list[Node]) -> None:
        self.line, self.names, self.values = line, names, values


class LocalFunction(Node):
    __slots__ = ("name", "func")

    def __init__(self, line: int, name: str, func: Function) -> None:
        self.line, self.name, self.func = line, name, func


class FunctionStat(Node):
    """`function a.b:c() ... end`: `target` the Name or Index assigned to."""

    __slots__ = ("target", "func")

    def __init__(self, line: int, target: Node, func: Function) -> None:
        self.line, self.target, self.func = line, target, func


class Assign(Node):
    __slots__ = ("targets", "values")

    def __init__(self, line: int, targets: list[Node], values: list[Node]) -> None:
        self.line, self.targets, self.values = line, targets, values


class CallStat(Node):
    __slots__ = ("call",)

    def __init__(self, line: int, call: Node) -> None:
        self.line, self.call = line, call


class Do(Node):
    __slots__ = ("body",)

    def __init__(self, line: int, body: Block) -> None:
        self.line, self.body = line, body


class While(Node):
    __slots__ = ("cond", "body")

    def __init__(self, line: int, cond: Node, body: Block) -> None:
        self.line, self.cond, self.body = line, cond, body


class Repeat(Node):
    __slots__ = ("body", "cond")

    def __init__(self, line: int, body: Block, cond: Node) -> None:
        self.line, self.body, self.cond = line, body, cond


class If(Node):
    """`tests` [(condition, block)] for the `if` and each `elseif`; `orelse` the else block."""

    __slots__ = ("tests", "orelse")

    def __init__(self, line: int, tests: list[tuple[Node, Block]], orelse: Block | None) -> None:
        self.line, self.tests, self.orelse = line, tests, orelse


class For(Node):
    """Numeric (`numeric`: `values` start, stop[, step]) or generic (`for k, v in values`)."""

    __slots__ = ("names", "values", "body", "numeric")

    def __init__(self, line: int, names: list[tuple[str, TypeNode | None]], values: list[Node],
                 body: Block, numeric: bool) -> None:
        self.line, self.names, self.values, self.body = line, names, values, body
        self.numeric = numeric


class Return(Node):
    __slots__ = ("values",)

    def __init__(self, line: int, values: list[Node]) -> None:
        self.line, self.values = line, values


class Goto(Node):
    __slots__ = ()

    def __init__(self, line: int) -> None:
        self.line = line


class Simple(Node):
    """A statement the checker reads nothing from: `break`, a label, `;`."""

    __slots__ = ()

    def __init__(self, line: int) -> None:
        self.line = line


class TypeStat(Node):
    """`type X = ...` / `interface X ... end` where it stands among the statements."""

    __slots__ = ("decl",)

    def __init__(self, line: int, decl: TypeDecl) -> None:
        self.line, self.decl = line, decl
