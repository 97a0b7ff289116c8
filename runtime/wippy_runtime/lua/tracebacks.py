"""Lua tracebacks as a Wippy developer should see them: their own frames only.

The host runs every execution through a few Lua chunks of its own (the sandbox prelude, the
dispatcher's glue, the typed-Lua type library) and `xpcall`; their frames say nothing about the user's code, so errors,
`err:stack()` and the kernel's tracebacks leave them out.
"""

from __future__ import annotations

#: markers of the host's own frames
_HOST_MARKERS = ('[string "<python>"]', "[C]: in function 'xpcall'", "[C]: in ?",
                 "\twippy-types:")


def clean_traceback(text: str) -> str:
    """`text` without the lines that are the host's frames."""
    return "\n".join(line for line in text.split("\n")
                     if not any(marker in line for marker in _HOST_MARKERS))


def split_lua_error(text: str) -> tuple[str, str | None]:
    """Lua's "message\\nstack traceback:\\n..." -> (message, cleaned traceback or None)."""
    head, sep, tail = text.partition("\nstack traceback:")
    if not sep:
        return text, None
    return head, clean_traceback("stack traceback:" + tail)
