"""Command line: ``gxparse build [RAW_DIR] [OUT_DIR]`` and ``gxparse run``.

Exit codes: 0 when at least one report was parsed (files that could not be read are listed,
they do not fail the command); 1 when nothing could be parsed or a step failed (a notebook
raised, a file could not be written); 2 for a bad argument or path, with one line saying
which. Paths given on the command line are taken from the current folder. ``build`` needs
no project: its defaults are ``data/raw`` and ``data/processed`` under the current folder.
``run``'s defaults and every output it writes (tables, reports/, the parse cache) are under
the project root: ``--project DIR``, else the nearest folder upward holding ``notebooks/``
and ``data/``.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

EXIT_OK = 0
EXIT_FAILED = 1  # nothing could be parsed, or a step failed
EXIT_USAGE = 2  # a bad argument or path


class UsageError(Exception):
    """A bad argument or path: reported on one line, exit code 2."""


# argparse's own messages, in Chinese (the rest of its text is kept as it is).
_ARGPARSE_ZH: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), zh)
    for p, zh in (
        (r"^the following arguments are required: (.*)$", "缺少参数：{0}"),
        (r"^unrecognized arguments: (.*)$", "无法识别的参数：{0}"),
        (r"^argument (\S+): invalid choice: (.*?) \(choose from (.*)\)$", "参数 {0}：无效的取值 {1}（可选：{2}）"),
        (r"^argument (\S+): expected one argument$", "参数 {0} 需要一个值"),
        (r"^argument (\S+): expected at least one argument$", "参数 {0} 至少需要一个值"),
        (r"^argument (\S+): invalid int value: (.*)$", "参数 {0}：应为整数：{1}"),
        (r"^argument (\S+): invalid float value: (.*)$", "参数 {0}：应为数字：{1}"),
        (r"^argument (\S+): (.*)$", "参数 {0}：{1}"),
        (r"^invalid choice: (.*?) \(choose from (.*)\)$", "无效的命令 {0}（可选：{1}）"),
    )
)  # fmt: skip


def _zh(message: str) -> str:
    for pattern, zh in _ARGPARSE_ZH:
        m = pattern.match(message)
        if m:
            return zh.format(*m.groups())
    return message


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors in Chinese (no usage block), exit code 2, and its
    own headings and help option in Chinese."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}：错误：{_zh(message)}（用法见 {self.prog} --help）\n")


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为整数：{text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"不能为负数：{text}")
    return value


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"应为正整数：{text}")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为数字：{text!r}") from None
    if not value >= 0:  # NaN too
        raise argparse.ArgumentTypeError(f"不能为负数：{text}")
    return value


def _version() -> str:
    from gxparse import __version__

    return f"gxparse {__version__}"


def make_parser() -> argparse.ArgumentParser:
    """The ``gxparse`` argument parser (every argument and option has help)."""
    parser = _Parser(
        prog="gxparse",
        description="政府信息公开工作年度报告 → 整理后的表格、检查发现、图表与简报工作簿。",
        epilog="退出码：0 成功（部分文件无法读取也算成功，会逐个列出）；"
        "1 没有任何报告能解析，或某一步失败；2 参数或路径有误。",
    )
    parser.add_argument("--version", action="version", version=_version(), help="显示版本并退出")
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    _add_build(sub)
    _add_run(sub)
    return parser


def _add_build(sub: Any) -> None:
    """Given the subcommands, add ``build`` and its arguments."""
    b = sub.add_parser(
        "build",
        help="解析 RAW_DIR，把每张表写成 Parquet 和 CSV 放到 OUT_DIR",
        description="解析 RAW_DIR 中的报告，把每张表写成 Parquet 和 CSV（UTF-8 带 BOM）放到 "
        "OUT_DIR。路径相对于当前文件夹；不需要项目文件夹。",
    )
    b.add_argument(
        "raw_dir",
        nargs="?",
        default="data/raw",
        help="报告所在的文件夹、文件或通配符（默认 data/raw，相对于当前文件夹）",
    )
    b.add_argument(
        "out_dir",
        nargs="?",
        default="data/processed",
        help="写出表格的文件夹（默认 data/processed，相对于当前文件夹）",
    )
    b.add_argument(
        "--jobs", type=_non_negative_int, default=1, help="并行解析的进程数（0 = 全部 CPU 核）"
    )
    b.add_argument(
        "--scheduler",
        default=None,
        help="Dask 调度器地址（tcp://HOST:PORT），或 local 在本机启动一个",
    )
    b.add_argument(
        "--cache",
        nargs="?",
        const=".cache/gxparse",
        default=None,
        metavar="DIR",
        help="复用未改动文件的解析结果（缓存文件夹，默认 .cache/gxparse）",
    )
    b.add_argument(
        "--timeout",
        type=_non_negative_float,
        default=None,
        help="每个文件允许的解析秒数（默认 300，0 = 不限）",
    )
    b.add_argument(
        "--partition-by",
        choices=["year"],
        default=None,
        help="把每张表的 Parquet 按年度写成 OUT_DIR/<表>/year=YYYY/（CSV 仍为一个文件）",
    )


def _add_run(sub: Any) -> None:
    """Given the subcommands, add ``run`` and its arguments."""
    r = sub.add_parser(
        "run",
        help="主任务：解析、执行全部 notebook、写出图表和简报工作簿",
        description="主任务：解析报告，执行全部 notebook，写出图表、简报工作簿和 HTML。"
        "命令行给出的路径相对于当前文件夹；默认路径和全部输出都在项目文件夹"
        "（--project，或向上最近的含 notebooks/ 和 data/ 的文件夹）之下。",
    )
    r.add_argument(
        "raw_dir", nargs="?", default=None, help="报告所在的文件夹（默认：项目的 data/raw）"
    )
    r.add_argument(
        "out_dir",
        nargs="?",
        default=None,
        help="写出表格的文件夹（默认：项目的 data/processed）",
    )
    r.add_argument(
        "--project",
        default=None,
        metavar="DIR",
        help="项目文件夹（默认：从当前文件夹向上最近的含 notebooks/ 和 data/ 的文件夹）",
    )
    r.add_argument(
        "--reports-dir",
        default=None,
        metavar="DIR",
        help="写出图表、工作簿和 HTML 的文件夹（默认：项目的 reports）",
    )
    r.add_argument(
        "--years", type=int, nargs="*", default=None, metavar="YEAR", help="只分析这些年度"
    )
    r.add_argument(
        "--bodies",
        nargs="*",
        default=None,
        metavar="NAME",
        help="只分析这些机关（名称的一部分即可，如 瀛海镇）",
    )
    r.add_argument("--jobs", type=_positive_int, default=2, help="同时执行的 notebook 数（默认 2）")
    r.add_argument(
        "--build-jobs",
        type=_non_negative_int,
        default=0,
        help="解析用的进程数（默认 0 = 全部 CPU 核）",
    )
    r.add_argument(
        "--no-cache",
        action="store_true",
        help="重新解析每个文件，不复用项目的 .cache/gxparse",
    )
    r.add_argument(
        "--max-reports",
        type=_positive_int,
        default=None,
        metavar="N",
        help="报告不多于 N 份时图表逐份显示，多于 N 份时按组汇总"
        "（默认 gxparse.reporting.pipeline.MAX_REPORTS）",
    )


def _input(arg: str) -> Path | str:
    """RAW_DIR from the command line: a folder or file (relative to the cwd, made
    absolute), or a glob (kept as given). A path that does not exist is a usage error."""
    if any(ch in arg for ch in "*?["):
        return arg
    p = Path(arg).expanduser()
    if not p.exists():
        raise UsageError(f"找不到报告文件夹或文件：{arg}")
    return p.resolve()


def _output(arg: str | Path, what: str = "输出文件夹") -> Path:
    """An output folder (relative to the cwd, made absolute): it must be a folder, or
    absent under a folder this user may write to."""
    p = Path(arg).expanduser().absolute()
    if p.exists() and not p.is_dir():
        raise UsageError(f"{what}不是文件夹：{arg}")
    existing = p
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"{what}无法创建（{existing} 不是文件夹）：{arg}")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"没有写入权限：{existing}")
    return p


_terminated: list[int] = []


def _on_sigterm(signum: int, frame: object) -> None:
    # Unwind like Ctrl-C: worker pools are killed and staging folders removed by the
    # ``finally`` blocks on the way out (a plain SIGTERM would skip them). A second
    # SIGTERM while unwinding ends the process at once.
    if _terminated:
        os._exit(128 + signum)
    _terminated.append(signum)
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run ``gxparse``; returns the exit code."""
    args = make_parser().parse_args(argv)
    previous = None
    if hasattr(signal, "SIGTERM"):
        try:
            previous = signal.signal(signal.SIGTERM, _on_sigterm)
        except ValueError:  # not the main thread: leave signals alone
            previous = None
    try:
        if args.command == "run":
            return _run(args)
        return _build(args)
    except UsageError as exc:
        print(f"gxparse {args.command}：错误：{exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"gxparse {args.command}：已中断，之前的输出保持不变", file=sys.stderr, flush=True)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        _terminated.clear()


def _print_summary(lines: list[str]) -> None:
    """The summary on stdout, then one line per file that could not be read on stderr."""
    print(lines[0], flush=True)
    for line in lines[1:]:
        print(line, file=sys.stderr, flush=True)


def _build(args: argparse.Namespace) -> int:
    from gxparse.batch.build import build, has_parsed, summary_lines

    raw = _input(args.raw_dir)
    out = _output(args.out_dir)
    start = time.perf_counter()
    executor = None
    if args.scheduler:
        from gxparse.batch.parallel import dask_executor

        executor = dask_executor(None if args.scheduler == "local" else args.scheduler)
    jobs = None if args.jobs == 0 else args.jobs
    try:
        corpus = build(
            raw,
            out,
            executor=executor,
            jobs=jobs,
            progress=sys.stderr.isatty(),
            cache=args.cache or False,
            timeout=args.timeout,
            partition_by=args.partition_by,
        )
    except FileExistsError as exc:  # OUT_DIR holds a folder the build must not replace
        raise UsageError(str(exc)) from None
    except OSError as exc:  # a file that could not be written (disk full, permissions)
        print(f"gxparse build：错误：无法写出表格：{exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        if executor is not None:
            executor.shutdown()
    _print_summary(summary_lines(corpus, args.out_dir, time.perf_counter() - start))
    return EXIT_OK if has_parsed(corpus) else EXIT_FAILED


def _run(args: argparse.Namespace) -> int:
    from gxparse.batch.build import has_parsed, summary_lines
    from gxparse.reporting.pipeline import NotebookFailed, find_project, run_all

    if args.project is not None:
        project = Path(args.project).expanduser().resolve()
        if not (project / "notebooks").is_dir():
            raise UsageError(f"项目文件夹中没有 notebooks/：{args.project}")
    else:
        found = find_project(Path.cwd())
        if found is None:
            raise UsageError(
                "找不到项目文件夹（向上没有同时含 notebooks/ 和 data/ 的文件夹）；"
                "请在项目中运行，或用 --project 指定"
            )
        project = found
    raw = _input(args.raw_dir) if args.raw_dir is not None else project / "data" / "raw"
    if args.raw_dir is None and not raw.exists():
        raise UsageError(f"找不到报告文件夹：{raw}")
    out = _output(args.out_dir if args.out_dir is not None else project / "data" / "processed")
    reports = _output(
        args.reports_dir if args.reports_dir is not None else project / "reports",
        "报告文件夹",
    )
    try:
        result = run_all(
            raw,
            out_dir=out,
            reports_dir=reports,
            years=args.years,
            bodies=args.bodies,
            notebooks_dir=project / "notebooks",
            jobs=args.jobs,
            max_reports=args.max_reports,
            build_jobs=None if args.build_jobs == 0 else args.build_jobs,
            cache=False if args.no_cache else project / ".cache" / "gxparse",
        )
    except NotebookFailed as exc:
        if exc.corpus is not None:
            _print_summary(summary_lines(exc.corpus, out, exc.build_seconds))
        print(f"gxparse run：错误：{exc}", file=sys.stderr)
        return EXIT_FAILED
    except FileExistsError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        print(f"gxparse run：错误：无法写出：{exc}", file=sys.stderr)
        return EXIT_FAILED
    _print_summary(summary_lines(result.corpus, out, result.build_seconds))
    if not has_parsed(result.corpus):
        print("gxparse run：错误：没有任何报告能解析，未执行 notebook", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
