"""Rich display of Lua and Python values, tables of records, and highlighted sources.

Every function returns a Jupyter MIME bundle (`{"text/plain": ..., "text/html": ...}`). Lua
tables are walked on the Python side through lupa (keys sorted, nesting and size capped), so a
huge or cyclic table never floods the notebook.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

import lupa.lua54 as lupa
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name

MAX_ITEMS = 100
MAX_DEPTH = 4
MAX_STRING = 2000


def _is_table(v: Any) -> bool:
    return lupa.lua_type(v) == "table"


def _items(v: Any) -> list[tuple[Any, Any]] | None:
    if _is_table(v):
        return list(v.items())
    if isinstance(v, dict):
        return list(v.items())
    return None


def _key_order(k: Any) -> tuple[int, Any]:
    if isinstance(k, bool):
        return (2, str(k))
    if isinstance(k, (int, float)):
        return (0, k)
    if isinstance(k, bytes):
        return (1, k.decode("utf-8", "replace"))
    return (1, str(k))


def _ident(k: Any) -> str | None:
    if isinstance(k, bytes):
        k = k.decode("utf-8", "replace")
    if isinstance(k, str) and k.isidentifier() and k.isascii():
        return k
    return None


def lua_repr(v: Any, depth: int = 0, seen: set[int] | None = None) -> str:
    """A Lua-literal-like rendering: `{1, 2, x = "a"}` with sorted keys."""
    seen = seen or set()
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (bytes, str)):
        text = v.decode("utf-8", "replace") if isinstance(v, bytes) else v
        if len(text) > MAX_STRING:
            text = text[:MAX_STRING] + "…"
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, (list, tuple)):
        v = {i + 1: x for i, x in enumerate(v)}
    items = _items(v)
    if items is None:
        return _lua_tostring(v)
    if id(v) in seen:
        return "<cycle>"
    if depth >= MAX_DEPTH:
        return "{…}"
    seen = seen | {id(v)}
    keys = {k for k, _ in items if isinstance(k, int) and not isinstance(k, bool)}
    n = 0
    while n + 1 in keys:
        n += 1
    items.sort(key=lambda kv: _key_order(kv[0]))
    parts = []
    for k, x in items[:MAX_ITEMS]:
        val = lua_repr(x, depth + 1, seen)
        if isinstance(k, int) and not isinstance(k, bool) and 1 <= k <= n:
            parts.append(val)
        else:
            name = _ident(k)
            parts.append(f"{name} = {val}" if name else f"[{lua_repr(k, depth + 1, seen)}] = {val}")
    if len(items) > MAX_ITEMS:
        parts.append(f"… ({len(items) - MAX_ITEMS} more)")
    return "{" + ", ".join(parts) + "}"


def _lua_tostring(v: Any) -> str:
    if hasattr(v, "_kind") and hasattr(v, "_message"):  # a Wippy error value
        return f"error({v._kind}): {v._message}"
    t = lupa.lua_type(v)
    if t in ("function", "userdata", "thread"):
        return f"{t}: 0x{id(v):x}"
    return repr(v)


def lua_html(v: Any, depth: int = 0) -> str:
    """Tables as nested HTML tables (key | value); scalars as escaped text."""
    if isinstance(v, (list, tuple)):
        v = {i + 1: x for i, x in enumerate(v)}
    items = _items(v)
    if items is None or depth >= MAX_DEPTH:
        return f"<code>{html.escape(lua_repr(v))}</code>"
    items.sort(key=lambda kv: _key_order(kv[0]))
    rows = "".join(
        f"<tr><td style='text-align:left'><code>{html.escape(_ident(k) or lua_repr(k))}"
        f"</code></td><td style='text-align:left'>{lua_html(x, depth + 1)}</td></tr>"
        for k, x in items[:MAX_ITEMS])
    more = (f"<tr><td colspan=2>… {len(items) - MAX_ITEMS} more</td></tr>"
            if len(items) > MAX_ITEMS else "")
    return f"<table class='wippy-table'>{rows}{more}</table>"


def value_bundle(values: Sequence[Any]) -> dict[str, str]:
    """The execute_result of a cell that returned `values` (tab-separated, like the REPL)."""
    plain = "\t".join(lua_repr(v) for v in values)
    data = {"text/plain": plain}
    if any(_items(v) is not None or isinstance(v, (list, tuple)) for v in values):
        data["text/html"] = "".join(lua_html(v) for v in values)
    return data


def records_bundle(headers: Sequence[str], rows: Iterable[Sequence[Any]],
                   empty: str = "(none)") -> dict[str, str]:
    """A table of records (entries, pools) as aligned text and an HTML table."""
    rows = [[("" if c is None else str(c)) for c in r] for r in rows]
    if not rows:
        return {"text/plain": empty, "text/html": f"<p>{html.escape(empty)}</p>"}
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)).rstrip() for r in rows]
    head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td style='text-align:left'>{html.escape(c)}</td>"
                                    for c in r) + "</tr>" for r in rows)
    return {"text/plain": "\n".join(lines),
            "text/html": f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"}


LEXERS = {"wat": "wast", "lua": "lua", "yaml": "yaml"}

#: Pygments token classes (prefixed `wippy-tok-`) -> JupyterLab's editor colour variables,
#: so echoed sources follow the theme (Light, Dark, ...); the fallbacks are Pygments' default
#: light colours, for viewers without JupyterLab's variables
_TOKEN_COLORS = {
    ("k", "kc", "kd", "kn", "kp", "kr", "kt"): ("keyword", "#008000"),
    ("s", "s1", "s2", "sa", "sb", "sc", "sd", "se", "sh", "si", "sr", "ss", "sx"):
        ("string", "#ba2121"),
    ("m", "mb", "mf", "mh", "mi", "mo", "il"): ("number", "#008000"),
    ("c", "c1", "cm", "cp", "cs", "ch", "cpf"): ("comment", "#3d7b7b"),
    ("o", "ow"): ("operator", "#aa22ff"),
    ("nb", "bp"): ("builtin", "#008000"),
    ("nf", "fm"): ("def", "#0000ff"),
    ("nv", "vc", "vg", "vi", "vm"): ("variable-2", "#19177c"),
    ("na", "nt", "nl"): ("attribute", "#687822"),
    ("p",): ("punctuation", "#212121"),
}
SOURCE_STYLE = "<style>.wippy-src pre{color:var(--jp-content-font-color1, #212121);" \
    "background:none;margin:0;padding:.2em 0;" \
    "font-family:var(--jp-code-font-family, monospace);font-size:var(--jp-code-font-size, 13px)}" \
    + "".join(
        ",".join(f".wippy-src .wippy-tok-{c}" for c in classes)
        + f"{{color:var(--jp-mirror-editor-{var}-color, {fallback})"
        + (";font-style:italic" if var == "comment" else "") + "}"
        for classes, (var, fallback) in _TOKEN_COLORS.items()) \
    + ".wippy-src .wippy-tok-err{color:var(--jp-error-color1, #d32f2f)}</style>"


def source_bundle(source: str, language: str, title: str = "") -> dict[str, str]:
    """Source highlighted by Pygments with theme-following colours, plus plain text."""
    lexer = get_lexer_by_name(LEXERS.get(language, language))
    body = highlight(source, lexer, HtmlFormatter(cssclass="wippy-src", classprefix="wippy-tok-",
                                                  nobackground=True))
    head = (f"<div class='wippy-src-title'><b>{html.escape(title)}</b></div>"
            if title else "")
    plain = f"{title}\n{source}" if title else source
    return {"text/plain": plain.rstrip("\n"), "text/html": SOURCE_STYLE + head + body}
