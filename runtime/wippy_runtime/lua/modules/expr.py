"""The `expr` module: evaluate expr-lang expressions (`expr_lang.py`) over Lua data.

Wippy's surface: `expr.eval(expression, env?)` and `expr.compile(expression, env?)` returning
a Program whose `run(env?)` evaluates it again and again. An empty expression is INVALID;
a syntax error, a failed evaluation (an undefined variable used in arithmetic, a type
mismatch, a division by zero) and a result Lua cannot hold are INTERNAL, never retryable.
Compiled expressions are cached by their text (1000 of them, as Wippy's LRU), so `eval` of a
repeated expression parses once. `compile`'s env is a type hint, as in Wippy: names the
expression uses must be in it (or be builtins); `run` takes the data.

The env table becomes plain data (arrays, maps, strings, numbers, booleans): Lua integers stay
integers and floats floats, so `7 / 2` is 3.5 and `7 % 2` needs integers, as in expr-lang;
a Lua function in the env can be called from the expression.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import INTERNAL, INVALID
from ..convert import ConversionError, to_lua, to_plain
from ..objects import fail, lua_class, text_arg
from .expr_lang import ExprError, Program, check_names, compile_expr

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua
    type_of = lua.eval("type")

    def env_of(fn: str, env: Any) -> dict[str, Any] | tuple[Any, Any]:
        if env is None:
            return {}
        if type_of(env) != b"table":
            return fail(f"{fn}: env must be a table, got {type_of(env).decode()}", INVALID)
        functions = {}
        for k, v in env.items():
            if type_of(v) == b"function" and isinstance(k, bytes):
                functions[k.decode("utf-8", "surrogateescape")] = _lua_function(lua, v)
        try:
            plain = to_plain(env) if not functions else to_plain(
                _without(lua, env, functions))
        except ConversionError as exc:
            return fail(f"{fn}: env cannot be converted: {exc}", INTERNAL)
        if plain == [] or plain is None:
            plain = {}
        if not isinstance(plain, dict):
            return fail(f"{fn}: env must be a table of named values", INVALID)
        plain.update(functions)
        return plain

    def compiled(fn: str, expression: Any) -> Program | tuple[Any, Any]:
        source = text_arg(fn, 1, "expression", expression)
        if not source.strip():
            return fail(f"{fn}: expression is empty", INVALID)
        try:
            return compile_expr(source)
        except ExprError as exc:
            return fail(f"{fn}: compile {source!r}: {exc}", INTERNAL)

    def run(fn: str, program: Program, env: dict[str, Any]) -> Any:
        try:
            value = program.run(env)
        except ExprError as exc:
            return fail(f"{fn}: run {program.source!r}: {exc}", INTERNAL)
        try:
            return to_lua(lua, value), None
        except (ConversionError, TypeError, ValueError) as exc:
            return fail(f"{fn}: result of {program.source!r} cannot be converted: {exc}",
                        INTERNAL)

    def eval_(expression: Any = None, env: Any = None, *_: Any) -> Any:
        program = compiled("expr.eval", expression)
        if isinstance(program, tuple):
            return program
        data = env_of("expr.eval", env)
        if isinstance(data, tuple):
            return data
        return run("expr.eval", program, data)

    def compile_(expression: Any = None, env: Any = None, *_: Any) -> Any:
        program = compiled("expr.compile", expression)
        if isinstance(program, tuple):
            return program
        if env is not None:
            hint = env_of("expr.compile", env)
            if isinstance(hint, tuple):
                return hint
            try:
                check_names(program, hint)
            except ExprError as exc:
                return fail(f"expr.compile: compile {program.source!r}: {exc}", INTERNAL)
        return ProgramCls.new(program), None

    def p_run(program: Program, env: Any = None, *_: Any) -> Any:
        data = env_of("program:run", env)
        if isinstance(data, tuple):
            return data
        return run("program:run", program, data)

    ProgramCls = lua_class(state, "expr.Program", {"run": p_run},
                           lambda p: f"expr.Program{{{p.source}}}")

    module = lua.table()
    module[b"eval"] = eval_
    module[b"compile"] = compile_
    state.bind("expr", module)


def _without(lua: Any, table: Any, names: dict[str, Any]) -> Any:
    """A shallow copy of `table` without the function fields (they are passed separately)."""
    copy = lua.table()
    for k, v in table.items():
        if not (isinstance(k, bytes) and k.decode("utf-8", "surrogateescape") in names):
            copy[k] = v
    return copy


def _lua_function(lua: Any, fn: Any) -> Any:
    def call(*args: Any) -> Any:
        try:
            return to_plain(fn(*[to_lua(lua, a) for a in args]))
        except Exception as exc:  # a Lua error inside the function fails the evaluation
            raise ExprError(f"function call failed: {exc}") from None
    return call
