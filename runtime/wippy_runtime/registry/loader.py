"""Reads Wippy definition files (`_index.yaml` and friends) into entries.

A definition file is any YAML mapping with `namespace` plus `entries` (or a top-level
`name` + `kind`), as Wippy's loader accepts. Directories are scanned recursively. Problems are
collected, not raised: one bad file or entry is reported with its file and line and every other
entry still loads, because a project with one typo should still serve the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import LoadError, ValidationError
from ..scheduler.limits import check_current
from .entry import Entry, Origin
from .ids import InvalidIdError, parse_id
from .lockfile import LOCK_FILENAME, read_lock

YAML_SUFFIXES = (".yaml", ".yml")
#: Definition texts longer than this are refused before parsing. PyYAML's pure-Python parser
#: (the C one crashes the process on deeply nested input) takes about 10 s per MB here, so a
#: generated 100k-entry file would freeze a notebook for a minute; real projects split their
#: definitions into many small `_index.yaml` files and keep big sources in `file://` files.
MAX_DEFINITION_CHARS = 2 * 1024 * 1024
#: Node count a document may reach once its aliases are expanded (a "billion laughs" document
#: is a few hundred bytes but expands to 10^9 nodes the first time anything walks it).
MAX_EXPANDED_NODES = 1_000_000
SKIP_DIRS = {".git", "__pycache__", "node_modules", ".venv", ".ipynb_checkpoints"}


@dataclass
class LoadReport:
    """What a load produced: entries in file order, errors, and the files read."""

    entries: list[Entry] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    #: what loaded but deserves a look (unknown fields, ignored settings), one line each
    warnings: list[str] = field(default_factory=list)

    def extend(self, other: LoadReport) -> None:
        self.entries.extend(other.entries)
        self.errors.extend(other.errors)
        self.files.extend(other.files)
        self.warnings.extend(other.warnings)


def _check_aliases(node: yaml.Node) -> tuple[str, int | None] | None:
    """Like Go's yaml.v3 (Wippy's parser): refuse an anchor that contains itself, excessive
    aliasing and a key given twice in one mapping (PyYAML keeps the last one silently: an
    entry's second `kind:` would replace its first); (problem, line) or None. Iterative,
    over unique nodes only (aliases share node objects)."""
    sizes: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        current, done = stack.pop()
        key = id(current)
        children: list[yaml.Node] = []
        if isinstance(current, yaml.SequenceNode):
            children = list(current.value)
        elif isinstance(current, yaml.MappingNode):
            children = [n for pair in current.value for n in pair]
        if done:
            active.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[key] > MAX_EXPANDED_NODES:
                return "document contains excessive aliasing", None
            continue
        if key in sizes:
            continue
        if key in active:
            return "anchor value contains itself", None
        if isinstance(current, yaml.MappingNode):
            duplicate = _duplicate_key(current)
            if duplicate is not None:
                return duplicate
        active.add(key)
        stack.append((current, True))
        for child in children:
            if id(child) in active:
                return "anchor value contains itself", None
            if id(child) not in sizes:
                stack.append((child, False))
    return None


def _duplicate_key(node: yaml.MappingNode) -> tuple[str, int] | None:
    """yaml.v3's error for a scalar key given twice in `node` (merge keys `<<` aside)."""
    seen: dict[str, int] = {}
    for k, _ in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value != "<<":
            line = k.start_mark.line + 1
            if k.value in seen:
                return (f'mapping key "{k.value}" already defined at line {seen[k.value]}',
                        line)
            seen[k.value] = line
    return None


def _compose(text: str, file: str | None) -> tuple[Any, yaml.Node | None]:
    """Parse YAML keeping the node tree, so entries and fields know their line numbers."""
    if len(text) > MAX_DEFINITION_CHARS:
        raise LoadError(f"definition too large: {len(text)} characters (limit "
                        f"{MAX_DEFINITION_CHARS}); split it into several files", file=file,
                        line=1)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        found = _check_aliases(node)
        if found is not None:
            problem, line = found
            raise LoadError(f"malformed YAML: {problem}", file=file,
                            line=line or node.start_mark.line + 1)
        return loader.construct_document(node), node
    except RecursionError:
        raise LoadError("malformed YAML: nested too deeply", file=file) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or str(exc)
        if exc.context:
            problem = f"{problem} ({exc.context})"
        raise LoadError(f"malformed YAML: {problem}", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise LoadError(f"malformed YAML: {exc}", file=file) from None
    finally:
        loader.dispose()


def _mapping_lines(node: yaml.Node) -> dict[str, int]:
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                # A block scalar's text starts on the line after its key.
                line = value.start_mark.line + 1
                if isinstance(value, yaml.ScalarNode) and value.style in ("|", ">"):
                    line += 1
                lines[str(key.value)] = line
    return lines


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


def parse_definition_text(
    text: str,
    *,
    file: str | None = None,
    base_dir: Path | None = None,
    root: Path | None = None,
    namespace: str | None = None,
    require_namespace: bool = True,
) -> LoadReport:
    """Parse one definition document. `namespace` is the default when the text has none
    (used by the `%%yaml` magic for snippets that are a bare list of entries)."""
    report = LoadReport()
    base_dir = base_dir or Path.cwd()
    root = root or base_dir
    try:
        doc, node = _compose(text, file)
    except LoadError as exc:
        report.errors.append(exc)
        return report
    if doc is None:
        return report
    if isinstance(doc, list) and namespace:
        doc = {"namespace": namespace, "entries": doc}
        node = None
    if not isinstance(doc, dict):
        if require_namespace:
            report.errors.append(LoadError("definition file must be a mapping with namespace and "
                                           "entries", file=file, line=1))
        return report
    entries_node = _child(node, "entries")
    if "entries" in doc:
        raw_entries = doc["entries"]
    elif "name" in doc and "kind" in doc:
        raw_entries = [{k: v for k, v in doc.items() if k not in ("namespace", "version")}]
        entries_node = None
    else:
        if require_namespace and "namespace" in doc:
            report.errors.append(LoadError("definition file has a namespace but no entries",
                                           file=file, line=1))
        return report  # not a definition file: Wippy ignores other YAML
    ns = doc.get("namespace", namespace)
    if not ns:
        report.errors.append(ValidationError("missing namespace (a definition file needs "
                                             "`namespace:` next to `entries:`)", file=file, line=1))
        return report
    if not isinstance(ns, str):
        report.errors.append(ValidationError(f"namespace must be a string, got {ns!r}",
                                             file=file, line=1))
        return report
    if not isinstance(raw_entries, list):
        line = entries_node.start_mark.line + 1 if entries_node is not None else None
        report.errors.append(ValidationError("entries must be a list", file=file, line=line))
        return report
    item_nodes = entries_node.value if isinstance(entries_node, yaml.SequenceNode) else []
    for index, raw in enumerate(raw_entries):
        item_node = item_nodes[index] if index < len(item_nodes) else None
        line = item_node.start_mark.line + 1 if item_node is not None else None
        try:
            report.entries.append(make_entry(raw, ns, index, file, line, item_node, base_dir, root))
        except LoadError as exc:
            report.errors.append(exc)
    return report


def make_entry(raw: Any, ns: str, index: int, file: str | None, line: int | None,
                node: yaml.Node | None, base_dir: Path, root: Path) -> Entry:
    """One entry mapping (as in `entries:`) -> Entry, or a ValidationError naming it; `node`
    (when parsed from YAML) gives the field lines. Runtime.define uses it for dicts too."""
    if not isinstance(raw, dict):
        raise ValidationError(f"entry #{index + 1} must be a mapping, got {type(raw).__name__}",
                              file=file, line=line)
    name = raw.get("name")
    if not name or not isinstance(name, str):
        raise ValidationError(f"entry #{index + 1}: name is required", file=file, line=line)
    entry_id = f"{ns}:{name}"
    try:
        parse_id(entry_id)
    except InvalidIdError as exc:
        raise ValidationError(exc.message, entry=entry_id, file=file, line=line) from None
    kind = raw.get("kind")
    if not kind or not isinstance(kind, str):
        raise ValidationError("kind is required", entry=entry_id, file=file, line=line)
    meta = raw.get("meta") or {}
    if not isinstance(meta, dict):
        raise ValidationError("meta must be a mapping", entry=entry_id, file=file, line=line)
    data = {k: v for k, v in raw.items() if k not in ("name", "kind", "meta")}
    field_lines = tuple(_mapping_lines(node).items()) if node is not None else ()
    origin = Origin(file=file, line=line, base_dir=base_dir, root=root, field_lines=field_lines)
    return Entry(id=entry_id, kind=kind, meta=meta, data=data, origin=origin)


def load_path(path: str | Path) -> LoadReport:
    """Load a Wippy project: a directory scanned recursively (or, when it has a `wippy.lock`,
    the trees the lock names), or one YAML file."""
    path = Path(path).resolve()
    report = LoadReport()
    if path.is_file():
        _load_files(report, [path], root=path.parent)
    elif path.is_dir():
        lock = path / LOCK_FILENAME
        if not lock.is_file():
            _load_files(report, _definition_files(path), root=path)
            return report
        try:
            roots = read_lock(lock)
        except LoadError as exc:
            report.errors.append(exc)
            return report
        for tree in roots:
            _load_files(report, _definition_files(tree.path), root=tree.source_root or tree.path,
                        module=tree.module)
    else:
        report.errors.append(LoadError(f"no such file or directory: {path}"))
    return report


def _definition_files(directory: Path) -> list[Path]:
    return sorted(
        p for p in directory.rglob("*")
        if p.suffix in YAML_SUFFIXES and p.is_file()
        and not any(part in SKIP_DIRS or part.startswith(".") for part in
                    p.relative_to(directory).parts[:-1])
    )


def _load_files(report: LoadReport, files: list[Path], *, root: Path, module: str = "") -> None:
    for file in files:
        check_current()  # interrupted (the kernel's button, Ctrl-C): stop between files
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            report.errors.append(LoadError(f"cannot read: {exc}", file=str(file)))
            continue
        report.files.append(file)
        part = parse_definition_text(text, file=str(file), base_dir=file.parent, root=root,
                                     require_namespace=file.name.startswith("_index"))
        if module:
            for entry in part.entries:
                entry.meta.setdefault("module", module)
        report.extend(part)
