"""Prove a refactor changes nothing: snapshot every output gxparse produces, then diff two
snapshots.

    python scripts/compare_outputs.py corpus DIR          # once, before anything moves
    python scripts/compare_outputs.py snapshot OUT [--corpus NAME=DIR ...]
    python scripts/compare_outputs.py diff OLD NEW

``corpus`` writes two generated corpora into DIR: ``generated/`` (``benchmarks/generate.py``,
200 text reports in every layout, seed 21) and ``formats/`` (24 reports as Word, web page,
workbook and LibreOffice PDF). It is made once and kept, so that the generator itself may move without the corpus
changing.

``snapshot`` runs the main job (``gxparse run``: parse, every notebook, figures, workbook) on
each corpus — by default the seeds (data/raw), the real and wild reports in ../shared when
present, and ``--corpus NAME=DIR`` for each generated one — and keeps, per corpus:

- every table (Parquet), rows sorted by all columns, with its dtypes;
- every figure, as a hash of its decoded pixels (PNG) or of its text (SVG, ids and dates
  stripped: matplotlib numbers clip paths from a random salt, and compared as a multiset of
  lines, since labels may be drawn in another order from run to run);
- the briefing workbook, every sheet's cell values;
- every notebook's text outputs (timings stripped).

``diff`` prints each difference and exits 1 when there is any, 0 when the two are the same.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEFAULT_CORPORA = {
    "seeds": ROOT / "data" / "raw",
    "real": SHARED / "real-reports",
    "wild": SHARED / "wild-reports",
}
# Timings, durations, object addresses and pandas Styler's random table ids are the only
# outputs allowed to differ between two runs.
_VOLATILE = re.compile(
    r"\bT_[0-9a-f]{5}(?=[_\"\s,{])| at 0x[0-9a-f]+|用时\s*[\d.]+\s*秒|[\d.]+\s*(?:s|秒|ms)\b|\d{4}-\d\d-\d\d[ T][\d:.]+"
)


def make_corpus(out: Path) -> None:
    generate = str(ROOT / "benchmarks" / "generate.py")
    args = ["--n", "200", "--out", str(out / "generated"), "--seed", "21"]
    subprocess.run([sys.executable, generate, *args], check=True)
    _make_formats(out / "formats")


def _make_formats(out: Path) -> None:
    """The same kind of reports as Word, web page, workbook and (LibreOffice) PDF files."""
    import random

    sys.path.insert(0, str(ROOT / "tests"))
    from gxsynth import documents, random_spec

    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(21)
    for i in range(24):
        spec = random_spec(rng, template=("2019", "2021")[i % 2])
        kind = ("docx", "html", "xlsx", "pdf")[i % 4]
        if kind == "docx":
            data = documents.to_docx(spec)
        elif kind == "html":
            data = documents.to_html(spec).encode("utf-8")
        elif kind == "xlsx":
            data = documents.to_xlsx(spec)
        else:
            data = documents.to_pdf(spec)
        (out / f"{i:03d}.{kind}").write_bytes(data)


def _run_main_job(raw: Path, work: Path) -> tuple[Path, Path]:
    tables, reports = work / "tables", work / "reports"
    env = dict(os.environ, MPLBACKEND="Agg")
    cmd = ["gxparse", "run", str(raw), str(tables), "--reports-dir", str(reports)]
    cmd += ["--project", str(ROOT), "--no-cache"]
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return tables, reports


def _table_snapshot(path: Path) -> dict[str, Any]:
    import pandas as pd

    df = pd.read_parquet(path)
    dtypes = {c: str(t) for c, t in df.dtypes.items()}
    if len(df.columns):
        order = df.astype(str).sort_values(list(df.columns)).index
        df = df.loc[order].reset_index(drop=True)
    rows = json.loads(df.astype(object).where(df.notna(), None).to_json(orient="values"))
    return {"columns": list(df.columns), "dtypes": dtypes, "rows": rows}


def _figure_hash(path: Path) -> str:
    if path.suffix == ".png":
        from PIL import Image

        with Image.open(path) as im:
            return hashlib.sha256(im.convert("RGBA").tobytes()).hexdigest()
    text = path.read_text(encoding="utf-8")
    text = re.sub(r'(id|clip-path|xlink:href|href)="[^"]*"', "", text)
    text = re.sub(r"<dc:date>.*?</dc:date>", "", text)
    # The order in which equal-looking labels are drawn may vary between runs (the PNG's
    # pixels, hashed above, are the same): compare the drawn elements as a multiset.
    return hashlib.sha256("\n".join(sorted(text.splitlines())).encode()).hexdigest()


def _workbook(path: Path) -> dict[str, list[list[Any]]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    out = {}
    for ws in wb.worksheets:
        out[ws.title] = [
            [_VOLATILE.sub("<t>", v) if isinstance(v, str) else v for v in row]
            for row in ws.iter_rows(values_only=True)
        ]
    wb.close()
    return json.loads(json.dumps(out, default=str))


def _notebook_text(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    texts = []
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for text in (output.get("text"), data.get("text/plain"), data.get("text/html")):
                if text:
                    text = "".join(text) if isinstance(text, list) else text
                    texts.append(_VOLATILE.sub("<t>", text))
    return texts


def snapshot_corpus(name: str, raw: Path) -> dict[str, Any]:
    # One fixed work folder: notebooks print their paths, which must be equal in two runs.
    work = Path(tempfile.gettempdir()) / "gx-compare-work" / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        tables, reports = _run_main_job(raw, work)
        snap: dict[str, Any] = {}
        for p in sorted(tables.rglob("*.parquet")):
            snap[f"table:{p.relative_to(tables)}"] = _table_snapshot(p)
        for p in sorted((reports / "figures").glob("*")):
            snap[f"figure:{p.name}"] = _figure_hash(p)
        for p in sorted(reports.glob("*.xlsx")):
            snap[f"workbook:{p.name}"] = _workbook(p)
        for p in sorted((reports / "notebooks").glob("*.ipynb")):
            snap[f"notebook:{p.name}"] = _notebook_text(p)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return snap


def snapshot(out: Path, corpora: dict[str, Path]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, raw in corpora.items():
        if not raw.exists():
            print(f"skip {name}: {raw} absent")
            continue
        snap = snapshot_corpus(name, raw)
        (out / f"{name}.json").write_text(json.dumps(snap, ensure_ascii=False, indent=0))
        print(f"{name}: {len(snap)} outputs from {raw}")


def _diff_value(where: str, old: Any, new: Any, limit: int = 5) -> list[str]:
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict) and "rows" in old and "rows" in new:
        lines = []
        if old["columns"] != new["columns"]:
            lines.append(f"{where}: columns {old['columns']} → {new['columns']}")
        if old["dtypes"] != new["dtypes"]:
            changed = {
                c: (old["dtypes"].get(c), new["dtypes"].get(c))
                for c in set(old["dtypes"]) | set(new["dtypes"])
                if old["dtypes"].get(c) != new["dtypes"].get(c)
            }
            lines.append(f"{where}: dtypes {changed}")
        if old["rows"] != new["rows"]:
            gone = [r for r in old["rows"] if r not in new["rows"]]
            came = [r for r in new["rows"] if r not in old["rows"]]
            lines.append(f"{where}: {len(old['rows'])} → {len(new['rows'])} rows")
            lines += [f"  - {r}" for r in gone[:limit]] + [f"  + {r}" for r in came[:limit]]
        return lines
    return [f"{where}: differs"]


# The notebooks print the project's data files; two checkouts compare equal.
_PROJECT = re.compile(r"(?:/[\w.-]+)+/(?=data/)")


def _stable(snap: dict[str, Any]) -> dict[str, Any]:
    """Notebook texts with the volatile parts masked (again: snapshots taken by an earlier
    version of this script may hold parts it did not mask yet)."""
    return {
        k: [_PROJECT.sub("<project>/", _VOLATILE.sub("<t>", t)) for t in v]
        if k.startswith("notebook:")
        else v
        for k, v in snap.items()
    }


def diff(old_dir: Path, new_dir: Path) -> int:
    lines: list[str] = []
    names = sorted(
        {p.name for p in old_dir.glob("*.json")} | {p.name for p in new_dir.glob("*.json")}
    )
    for name in names:
        o, n = old_dir / name, new_dir / name
        if not (o.exists() and n.exists()):
            lines.append(f"{name}: only in {'old' if o.exists() else 'new'}")
            continue
        old, new = _stable(json.loads(o.read_text())), _stable(json.loads(n.read_text()))
        for key in sorted(set(old) | set(new)):
            if key not in old or key not in new:
                lines.append(f"{name} {key}: only in {'old' if key in old else 'new'}")
            else:
                lines += _diff_value(f"{name} {key}", old[key], new[key])
    total = sum(len(json.loads((old_dir / n).read_text())) for n in names if (old_dir / n).exists())
    print(
        "\n".join(lines) if lines else f"no difference: {total} outputs over {len(names)} corpora"
    )
    return 1 if lines else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("corpus", help="write the generated corpus once")
    c.add_argument("dir", type=Path)
    s = sub.add_parser("snapshot", help="run the main job on each corpus and keep its outputs")
    s.add_argument("out", type=Path)
    s.add_argument("--corpus", action="append", default=[], metavar="NAME=DIR")
    d = sub.add_parser("diff", help="compare two snapshots; exit 1 on any difference")
    d.add_argument("old", type=Path)
    d.add_argument("new", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "corpus":
        make_corpus(args.dir)
        return 0
    if args.cmd == "snapshot":
        corpora = dict(DEFAULT_CORPORA)
        corpora.update({k: Path(v) for k, v in (c.split("=", 1) for c in args.corpus)})
        snapshot(args.out, corpora)
        return 0
    return diff(args.old, args.new)


if __name__ == "__main__":
    sys.exit(main())
