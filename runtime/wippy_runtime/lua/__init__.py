"""The Lua host: sandboxed Lua 5.4 states (lupa.lua54), value conversion, runtime modules."""
