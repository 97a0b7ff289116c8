"""`template.set` and `template.jet`: Jet templates (lua/modules/jet.py) the Lua `templates`
module renders.

A set carries Wippy's `engine` options: `delimiters` (`left`/`right`, default `{{`/`}}`) and
`globals` (variables every template sees, below the render data); `development_mode` is
accepted (templates here are parsed once per load, and a reload re-parses them). A
`template.jet` entry names its `set`, its `source` (inline or `file://`) and its name in the set
(`meta.name`, else the entry's name). Its source is parsed when the entry loads, so a syntax
error is a load error naming the entry and the template line; retiring the entry takes the
template out of its set.
"""

from __future__ import annotations

from ..errors import ValidationError
from ..lua.modules.jet import Template, TemplateError, TemplateSet, parse
from ..registry import Entry
from .base import BuildContext, EntryInfo, Resource

__all__ = ["JetTemplate", "TemplateSetEntry", "build_template_jet", "build_template_set"]


class TemplateSetEntry(Resource):
    kind = "template.set"

    def __init__(self, entry: Entry, templates: TemplateSet) -> None:
        super().__init__(entry)
        self.templates = templates

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry.id, self.kind,
                         detail={"templates": sorted(self.templates.templates)})


class JetTemplate(Resource):
    kind = "template.jet"

    def __init__(self, entry: Entry, owner: TemplateSetEntry, template: Template) -> None:
        super().__init__(entry)
        self.owner = owner
        self.template = template

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry.id, self.kind,
                         detail={"set": self.owner.entry.id, "name": self.template.name})

    def retire(self) -> None:
        self.owner.templates.remove(self.template)


def build_template_set(entry: Entry, ctx: BuildContext) -> TemplateSetEntry:
    engine = entry.data.get("engine") or {}
    if not isinstance(engine, dict):
        raise entry.error(ValidationError, "engine must be a table of options", "engine")
    delims = engine.get("delimiters") or {}
    if not isinstance(delims, dict):
        raise entry.error(ValidationError, "engine.delimiters must have left and right",
                          "engine")
    left, right = delims.get("left", "{{"), delims.get("right", "}}")
    if not (isinstance(left, str) and isinstance(right, str) and left and right):
        raise entry.error(ValidationError, "engine.delimiters.left and .right must be "
                          "non-empty strings", "engine")
    globals_ = engine.get("globals") or {}
    if not isinstance(globals_, dict):
        raise entry.error(ValidationError, "engine.globals must map names to values", "engine")
    return TemplateSetEntry(entry, TemplateSet(left, right, globals_))


def build_template_jet(entry: Entry, ctx: BuildContext) -> JetTemplate:
    ref = entry.data.get("set")
    if not isinstance(ref, str) or not ref:
        raise entry.error(ValidationError, "set is required (the template.set entry this "
                          "template belongs to)", "set")
    owner = ctx.resolve(entry, ref, "template.set")
    if not isinstance(owner, TemplateSetEntry):
        raise entry.error(ValidationError, f"set {ref!r} is not a template.set", "set")
    text, _ = entry.source_text("source")
    name = entry.meta.get("name")
    name = name if isinstance(name, str) and name else entry.name
    tset = owner.templates
    try:
        template = parse(name, text, tset.left, tset.right)
    except TemplateError as exc:
        raise entry.error(ValidationError, str(exc), "source") from None
    tset.add(template)
    return JetTemplate(entry, owner, template)
