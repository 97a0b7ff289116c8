"""The runtime's plain value model and how to describe values in error messages.

Values cross between Lua states, WASM and Python as plain Python data: None, bool, int, float,
str (valid UTF-8 Lua strings), bytes (other Lua strings), list (Lua sequences) and dict (any
other table; an empty table is `{}`, as in Wippy).
"""

from __future__ import annotations

from typing import Any


def describe(value: Any) -> str:
    """How a value is named in errors, in Lua's vocabulary: `string "x"`, `integer 5`, ..."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return f"boolean {'true' if value else 'false'}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"float {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'string "{shown}"'
    if isinstance(value, (bytes, bytearray)):
        return f"string of {len(value)} bytes"
    if isinstance(value, list):
        return f"table (array of {len(value)})"
    if isinstance(value, dict):
        return "table" if value else "empty table"
    return type(value).__name__
