"""Command line: ``gxparse build [RAW_DIR] [OUT_DIR]``."""

from __future__ import annotations

import argparse
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="gxparse",
        description="Government information disclosure annual reports to tidy tables.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser(
        "build", help="parse RAW_DIR and write every table to OUT_DIR (Parquet + CSV)"
    )
    b.add_argument("raw_dir", nargs="?", default="data/raw")
    b.add_argument("out_dir", nargs="?", default="data/processed")
    b.add_argument("--jobs", type=int, default=1, help="parallel workers (0 = all cores)")
    b.add_argument(
        "--scheduler", default=None, help="Dask scheduler address (tcp://HOST:PORT) or 'local'"
    )
    b.add_argument(
        "--cache",
        nargs="?",
        const=".cache/gxparse",
        default=None,
        help="reuse results of unchanged files (folder, default .cache/gxparse)",
    )
    b.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds allowed per file (default 300, 0: none)",
    )
    b.add_argument(
        "--partition-by",
        choices=["year"],
        default=None,
        help="write each table's Parquet as OUT_DIR/<table>/year=YYYY/ (CSV stays one file)",
    )
    r = sub.add_parser(
        "run", help="the main job: build, execute every notebook, write figures and workbook"
    )
    r.add_argument("raw_dir", nargs="?", default="data/raw")
    r.add_argument("out_dir", nargs="?", default="data/processed")
    r.add_argument("--reports-dir", default="reports")
    r.add_argument("--years", type=int, nargs="*", default=None, help="report years to analyse")
    r.add_argument("--bodies", nargs="*", default=None, help="bodies (agency names) to analyse")
    r.add_argument("--jobs", type=int, default=2, help="notebooks executed at once")
    r.add_argument(
        "--build-jobs",
        type=int,
        default=0,
        help="parsing workers for the build (default 0 = all cores)",
    )
    r.add_argument(
        "--no-cache",
        action="store_true",
        help="parse every file again instead of reusing .cache/gxparse",
    )
    r.add_argument(
        "--max-reports",
        type=int,
        default=None,
        help="chart each report up to this many reports, groups of reports beyond "
        "(default: gxparse.pipeline.MAX_REPORTS)",
    )
    args = parser.parse_args(argv)

    if args.command == "run":
        from gxparse.pipeline import run_all

        run_all(
            args.raw_dir,
            out_dir=args.out_dir,
            reports_dir=args.reports_dir,
            years=args.years,
            bodies=args.bodies,
            jobs=args.jobs,
            max_reports=args.max_reports,
            build_jobs=None if args.build_jobs == 0 else args.build_jobs,
            cache=not args.no_cache,
        )
        return 0

    if args.command == "build":
        from gxparse.build import build

        start = time.perf_counter()
        executor = None
        if args.scheduler:
            from gxparse.parallel import dask_executor

            executor = dask_executor(None if args.scheduler == "local" else args.scheduler)
        jobs = None if args.jobs == 0 else args.jobs
        try:
            corpus = build(
                args.raw_dir,
                args.out_dir,
                executor=executor,
                jobs=jobs,
                progress=sys.stderr.isatty(),
                cache=args.cache or False,
                timeout=args.timeout,
                partition_by=args.partition_by,
            )
        except FileExistsError as exc:  # OUT_DIR holds a folder the build must not replace
            print(f"error: {exc}", file=sys.stderr)
            return 2
        finally:
            if executor is not None:
                executor.shutdown()
        reports = corpus.reports
        for _, r in reports[reports["parse_status"] == "failed"].iterrows():
            print(f"error: {r['error']}", file=sys.stderr)
        # parse_status is categorical: value_counts lists every status, even at 0.
        counts = {k: v for k, v in reports["parse_status"].value_counts().items() if v}
        print(
            f"gxparse: {len(reports)} reports ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}), "
            f"{len(corpus.findings)} findings → {args.out_dir} in {time.perf_counter() - start:.1f} s"
        )
        return 0
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
