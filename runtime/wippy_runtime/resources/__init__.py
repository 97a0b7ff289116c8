"""The backing parts of resource entries that Lua modules use (a memory store, an SQLite
database): below both `kinds/` (which builds them from entries) and `lua/` (whose modules hand
them to Lua code), so neither imports the other."""
