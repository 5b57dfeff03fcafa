"""The on-disk cache: unchanged files are not run again, changed ones are, a new version
or parser fingerprint invalidates everything."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gxparse.batch.cache import Cache
from gxparse.batch.parallel import Failure, map_files


def shout(path: str) -> str:
    return Path(path).read_text(encoding="utf-8").upper()


class Counting:
    """A serial function that remembers which files it ran on."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, path: str) -> str:
        self.calls.append(Path(path).name)
        if "bad" in Path(path).name:
            raise ValueError("bad file")
        return shout(path)


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "raw"
    folder.mkdir()
    out = []
    for i in range(6):
        p = folder / f"r{i}.txt"
        p.write_text(f"report {i}", encoding="utf-8")
        out.append(p)
    return out


def test_get_put_roundtrip(tmp_path: Path, files: list[Path]) -> None:
    cache = Cache(tmp_path / "c", version="1", fingerprint="x")
    assert cache.get(files[0]) is Cache.MISS
    cache.put(files[0], {"value": 1})
    assert cache.get(files[0]) == {"value": 1}
    assert files[0] in cache and files[1] not in cache
    assert (cache.hits, cache.misses, cache.writes) == (1, 1, 1)
    # Entries live under <dir>/<namespace>/<key[:2]>/<key>.pkl, with no temporary files left.
    entries = list((tmp_path / "c").rglob("*"))
    assert [e.name for e in entries if e.is_file()] == [f"{cache.key(files[0])}.pkl"]


def test_rerun_runs_only_new_and_changed_files(tmp_path: Path, files: list[Path]) -> None:
    cache = Cache(tmp_path / "c", version="1", fingerprint="x")
    f = Counting()
    first = map_files(f, files, jobs=1, progress=False, cache=cache)
    assert f.calls == [p.name for p in files]
    # Unchanged: nothing runs, same results.
    f.calls.clear()
    assert map_files(f, files, jobs=1, progress=False, cache=cache) == first
    assert f.calls == []
    # A new file and a changed one (same size, new content): only these run.
    new = files[0].parent / "r9.txt"
    new.write_text("report 9", encoding="utf-8")
    files[2].write_text("REPORT 2", encoding="utf-8")
    st = files[2].stat()
    os.utime(files[2], ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    f.calls.clear()
    again = map_files(f, [*files, new], jobs=1, progress=False, cache=cache)
    assert sorted(f.calls) == ["r2.txt", "r9.txt"]
    assert again == [*first[:2], "REPORT 2", *first[3:], "REPORT 9"]


def test_same_content_other_name_is_another_entry(tmp_path: Path, files: list[Path]) -> None:
    cache = Cache(tmp_path / "c", version="1", fingerprint="x")
    twin = files[0].parent / "twin.txt"
    twin.write_bytes(files[0].read_bytes())
    cache.put(files[0], "r0")
    assert cache.get(twin) is Cache.MISS


@pytest.mark.parametrize("change", [{"version": "2"}, {"fingerprint": "y"}])
def test_version_or_fingerprint_change_invalidates(
    tmp_path: Path, files: list[Path], change: dict
) -> None:
    old = Cache(tmp_path / "c", version="1", fingerprint="x")
    map_files(shout, files, jobs=1, progress=False, cache=old)
    new = Cache(tmp_path / "c", **{"version": "1", "fingerprint": "x", **change})
    f = Counting()
    map_files(f, files, jobs=1, progress=False, cache=new)
    assert f.calls == [p.name for p in files]
    assert new.prune() == [old.root]
    assert old.get(files[0]) is Cache.MISS


def test_default_namespace_follows_gxparse_version(tmp_path: Path) -> None:
    import gxparse

    a = Cache(tmp_path / "c")
    b = Cache(tmp_path / "c", version=gxparse.__version__ + ".post1")
    assert a.version == gxparse.__version__
    assert a.root != b.root


def test_pool_with_cache_matches_serial(tmp_path: Path, files: list[Path]) -> None:
    cache = Cache(tmp_path / "c", version="1", fingerprint="x")
    serial = [shout(str(p)) for p in files]
    assert map_files(shout, files, jobs=2, progress=False, cache=cache) == serial
    assert cache.writes == len(files)
    assert map_files(shout, files, jobs=2, progress=False, cache=cache) == serial
    assert cache.hits == len(files)


def test_errors_are_cached(tmp_path: Path, files: list[Path]) -> None:
    cache = Cache(tmp_path / "c", version="1", fingerprint="x")
    bad = files[0].parent / "bad.txt"
    bad.write_text("?", encoding="utf-8")
    f = Counting()
    out = map_files(f, [bad], jobs=1, progress=False, cache=cache)
    assert isinstance(out[0], Failure)
    f.calls.clear()
    again = map_files(f, [bad], jobs=1, progress=False, cache=cache)
    assert f.calls == [] and again == out
    cache.put(files[1], Failure(str(files[1]), "timed out", "timeout"))  # a caller may
    assert isinstance(cache.get(files[1]), Failure)


def test_damaged_entry_is_a_miss(tmp_path: Path, files: list[Path]) -> None:
    cache = Cache(tmp_path / "c", version="1", fingerprint="x")
    cache.put(files[0], "ok")
    entry = cache.root / cache.key(files[0])[:2] / f"{cache.key(files[0])}.pkl"
    entry.write_bytes(b"not a pickle")
    assert cache.get(files[0]) is Cache.MISS
    assert not entry.exists()


def fail_on_r2(path: str) -> str:
    if Path(path).name == "r2.txt":
        raise ValueError("bad file")
    return shout(path)


def test_workers_of_the_pool_write_the_entries(
    tmp_path: Path, files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parent stores nothing itself (it would cap a many-core run); every result,
    an error included, is in the cache afterwards and counted as written."""
    cache = Cache(tmp_path / "c", version="1", fingerprint="x")

    def parent_put(self: Cache, path: object, value: object) -> None:
        raise AssertionError("the parent wrote a cache entry")

    monkeypatch.setattr(Cache, "put", parent_put)
    monkeypatch.setattr(Cache, "put_bytes", parent_put)
    first = map_files(fail_on_r2, files, jobs=2, progress=False, cache=cache, chunksize=2)
    monkeypatch.undo()
    assert cache.writes == len(files)
    assert isinstance(first[2], Failure) and first[2].reason == "ValueError: bad file"
    assert first[:2] == [f"REPORT {i}" for i in range(2)]
    fresh = Cache(tmp_path / "c", version="1", fingerprint="x")
    assert [fresh.get(p) for p in files] == first
    assert fresh.hits == len(files)
    assert cache.__getstate__()["_keys"] == {}  # the parent's memo is not sent to workers
    assert len(cache._keys) == len(files)


def test_a_callers_executor_sends_each_result_pickled_once(
    tmp_path: Path, files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers of a caller's executor (a Dask cluster) may not see the cache folder: the
    parent writes the entries, from the bytes the workers pickled, without pickling again."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    cache = Cache(tmp_path / "c", version="1", fingerprint="x")

    def parent_dumps(value: object) -> bytes:
        raise AssertionError("the parent pickled a result")

    with ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")) as executor:
        monkeypatch.setattr(Cache, "dumps", staticmethod(parent_dumps))
        out = map_files(fail_on_r2, files, executor=executor, progress=False, cache=cache)
        monkeypatch.undo()
    assert out[:2] == [f"REPORT {i}" for i in range(2)]
    assert isinstance(out[2], Failure) and out[2].reason == "ValueError: bad file"
    assert cache.writes == len(files)
    fresh = Cache(tmp_path / "c", version="1", fingerprint="x")
    assert [fresh.get(p) for p in files] == out


class Zipped(Cache):
    """A cache with its own entry format (module level: it pickles to workers)."""

    @staticmethod
    def dumps(value: object) -> bytes:
        import zlib

        return zlib.compress(Cache.dumps(value))

    @staticmethod
    def loads(data: bytes) -> object:
        import zlib

        return Cache.loads(zlib.decompress(data))


@pytest.mark.parametrize("own_pool", [True, False])
def test_a_cache_with_its_own_entry_format_keeps_it(
    tmp_path: Path, files: list[Path], own_pool: bool
) -> None:
    import zlib
    from concurrent.futures import ThreadPoolExecutor

    cache = Zipped(tmp_path / "c", version="1", fingerprint="x")
    if own_pool:
        out = map_files(shout, files, jobs=2, progress=False, cache=cache)
    else:
        with ThreadPoolExecutor(2) as executor:
            out = map_files(shout, files, executor=executor, progress=False, cache=cache)
    assert out == [shout(str(p)) for p in files]
    entries = sorted(cache.root.rglob("*.pkl"))
    assert len(entries) == len(files)
    assert sorted(Cache.loads(zlib.decompress(e.read_bytes())) for e in entries) == sorted(out)


def test_a_cache_the_workers_cannot_receive_is_written_by_the_parent(
    tmp_path: Path, files: list[Path]
) -> None:
    class Local(Cache):  # defined in a function: it does not pickle
        pass

    cache = Local(tmp_path / "c", version="1", fingerprint="x")
    out = map_files(shout, files, jobs=2, progress=False, cache=cache)
    assert out == [shout(str(p)) for p in files]
    assert cache.writes == len(files)
    assert all(p in cache for p in files)


def test_fingerprint_follows_the_parser_not_the_analysis(tmp_path: Path) -> None:
    """Editing a chart or a check keeps the parse cache; editing the parser, the template,
    the dtypes or a reader loaded by name drops it. Which is which comes from the imports."""
    import shutil

    import gxparse
    from gxparse.batch.cache import parser_fingerprint

    root = tmp_path / "gxparse"
    shutil.copytree(
        Path(gxparse.__file__).parent, root, ignore=shutil.ignore_patterns("__pycache__")
    )

    def edit(rel: str, text: str = "\n# edited\n") -> None:
        (root / rel).write_text((root / rel).read_text(encoding="utf-8") + text)

    before = parser_fingerprint(root)
    for downstream in ("reporting/plotting.py", "analysis/checks/run.py", "batch/build.py"):
        edit(downstream)
    edit("__init__.py")
    assert parser_fingerprint(root) == before
    last = before
    for parser in ("parsing/tables.py", "template.py", "dtypes.py", "readers/pdf.py"):
        edit(parser)
        now = parser_fingerprint(root)
        assert now != last, parser
        last = now
    # A new module counts once the parse imports it.
    (root / "parsing" / "extra.py").write_text("X = 1\n")
    assert parser_fingerprint(root) == last
    edit("parsing/sections.py", "\nfrom gxparse.parsing import extra  # noqa\n")
    linked = parser_fingerprint(root)
    (root / "parsing" / "extra.py").write_text("X = 2\n")
    assert parser_fingerprint(root) != linked


def test_put_after_clear_recreates_the_folders(tmp_path: Path, files: list[Path]) -> None:
    """Folders are made once per process; one removed since (clear, prune) is made again."""
    cache = Cache(tmp_path / "c", version="t", fingerprint="f")
    cache.put(files[0], "first")
    cache.clear()
    assert cache.get(files[0]) is Cache.MISS
    cache.put(files[0], "again")
    assert cache.get(files[0]) == "again"


@pytest.mark.parametrize("library", ["lxml", "opencc", "pypdfium2", "charset-normalizer"])
def test_new_version_of_a_parse_library_is_a_miss(
    tmp_path: Path, files: list[Path], library: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new pin of a library the readers use must not reuse parses made with the old one."""
    import importlib.metadata

    from gxparse.batch import cache as cache_module

    old = Cache(tmp_path / "c")
    map_files(shout, files, jobs=1, progress=False, cache=old)
    real_version = importlib.metadata.version

    def bumped(name: str) -> str:
        return "999.0" if name == library else real_version(name)

    monkeypatch.setattr(importlib.metadata, "version", bumped)
    cache_module.library_versions.cache_clear()
    try:
        new = Cache(tmp_path / "c")
        assert f"{library}==999.0" in new.libraries.splitlines()
        f = Counting()
        map_files(f, files, jobs=1, progress=False, cache=new)
    finally:
        monkeypatch.undo()
        cache_module.library_versions.cache_clear()
    assert f.calls == [p.name for p in files]
    assert new.root != old.root
    # Back on the installed versions: the old entries are found again.
    again = Cache(tmp_path / "c")
    assert again.root == old.root
    assert again.get(files[0]) == shout(str(files[0]))


def test_every_library_the_parser_imports_is_in_the_key() -> None:
    """A library imported by a module the parse imports is in PARSE_LIBRARIES,
    so a pin of a new reader's library can never be forgotten in the cache key."""
    import ast
    import importlib.metadata
    import sys

    import gxparse
    from gxparse.batch.cache import PARSE_LIBRARIES, parse_modules

    root = Path(gxparse.__file__).parent
    owners = importlib.metadata.packages_distributions()
    used: dict[str, str] = {}
    for f in parse_modules(root):
        rel = f.relative_to(root)
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "gxparse":
                    continue
                for dist in owners.get(top, [top]):
                    used[dist.lower()] = str(rel)
    listed = {n.lower() for n in PARSE_LIBRARIES}
    missing = {d: where for d, where in used.items() if d not in listed}
    assert not missing, f"libraries the parser imports but the cache key ignores: {missing}"
    assert {"lxml", "opencc", "charset-normalizer", "pypdfium2"} <= set(used)
