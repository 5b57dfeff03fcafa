"""map_files: serial, process pool, threads and Dask give the same results in input order;
a file that raises, hangs, runs out of memory or kills its worker fails alone."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gxparse.batch.parallel import Failure, dask_executor, imap_files, map_files


# Worker functions: module-level so that worker processes can import them.
def digest(path: str) -> tuple[str, int, str]:
    data = Path(path).read_bytes()
    return Path(path).name, len(data), hashlib.sha256(data).hexdigest()


def misbehave(path: str) -> tuple[str, int, str]:
    """Echo a digest, except for files whose name asks for trouble."""
    name = Path(path).name
    if "raise" in name:
        raise ValueError(f"cannot parse {name}\nsecond line")
    if "hang" in name:
        time.sleep(600)
    if "nap" in name:
        time.sleep(4)  # a hang on an executor whose workers cannot be stopped
    if "stuck" in name:
        # A hang SIGALRM cannot interrupt (like a long call in C): only the watchdog helps.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(600)
    if "crash" in name:
        os._exit(3)
    if "segv" in name:
        os.kill(os.getpid(), signal.SIGSEGV)
    if "hog" in name:
        blocks = [bytearray(64 * 2**20) for _ in range(64)]  # 4 GB
        return name, len(blocks), ""
    return digest(path)


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    out = []
    for i in range(40):
        p = tmp_path / f"f{i:03d}.txt"
        p.write_text(f"report {i}\n" * (i + 1), encoding="utf-8")
        out.append(p)
    return out


def _with(files: list[Path], tmp_path: Path, names: list[str]) -> list[Path]:
    """The files with some bad ones inserted at fixed positions."""
    out = list(files)
    for k, name in enumerate(names):
        p = tmp_path / name
        p.write_text("x", encoding="utf-8")
        out.insert(5 + 7 * k, p)
    return out


def test_serial_pool_threads_dask_identical_in_order(files: list[Path]) -> None:
    expected = [digest(str(p)) for p in files]
    serial = map_files(digest, files, jobs=1, progress=False)
    pool = map_files(digest, files, jobs=2, progress=False)
    pool_chunked = map_files(digest, files, jobs=2, progress=False, chunksize=7)
    with ThreadPoolExecutor(3) as ex:
        threads = map_files(digest, files, executor=ex, progress=False)
    dask = dask_executor(None, processes=False, n_workers=1, threads_per_worker=2)
    try:
        on_dask = map_files(digest, files, executor=dask, progress=False)
    finally:
        dask.shutdown()
    assert serial == expected
    assert pool == expected
    assert pool_chunked == expected
    assert threads == expected
    assert on_dask == expected


def test_empty_input() -> None:
    assert map_files(digest, [], jobs=2, progress=False) == []


@pytest.mark.parametrize("jobs", [1, 2])
def test_exception_fails_that_file_only(files: list[Path], tmp_path: Path, jobs: int) -> None:
    paths = _with(files, tmp_path, ["raise.txt"])
    out = map_files(misbehave, paths, jobs=jobs, progress=False)
    bad = out[5]
    assert isinstance(bad, Failure)
    assert bad.kind == "error"
    assert bad.path == str(paths[5])
    assert bad.reason == "ValueError: cannot parse raise.txt second line"
    assert "\n" not in str(bad)
    assert [o for k, o in enumerate(out) if k != 5] == [digest(str(p)) for p in files]


def test_on_failure_converts(files: list[Path], tmp_path: Path) -> None:
    paths = _with(files, tmp_path, ["raise.txt"])
    out = map_files(
        misbehave, paths, jobs=2, progress=False, on_failure=lambda f: ("failed", f.reason)
    )
    assert out[5] == ("failed", "ValueError: cannot parse raise.txt second line")


def test_hang_times_out_alone(files: list[Path], tmp_path: Path) -> None:
    paths = _with(files, tmp_path, ["hang.txt"])
    start = time.monotonic()
    out = map_files(misbehave, paths, jobs=2, progress=False, timeout=1)
    assert time.monotonic() - start < 30
    assert isinstance(out[5], Failure) and out[5].kind == "timeout"
    assert out[5].reason.startswith("timed out after 1 s")
    assert [o for k, o in enumerate(out) if k != 5] == [digest(str(p)) for p in files]


def test_hang_in_c_code_is_stopped_by_watchdog(files: list[Path], tmp_path: Path) -> None:
    paths = _with(files, tmp_path, ["stuck.txt"])
    start = time.monotonic()
    out = map_files(misbehave, paths, jobs=2, progress=False, timeout=1, chunksize=3)
    assert time.monotonic() - start < 60
    assert isinstance(out[5], Failure) and out[5].kind == "timeout", out[5]
    assert [o for k, o in enumerate(out) if k != 5] == [digest(str(p)) for p in files]


def test_hang_in_c_code_is_stopped_on_time_in_a_large_chunk(
    files: list[Path], tmp_path: Path
) -> None:
    """The watchdog stops a file stuck in C code once that file's time is up, not once its
    whole chunk's is (20 files: 20 s); the other files of the chunk are read again."""
    paths = _with(files, tmp_path, ["stuck.txt"])
    start = time.monotonic()
    out = map_files(misbehave, paths, jobs=1, progress=False, timeout=1, chunksize=20)
    elapsed = time.monotonic() - start
    assert isinstance(out[5], Failure) and out[5].kind == "timeout", out[5]
    assert out[5].reason == "timed out after 1 s (worker stopped)"
    assert [o for k, o in enumerate(out) if k != 5] == [digest(str(p)) for p in files]
    assert elapsed < 15, elapsed


@pytest.mark.parametrize("name", ["crash.txt", "segv.txt"])
def test_crash_fails_that_file_only(files: list[Path], tmp_path: Path, name: str) -> None:
    paths = _with(files, tmp_path, [name])
    out = map_files(misbehave, paths, jobs=2, progress=False, chunksize=4)
    assert isinstance(out[5], Failure) and out[5].kind == "crash", out[5]
    assert [o for k, o in enumerate(out) if k != 5] == [digest(str(p)) for p in files]


def test_two_crashes_and_a_hang(files: list[Path], tmp_path: Path) -> None:
    paths = _with(files, tmp_path, ["crash.txt", "hang.txt", "crash2.txt"])
    out = map_files(misbehave, paths, jobs=2, progress=False, timeout=2)
    kinds = {k: out[k].kind for k in (5, 12, 19)}
    assert kinds == {5: "crash", 12: "timeout", 19: "crash"}
    good = [o for k, o in enumerate(out) if k not in (5, 12, 19)]
    assert good == [digest(str(p)) for p in files]


def test_memory_limit_fails_that_file_only(files: list[Path], tmp_path: Path) -> None:
    paths = _with(files, tmp_path, ["hog.txt"])
    out = map_files(misbehave, paths, jobs=2, progress=False, max_memory=512 * 2**20)
    assert isinstance(out[5], Failure) and out[5].kind == "memory", out[5]
    assert "512 MB" in out[5].reason
    assert [o for k, o in enumerate(out) if k != 5] == [digest(str(p)) for p in files]


def test_failures_on_dask(files: list[Path], tmp_path: Path) -> None:
    paths = _with(files, tmp_path, ["raise.txt"])
    dask = dask_executor(None, processes=False, n_workers=1, threads_per_worker=2)
    try:
        out = map_files(misbehave, paths, executor=dask, progress=False)
    finally:
        dask.shutdown()
    assert isinstance(out[5], Failure) and out[5].kind == "error"
    assert [o for k, o in enumerate(out) if k != 5] == [digest(str(p)) for p in files]


def test_broken_caller_pool_goes_on(files: list[Path], tmp_path: Path) -> None:
    """A caller's process pool that a crash breaks: the run finishes on a pool of our own."""
    from concurrent.futures import ProcessPoolExecutor

    paths = _with(files, tmp_path, ["crash.txt"])
    with ProcessPoolExecutor(2) as ex:
        out = map_files(misbehave, paths, executor=ex, progress=False, chunksize=1)
    assert isinstance(out[5], Failure) and out[5].kind == "crash", out[5]
    assert [o for k, o in enumerate(out) if k != 5] == [digest(str(p)) for p in files]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_only(
    files: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _with(files, tmp_path, ["raise.txt"])
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    map_files(misbehave, paths, jobs=1, progress=True)
    shown = terminal.getvalue()
    assert f"{len(paths)}/{len(paths)}" in shown
    assert "files/s" in shown
    assert "failed=1" in shown
    quiet = io.StringIO()  # not a terminal: nothing printed
    monkeypatch.setattr(sys, "stderr", quiet)
    map_files(misbehave, paths, jobs=1, progress=True)
    assert quiet.getvalue() == ""


def test_dask_scheduler_address(files: list[Path]) -> None:
    from distributed import LocalCluster

    with LocalCluster(
        processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None
    ) as cluster:
        dask = dask_executor(cluster.scheduler_address)
        try:
            out = map_files(digest, files, executor=dask, progress=False)
        finally:
            dask.shutdown()
    assert out == [digest(str(p)) for p in files]


def test_imap_files_yields_in_order_and_stops_early(files: list[Path], tmp_path: Path) -> None:
    paths = _with(files, tmp_path, ["raise.txt"])
    expected = [misbehave_or_failure(p) for p in paths]
    got = list(imap_files(misbehave, paths, jobs=2, progress=False, chunksize=3))
    assert [type(g) for g in got] == [type(e) for e in expected]
    assert [g for g in got if not isinstance(g, Failure)] == [digest(str(p)) for p in files]
    it = imap_files(digest, files, jobs=2, progress=False, chunksize=1)
    first = [next(it) for _ in range(3)]
    it.close()  # the workers stop; nothing hangs
    assert first == [digest(str(p)) for p in files[:3]]


def misbehave_or_failure(path: Path) -> object:
    try:
        return misbehave(str(path))
    except ValueError as exc:
        return Failure(str(path), str(exc))


def test_timeout_on_dask_abandons_the_file(files: list[Path], tmp_path: Path) -> None:
    paths = _with(files, tmp_path, ["nap.txt"])
    dask = dask_executor(None, processes=False, n_workers=1, threads_per_worker=2)
    try:
        out = map_files(misbehave, paths, executor=dask, progress=False, timeout=0.5, chunksize=1)
    finally:
        dask.shutdown()
    assert isinstance(out[5], Failure) and out[5].kind == "timeout", out[5]
    assert [o for k, o in enumerate(out) if k != 5] == [digest(str(p)) for p in files]


def test_batch_gc_raises_the_threshold_while_a_batch_runs(files: list[Path]) -> None:
    """The cycle collector's first threshold is raised while files are parsed and results
    consumed, and restored afterwards: also when nested, and when a caller stops early."""
    import gc

    from gxparse.batch.parallel import BATCH_GC_THRESHOLD, batch_gc

    before = gc.get_threshold()
    seen = []
    with batch_gc():
        with batch_gc():
            seen.append(gc.get_threshold()[0])
        seen.append(gc.get_threshold()[0])
    assert seen == [max(before[0], BATCH_GC_THRESHOLD)] * 2
    assert gc.get_threshold() == before

    it = imap_files(_gc_threshold, files, jobs=1, progress=False)
    assert next(it) == max(before[0], BATCH_GC_THRESHOLD)
    it.close()  # stopped early
    assert gc.get_threshold() == before
    assert map_files(_gc_threshold, files, jobs=1, progress=False) == [
        max(before[0], BATCH_GC_THRESHOLD)
    ] * len(files)
    assert gc.get_threshold() == before


def _gc_threshold(path: Path) -> int:
    import gc

    return gc.get_threshold()[0]


KILL_MID_TRANSFER = """
import sys, time
from gxparse.batch import parallel

def big(i):
    return b"x" * 50_000_000  # a result far larger than a pipe's buffer

if __name__ == "__main__":
    for delay in (0.6, 0.8, 1.0, 1.2, 1.5):  # some kill lands while a result is sent
        pool = parallel.default_executor(2)
        futures = [pool.submit(big, i) for i in range(4)]
        time.sleep(delay)
        parallel._kill_pool(pool)
    print("done", flush=True)
"""


def test_a_pool_killed_while_sending_a_result_does_not_hang_the_exit(tmp_path: Path) -> None:
    """A worker killed mid-send left half a message in the result pipe: the pool's manager
    thread waited for the rest forever and the interpreter hung at exit, joining it (a
    build stopped by SIGTERM or Ctrl-C, or whose hung file was killed, never ended)."""
    import subprocess

    script = tmp_path / "kill_mid_transfer.py"
    script.write_text(KILL_MID_TRANSFER, encoding="utf-8")
    try:
        done = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the interpreter hung at exit after its pools were killed")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "done\n"
