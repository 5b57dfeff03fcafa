"""``gxparse build``: data/raw → data/processed, every table as Parquet and CSV.

Each file is written to a temporary name in the output folder and renamed into place,
so an interrupted build leaves the previous outputs whole."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from gxparse.corpus import Corpus, read_reports
from gxparse.parse import TABLES


def _atomic_write(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_tables(corpus: Corpus, out_dir: str | Path) -> list[Path]:
    """Write every table as ``<table>.parquet`` and ``<table>.csv`` (UTF-8 with BOM)."""
    out = Path(out_dir)
    written = []
    for name in TABLES:
        df: pd.DataFrame = getattr(corpus, name)
        pq = out / f"{name}.parquet"
        _atomic_write(pq, lambda tmp, df=df: df.to_parquet(tmp, index=False))
        csv = out / f"{name}.csv"
        _atomic_write(csv, lambda tmp, df=df: df.to_csv(tmp, index=False, encoding="utf-8-sig"))
        written += [pq, csv]
    return written


def build(
    raw_dir: str | Path = "data/raw", out_dir: str | Path = "data/processed", **kwargs
) -> Corpus:
    """Parse ``raw_dir`` and write the tables to ``out_dir``; returns the corpus."""
    corpus = read_reports(raw_dir, **kwargs)
    write_tables(corpus, out_dir)
    return corpus
