"""The `fs` module: `fs.get(id)` opens an `fs.directory` entry as a volume Lua code reads and
writes with Wippy's methods (readfile, writefile, open, stat, readdir, mkdir, remove, chdir...).

Paths are the volume's own: `/` is the directory's root, relative paths follow the volume's
`chdir` (each `fs.get` result has its own working directory, starting at `/`), and `..` never
climbs above `/`; a path reaching outside through a symlink is refused. `fs.get` needs
`fs.get` on the entry id (PERMISSION_DENIED). Errors are Wippy's: NOT_FOUND for a missing
path, ALREADY_EXISTS for mkdir on an existing one, INVALID for a bad mode, a file where a
directory is needed and a non-empty directory to remove; reading past the end is `nil, EOF`.
"""

from __future__ import annotations

import errno
import os
import posixpath
import stat as stat_mod
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ...errors import (
    ALREADY_EXISTS,
    INTERNAL,
    INVALID,
    NOT_FOUND,
    PERMISSION_DENIED,
)
from ..convert import to_lua
from ..objects import bad_argument, built, fail, lua_class, text_arg
from .stream import unwrap_stream

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

FILE, DIR = "file", "directory"
FS_KIND = "fs.directory"  # the entries fs.get opens (their built object has `root`)
OPEN_MODES = {"r": "rb", "w": "wb", "wx": "xb", "a": "ab"}
WRITE_MODES = {"w": "wb", "wx": "xb", "a": "ab"}
SEEK = {"set": os.SEEK_SET, "cur": os.SEEK_CUR, "end": os.SEEK_END}
DEFAULT_READ = 4096


class Volume:
    """One `fs.get` result: a directory root and this handle's working directory."""

    __slots__ = ("id", "root", "cwd")

    def __init__(self, fs_id: str, root: Path) -> None:
        self.id = fs_id
        self.root = root
        self.cwd = "/"

    def virtual(self, path: str) -> str:
        """The normalised volume path (always absolute, never above `/`)."""
        joined = path if path.startswith("/") else posixpath.join(self.cwd, path)
        norm = posixpath.normpath("/" + joined.lstrip("/"))
        return "/" if norm in ("/", "//") else norm

    def host(self, path: str) -> Path:
        """The host path of a volume path; PermissionError when a symlink leads outside."""
        target = self.root / self.virtual(path).lstrip("/")
        real = target.resolve()
        if real != self.root and self.root not in real.parents:
            raise PermissionError(errno.EACCES, f"path {path!r} leaves the volume {self.id}")
        return target


class FileHandle:
    __slots__ = ("file", "path", "closed")

    def __init__(self, file: IO[Any], path: str) -> None:
        self.file = file
        self.path = path
        self.closed = False


def _info(name: str, st: os.stat_result) -> dict[str, Any]:
    is_dir = stat_mod.S_ISDIR(st.st_mode)
    return {"name": name, "size": st.st_size, "mode": stat_mod.S_IMODE(st.st_mode),
            "modified": int(st.st_mtime), "is_dir": is_dir, "type": DIR if is_dir else FILE}


def _os_error(function: str, path: str, exc: OSError) -> tuple[None, Any]:
    code = exc.errno
    what = exc.strerror or str(exc)
    if isinstance(exc, FileNotFoundError) or code == errno.ENOENT:
        return fail(f"{function}: {path}: no such file or directory", NOT_FOUND)
    if isinstance(exc, FileExistsError) or code == errno.EEXIST:
        return fail(f"{function}: {path}: already exists", ALREADY_EXISTS)
    if isinstance(exc, NotADirectoryError) or code == errno.ENOTDIR:
        return fail(f"{function}: {path}: not a directory", INVALID)
    if isinstance(exc, IsADirectoryError) or code == errno.EISDIR:
        return fail(f"{function}: {path}: is a directory", INVALID)
    if code == errno.ENOTEMPTY:
        return fail(f"{function}: {path}: directory not empty", INVALID)
    if isinstance(exc, PermissionError):
        return fail(f"{function}: {path}: {what}", PERMISSION_DENIED)
    return fail(f"{function}: {path}: {what}", INTERNAL)


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua
    security = runtime.security

    def path_arg(function: str, value: Any, index: int = 1) -> str | tuple[None, Any]:
        text = text_arg(function, index, "path", value)
        if not text:
            return fail(f"{function}: path is required", INVALID)
        if "\x00" in text:
            return fail(f"{function}: path contains a null byte", INVALID)
        return text

    def with_path(function: str, body: Any) -> Any:
        """Wrap a volume method: check the path, map OS errors to Wippy's kinds."""
        def method(v: Volume, path: Any = None, *rest: Any) -> Any:
            p = path_arg(function, path)
            if isinstance(p, tuple):
                return p
            try:
                return body(v, p, v.host(p), *rest)
            except OSError as exc:
                return _os_error(function, p, exc)
        return method

    def v_readfile(v: Volume, p: str, host: Path, *_: Any) -> Any:
        if host.is_dir():
            return fail(f"fs:readfile: {p}: is a directory", INVALID)
        return host.read_bytes(), None

    def v_writefile(v: Volume, p: str, host: Path, data: Any = None, mode: Any = None,
                    *_: Any) -> Any:
        if data is None:
            return fail("fs:writefile: data is required", INVALID, False)
        source = unwrap_stream(state, data)  # a Stream (an upload, a request body) is a Reader
        if source is None and (not isinstance(data, (bytes, int, float))
                               or isinstance(data, bool)):
            raise bad_argument("fs:writefile", 2, "data", "string or Reader", data)
        m = "w" if mode is None else text_arg("fs:writefile", 3, "mode", mode)
        if m not in WRITE_MODES:
            return fail(f"fs:writefile: invalid mode {m!r} (use \"w\", \"wx\" or \"a\")",
                        INVALID, False)
        try:
            with open(host, WRITE_MODES[m]) as f:
                if source is not None:
                    while chunk := source.read(1 << 16):
                        f.write(chunk)
                else:
                    f.write(data if isinstance(data, bytes) else str(data).encode())
        except OSError as exc:
            return False, _os_error("fs:writefile", p, exc)[1]
        return True, None

    def v_exists(v: Volume, p: str, host: Path, *_: Any) -> Any:
        return os.path.lexists(host), None

    def v_isdir(v: Volume, p: str, host: Path, *_: Any) -> Any:
        if not os.path.lexists(host):
            return False, None
        return host.is_dir(), None

    def v_stat(v: Volume, p: str, host: Path, *_: Any) -> Any:
        st = host.stat()
        name = posixpath.basename(v.virtual(p)) or "/"
        return to_lua(lua, _info(name, st)), None

    def v_mkdir(v: Volume, p: str, host: Path, *_: Any) -> Any:
        try:
            host.mkdir()
        except OSError as exc:
            return False, _os_error("fs:mkdir", p, exc)[1]
        return True, None

    def v_remove(v: Volume, p: str, host: Path, *_: Any) -> Any:
        if v.virtual(p) == "/":
            return False, fail("fs:remove: cannot remove the volume root", INVALID)[1]
        try:
            if host.is_dir() and not host.is_symlink():
                host.rmdir()
            else:
                host.unlink()
        except OSError as exc:
            return False, _os_error("fs:remove", p, exc)[1]
        return True, None

    def v_chdir(v: Volume, p: str, host: Path, *_: Any) -> Any:
        if not host.exists():
            return False, fail(f"fs:chdir: {p}: no such directory", NOT_FOUND)[1]
        if not host.is_dir():
            return False, fail(f"fs:chdir: {p}: not a directory", INVALID)[1]
        v.cwd = v.virtual(p)
        return True, None

    def v_pwd(v: Volume, *_: Any) -> Any:
        return v.cwd.encode(), None

    def v_readdir(v: Volume, p: str, host: Path, *_: Any) -> Any:
        if not host.exists():
            return fail(f"fs:readdir: {p}: no such directory", NOT_FOUND)
        if not host.is_dir():
            return fail(f"fs:readdir: {p}: not a directory", INVALID)
        items = []
        with os.scandir(host) as it:
            for d in sorted(it, key=lambda d: d.name):
                items.append(to_lua(lua, {"name": d.name,
                                          "type": DIR if d.is_dir() else FILE}))
        pos = [0]

        def step(*_: Any) -> Any:
            if pos[0] >= len(items):
                return None
            pos[0] += 1
            return items[pos[0] - 1]

        return step, None

    def v_open(v: Volume, p: str, host: Path, mode: Any = None, *_: Any) -> Any:
        m = "r" if mode is None else text_arg("fs:open", 2, "mode", mode)
        if m not in OPEN_MODES:
            return fail(f"fs:open: invalid mode {m!r} (use \"r\", \"w\", \"wx\" or \"a\")",
                        INVALID)
        if host.is_dir():
            return fail(f"fs:open: {p}: is a directory", INVALID)
        f = open(host, OPEN_MODES[m])  # noqa: SIM115 - the File object owns it until close()
        return file_cls.new(FileHandle(f, v.virtual(p))), None

    volume_cls = lua_class(state, "fs.FS", {
        "readfile": with_path("fs:readfile", v_readfile),
        "writefile": with_path("fs:writefile", v_writefile),
        "read_file": with_path("fs:readfile", v_readfile),  # Wippy's aliases
        "write_file": with_path("fs:writefile", v_writefile),
        "exists": with_path("fs:exists", v_exists),
        "isdir": with_path("fs:isdir", v_isdir),
        "stat": with_path("fs:stat", v_stat),
        "mkdir": with_path("fs:mkdir", v_mkdir),
        "remove": with_path("fs:remove", v_remove),
        "chdir": with_path("fs:chdir", v_chdir),
        "readdir": with_path("fs:readdir", v_readdir),
        "open": with_path("fs:open", v_open),
        "pwd": v_pwd,
    }, lambda v: f"fs.FS{{{v.id}}}" if v is not None else "fs.FS{}")

    # -- File ----------------------------------------------------------------------------
    def file_op(function: str, body: Any) -> Any:
        def method(h: FileHandle, *args: Any) -> Any:
            if h.closed:
                return fail(f"{function}: file {h.path} is closed", INVALID)
            try:
                return body(h, *args)
            except OSError as exc:
                return _os_error(function, h.path, exc)
            except ValueError as exc:  # an operation the open mode does not allow
                return fail(f"{function}: {h.path}: {exc}", INVALID)
        return method

    def f_read(h: FileHandle, size: Any = None, *_: Any) -> Any:
        n = DEFAULT_READ if size is None else size
        if isinstance(n, bool) or not isinstance(n, int):
            raise bad_argument("file:read", 1, "size", "integer", size)
        if n <= 0:
            return fail("file:read: size must be positive", INVALID)
        data = h.file.read(n)
        if not data:
            return fail(f"file:read: {h.path}: EOF", NOT_FOUND)
        return data, None

    def f_write(h: FileHandle, data: Any = None, *_: Any) -> Any:
        if not isinstance(data, bytes):
            raise bad_argument("file:write", 1, "data", "string", data)
        if not data:
            return fail("file:write: data is empty", INVALID, False)
        h.file.write(data)
        return True, None

    def f_seek(h: FileHandle, whence: Any = None, offset: Any = 0, *_: Any) -> Any:
        w = text_arg("file:seek", 1, "whence", whence)
        if w not in SEEK:
            return fail(f"file:seek: invalid whence {w!r} (use \"set\", \"cur\" or \"end\")",
                        INVALID)
        if isinstance(offset, bool) or not isinstance(offset, int):
            raise bad_argument("file:seek", 2, "offset", "integer", offset)
        h.file.flush()
        return h.file.seek(offset, SEEK[w]), None

    def f_stat(h: FileHandle, *_: Any) -> Any:
        h.file.flush()
        st = os.fstat(h.file.fileno())
        return to_lua(lua, _info(posixpath.basename(h.path), st)), None

    def f_sync(h: FileHandle, *_: Any) -> Any:
        h.file.flush()
        os.fsync(h.file.fileno())
        return True, None

    def f_close(h: FileHandle, *_: Any) -> Any:
        h.closed = True
        h.file.close()
        return True, None

    def f_scanner(h: FileHandle, split: Any = None, *_: Any) -> Any:
        mode = "lines" if split is None else text_arg("file:scanner", 1, "split", split)
        if mode not in ("lines", "words", "bytes", "runes"):
            return fail(f"file:scanner: invalid split {mode!r} (use \"lines\", \"words\", "
                        "\"bytes\" or \"runes\")", INVALID)
        data = h.file.read()
        tokens: list[Any]
        if mode == "lines":
            tokens = data.decode("utf-8", "surrogateescape").splitlines()
        elif mode == "words":
            tokens = data.decode("utf-8", "surrogateescape").split()
        elif mode == "bytes":
            tokens = [bytes([b]) for b in data]
        else:
            tokens = list(data.decode("utf-8", "surrogateescape"))
        return scanner_cls.new(Scanner([t if isinstance(t, bytes) else
                                        t.encode("utf-8", "surrogateescape")
                                        for t in tokens])), None

    file_cls = lua_class(state, "fs.File", {
        "read": file_op("file:read", f_read), "write": file_op("file:write", f_write),
        "seek": file_op("file:seek", f_seek), "stat": file_op("file:stat", f_stat),
        "sync": file_op("file:sync", f_sync), "close": file_op("file:close", f_close),
        "scanner": file_op("file:scanner", f_scanner),
    }, lambda h: f"fs.File{{{h.path}{', closed' if h.closed else ''}}}"
        if h is not None else "fs.File{}")

    scanner_cls = lua_class(state, "fs.Scanner", {
        "scan": lambda s, *_: s.scan(), "text": lambda s, *_: s.text(),
        "err": lambda s, *_: None,
    }, lambda s: "fs.Scanner{}")

    # -- module --------------------------------------------------------------------------
    def get(name: Any = None, *_: Any) -> Any:
        fid = text_arg("fs.get", 1, "name", name)
        if not fid:
            return fail("fs.get: filesystem name is required", INVALID)
        if not security.allowed("fs.get", fid):
            return fail(f"fs.get: permission denied: fs.get on {fid}", PERMISSION_DENIED)
        res = built(runtime, fid)
        root = getattr(res, "root", None) if res is not None and \
            res.entry.kind == FS_KIND else None
        if not isinstance(root, Path):
            what = f"is a {res.entry.kind}" if res is not None else "not found"
            return fail(f"fs.get: filesystem {fid} {what}", NOT_FOUND)
        return volume_cls.new(Volume(fid, root)), None

    module = lua.table()
    module[b"get"] = get
    module[b"type"] = to_lua(lua, {"FILE": FILE, "DIR": DIR})
    module[b"seek"] = to_lua(lua, {"SET": "set", "CUR": "cur", "END": "end"})
    state.bind("fs", module)


class Scanner:
    """Tokens of a file, handed out one `scan()` at a time."""

    __slots__ = ("tokens", "pos")

    def __init__(self, tokens: list[bytes]) -> None:
        self.tokens = tokens
        self.pos = 0

    def scan(self) -> bool:
        if self.pos >= len(self.tokens):
            return False
        self.pos += 1
        return True

    def text(self) -> bytes:
        return self.tokens[self.pos - 1] if self.pos else b""
