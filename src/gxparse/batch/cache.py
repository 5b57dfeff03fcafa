"""An on-disk cache of per-file results, so a re-run parses only new or changed files.

A result is stored under a key made of the file's content (sha256) and its name (the name
is part of the result: ``report_id`` is the file name), inside a folder named after the
gxparse version, a fingerprint of the parser's source code (every module the parse
imports, found from the imports: :func:`parse_modules`) and the installed versions of
the libraries the parse uses (:data:`PARSE_LIBRARIES`). Changing the file's bytes,
renaming it, upgrading gxparse, editing the parser or installing another version of one
of those libraries (a new pin of lxml, a PDF library, opencc …) each lead to a fresh
parse; the stale entries stay on disk until :meth:`Cache.prune`.

Layout: ``<directory>/<namespace>/<key[:2]>/<key>.pkl`` (pickle protocol 5), each entry
written to a temporary file and renamed, so an interrupted run never leaves a half-written
entry. The cache holds derived data only: deleting the directory is always safe.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import os
import pickle
import re
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_DIR",
    "PARSE_ENTRY",
    "PARSE_LIBRARIES",
    "Cache",
    "file_sha256",
    "library_versions",
    "parse_modules",
    "parser_fingerprint",
    "source_fingerprint",
]

DEFAULT_DIR = Path(".cache") / "gxparse"


def file_sha256(path: str | os.PathLike) -> str:
    """The sha256 of a file's bytes (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# The distributions whose code turns a file into tables: the readers' libraries (PDF, web
# pages, Word, workbooks), the guard's, the decoding and the Chinese conversion, and the
# tables' own types. A test checks that every library the parser imports is listed; one
# that is not installed (the PDF library being replaced) counts as "absent".
PARSE_LIBRARIES: tuple[str, ...] = (
    "charset-normalizer",
    "defusedxml",
    "lxml",
    "numpy",
    "opencc",
    "openpyxl",
    "pandas",
    "pyarrow",
    "pypdfium2",
)


@lru_cache(maxsize=1)
def library_versions() -> str:
    """The installed versions of :data:`PARSE_LIBRARIES`, one ``name==version`` a line."""
    from importlib.metadata import PackageNotFoundError, version

    lines = []
    for name in PARSE_LIBRARIES:
        try:
            lines.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            lines.append(f"{name} absent")
    return "\n".join(lines)


@lru_cache(maxsize=1)
def source_fingerprint() -> str:
    """A hash of the parser's source files: editing the parser invalidates the cache even
    when the version number did not change (as during development)."""
    return parser_fingerprint(Path(__file__).resolve().parents[1])


# The cached value is what parse_file returns: exactly the modules it can run decide
# whether an entry is still good, found by following the imports from its module.
PARSE_ENTRY = "gxparse.parsing.parse"
# A module named in a string ("gxparse.readers.pdf:read_pdf"): the readers are imported
# lazily by name, and are part of the parse all the same.
_NAMED_MODULE = re.compile(r"^(gxparse(?:\.\w+)+)(?::\w+)?$")


def _module_file(root: Path, dotted: str) -> Path | None:
    """The source file of ``gxparse.a.b`` in the package folder ``root``, if any. The
    package's own ``__init__`` (its public face, which loads the analysis too) is left out:
    the parse never uses it."""
    parts = dotted.split(".")[1:]
    if not parts:
        return None
    rel = Path(*parts)
    for candidate in (root / rel.with_suffix(".py"), root / rel / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_names(tree: ast.AST) -> set[str]:
    """Every gxparse module a module's code may import: its import statements (those
    inside functions too), each imported name that may itself be a module, and modules
    named in strings."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            m = _NAMED_MODULE.match(node.value)
            if m:
                names.add(m.group(1))
    return {n for n in names if n.startswith("gxparse.")}


def parse_modules(root: Path, entry: str = PARSE_ENTRY) -> list[Path]:
    """Given the package folder, return the source files of ``entry`` and of every gxparse
    module it imports, directly or not, with the sub-packages' ``__init__`` run on the way."""
    seen: set[Path] = set()
    todo = [entry]
    while todo:
        parts = todo.pop().split(".")
        for i in range(2, len(parts) + 1):
            f = _module_file(root, ".".join(parts[:i]))
            if f is not None and f not in seen:
                seen.add(f)
                todo.extend(_imported_names(ast.parse(f.read_bytes())))
    return sorted(seen)


def parser_fingerprint(root: Path) -> str:
    """A hash of the source of every module the parse imports (:func:`parse_modules`)."""
    h = hashlib.sha256()
    for f in parse_modules(root):
        h.update(f.relative_to(root).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


class _Miss:
    def __repr__(self) -> str:
        return "Cache.MISS"


class Cache:
    """Results of a per-file function, on disk, keyed by file content and name.

    >>> cache = Cache(".cache/gxparse")
    >>> value = cache.get(path)
    >>> if value is Cache.MISS:
    ...     cache.put(path, value := parse_file(path))
    """

    MISS: Any = _Miss()

    def __init__(
        self,
        directory: str | os.PathLike = DEFAULT_DIR,
        *,
        version: str | None = None,
        fingerprint: str | None = None,
        libraries: str | None = None,
    ) -> None:
        if version is None:
            from gxparse import __version__ as version
        if fingerprint is None:
            fingerprint = source_fingerprint()
        if libraries is None:
            libraries = library_versions()
        self.directory = Path(directory)
        self.version = version
        self.fingerprint = fingerprint
        self.libraries = libraries
        self.namespace = hashlib.sha256(
            f"{version}\0{fingerprint}\0{libraries}".encode()
        ).hexdigest()[:16]
        self.root = self.directory / self.namespace
        self.hits = 0
        self.misses = 0
        self.writes = 0
        self._keys: dict[str, tuple[int, int, str]] = {}
        self._folders: set[Path] = set()

    def __getstate__(self) -> dict[str, Any]:
        # Sent to every task of a process pool (workers write their own entries): the
        # parent's memo of file keys, one per file of the run, stays behind.
        return {**self.__dict__, "_keys": {}}

    def __repr__(self) -> str:
        return f"Cache({str(self.directory)!r}, version={self.version!r}, hits={self.hits}, misses={self.misses})"

    def key(self, path: str | os.PathLike) -> str:
        """The entry key of a file: sha256 of its content and its name."""
        p = os.fspath(path)
        st = os.stat(p)
        memo = self._keys.get(p)
        if memo is not None and memo[0] == st.st_mtime_ns and memo[1] == st.st_size:
            return memo[2]
        content = file_sha256(p)
        key = hashlib.sha256(f"{content}\0{Path(p).name}".encode()).hexdigest()
        self._keys[p] = (st.st_mtime_ns, st.st_size, key)
        return key

    def _entry(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.pkl"

    @staticmethod
    def dumps(value: Any) -> bytes:
        """The bytes of a cache entry holding ``value``."""
        return pickle.dumps(value, protocol=5)

    @staticmethod
    def loads(data: bytes) -> Any:
        """The value of a cache entry's bytes."""
        return pickle.loads(data)

    def get(self, path: str | os.PathLike) -> Any:
        """The stored result for this file, or ``Cache.MISS``."""
        entry = self._entry(self.key(path))
        try:
            data = entry.read_bytes()
        except FileNotFoundError:
            self.misses += 1
            return self.MISS
        try:
            value = self.loads(data)
        except Exception:  # a damaged entry is a miss, and is removed
            with contextlib.suppress(OSError):
                entry.unlink()
            self.misses += 1
            return self.MISS
        self.hits += 1
        return value

    def put(self, path: str | os.PathLike, value: Any) -> None:
        """Store the result for this file (atomically: temporary file, then rename)."""
        self.put_bytes(path, self.dumps(value))

    def put_bytes(self, path: str | os.PathLike, data: bytes) -> None:
        """Store an entry already pickled by :meth:`dumps` for this file (atomically)."""
        entry = self._entry(self.key(path))
        folder = entry.parent
        # Creating folders costs a system call per entry; each is made once per process.
        if folder not in self._folders:
            folder.mkdir(parents=True, exist_ok=True)
            self._folders.add(folder)
        try:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".pkl")
        except FileNotFoundError:  # removed since (clear, prune, another process)
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".pkl")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, entry)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self.writes += 1

    def __contains__(self, path: str | os.PathLike) -> bool:
        return self._entry(self.key(path)).exists()

    def clear(self) -> None:
        """Remove every entry of this version and fingerprint."""
        shutil.rmtree(self.root, ignore_errors=True)

    def prune(self) -> list[Path]:
        """Remove the entries of other versions or fingerprints; return the folders removed."""
        removed = []
        if self.directory.is_dir():
            for d in self.directory.iterdir():
                if d.is_dir() and d.name != self.namespace:
                    shutil.rmtree(d, ignore_errors=True)
                    removed.append(d)
        return removed
