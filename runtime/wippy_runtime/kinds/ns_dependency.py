"""`ns.dependency`: a module the project depends on (`component: org/name`, `version:` a
constraint, `parameters:`).

Wippy resolves dependencies against its module hub, downloading and installing the module's
entries. wippy-kernel has no hub: a dependency resolves only to a module that is already part
of the project, through a `replacements: [{from: org/name, to: ./path}]` entry of the project's
`wippy.lock` whose directory exists (the loader reads its entries with the project's). Anything
else fails with "dependency resolution failed", naming the component and what to do, so the
entry is reported instead of silently doing nothing; the rest of the project loads as usual.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ..errors import LoadError, ValidationError
from ..registry import Entry
from .base import BuildContext, EntryInfo, Resource

_COMPONENT = re.compile(r"^[A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-]+$")


class NsDependency(Resource):
    kind = "ns.dependency"

    def __init__(self, entry: Entry, component: str, version: str, path: Path) -> None:
        super().__init__(entry)
        self.component = component
        self.version = version
        self.path = path

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry.id, self.kind, detail={
            "component": self.component, "version": self.version, "path": str(self.path)})


def local_module(root: Path, component: str) -> Path | None:
    """The directory `wippy.lock` under `root` maps `component` to, if it exists."""
    lock = root / "wippy.lock"
    try:
        data = yaml.safe_load(lock.read_text(encoding="utf-8")) if lock.is_file() else None
    except (OSError, yaml.YAMLError):
        return None
    if not isinstance(data, dict):
        return None
    for rep in data.get("replacements") or []:
        if isinstance(rep, dict) and rep.get("from") == component and isinstance(rep.get("to"),
                                                                                   str):
            path = (root / rep["to"]).resolve()
            return path if path.is_dir() else None
    return None


def build_ns_dependency(entry: Entry, ctx: BuildContext) -> NsDependency:
    component = entry.data.get("component")
    if not isinstance(component, str) or not _COMPONENT.match(component):
        raise entry.error(ValidationError, "component must name a module as \"org/name\"",
                          "component")
    version = entry.data.get("version", "*")
    if not isinstance(version, str) or not version.strip():
        raise entry.error(ValidationError, "version must be a version constraint such as "
                          "\">=1.0.0\"", "version")
    params = entry.data.get("parameters")
    if params is not None and not isinstance(params, list):
        raise entry.error(ValidationError, "parameters must be a list of {name, value}",
                          "parameters")
    path = local_module(entry.origin.root, component)
    if path is None:
        raise entry.error(LoadError, f"dependency resolution failed: {component} {version}: "
                          "wippy-kernel installs no modules from the hub; make the module part "
                          "of the project (a wippy.lock replacement {from: " + component +
                          ", to: ./path})", "component")
    return NsDependency(entry, component, version, path)
