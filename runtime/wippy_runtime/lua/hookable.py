"""Hookable versions of the Lua library functions that can run unbounded inside C.

Why: `max_execution_ms` and `Runtime.interrupt()` reach Lua through the instruction-count
debug hook, and Lua never runs a hook inside a C function. A few standard functions can spend
unbounded time in C on a small input: pattern matching with backtracking
(`("a"):rep(40):find(("a*"):rep(40) .. "b")` is exponential), `table.move` / `table.concat`
over huge index ranges, `string.rep` of an empty string a trillion times. The sandbox
replaces them with wrappers that keep the ordinary case on the C function and send the
dangerous case through Lua code, where the hook (so the limits and the interrupt button)
reaches every step.

Decisions:

* **Patterns: a matcher written in Lua, chosen by a cost bound, not a step budget.** A step
  budget would need a patched C matcher. Instead each call estimates the C matcher's worst
  case: with `k` quantifiers (`* + - ?`, `%b`) and a subject of `n` bytes, backtracking can
  cost about `n^(k+1)` steps (a quantifier that ends the pattern does not count: nothing
  after it can fail, so it never backtracks). When that bound is at most `C_PATTERN_BUDGET` (a few
  milliseconds of C) the C function runs; above it the same algorithm (a line-by-line port of
  Lua 5.4's `lstrlib.c` matcher: same captures, anchors, `%b`, `%f`, back-references, errors)
  runs in Lua. Ordinary patterns on ordinary strings stay on the fast path; a pattern bomb
  becomes slow Lua that a limit or an interrupt stops.
* `table.move` / `table.concat` over more than `C_RANGE` indices loop in Lua (their C loops
  can touch 2^40 empty slots without allocating a byte, so the memory cap never fires).
* `string.rep` refuses results above `MAX_REP_BYTES` and answers an empty repetition at once
  (C would run `n` empty copies).
* `string.format` needs nothing: Lua 5.4 refuses widths and precisions above 99.
"""

from __future__ import annotations

from typing import Any

#: n^(k+1) steps the C matcher may be trusted with (~ a few ms)
C_PATTERN_BUDGET = 2_000_000
#: index ranges up to this many elements stay on the C table.move / table.concat
C_RANGE = 100_000
#: string.rep refuses results above this (the Lua memory cap usually fires first)
MAX_REP_BYTES = 1 << 30

SOURCE = r"""
local C_PATTERN_BUDGET, C_RANGE, MAX_REP_BYTES = ...
local byte, sub, char, strrep = string.byte, string.sub, string.char, string.rep
local c_find, c_match, c_gmatch, c_gsub = string.find, string.match, string.gmatch, string.gsub
local c_move, c_concat = table.move, table.concat
local type, error, tostring, select, tointeger = type, error, tostring, select, math.tointeger
local maxinteger = math.maxinteger

-- Worst-case cost of the C matcher: quantifiers outside sets, %b counts as one. A quantifier
-- at the very end of the pattern (only ')' after it) is free: the rest of the pattern matches
-- at once wherever its run stops, so `%s+` in a gsub stays linear.
local function quantifiers(p)
  local k, i, n = 0, 1, #p
  local last = 0
  while i <= n do
    local c = byte(p, i)
    if c == 37 then                      -- %x
      if byte(p, i + 1) == 98 then k = k + 1 end   -- %b
      i = i + 2
    elseif c == 91 then                  -- [set]
      i = i + 1
      if byte(p, i) == 94 then i = i + 1 end
      if byte(p, i) == 93 then i = i + 1 end
      while i <= n and byte(p, i) ~= 93 do
        if byte(p, i) == 37 then i = i + 1 end
        i = i + 1
      end
      i = i + 1
    else
      if c == 42 or c == 43 or c == 45 or c == 63 then k = k + 1; last = i end
      i = i + 1
    end
  end
  if last > 0 and not c_find(p, "[^)]", last + 1) then k = k - 1 end
  return k
end

local function heavy(s, p)
  if type(s) ~= "string" or type(p) ~= "string" then return false end
  local n = #s
  if n < 16 then return false end
  local k = quantifiers(p)
  if k == 0 then return false end
  local cost, base = n, n
  for _ = 1, k do
    cost = cost * base
    if cost > C_PATTERN_BUDGET then return true end
  end
  return false
end

-- The matcher (Lua 5.4 lstrlib.c, ported). Positions are 1-based byte indices; a match
-- returns the index just past its end.
local L_ESC, MAXCCALLS, MAXCAPTURES = 37, 200, 32
local CAP_UNFINISHED, CAP_POSITION = -1, -2
local classes

local function build_classes()
  classes = {}
  for _, cl in ipairs({"a", "c", "d", "g", "l", "p", "s", "u", "w", "x"}) do
    local t = {}
    local pat = "%" .. cl
    for c = 0, 255 do t[c] = c_find(char(c), pat) ~= nil end
    classes[byte(cl)] = t
  end
end

local function match_class(c, cl)
  if not classes then build_classes() end
  local lower = cl
  if cl >= 65 and cl <= 90 then lower = cl + 32 end
  local t = classes[lower]
  if not t then return cl == c end
  local res = t[c]
  if lower ~= cl then res = not res end
  return res
end

local function class_end(ms, p)
  local pat = ms.pat
  local c = byte(pat, p)
  p = p + 1
  if c == L_ESC then
    if p > ms.plen then error("malformed pattern (ends with '%')", 0) end
    return p + 1
  elseif c == 91 then
    if byte(pat, p) == 94 then p = p + 1 end
    repeat
      if p > ms.plen then error("malformed pattern (missing ']')", 0) end
      local cc = byte(pat, p)
      p = p + 1
      if cc == L_ESC and p <= ms.plen then p = p + 1 end
    until byte(pat, p) == 93
    return p + 1
  end
  return p
end

local function match_bracket(ms, c, p, ec)
  local pat = ms.pat
  local sig = true
  if byte(pat, p + 1) == 94 then sig = false; p = p + 1 end
  p = p + 1
  while p < ec do
    local pc = byte(pat, p)
    if pc == L_ESC then
      p = p + 1
      if match_class(c, byte(pat, p)) then return sig end
    elseif byte(pat, p + 1) == 45 and p + 2 < ec then
      if pc <= c and c <= byte(pat, p + 2) then return sig end
      p = p + 2
    elseif pc == c then
      return sig
    end
    p = p + 1
  end
  return not sig
end

local function single_match(ms, s, p, ep)
  if s > ms.slen then return false end
  local c = byte(ms.src, s)
  local pc = byte(ms.pat, p)
  if pc == 46 then return true
  elseif pc == L_ESC then return match_class(c, byte(ms.pat, p + 1))
  elseif pc == 91 then return match_bracket(ms, c, p, ep - 1)
  end
  return pc == c
end

local do_match

local function max_expand(ms, s, p, ep)
  local i = 0
  while single_match(ms, s + i, p, ep) do i = i + 1 end
  while i >= 0 do
    local res = do_match(ms, s + i, ep + 1)
    if res then return res end
    i = i - 1
  end
  return nil
end

local function min_expand(ms, s, p, ep)
  while true do
    local res = do_match(ms, s, ep + 1)
    if res then return res end
    if single_match(ms, s, p, ep) then s = s + 1 else return nil end
  end
end

local function start_capture(ms, s, p, what)
  local level = ms.level
  if level >= MAXCAPTURES then error("too many captures", 0) end
  ms.cinit[level] = s
  ms.clen[level] = what
  ms.level = level + 1
  local res = do_match(ms, s, p)
  if not res then ms.level = ms.level - 1 end
  return res
end

local function end_capture(ms, s, p)
  local l = nil
  for lv = ms.level - 1, 0, -1 do
    if ms.clen[lv] == CAP_UNFINISHED then l = lv; break end
  end
  if not l then error("invalid pattern capture", 0) end
  ms.clen[l] = s - ms.cinit[l]
  local res = do_match(ms, s, p)
  if not res then ms.clen[l] = CAP_UNFINISHED end
  return res
end

local function match_balance(ms, s, p)
  if p + 1 > ms.plen then error("malformed pattern (missing arguments to '%b')", 0) end
  if s > ms.slen or byte(ms.src, s) ~= byte(ms.pat, p) then return nil end
  local b, e = byte(ms.pat, p), byte(ms.pat, p + 1)
  local cont = 1
  s = s + 1
  while s <= ms.slen do
    local c = byte(ms.src, s)
    if c == e then
      cont = cont - 1
      if cont == 0 then return s + 1 end
    elseif c == b then
      cont = cont + 1
    end
    s = s + 1
  end
  return nil
end

local function match_capture(ms, s, l)
  l = l - 49
  if l < 0 or l >= ms.level or ms.clen[l] == CAP_UNFINISHED then
    error(("invalid capture index %%%d"):format(l + 1), 0)
  end
  local len = ms.clen[l]
  local init = ms.cinit[l]
  if len < 0 then return nil end   -- a position capture (C compares it as a huge size_t)
  if ms.slen - s + 1 >= len and sub(ms.src, init, init + len - 1) == sub(ms.src, s, s + len - 1) then
    return s + len
  end
  return nil
end

do_match = function(ms, s, p)
  ms.depth = ms.depth - 1
  if ms.depth == 0 then error("pattern too complex", 0) end
  local pat, plen = ms.pat, ms.plen
  while true do
    if p > plen then break end
    local pc = byte(pat, p)
    local dflt = false
    if pc == 40 then
      if byte(pat, p + 1) == 41 then s = start_capture(ms, s, p + 2, CAP_POSITION)
      else s = start_capture(ms, s, p + 1, CAP_UNFINISHED) end
      break
    elseif pc == 41 then
      s = end_capture(ms, s, p + 1)
      break
    elseif pc == 36 and p == plen then
      if s ~= ms.slen + 1 then s = nil end
      break
    elseif pc == L_ESC then
      local nc = byte(pat, p + 1)
      if nc == 98 then
        s = match_balance(ms, s, p + 2)
        if s then p = p + 4 else break end
      elseif nc == 102 then
        p = p + 2
        if byte(pat, p) ~= 91 then error("missing '[' after '%f' in pattern", 0) end
        local ep = class_end(ms, p)
        local prev = (s == 1) and 0 or byte(ms.src, s - 1)
        local cur = (s <= ms.slen) and byte(ms.src, s) or 0
        if not match_bracket(ms, prev, p, ep - 1) and match_bracket(ms, cur, p, ep - 1) then
          p = ep
        else
          s = nil
          break
        end
      elseif nc and nc >= 48 and nc <= 57 then
        s = match_capture(ms, s, nc)
        if s then p = p + 2 else break end
      else
        dflt = true
      end
    else
      dflt = true
    end
    if dflt then
      local ep = class_end(ms, p)
      local epc = byte(pat, ep)
      if not single_match(ms, s, p, ep) then
        if epc == 42 or epc == 63 or epc == 45 then
          p = ep + 1
        else
          s = nil
          break
        end
      else
        if epc == 63 then
          local res = do_match(ms, s + 1, ep + 1)
          if res then s = res; break end
          p = ep + 1
        elseif epc == 43 then s = max_expand(ms, s + 1, p, ep); break
        elseif epc == 42 then s = max_expand(ms, s, p, ep); break
        elseif epc == 45 then s = min_expand(ms, s, p, ep); break
        else s = s + 1; p = ep end
      end
    end
  end
  ms.depth = ms.depth + 1
  return s
end

local function new_state(s, p)
  return { src = s, slen = #s, pat = p, plen = #p, level = 0, depth = MAXCCALLS,
           cinit = {}, clen = {} }
end

local function reprep(ms) ms.level = 0; ms.depth = MAXCCALLS end

local function one_capture(ms, i, s, e)
  if i >= ms.level then
    if i ~= 0 then error(("invalid capture index %%%d"):format(i + 1), 0) end
    return sub(ms.src, s, e - 1)
  end
  local l = ms.clen[i]
  if l == CAP_UNFINISHED then error("unfinished capture", 0) end
  local init = ms.cinit[i]
  if l == CAP_POSITION then return init end
  return sub(ms.src, init, init + l - 1)
end

local function captures(ms, s, e, whole)
  local n = (ms.level == 0 and whole) and 1 or ms.level
  local out = {}
  for i = 0, n - 1 do out[i + 1] = one_capture(ms, i, s, e) end
  return n, out
end

local function posrelat(pos, len)
  if pos > 0 then return pos
  elseif pos == 0 then return 1
  elseif pos < -len then return 1 end
  return len + pos + 1
end

local function checkint(v, n, fname)
  local i = tointeger(v)
  if i == nil then
    error(("bad argument #%d to '%s' (number has no integer representation)"):format(n, fname), 3)
  end
  return i
end

local function find_aux(s, p, init, isfind)
  local ls = #s
  init = posrelat(init and checkint(init, 3, isfind and "find" or "match") or 1, ls)
  if init > ls + 1 then return nil end
  if isfind and not c_find(p, "[%^%$%*%+%?%.%(%[%%%-]") then return c_find(s, p, init, true) end
  local anchor = byte(p, 1) == 94
  local pstart = anchor and 2 or 1
  local ms = new_state(s, sub(p, pstart))
  local s1 = init
  repeat
    reprep(ms)
    local e = do_match(ms, s1, 1)
    if e then
      if isfind then
        local n, caps = captures(ms, s1, e, false)
        return s1, e - 1, table.unpack(caps, 1, n)
      end
      local n, caps = captures(ms, s1, e, true)
      return table.unpack(caps, 1, n)
    end
    s1 = s1 + 1
  until s1 > ls + 1 or anchor
  return nil
end

local function lua_gmatch(s, p, init)
  local ls = #s
  local src = posrelat(init and checkint(init, 3, "gmatch") or 1, ls)
  if src > ls + 1 then src = ls + 2 end
  local ms = new_state(s, p)
  local last = nil
  return function()
    while src <= ls + 1 do
      reprep(ms)
      local e = do_match(ms, src, 1)
      if e and e ~= last then
        local start = src
        src, last = e, e
        local n, caps = captures(ms, start, e, true)
        return table.unpack(caps, 1, n)
      end
      src = src + 1
    end
    return nil
  end
end

local function add_value(ms, parts, s, e, repl, tr)
  local whole = sub(ms.src, s, e - 1)
  local value
  if tr == "function" then
    local n, caps = captures(ms, s, e, true)
    value = repl(table.unpack(caps, 1, n))
  elseif tr == "table" then
    value = repl[one_capture(ms, 0, s, e)]
  else
    local r = tostring(repl)
    local out, i, lr = {}, 1, #r
    while i <= lr do
      local c = byte(r, i)
      if c == L_ESC then
        i = i + 1
        local d = byte(r, i)
        if d == L_ESC then out[#out + 1] = "%"
        elseif d and d >= 48 and d <= 57 then
          if d == 48 then out[#out + 1] = whole
          else
            local v = one_capture(ms, d - 49, s, e)
            out[#out + 1] = type(v) == "number" and tostring(v) or v
          end
        else
          error("invalid use of '%' in replacement string", 0)
        end
      else
        out[#out + 1] = char(c)
      end
      i = i + 1
    end
    parts[#parts + 1] = c_concat(out)
    return
  end
  if not value then
    parts[#parts + 1] = whole
  elseif type(value) == "string" or type(value) == "number" then
    parts[#parts + 1] = tostring(value)
  else
    error("invalid replacement value (a " .. type(value) .. ")", 0)
  end
end

local function lua_gsub(s, p, repl, max_n)
  local tr = type(repl)
  if not (tr == "number" or tr == "string" or tr == "table" or tr == "function") then
    error("bad argument #3 to 'gsub' (string/function/table expected, got "
          .. (repl == nil and "no value" or tr) .. ")", 2)
  end
  local ls = #s
  max_n = max_n and checkint(max_n, 4, "gsub") or ls + 1
  local anchor = byte(p, 1) == 94
  local ms = new_state(s, anchor and sub(p, 2) or p)
  local parts, src, n, last = {}, 1, 0, nil
  while n < max_n do
    reprep(ms)
    local e = do_match(ms, src, 1)
    if e and e ~= last then
      n = n + 1
      add_value(ms, parts, src, e, repl, tr)
      src, last = e, e
    elseif src <= ls then
      parts[#parts + 1] = sub(s, src, src)
      src = src + 1
    else
      break
    end
    if anchor then break end
  end
  parts[#parts + 1] = sub(s, src)
  return c_concat(parts), n
end

string.find = function(s, p, init, plain)
  if plain or not heavy(s, p) then return c_find(s, p, init, plain) end
  return find_aux(s, p, init, true)
end
string.match = function(s, p, init)
  if not heavy(s, p) then return c_match(s, p, init) end
  return find_aux(s, p, init, false)
end
string.gmatch = function(s, p, init)
  if not heavy(s, p) then return c_gmatch(s, p, init) end
  return lua_gmatch(s, p, init)
end
string.gsub = function(s, p, repl, n)
  if not heavy(s, p) then return c_gsub(s, p, repl, n) end
  return lua_gsub(s, p, repl, n)
end

string.rep = function(s, n, sep)
  if type(n) == "number" and n > 0 and (type(s) == "string" or type(s) == "number") then
    local ls = #tostring(s)
    local lsep = sep == nil and 0 or #tostring(sep)
    if ls + lsep == 0 then return "" end
    if (ls + lsep) * n > MAX_REP_BYTES then
      error("bad argument #2 to 'rep' (resulting string too large)", 2)
    end
  end
  return strrep(s, n, sep)
end

table.move = function(a1, f, e, t, a2)
  if type(f) == "number" and type(e) == "number" and e - f < C_RANGE then
    return c_move(a1, f, e, t, a2)
  end
  f, e, t = checkint(f, 2, "move"), checkint(e, 3, "move"), checkint(t, 4, "move")
  if a2 == nil then a2 = a1 end
  if e >= f then
    if not (f > 0 or e < maxinteger + f) then error("bad argument #3 to 'move' (too many elements to move)", 2) end
    if t > maxinteger - (e - f) then error("bad argument #4 to 'move' (destination wrap around)", 2) end
    if t > e or t <= f or a2 ~= a1 then
      for i = 0, e - f do a2[t + i] = a1[f + i] end
    else
      for i = e - f, 0, -1 do a2[t + i] = a1[f + i] end
    end
  end
  return a2
end

table.concat = function(list, sep, i, j)
  if type(list) ~= "table" then return c_concat(list, sep, i, j) end
  if j == nil then j = #list end   -- a __len metamethod runs here, in Lua
  if i == nil then i = 1 end
  if type(i) ~= "number" or type(j) ~= "number" or j - i < C_RANGE then
    return c_concat(list, sep, i, j)
  end
  i, j = checkint(i, 3, "concat"), checkint(j, 4, "concat")
  local parts, n = {}, 0
  for k = i, j do
    local v = list[k]
    local tv = type(v)
    if tv ~= "string" and tv ~= "number" then
      error(("invalid value (at index %d) in table for 'concat'"):format(k), 2)
    end
    n = n + 1
    parts[n] = v
  end
  return c_concat(parts, sep)
end
"""


def install(lua: Any) -> None:
    """Replace the dangerous library functions in a fresh state (before user code runs)."""
    lua.execute(SOURCE, C_PATTERN_BUDGET, C_RANGE, MAX_REP_BYTES)
