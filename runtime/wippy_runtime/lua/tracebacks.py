"""Lua tracebacks as a Wippy developer should see them: their own frames only.

The host runs every execution through a few Lua chunks of its own (the sandbox prelude, the
dispatcher's glue, the typed-Lua type library) and `xpcall`; their frames say nothing about
the user's code, so errors, `err:stack()` and the kernel's tracebacks leave them out. A message
raised inside a host wrapper keeps its text and loses only the wrapper's location.
"""

from __future__ import annotations

import re

#: traceback lines that are the host's own plumbing (the wrappers compiled from Python
#: strings, the xpcall under them, the type library's chunk), not the user's code
_HOST_FRAME = re.compile(r'^\s+\[string "<python>"\]|^\s*\[C\]: in (function \'xpcall\'|\?)$'
                         r"|^\s+wippy-types:\d+:")
#: an error raised inside a host wrapper: the message is the user's, the location is not
_HOST_LOCATION = re.compile(r'^\[string "<python>"\]:\d+: ')


def clean_traceback(text: str) -> str:
    """`text` without the host's frames (and the host's location in front of a message raised
    inside a wrapper)."""
    out = []
    for line in text.split("\n"):
        if _HOST_LOCATION.match(line):
            out.append(_HOST_LOCATION.sub("", line, count=1))
        elif not _HOST_FRAME.search(line):
            out.append(line)
    return "\n".join(out)


def split_lua_error(text: str) -> tuple[str, str | None]:
    """Lua's "message\\nstack traceback:\\n..." -> (message, cleaned traceback or None)."""
    head, sep, tail = text.partition("\nstack traceback:")
    if not sep:
        return text, None
    return head, clean_traceback("stack traceback:" + tail)
