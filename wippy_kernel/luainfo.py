"""Facts about Lua used by completion and inspection: keywords, and signatures with one-line
docs for the builtins and the runtime modules (from the Lua 5.4 manual and Wippy's docs)."""

from __future__ import annotations

KEYWORDS = ["and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto",
            "if", "in", "local", "nil", "not", "or", "repeat", "return", "then", "true",
            "until", "while"]

DOCS: dict[str, tuple[str, str]] = {
    "print": ("print(...)", "Writes its arguments, tab-separated, to the cell's stdout."),
    "type": ("type(v) -> string", "The type of v: nil, number, string, boolean, table, "
             "function, thread or userdata."),
    "tostring": ("tostring(v) -> string", "Converts v to a readable string."),
    "tonumber": ("tonumber(v [, base]) -> number|nil", "Converts v to a number, or nil."),
    "pairs": ("pairs(t) -> next, t, nil", "Iterates over all key-value pairs of t."),
    "ipairs": ("ipairs(t) -> iterator", "Iterates over t[1], t[2], ... until the first nil."),
    "error": ("error(message [, level])", "Raises an error; the cell shows it with its line."),
    "pcall": ("pcall(f, ...) -> ok, ...", "Calls f in protected mode."),
    "select": ("select(n, ...)", "Arguments after the n-th, or the count with '#'."),
    "require": ("require(name) -> module", "Wippy's require: the global module `name`."),
    "setmetatable": ("setmetatable(t, mt) -> t", "Sets the metatable of t."),
    "getmetatable": ("getmetatable(v) -> table|nil", "The metatable of v."),
    "string.format": ("string.format(fmt, ...) -> string", "printf-style formatting."),
    "string.rep": ("string.rep(s, n [, sep]) -> string", "s repeated n times."),
    "string.sub": ("string.sub(s, i [, j]) -> string", "The substring from i to j."),
    "table.insert": ("table.insert(t, [pos,] v)", "Inserts v into the list t."),
    "table.concat": ("table.concat(t [, sep [, i [, j]]]) -> string", "Joins list items."),
    "table.unpack": ("table.unpack(t [, i [, j]]) -> ...", "Returns t[i], ..., t[j]."),
    "table.sort": ("table.sort(t [, comp])", "Sorts the list t in place."),
    "math.floor": ("math.floor(x) -> integer", "The largest integer <= x."),
    "clear_output": ("clear_output([wait])", "Clears the cell's output (kernel helper)."),
    "io.write": ("io.write(...)", "Writes to the cell's stdout (the kernel's minimal io)."),
    "funcs.call": ("funcs.call(id, ...) -> result, err",
                   "Calls the entry `id` (\"namespace:name\"), Lua or WASM, with the given "
                   "arguments. Errors are returned as `nil, err`, never raised."),
    "json.encode": ("json.encode(value) -> string, err", "Encodes a Lua value as JSON."),
    "json.decode": ("json.decode(text) -> value, err", "Decodes JSON text into Lua values."),
}
