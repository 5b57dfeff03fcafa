"""Scale: serial vs parallel parsing, a fully cached re-run, peak memory, and the floor.

    python benchmarks/bench_scale.py [--n 10000] [--jobs N] [--serial-n 1000] [--dir FOLDER]

Generates ``--n`` synthetic reports (every text layout, both templates, some faults; see
``generate.py``) unless ``--dir`` names a folder made by it, then prints:

- the floor: reading, decoding and splitting the same files into lines (one core);
- serial parsing (``gxparse.parsing.parse.parse_file`` in this process) on ``--serial-n`` files:
  the per-core parsing speed;
- as many other files built serially the way the parallel run builds them (streamed into
  the tables, every result written to a fresh cache), half before and half after the
  parallel run, each half in a fresh process as a worker is: the like-for-like base of the
  speed-up;
- parallel parsing of all files on ``--jobs`` workers, as ``gxparse build --cache`` runs it:
  ``gxparse.batch.parallel.imap_files`` feeding ``gxparse.batch.corpus.concat`` (each report reduced to
  compact columns as it arrives) and storing every result in a fresh cache: reports/s,
  speed-up over the serial build, parallel efficiency (speed-up / workers);
- a fully cached re-run, the same way (streamed from the cache into the tables), and, for
  comparison with older numbers, the cache map holding every result and then the
  concatenation;
- the in-memory size of the corpus tables;
- peak memory (RSS of this process and its workers together, sampled), per phase.

Targets (issue 6, this 2-core machine): >= 1,000 reports/s per core; efficiency >= 85%;
cached re-run of 10,000 reports < 5 s; peak memory < 1 GB. Prints numbers, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate, read_truth

from gxparse.batch.cache import Cache


class PeakMemory:
    """Sample the RSS of this process plus all its descendants every ``interval`` s, and
    the CPU time each descendant used (last value seen per process)."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._me = psutil.Process()
        self._cpu0 = sum(self._me.cpu_times()[:2])
        self._child_cpu: dict[int, float] = {}
        self._child_cpu0 = {
            c.pid: sum(c.cpu_times()[:2]) for c in self._me.children(recursive=True)
        }

    def _rss(self) -> int:
        total = self._me.memory_info().rss
        for child in self._me.children(recursive=True):
            try:
                total += child.memory_info().rss
                cpu = sum(child.cpu_times()[:2]) - self._child_cpu0.get(child.pid, 0.0)
                self._child_cpu[child.pid] = max(cpu, self._child_cpu.get(child.pid, 0.0))
            except psutil.Error:
                pass
        return total

    @property
    def cpu(self) -> tuple[float, float]:
        """CPU seconds used meanwhile by this process, and by its descendants."""
        return sum(self._me.cpu_times()[:2]) - self._cpu0, sum(self._child_cpu.values())

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self.peak = self._rss()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())


@contextmanager
def phase(name: str, results: dict[str, dict[str, Any]]) -> Iterator[dict[str, Any]]:
    row: dict[str, Any] = {}
    with PeakMemory() as mem:
        start = time.perf_counter()
        yield row
        row["seconds"] = time.perf_counter() - start
    row["peak_mb"] = mem.peak / 2**20
    row["cpu_self"], row["cpu_children"] = mem.cpu
    results[name] = row


def _merge(results: dict[str, dict[str, float]], name: str, more: dict[str, float]) -> None:
    """Add a second measurement of the same phase to the first."""
    row = results[name]
    for key in ("files", "seconds", "cpu_self", "cpu_children"):
        row[key] += more[key]
    row["peak_mb"] = max(row["peak_mb"], more["peak_mb"])


def _child_times(row: dict[str, Any]) -> None:
    """A phase run in a child process: its own wall and CPU time replace this process's."""
    row["seconds"], row["cpu_self"] = row.pop("child")
    row["cpu_children"] = 0.0


def floor_read(path: Path) -> int:
    """The least any parser must do: read, decode and split into lines."""
    from gxparse.readers.decode import decode_bytes

    text, _ = decode_bytes(path.read_bytes())
    return len(text.splitlines())


class TimedCache(Cache):
    """The cache, counting the seconds spent storing entries in this process (a process
    pool's workers write their own entries: module level, so that it pickles to them)."""

    put_seconds = 0.0

    def put_bytes(self, path: Any, data: bytes) -> None:
        t0 = time.perf_counter()
        super().put_bytes(path, data)
        self.put_seconds += time.perf_counter() - t0


def _failed_tables(failure: Any) -> Any:
    from gxparse.parsing.parse import failed

    p = Path(failure.path)
    return failed(p.stem, p.name, failure.reason)


def _serial_build_child(paths: list[Path], cache_dir: str) -> tuple[float, float]:
    """Build ``paths`` serially in this (fresh) process as the parallel run's workers and
    parent do together: parse, write the cache, reduce. Returns (wall, CPU) seconds."""
    from gxparse.batch.corpus import concat
    from gxparse.batch.parallel import imap_files
    from gxparse.parsing.parse import parse_file

    parse_file(paths[0])  # imports and first-call set-up, as a worker has them
    wall, cpu = time.perf_counter(), time.process_time()
    concat(
        imap_files(
            parse_file,
            paths,
            jobs=1,
            progress=False,
            on_failure=_failed_tables,
            cache=Cache(cache_dir),
        )
    )
    return time.perf_counter() - wall, time.process_time() - cpu


def serial_build(paths: list[Path], cache_dir: Path) -> tuple[float, float]:
    """:func:`_serial_build_child` in a new process: like a worker, it starts with empty
    caches and a small heap (this process holds the benchmark's own data)."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(_serial_build_child, paths, str(cache_dir)).result()


def timed_map(func: Callable[[Any], Any], paths: list[Path], **kwargs: Any) -> list[Any]:
    from gxparse.batch.parallel import map_files

    return map_files(func, paths, progress=False, **kwargs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000, help="reports (default 10,000)")
    ap.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="workers (default: every core)"
    )
    ap.add_argument(
        "--serial-n", type=int, default=1000, help="files parsed serially (default 1,000)"
    )
    ap.add_argument("--chunksize", type=int, default=None)
    ap.add_argument("--dir", type=Path, default=None, help="reuse a folder made by generate.py")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    from gxparse.batch.corpus import concat
    from gxparse.batch.parallel import imap_files
    from gxparse.parsing.parse import TABLES, parse_file

    results: dict[str, dict[str, Any]] = {}
    load_before = f"{os.getloadavg()[0]:.2f}"
    with tempfile.TemporaryDirectory(prefix="gxparse-scale-") as tmp:
        folder = args.dir or Path(tmp) / "reports"
        if args.dir is None:
            t0 = time.perf_counter()
            generate(args.n, folder, args.seed)
            print(f"generated {args.n:,} reports in {time.perf_counter() - t0:.1f} s ({folder})")
        truth = read_truth(folder)[: args.n]
        paths = [folder / t["file"] for t in truth]
        n = len(paths)
        serial_paths = paths[: min(args.serial_n, n)]
        # The serial build reads other files than the serial parse: on the same files it
        # would find their lines in this process's caches, which the parallel run's
        # workers do not have, and overstate the serial speed.
        build_paths = paths[len(serial_paths) : 2 * len(serial_paths)] or serial_paths
        parse_file(paths[0])  # warm-up in this process

        def stream(cache: Cache, paths: list[Path] = paths, jobs: int = args.jobs) -> Any:
            return concat(
                imap_files(
                    parse_file,
                    paths,
                    jobs=jobs,
                    chunksize=args.chunksize,
                    progress=False,
                    on_failure=_failed_tables,
                    cache=cache,
                )
            )

        with phase("floor", results) as row:
            lines = sum(floor_read(p) for p in paths)
            row["files"] = n
        with phase("serial", results) as row:
            serial = concat(timed_map(parse_file, serial_paths, jobs=1))
            row["files"] = len(serial_paths)
        # The serial build runs half before and half after the parallel run: the machine's
        # speed drifts, and a base measured at one moment skews the speed-up. Each half runs
        # in a fresh process, as the workers do; its own clock leaves out the start-up
        # (which the parallel run pays), so the efficiency errs low, not high.
        half = len(build_paths) // 2 or len(build_paths)
        serial_cache = Path(tmp) / "serial-cache"
        with phase("serial_build", results) as row:
            row["child"] = serial_build(build_paths[:half], serial_cache)
            row["files"] = half
        _child_times(results["serial_build"])
        cache = TimedCache(Path(tmp) / "cache")
        with phase("parallel", results) as row:
            tables = stream(cache)
            row["files"] = n
        put_seconds, writes = cache.put_seconds, cache.writes
        failures = int((tables["reports"]["parse_status"] == "failed").sum())
        ids = set(serial["reports"]["report_id"])
        same = all(
            serial[k].equals(tables[k][tables[k]["report_id"].isin(ids)].reset_index(drop=True))
            for k in TABLES
        )
        table_mb = sum(df.memory_usage(deep=True).sum() for df in tables.values()) / 2**20
        cells = sum(len(tables[k]) for k in ("disclosure", "applications", "appeals"))
        del tables, serial
        if build_paths[half:]:
            with phase("serial_build_after", results) as row:
                row["child"] = serial_build(build_paths[half:], serial_cache)
                row["files"] = len(build_paths) - half
            _child_times(results["serial_build_after"])
            _merge(results, "serial_build", results.pop("serial_build_after"))
        misses = cache.misses
        with phase("cached_rerun", results) as row:
            again = stream(cache)
            row["files"] = n
        assert cache.misses == misses, f"{cache.misses - misses} files were not in the cache"
        del again
        with phase("cached_map", results) as row:
            cached = timed_map(
                parse_file, paths, jobs=args.jobs, cache=cache, on_failure=_failed_tables
            )
            row["files"] = n
        with phase("cached_concat", results) as row:
            concat(cached)
            row["files"] = n
        del cached

    def rate(name: str) -> float:
        return results[name]["files"] / results[name]["seconds"]

    # Against the serial build: the same work per file (parse, cache write, reduction).
    speedup = rate("parallel") / rate("serial_build")
    # Under contention (other jobs on the machine) wall-clock speed-up says little; the CPU
    # the parallel run spent per file against the serial run's tells what is intrinsic.
    par, ser = results["parallel"], results["serial_build"]
    cpu_per_file_parallel = (par["cpu_self"] + par["cpu_children"]) / par["files"]
    cpu_per_file_serial = ser["cpu_self"] / ser["files"]
    cached_total = results["cached_rerun"]["seconds"]
    held = results["cached_map"]["seconds"] + results["cached_concat"]["seconds"]
    # The run as gxparse builds it: the phases that stream results into the tables.
    streamed = ("floor", "serial", "serial_build", "parallel", "cached_rerun")
    print(f"\n{n:,} reports ({lines:,} lines, {cells:,} table cells); {args.jobs} workers; "
          f"{failures} failed; parallel results identical to serial: {same}")  # fmt: skip
    print(f"\n{'phase':<16}{'files':>8}{'seconds':>10}{'files/s':>10}{'peak MB':>10}")
    for name, row in results.items():
        print(
            f"{name:<16}{row['files']:>8,.0f}{row['seconds']:>10.2f}{rate(name):>10,.0f}{row['peak_mb']:>10,.0f}"
        )
    floor_ms = results["floor"]["seconds"] / n * 1000
    serial_ms = results["serial"]["seconds"] / results["serial"]["files"] * 1000
    print(f"""
serial:       {rate("serial"):,.0f} reports/s ({serial_ms:.2f} ms/report; target >= 1,000/s per core)
parallel:     {rate("parallel"):,.0f} reports/s on {args.jobs} workers
speed-up:     {speedup:.2f}x over the serial build ({rate("serial_build"):,.0f} reports/s: parse, cache write, reduce); parallel efficiency {speedup / args.jobs:.0%} (target >= 85%)
cpu/file:     serial build {cpu_per_file_serial * 1000:.2f} ms, parallel {cpu_per_file_parallel * 1000:.2f} ms (parent + workers): CPU-bound efficiency {cpu_per_file_serial / cpu_per_file_parallel:.0%}
parent cpu:   {par["cpu_self"]:.1f} s of the parallel run ({par["cpu_self"] / par["files"] * 1000:.2f} ms/file: receiving and reducing results), workers {par["cpu_children"]:.1f} s
load average: {load_before} before, {os.getloadavg()[0]:.2f} after ({os.cpu_count()} cores; other jobs skew wall-clock numbers)
cache writes: {writes:,} entries; {put_seconds:.2f} s of them in this process (a process pool's workers write their own)
cached rerun: {cached_total:.2f} s for {n:,} reports, streamed (target < 5 s for 10,000); holding every result first: map {results["cached_map"]["seconds"]:.2f} s + concat {results["cached_concat"]["seconds"]:.2f} s = {held:.2f} s
tables:       {table_mb:,.0f} MB in memory (deep), {cells:,} table cells
peak memory:  {max(results[k]["peak_mb"] for k in streamed):,.0f} MB, streamed run (target < 1,024 MB); {max(r["peak_mb"] for r in results.values()):,.0f} MB holding every cached result
floor:        {rate("floor"):,.0f} files/s ({floor_ms:.3f} ms/file: read, decode, split lines)
ratio:        parsing takes {serial_ms / floor_ms:,.0f}x the floor""")
    return 0


if __name__ == "__main__":
    sys.exit(main())
