"""Typed Lua -> Lua 5.4, line for line.

Annotations are blanked in place (each character becomes a space, newlines stay), and each
`type X = ...` becomes `X = <constructor>` followed by as many newlines as the declaration had,
so every statement stays on its original line and Lua's own messages (syntax errors, runtime
errors, tracebacks) name the lines of the typed source.

A chunk that declares types gets one prefix on line 1: a local bound to the type library and
the chunk-level type names declared up front, so that a type may refer to one declared later
(or to itself) and functions defined above a declaration still see it as a local.
"""

from __future__ import annotations

from .parser import Parser, TypeDecl, TypeNode, parse

#: the global the type library is installed as (runtime.py); chunks alias it as a local
LIBRARY_GLOBAL = "__wippy_types"
_LIB = "__wippy_T"
#: how a lowered chunk that needs the type library begins
USES_LIBRARY = f"local {_LIB} = {LIBRARY_GLOBAL};"
_PRIM_FIELD = {"function": "t_function", "nil": "t_nil"}


def lower(src: str) -> str:
    """The Lua 5.4 text of typed source `src` (raises LuaSyntaxError)."""
    return emit(parse(src))


def emit(p: Parser) -> str:
    src = p.src
    edits: list[tuple[int, int, str]] = []
    decl_spans = [(d.start, d.end) for d in p.decls]
    for start, end in p.erase:
        if any(ds <= start and end <= de for ds, de in decl_spans):
            continue  # inside a declaration that is replaced as a whole
        edits.append((start, end, _blank(src[start:end])))
    for d in p.decls:
        text = _decl(d)
        edits.append((d.start, d.end, text + "\n" * src.count("\n", d.start, d.end)))
    exported = sorted({d.name for d in p.decls if d.exported and d.toplevel})
    if exported and p.chunk_return:
        # `export type X` makes X a field of the module table the chunk returns
        fields = ", ".join(f"{n} = {n}" for n in exported)
        after, end = p.chunk_return
        edits.append((after, after, f" {_LIB}.exports({{{fields}}},"))
        edits.append((end, end, ")"))
    if not edits:
        return src
    edits.sort()
    out: list[str] = []
    if p.decls:
        names = sorted({d.name for d in p.decls if d.toplevel})
        out.append(USES_LIBRARY)
        if names:
            out.append(f"local {', '.join(names)};")
    pos = 0
    for start, end, text in edits:
        if start < pos:  # nested in an edit already applied (e.g. a cast inside a cast)
            continue
        out.append(src[pos:start])
        out.append(text)
        pos = end
    out.append(src[pos:])
    return "".join(out)


def _blank(text: str) -> str:
    return "".join(c if c == "\n" else " " for c in text)


def _decl(d: TypeDecl) -> str:
    params = set(d.params)
    body = constructor(d.type, params)
    if d.params:
        value = (f'{_LIB}.generic("{d.name}", {{{", ".join(map(_quote, d.params))}}}, '
                 f'function({", ".join(d.params)}) return {body} end)')
    else:
        value = f'{_LIB}.named("{d.name}", {body})'
    if d.toplevel:
        return f"{d.name} = {value};"
    return f"local {d.name}; {d.name} = {value};"


def _quote(name: str) -> str:
    return f'"{name}"'


def constructor(node: TypeNode, params: set[str]) -> str:
    """A Lua expression (one line) that builds the runtime type value of `node`."""
    text = _bare(node, params)
    if node.constraints:
        parts = ", ".join(f'{{"{name}", {args}}}' if args else f'{{"{name}"}}'
                          for name, args in node.constraints)
        text = f"{_LIB}.constrain({text}, {{{parts}}})"
    return text


def _bare(node: TypeNode, params: set[str]) -> str:
    kind = node.kind
    c = constructor
    if kind == "prim":
        return f"{_LIB}.{_PRIM_FIELD.get(node.name, 't_' + node.name)}"
    if kind == "literal":
        return f"{_LIB}.literal({node.src})"
    if kind == "ref":
        if len(node.path) == 1 and node.path[0] in params and not node.items:
            return node.path[0]
        dotted = ".".join(node.path)
        args = ""
        if node.items:
            args = ", {" + ", ".join(c(a, params) for a in node.items) + "}"
        return f'{_LIB}.ref(function() return {dotted} end, "{dotted}"{args})'
    if kind in ("union", "inter"):
        fn = "union" if kind == "union" else "intersection"
        return f"{_LIB}.{fn}({{{', '.join(c(i, params) for i in node.items)}}})"
    if kind == "optional":
        return f"{_LIB}.optional({c(node.items[0], params)})"
    if kind == "readonly":
        return c(node.items[0], params)
    if kind == "array":
        return f"{_LIB}.array({c(node.items[0], params)})"
    if kind == "map":
        return f"{_LIB}.map({c(node.items[0], params)}, {c(node.items[1], params)})"
    if kind == "record":
        fields = ", ".join(f'{{"{n}", {c(t, params)}, {"true" if opt else "false"}}}'
                           for n, t, opt in node.fields)
        index = ""
        if node.items:
            index = f", {c(node.items[0], params)}, {c(node.items[1], params)}"
        return f"{_LIB}.record({{{fields}}}{index})"
    if kind == "func":
        return f"{_LIB}.t_function"
    if kind == "typeof":
        if node.items:
            return c(node.items[0], params)
        return f"{_LIB}.of({node.src})"
    return f"{_LIB}.t_any"  # tuple: only meaningful as a return list
