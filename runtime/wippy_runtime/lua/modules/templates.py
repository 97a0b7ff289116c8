"""The `templates` module: render the Jet templates of a `template.set` entry.

Wippy's surface: `templates.get(id)` needs `template.get` on the id (denied:
PERMISSION_DENIED), an empty id is INVALID, an id that is missing or not a set is INTERNAL; the
Set's `render(name, data?)` returns the text, or `nil, err`: NOT_FOUND for a template the set
does not have, INVALID for an empty name, INTERNAL for a render error (an undefined identifier,
a `yield` of a block nobody defined, a failed expression) and for a released set;
`release()` is idempotent and returns true; `tostring(set)` is `template.Set{}` or
`template.Set{released}`. The data table becomes plain values (Lua integers stay integers).
The template language is the subset of Jet that lua/modules/jet.py documents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import INTERNAL, INVALID, NOT_FOUND, PERMISSION_DENIED
from ..convert import ConversionError, to_plain
from ..objects import built, fail, lua_class, text_arg
from .jet import TemplateError, TemplateNotFound, TemplateSet

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState


class _SetHandle:
    __slots__ = ("id", "templates")

    def __init__(self, set_id: str, templates: TemplateSet) -> None:
        self.id = set_id
        self.templates: TemplateSet | None = templates


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua
    security = runtime.security

    def render(h: _SetHandle, name: Any = None, data: Any = None, *_: Any) -> Any:
        if h.templates is None:
            return fail(f"set:render: template set {h.id} is released", INTERNAL)
        tname = text_arg("set:render", 1, "name", name)
        if not tname:
            return fail("set:render: template name is required", INVALID)
        try:
            values = to_plain(data) if data is not None else {}
        except ConversionError as exc:
            return fail(f"set:render: data cannot be converted: {exc}", INTERNAL)
        if values == []:
            values = {}
        if not isinstance(values, dict):
            return fail("set:render: data must be a table of named values", INVALID)
        try:
            text = h.templates.render(tname, values)
        except TemplateNotFound:
            return fail(f"set:render: template {tname!r} not found in {h.id}", NOT_FOUND)
        except TemplateError as exc:
            return fail(f"set:render: failed to render template: {exc}", INTERNAL)
        return text.encode("utf-8", "surrogateescape"), None

    def release(h: _SetHandle, *_: Any) -> bool:
        h.templates = None
        return True

    SetCls = lua_class(state, "template.Set", {"render": render, "release": release},
                       lambda h: "template.Set{released}" if h is None or h.templates is None
                       else "template.Set{}")

    def get(set_id: Any = None, *_: Any) -> Any:
        sid = text_arg("templates.get", 1, "id", set_id)
        if not sid:
            return fail("templates.get: resource id is required", INVALID)
        if not security.allowed("template.get", sid):
            return fail(f"templates.get: not allowed to access template: {sid}",
                        PERMISSION_DENIED)
        res = built(runtime, sid)
        if res is None:
            return fail(f"templates.get: template set {sid} not found", INTERNAL)
        backing = getattr(res, "templates", None)
        if not isinstance(backing, TemplateSet):
            kind = getattr(getattr(res, "entry", None), "kind", type(res).__name__)
            return fail(f"templates.get: {sid} is a {kind}, not a template set", INTERNAL)
        return SetCls.new(_SetHandle(sid, backing)), None

    module = lua.table()
    module[b"get"] = get
    state.bind("templates", module)
