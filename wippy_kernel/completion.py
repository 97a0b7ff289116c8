"""`complete_request`: what to offer at the cursor, with exact `cursor_start`/`cursor_end`.

Contexts, most specific first: a `%%wat` cell body (instructions and `$names`), a magic name
after `%`, an entry id after `%call `/`%imports ` or inside `funcs.call("`, and Lua names
(globals, keywords, and fields of live tables walked on the Lua side).
"""

from __future__ import annotations

import re
from typing import Any

from wippy_runtime.lua.modules import IMPORTED_ON_USE

from .luainfo import KEYWORDS
from .magics import registry
from .session import Session

WAT_WORDS = sorted(set(["module", "func", "param", "result", "local", "global", "memory", "table", "type", "import", "export", "start", "elem", "data", "mut", "offset", "block", "loop", "if", "then", "else", "end", "br", "br_if", "br_table", "return", "call", "call_indirect", "unreachable", "nop", "drop", "select", "local.get", "local.set", "local.tee", "global.get", "global.set", "i32.load", "i64.load", "f32.load", "f64.load", "i32.store", "i64.store", "f32.store", "f64.store", "i32.load8_s", "i32.load8_u", "i32.load16_s", "i32.load16_u", "i32.store8", "i32.store16", "memory.size", "memory.grow", "memory.copy", "memory.fill", "i32.const", "i64.const", "f32.const", "f64.const", "i32.eqz", "i32.eq", "i32.ne", "i32.lt_s", "i32.lt_u", "i32.gt_s", "i32.gt_u", "i32.le_s", "i32.le_u", "i32.ge_s", "i32.ge_u", "i64.eqz", "i64.eq", "i64.ne", "i64.lt_s", "i64.lt_u", "i64.gt_s", "i64.gt_u", "i64.le_s", "i64.le_u", "i64.ge_s", "i64.ge_u", "f32.eq", "f32.ne", "f32.lt", "f32.gt", "f32.le", "f32.ge", "f64.eq", "f64.ne", "f64.lt", "f64.gt", "f64.le", "f64.ge", "i32.clz", "i32.ctz", "i32.popcnt", "i32.add", "i32.sub", "i32.mul", "i32.div_s", "i32.div_u", "i32.rem_s", "i32.rem_u", "i32.and", "i32.or", "i32.xor", "i32.shl", "i32.shr_s", "i32.shr_u", "i32.rotl", "i32.rotr", "i64.clz", "i64.ctz", "i64.popcnt", "i64.add", "i64.sub", "i64.mul", "i64.div_s", "i64.div_u", "i64.rem_s", "i64.rem_u", "i64.and", "i64.or", "i64.xor", "i64.shl", "i64.shr_s", "i64.shr_u", "i64.rotl", "i64.rotr", "f32.abs", "f32.neg", "f32.ceil", "f32.floor", "f32.trunc", "f32.nearest", "f32.sqrt", "f32.add", "f32.sub", "f32.mul", "f32.div", "f32.min", "f32.max", "f64.abs", "f64.neg", "f64.ceil", "f64.floor", "f64.trunc", "f64.nearest", "f64.sqrt", "f64.add", "f64.sub", "f64.mul", "f64.div", "f64.min", "f64.max", "i32.wrap_i64", "i64.extend_i32_s", "i64.extend_i32_u", "i32.trunc_f32_s", "i32.trunc_f64_s", "f32.convert_i32_s", "f64.convert_i32_s", "f64.convert_i64_s", "f32.demote_f64", "f64.promote_f32", "i32.reinterpret_f32", "i64.reinterpret_f64", "f32.reinterpret_i32", "f64.reinterpret_i64", "i32", "i64", "f32", "f64", "funcref", "externref"]))

#: Completion and inspection run Lua on the session's state while the user types: they read
#: tables raw (rawget, and `__index` only when it is a table, a few levels deep), so no
#: metamethod of the user's runs, and they run under BUDGET_MS of the instruction hook, so
#: even a replaced global cannot freeze Tab or Shift-Tab.
BUDGET_MS = 100

_LUA_KEYS = r"""
local rawget, getmetatable, type, next, string_lib = rawget, getmetatable, type, next, string
local MAX_KEYS, MAX_CHAIN = 5000, 8
-- t[k] without running code: raw fields, then __index tables (never functions)
local function lookup(t, k)
  for _ = 1, MAX_CHAIN do
    if type(t) == "string" then t = string_lib end
    if type(t) ~= "table" then return nil end
    local v = rawget(t, k)
    if v ~= nil then return v end
    local mt = getmetatable(t)
    t = type(mt) == "table" and rawget(mt, "__index") or nil
  end
  return nil
end
local function resolve(path)
  local t = _G
  for i = 1, #path do
    t = lookup(t, path[i])
    if t == nil then return nil end
  end
  return t
end
local function keys(path)
  local t = resolve(path)
  if type(t) == "string" then t = string_lib end
  local out, seen = {}, {}
  for _ = 1, MAX_CHAIN do
    if type(t) ~= "table" then break end
    for k in next, t do
      if type(k) == "string" and not seen[k] then
        seen[k] = true
        out[#out + 1] = k
        if #out >= MAX_KEYS then return out end
      end
    end
    local mt = getmetatable(t)
    t = type(mt) == "table" and rawget(mt, "__index") or nil
  end
  return out
end
return { keys = keys, resolve = resolve }
"""


def budgeted(session: Session, fn: Any, *args: Any) -> Any:
    """Call Lua `fn` on the session state under BUDGET_MS of the instruction hook (the
    running cell's own limits, if any, are put back afterwards)."""
    state = session.state
    guard = state.guard
    previous = state.check
    if guard is not None:
        state.check = guard.lua_checker("<completion>", BUDGET_MS)
    try:
        return fn(*args)
    finally:
        state.check = previous


def _helpers(session: Session) -> Any:
    helpers = getattr(session, "_completion_helpers", None)
    if helpers is None:
        helpers = session.state.lua.execute(_LUA_KEYS)
        session._completion_helpers = helpers  # type: ignore[attr-defined]
    return helpers


def _bind_on_use(session: Session, path: list[str]) -> None:
    """A module the session binds on first use is bound before its fields are listed (the
    lookups below read raw, so they would not bind it)."""
    if path and path[0] in IMPORTED_ON_USE:
        session.state.lua.globals()[path[0].encode()]


def lua_lookup(session: Session, path: list[str]) -> tuple[bool, Any]:
    """(found, value) of `a.b.c` read raw from the session (no metamethod runs)."""
    _bind_on_use(session, path)
    lua = session.state.lua
    t = lua.table_from([p.encode() for p in path])
    value = budgeted(session, _helpers(session)[b"resolve"], t)
    return value is not None, value


_NAME = re.compile(r"([A-Za-z_]\w*(?:\s*[.:]\s*[A-Za-z_]\w*)*\s*[.:]?\s*\w*)$")
_CALL_ID = re.compile(r"funcs\s*\.\s*call\s*\(\s*[\"']([\w.:-]*)$")
_MAGIC_ID = re.compile(r"^%(?:call|imports)\s+([\w.:-]*)$")
_MAGIC_NAME = re.compile(r"^(%{1,2})(\w*)$")


def lua_keys(session: Session, path: list[str]) -> list[str]:
    """Names in `_G` (path=[]) or in the table at `a.b.c` (strings use the string library)."""
    _bind_on_use(session, path)
    lua = session.state.lua
    t = lua.table_from([p.encode() for p in path])
    out = budgeted(session, _helpers(session)[b"keys"], t)
    keys = [k.decode("utf-8", "replace") for k in out.values()]
    if not path:  # modules not bound yet are globals all the same
        keys += sorted(IMPORTED_ON_USE - set(keys))
    return keys


def entry_ids(session: Session) -> list[str]:
    """Ids a call can reach: entries with a callable target (not directories, libraries,
    policies or env variables)."""
    return sorted(session.runtime.targets)


def complete(session: Session, code: str, cursor_pos: int) -> tuple[list[str], int, int]:
    """(matches, cursor_start, cursor_end) for the code before `cursor_pos`."""
    before = code[:cursor_pos]
    line = before.rsplit("\n", 1)[-1]
    end = cursor_pos
    # the rest of the word under the cursor is replaced too
    m_after = re.match(r"[\w.$]*", code[cursor_pos:])
    if m_after:
        end += len(m_after.group(0))

    first = code.split("\n", 1)[0].strip()
    if first.startswith("%%wat") and "\n" in before:
        m = re.search(r"[$\w.]*$", line)
        word = m.group(0) if m else ""
        labels = sorted(set(re.findall(r"\$[\w.]+", code)))
        pool = labels if word.startswith("$") else WAT_WORDS
        return [w for w in pool if w.startswith(word) and w != word] or \
            [w for w in pool if w.startswith(word)], cursor_pos - len(word), end
    if "\n" not in before or not first.startswith("%%"):
        m = _MAGIC_NAME.match(line)
        if m:
            prefix, word = m.groups()
            first_line = "\n" not in before
            names: list[str] = []
            for name, mg in registry().items():
                if not name.startswith(word):
                    continue
                # `%` offers both forms (cell magics only on a cell's first line)
                if prefix == "%" and mg.accepts(False):
                    names.append("%" + name)
                if mg.cell and first_line:
                    names.append("%%" + name)
            return sorted(set(names), key=lambda n: (n.lstrip("%"), n)), \
                cursor_pos - len(line), end
        m = _MAGIC_ID.match(line)
        if m:
            word = m.group(1)
            return [i for i in entry_ids(session) if i.startswith(word)], \
                cursor_pos - len(word), end
    m = _CALL_ID.search(line)
    if m:
        word = m.group(1)
        return [i for i in entry_ids(session) if i.startswith(word)], cursor_pos - len(word), end
    m = _NAME.search(line)
    if not m:
        return [], cursor_pos, cursor_pos
    expr = re.sub(r"\s+", "", m.group(1))
    parts = re.split(r"[.:]", expr)
    word = parts[-1]
    path = parts[:-1]
    try:
        names = lua_keys(session, path)
    except Exception:
        names = []
    if not path:
        names += KEYWORDS
    matches = sorted({n for n in names if n.startswith(word) and not n.startswith("__")})
    tail = re.match(r"\w*", code[cursor_pos:])  # always matches (possibly empty)
    return matches, cursor_pos - len(word), cursor_pos + (len(tail.group(0)) if tail else 0)
