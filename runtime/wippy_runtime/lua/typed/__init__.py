"""Wippy's typed Lua dialect, read by a small front end that hands Lua 5.4 to lupa.

Real Wippy sources annotate locals, parameters and returns, declare types (`type Point =
{x: number, y: number}`) that are runtime values (`Point:is(v)`), and cast (`v as T`, `v :: T`).
The modules, one job each:

- tokens.py    Lua 5.4 tokens with offsets and lines
- parser.py    the grammar (Lua + types): which spans are annotations, which are declarations,
               and the program's tree (tree.py)
- check.py     the static type errors Wippy refuses to load, where they are certain
- lowering.py  typed source -> Lua 5.4, line for line
- types.lua    the runtime type values; runtime.py installs them into a state
- cache.py     the front end's answer (lowered text, type error) by content hash

`compile` is the one entry point the Lua state uses: plain Lua (nearly all of it) is compiled
as it is and never reaches the front end; only a chunk Lua rejects is lowered and compiled
again.

Decisions, and why:
- Plain Lua first. No valid Lua 5.4 program contains a dialect construct (`type X = ...`,
  `local x: T`, `e as T` are all syntax errors in Lua), so what Lua accepts means the same in
  the dialect: it is compiled directly, at no cost and with no risk from this front end.
- Written, not extended: the maintained Python Lua parser (luaparser, ANTLR-generated) has no
  type syntax, would need the ANTLR tool to regenerate its grammar, and re-prints from its
  tree; lowering here needs token offsets and blanks spans in place instead.
- Typed chunks are type-checked, plain Lua is not: Wippy refuses to load a chunk with a type
  error, and its own tests rely on that; the checker runs where the front end already parsed
  (a chunk Lua rejected), so plain Lua pays nothing. It is conservative (check.py): it reports
  only what is certainly wrong, and a chunk it cannot type loads. A type error is worded as a
  syntax error is ("chunk:LINE: cannot assign string to number"), as a TypeErrorMessage.
- Casts are plain at run time: Wippy checks `as` / `::` statically, and its own tests hand
  values through casts on purpose (`(123 :: any) :: string` must reach the callee as 123).
- Syntax errors: when the front end fails before any dialect construct, Lua's own message is
  kept (same error, Lua's exact words); otherwise the front end's, worded as Lua words them
  (`near <eof>` included, which is how the kernel tells an unfinished cell).
- A declared type is a local of its chunk, like any `local`: the chunk-level names are declared
  on line 1 so a type can refer to a later one or to itself. In a notebook a type is local to
  its cell. `export type X` also adds X to the module table the chunk returns.
- The chunk cache is in-process only: the front end costs about 1 ms per typed file (parsing
  most of it; building the tree a third more than parsing alone, checking a fifth of lowering;
  all of Wippy's runtime test app's typed files together a few percent of loading it,
  bench/bench_typed_lua.py), which a disk cache could at best save once per process.
- The type library is installed into a state when the first chunk there declares a type:
  states that never do (most pool instances, all plain Lua) pay nothing for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import cache
from .lowering import USES_LIBRARY
from .runtime import install
from .tokens import LuaSyntaxError

__all__ = ["TypeErrorMessage", "compile", "install", "lower"]


class TypeErrorMessage(str):
    """A compile failure that is a static type error ("chunk:LINE: cannot assign string to
    number"): worded and read as a syntax error is, but a loader can say which it was."""

    __slots__ = ()


def lower(source: str) -> str:
    """Typed Lua -> Lua 5.4 with the same lines (cached; raises LuaSyntaxError)."""
    return cache.lowered(source)


def _text(err: Any) -> str:
    return err.decode("utf-8", "replace") if isinstance(err, bytes) else str(err)


def compile(lua: Any, load: Callable[[bytes, bytes], Any], source: str,
            chunkname: str) -> tuple[Any, str | None]:
    """(function, None) or (None, message worded as Lua's: "chunkname:LINE: ... near 'x'").

    `lua` is the state's lupa runtime (the type library is installed into it the first time a
    chunk that declares types is compiled); `load(text, "=" + chunkname)` its raw loader. A
    syntax error that the front end finds where Lua found it (no dialect construct before it)
    keeps Lua's own message when Lua says where."""
    name = ("=" + chunkname).encode()
    out = load(source.encode("utf-8"), name)
    fn, err = out if type(out) is tuple else (out, None)
    if fn is not None:
        return fn, None
    lua_message = _text(err)
    try:
        text, problem = cache.front(source)
    except LuaSyntaxError as exc:
        if exc.edits == 0 and lua_message.startswith(chunkname + ":"):
            return None, lua_message
        # a dialect construct came first, or Lua gave no position ("C stack overflow")
        return None, f"{chunkname}:{exc.line}: {exc.message}"
    if text == source:
        return None, lua_message
    if problem is not None:
        return None, TypeErrorMessage(f"{chunkname}:{problem.line}: {problem.message}")
    if text.startswith(USES_LIBRARY):
        install(lua, load)
    out = load(text.encode("utf-8"), name)
    fn, err = out if type(out) is tuple else (out, None)
    if fn is not None:
        return fn, None
    return None, _text(err)
