"""`wippy.lock`: where a Wippy project keeps its sources and its modules.

A project with a lock file is not "every YAML file under the directory": Wippy loads the
`directories.src` tree, then each local `replacements` module (`from: org/module`, `to: ./path`,
its `src/` when it has one), then each locked module installed under `directories.modules`.
Module entries resolve their relative resources (an `fs.directory` path) against the module's
own root, not the project's, and carry `meta.module` naming the module, as Wippy's do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import LoadError

LOCK_FILENAME = "wippy.lock"
_MODULE_NAME = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class LoadRoot:
    """One tree to load: its files, the module owning it ('' for the app) and the root its
    entries resolve relative resources against."""

    path: Path
    module: str = ""
    source_root: Path | None = None


def read_lock(lock_path: Path) -> list[LoadRoot]:
    """The trees a lock file asks to load, in Wippy's order; a LoadError (naming the lock file
    and what is wrong) when the file is malformed or names paths that do not exist."""
    where = str(lock_path)
    try:
        data = yaml.safe_load(lock_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(f"cannot read lock file: {exc}", file=where) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise LoadError(f"malformed lock file: {getattr(exc, 'problem', None) or exc}",
                        file=where, line=mark.line + 1 if mark else None) from None
    if not isinstance(data, dict):
        raise LoadError("lock file must be a mapping with `directories:`", file=where, line=1)
    base = lock_path.parent
    dirs = data.get("directories")
    if not isinstance(dirs, dict):
        raise LoadError("lock file needs `directories:` with `modules` and `src`", file=where)
    for key in ("modules", "src"):
        if not isinstance(dirs.get(key), str) or not dirs[key]:
            raise LoadError(f"lock file: directories.{key} is required (a path)", file=where)
    src = _resolve(base, dirs["src"])
    if not src.is_dir():
        raise LoadError(f"lock file: directories.src {dirs['src']!r} does not exist ({src})",
                        file=where)
    roots = [LoadRoot(src, "", base)]
    replaced: set[str] = set()
    for index, repl in enumerate(_list(data, "replacements", where)):
        what = f"lock file: replacements[{index}]"
        if not isinstance(repl, dict):
            raise LoadError(f"{what} must be a mapping {{from, to}}", file=where)
        source, target = repl.get("from"), repl.get("to")
        if not isinstance(source, str) or not _MODULE_NAME.match(source):
            raise LoadError(f"{what}.from must be a module name org/module, got {source!r}",
                            file=where)
        if not isinstance(target, str) or not target:
            raise LoadError(f"{what}.to is required (a local path for {source})", file=where)
        root = _resolve(base, target)
        if not root.exists():
            raise LoadError(f"{what}: path {target!r} for {source} does not exist ({root})",
                            file=where)
        replaced.add(source)
        roots.append(LoadRoot(_entry_dir(root), source, root))
    vendor = _resolve(base, dirs["modules"])
    for index, mod in enumerate(_list(data, "modules", where)):
        what = f"lock file: modules[{index}]"
        name = mod.get("name") if isinstance(mod, dict) else None
        if not isinstance(name, str) or not _MODULE_NAME.match(name):
            raise LoadError(f"{what}.name must be a module name org/module, got {name!r}",
                            file=where)
        if name in replaced:
            continue
        root = vendor / name
        if not root.is_dir():
            raise LoadError(f"{what}: module {name} is not installed in {vendor} (run "
                            "`wippy install`; this runtime does not download modules)",
                            file=where)
        roots.append(LoadRoot(_entry_dir(root), name, root))
    return roots


def _list(data: dict[str, Any], key: str, where: str) -> list[Any]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise LoadError(f"lock file: {key} must be a list", file=where)
    return value


def _resolve(base: Path, value: str) -> Path:
    path = Path(value)
    return (path if path.is_absolute() else base / path).resolve()


def _entry_dir(root: Path) -> Path:
    """A module's definitions live in its `src/` when it has one (Wippy's layout)."""
    src = root / "src"
    return src if src.is_dir() else root
