"""Checks at scale: CPU time and memory of the corpus checks on N reports.

    .venv/bin/python benchmarks/bench_checks.py [--n 10000] [--seed 1]
    .venv/bin/python benchmarks/bench_checks.py --tables OUT_DIR

Without ``--tables``, makes the tables of ``--n`` reports with the generator of
``checks_recall.py`` (bodies reporting 2020-2023, a fifth as many with one 2019-template
report; the first 120 bodies carry one injected fault of every kind), in the dtypes a
build gives them (code columns categorical). With ``--tables``, reads the tables a
``gxparse build`` wrote (e.g. of the files of ``generate.py``, whose parser faults make
more findings). Then runs the checks as a build does
(:func:`gxparse.batch.corpus.run_corpus_checks`, no analyst files) and prints: the tables'
in-memory size, the checks' CPU and wall time, the peak RSS above what the tables already
held (sampled every 5 ms), and the findings per check.

Target (issue 6, this 2-core machine): at 10,000 reports the checks take a few seconds and
keep a cached ``gxparse build`` under 1 GB. Prints numbers, asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

import checks_recall as R

from gxparse.batch.build import read_tables
from gxparse.batch.corpus import Corpus, run_corpus_checks
from gxparse.dtypes import concat_frames
from gxparse.parsing.parse import TABLES, typed

# Reports per generated chunk: each chunk's records become typed frames before the next is
# made, so the generator never holds millions of dicts at once.
CHUNK_BODIES = 250


def _renamed(frames: dict[str, pd.DataFrame], prefix: str) -> dict[str, pd.DataFrame]:
    """A chunk's tables with report ids, agencies and file hashes made unique to it (each
    chunk reuses the generator's names)."""
    out = {}
    for name, df in frames.items():
        df = df.copy()
        df["report_id"] = prefix + df["report_id"].astype(str)
        if name == "reports":
            for c in ("agency", "agency_raw"):
                df[c] = prefix + df[c].astype(str)
            df["sha256"] = [hashlib.sha256(r.encode()).hexdigest() for r in df["report_id"]]
        out[name] = df
    return out


def generated_tables(n: int, seed: int = 1) -> dict[str, pd.DataFrame]:
    """The seven tables of about ``n`` generated reports, typed as a build types them."""
    # clean_corpus(b) makes 4 reports per body plus b // 5 one-report bodies: 4.2 per body.
    bodies = max(round(n / 4.2), 1)
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    done, k = 0, 0
    while done < bodies:
        size = min(CHUNK_BODIES, bodies - done)
        if k == 0 and size >= 120:
            corpus, _expected = R.faulty_corpus(120, seed, 1)
            size = 120
        else:
            corpus = R.clean_corpus(size, seed + k)
        for name, df in _renamed(corpus.frames(), f"c{k:03d}_").items():
            if name in parts:
                parts[name].append(typed(name, df))
        done, k = done + size, k + 1
    return {name: concat_frames(frames) for name, frames in parts.items()}


class Peak:
    """The highest RSS of this process, sampled in a thread."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval, self.peak = interval, 0
        self._proc = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._proc.memory_info().rss)
            time.sleep(self.interval)

    def __enter__(self) -> Peak:
        self.peak = self._proc.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="reports to generate")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tables", type=Path, help="a gxparse build's output folder instead")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    if args.tables is not None:
        tables, origin = read_tables(args.tables), str(args.tables)
    else:
        tables, origin = generated_tables(args.n, args.seed), f"generated, seed {args.seed}"
    made = time.perf_counter() - t0
    size = sum(df.memory_usage(deep=True).sum() for df in tables.values())
    print(f"reports: {len(tables['reports']):,} ({origin}; {made:.1f} s to make or read)")
    print(f"cells: {sum(len(tables[n]) for n in ('disclosure', 'applications', 'appeals')):,}")
    print(f"tables in memory: {size / 2**20:.0f} MB")
    corpus = Corpus(frames=tables)
    del tables
    gc.collect()
    rss0 = psutil.Process().memory_info().rss
    with Peak() as peak:
        cpu, wall = time.process_time(), time.perf_counter()
        checked = run_corpus_checks(corpus)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"checks: {cpu:.2f} s CPU, {wall:.2f} s wall")
    print(
        f"memory: RSS {rss0 / 2**20:.0f} MB before, peak {peak.peak / 2**20:.0f} MB "
        f"(+{(peak.peak - rss0) / 2**20:.0f} MB for the checks)"
    )
    counts = checked.findings["check"].value_counts()
    print(f"findings: {len(checked.findings):,}")
    print(counts[counts > 0].to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
