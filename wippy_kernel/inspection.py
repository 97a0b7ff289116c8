"""`inspect_request` and `name?`: what the thing under the cursor is.

An entry id shows its kind, signature, method, pool, imports and doc (`meta.comment`); a Lua
name shows the manual signature (builtins, runtime modules) and its live value.
"""

from __future__ import annotations

import re
from typing import Any

from .completion import lua_lookup
from .display import lua_repr
from .luainfo import DOCS
from .session import Session

_TOKEN = re.compile(r"[\w.:-]")


def name_at(code: str, cursor_pos: int) -> str | None:
    """The dotted name or entry id around the cursor (or just before it)."""
    start = end = min(cursor_pos, len(code))
    while start > 0 and _TOKEN.match(code[start - 1]):
        start -= 1
    while end < len(code) and _TOKEN.match(code[end]):
        end += 1
    token = code[start:end].strip(".:-")
    return token or None


def _entry_doc(session: Session, entry_id: str) -> dict[str, str] | None:
    info = next((i for i in session.runtime.describe() if i.id == entry_id), None)
    if info is None:
        return None
    entry = session.runtime.entries.get(entry_id)
    doc = ""
    if entry is not None:
        doc = str(entry.meta.get("comment") or entry.meta.get("description") or "")
    rows = [("kind", info.kind), ("method", info.method), ("signature", info.signature),
            ("pool", info.pool), ("imports", ", ".join(info.imports) or "none")]
    if "error" in info.detail:
        rows.append(("error", info.detail["error"]))
    plain = entry_id + "\n" + "\n".join(f"{k:<10} {v}" for k, v in rows if v)
    md = f"### `{entry_id}`\n\n" + "\n".join(f"* **{k}**: `{v}`" for k, v in rows if v)
    if doc:
        plain += f"\n\n{doc}"
        md += f"\n\n{doc}"
    return {"text/plain": plain, "text/markdown": md}


def _lua_value(session: Session, name: str) -> tuple[bool, Any]:
    """Read raw and under a budget (completion.lua_lookup): Shift-Tab on a table whose
    `__index` loops must not run it."""
    try:
        return lua_lookup(session, re.split(r"[.:]", name))
    except Exception:
        return False, None


def inspect_text(session: Session, name: str | None, detail_level: int = 0
                 ) -> dict[str, str] | None:
    """A text/plain + text/markdown bundle, or None when nothing is known about `name`."""
    if not name:
        return None
    if ":" in name:
        found = _entry_doc(session, name)
        if found:
            return found
    key = name.replace(":", ".")
    sig, doc = DOCS.get(key, ("", ""))
    exists, value = _lua_value(session, key)
    if not sig and not exists:
        return None
    from lupa.lua54 import lua_type

    lines = [sig or key]
    if doc:
        lines.append(doc)
    if exists:
        lines.append(f"type: {lua_type(value) or type(value).__name__}")
        if detail_level or lua_type(value) != "function":
            lines.append(f"value: {lua_repr(value)[:500]}")
    plain = "\n".join(lines)
    md = f"`{lines[0]}`\n\n" + "\n\n".join(lines[1:])
    return {"text/plain": plain, "text/markdown": md}
