"""Recall and false positives of gxparse.analysis.checks on generated corpora.

Generates a clean corpus of tidy tables (every identity holds, prose agrees with tables,
unique prose, published on time) and a copy with one injected fault of every kind, each on
its own report. Runs :func:`gxparse.analysis.checks.run_checks` on both and prints, per check:
faults injected, faults found, recall, and findings on the clean corpus (false positives).

    .venv/bin/python benchmarks/checks_recall.py [--bodies 120] [--repeat 3] [--seed 1]

Target: every injected identity break found; no error-severity finding on the clean corpus.
Tables are generated directly as DataFrames; the parser is not involved.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from gxparse import template as T
from gxparse.analysis import checks as C
from gxparse.analysis.checks import cells as CC

LEVELS = ("township", "street_office", "county", "department")
PHRASES = tuple(
    "高度重视统筹推进规范管理依法公开及时回应社会关切完善制度健全机制加强培训"
    "强化监督优化平台拓展渠道深化解读提升质量服务群众便民利企保障权益公开透明"
    "推进决策公开执行公开管理公开服务公开结果公开重点领域信息公开持续推进落实"
)


@dataclass
class Corpus:
    """Generated tables, one list of records per table."""

    rows: dict[str, list[dict]]

    def frames(self) -> dict[str, pd.DataFrame]:
        out = {}
        for name, recs in self.rows.items():
            df = pd.DataFrame(recs, columns=list(C.TABLE_COLUMNS[name]))
            if name in ("applications", "appeals"):
                df["value"] = df["value"].astype("Int64")
            if name in ("disclosure", "narrative"):
                df["value"] = df["value"].astype("Float64")
            out[name] = df
        return out


def _text(rng: random.Random, n: int = 120) -> str:
    """Random prose: characters drawn from a fixed pool, so that two texts share little."""
    return "".join(rng.choice(PHRASES) for _ in range(n)) + "。"


def _cell(rid: str, table: str, row: str, col: str, value: float | None, line: int) -> dict:
    rk, ck = C.CELL_KEYS[table]
    rec = {
        "report_id": rid,
        rk: row,
        ck: col,
        "value": value,
        "status": "reported" if value is not None else "blank",
        "raw": "" if value is None else CC._fmt(value),
        "source": f"line {line}",
    }
    if table == "disclosure":
        rec["unit"] = T.measure(col).unit
    return rec


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """Split a total into ``parts`` non-negative integers, most mass on the first."""
    out = [0] * parts
    for _ in range(total):
        out[0 if rng.random() < 0.6 else rng.randrange(parts)] += 1
    return out


def report_tables(
    rng: random.Random,
    rid: str,
    agency: str,
    year: int,
    level: str,
    template: str,
    *,
    carried_over: list[int] | None = None,
    in_force_last: dict[str, int] | None = None,
    scale: float = 1.0,
) -> tuple[dict[str, list[dict]], list[int], dict[str, int]]:
    """Given a body and year, return (records per table, carried_forward per applicant,
    in_force per item) for one clean report whose identities all hold."""
    t: dict[str, list[dict]] = {k: [] for k in C.TABLE_COLUMNS}
    line = iter(range(1, 10_000))
    # Part 二
    in_force = {}
    for item, measures in T.DISCLOSURE_LAYOUT[template].items():
        vals: dict[str, float] = {}
        if "in_force" in measures:
            last = (in_force_last or {}).get(item, rng.randint(0, 5))
            issued, repealed = rng.randint(0, 3), rng.randint(0, min(last, 2))
            vals = {"issued": issued, "repealed": repealed, "in_force": last + issued - repealed}
            in_force[item] = int(vals["in_force"])
        for m in measures:
            if m in vals:
                v = vals[m]
            elif m == "decisions":
                v = (
                    int(rng.lognormvariate(3, 0.5) * scale)
                    if item == "penalty"
                    else rng.randint(0, 30)
                )
            elif m in ("fee_amount", "procurement_amount"):
                v = 0.0
            elif m == "change":
                v = 0
            else:
                v = rng.randint(0, 10)
            t["disclosure"].append(_cell(rid, "disclosure", item, m, v, next(line)))
    # Part 三: carried_forward kept 0 in clean corpora (the info finding is a fault here).
    old = carried_over or [0] * 6
    new = [rng.randint(0, 8)] + [rng.randint(0, 2) for _ in range(5)]
    outcome_rows = T.OUTCOME_ROWS[template]
    col_vals: dict[str, dict[str, int]] = {}
    for i, app in enumerate(T.APPLICANT_PARTS):
        handled = new[i] + old[i]
        split = _split(rng, handled, len(outcome_rows))
        col_vals[app] = {
            "received_new": new[i],
            "carried_over": old[i],
            **dict(zip(outcome_rows, split, strict=True)),
            "total_handled": handled,
            "carried_forward": 0,
        }
    for r in T.application_rows(template):
        ln = next(line)
        for app in T.APPLICANT_PARTS:
            t["applications"].append(
                _cell(rid, "applications", r.code, app, col_vals[app][r.code], ln)
            )
        total = sum(col_vals[a][r.code] for a in T.APPLICANT_PARTS)
        t["applications"].append(_cell(rid, "applications", r.code, "total", total, ln))
    # Part 四
    ln = next(line)
    for p in T.PROCEEDINGS:
        parts = [rng.choice((0, 0, 0, 1)) for _ in CC._APPEAL_PARTS]
        for r, v in zip(CC._APPEAL_PARTS, parts, strict=True):
            t["appeals"].append(_cell(rid, "appeals", p.code, r, v, ln))
        t["appeals"].append(_cell(rid, "appeals", p.code, "total", sum(parts), ln))
    # Prose
    web, wechat = rng.randint(10, 400), rng.randint(0, 200)
    total_new = sum(new)
    for metric, value, parent in (
        ("active_disclosure_total", web + wechat, None),
        ("channel_website", web, "active_disclosure_total"),
        ("channel_wechat", wechat, "active_disclosure_total"),
        ("applications_received", total_new, None),
    ):
        t["narrative"].append(
            {
                "report_id": rid,
                "metric": metric,
                "value": value,
                "approximate": False,
                "quote": f"{metric} {value}",
                "label": metric,
                "parent": parent,
                "unit": "条",
                "source": "line 3",
            }
        )
    for section in ("overview", "active_disclosure", "applications", "appeals", "problems"):
        t["sections"].append(
            {
                "report_id": rid,
                "section": section,
                "title": T.label("part", section),
                "text": _text(rng),
            }
        )
    deadline = C.CheckConfig().deadline(level, year)
    t["reports"].append(
        {
            "report_id": rid,
            "source_file": f"{rid}.txt",
            "source_format": "txt",
            "sha256": hashlib.sha256(rid.encode()).hexdigest(),
            "agency_raw": agency,
            "agency": agency,
            "year": year,
            "template": template,
            "published": pd.Timestamp(deadline) - pd.Timedelta(days=rng.randint(1, 25)),
            "parse_status": "ok",
            "n_unplaced": 0,
            "level": level,
        }
    )
    fwd = [col_vals[a]["carried_forward"] for a in T.APPLICANT_PARTS]
    return t, fwd, in_force


def clean_corpus(bodies: int = 40, seed: int = 1) -> Corpus:
    """Given a size and seed, return a clean corpus: ``bodies`` bodies with 2021-template
    reports for 2020–2023, plus a fifth as many bodies with one 2019-template report each."""
    rng = random.Random(seed)
    rows: dict[str, list[dict]] = {k: [] for k in C.TABLE_COLUMNS}
    n = 0
    for b in range(bodies):
        level = LEVELS[b % len(LEVELS)]
        agency = f"机关{b:03d}"
        carried, stock = None, None
        for year in range(2020, 2024):
            rid = f"r{n:04d}"
            n += 1
            t, carried, stock = report_tables(
                rng, rid, agency, year, level, "2021", carried_over=carried, in_force_last=stock
            )
            for k, v in t.items():
                rows[k] += v
    for b in range(max(bodies // 5, 1)):
        rid = f"r{n:04d}"
        n += 1
        t, _, _ = report_tables(rng, rid, f"旧机关{b:03d}", 2019, "township", "2019")
        for k, v in t.items():
            rows[k] += v
    return Corpus(rows)


# ---------------------------------------------------------------------------------------
# Faults: each mutates the corpus records for one report and returns what should be found.
# ---------------------------------------------------------------------------------------
Expected = tuple[str, str, str]  # (check, report_id, location)


def _cells(c: Corpus, table: str, rid: str) -> dict[tuple[str, str], dict]:
    rk, ck = C.CELL_KEYS[table]
    return {(r[rk], r[ck]): r for r in c.rows[table] if r["report_id"] == rid}


def _bump(cells: dict, row: str, col: str, delta: int) -> None:
    cells[(row, col)]["value"] += delta
    cells[(row, "total")]["value"] += delta


def _set_report(c: Corpus, rid: str, **kw: object) -> None:
    for r in c.rows["reports"]:
        if r["report_id"] == rid:
            r.update(kw)


def _report(c: Corpus, rid: str) -> dict:
    return next(r for r in c.rows["reports"] if r["report_id"] == rid)


def f_balance(c: Corpus, rid: str) -> list[Expected]:
    _bump(_cells(c, "applications", rid), "received_new", "enterprise", 3)
    return [
        ("identity_balance", rid, "applications:balance:enterprise"),
        ("identity_balance", rid, "applications:balance:total"),
    ]


def f_outcomes(c: Corpus, rid: str) -> list[Expected]:
    _bump(_cells(c, "applications", rid), "denied_third_party", "natural_person", 2)
    return [("identity_outcomes_sum", rid, "applications:outcomes_sum:natural_person")]


def f_row_total(c: Corpus, rid: str) -> list[Expected]:
    _cells(c, "applications", rid)[("granted", "total")]["value"] += 1
    return [("identity_row_total", rid, "applications:granted:total")]


def f_appeals(c: Corpus, rid: str) -> list[Expected]:
    _cells(c, "appeals", rid)[("review", "total")]["value"] += 2
    return [("identity_appeals_total", rid, "appeals:review:total")]


def f_negative(c: Corpus, rid: str) -> list[Expected]:
    _cells(c, "disclosure", rid)[("licensing", "decisions")]["value"] = -4
    return [("non_negative_integer", rid, "disclosure:licensing:decisions")]


def f_blank(c: Corpus, rid: str) -> list[Expected]:
    cell = _cells(c, "applications", rid)[("granted", "natural_person")]
    cell.update(value=None, status="blank", raw="")
    return [
        ("identity_not_assessable", rid, "applications:identity_outcomes_sum"),
        ("blank_cells", rid, "applications:blank"),
    ]


def f_missing(c: Corpus, rid: str) -> list[Expected]:
    for (row, _), cell in _cells(c, "applications", rid).items():
        if row == "carried_forward":
            cell.update(value=None, status="missing", raw=None)
    return [
        ("missing_cells", rid, "applications:missing"),
        ("identity_not_assessable", rid, "applications:identity_balance"),
    ]


def _narr(c: Corpus, rid: str, metric: str) -> dict:
    return next(r for r in c.rows["narrative"] if r["report_id"] == rid and r["metric"] == metric)


def f_derived(c: Corpus, rid: str) -> list[Expected]:
    for (row, _), cell in _cells(c, "applications", rid).items():
        if row == "rejected_petition":
            cell.update(status="derived", raw=None)
    return [("derived_cells", rid, "applications:derived")]


def f_prose_requests(c: Corpus, rid: str) -> list[Expected]:
    _narr(c, rid, "applications_received")["value"] += 5
    return [("prose_requests", rid, "narrative:applications_received:received_new")]


def f_breakdown(c: Corpus, rid: str) -> list[Expected]:
    _narr(c, rid, "channel_wechat")["value"] += 3
    return [("prose_breakdown", rid, "narrative:active_disclosure_total")]


def _carry_one(c: Corpus, rid: str) -> None:
    """Move one handled request of natural persons into carried_forward (identities hold)."""
    cells = _cells(c, "applications", rid)
    cells[("received_new", "natural_person")]["value"] += 1
    cells[("received_new", "total")]["value"] += 1
    _bump(cells, "carried_forward", "natural_person", 1)


def f_settled(c: Corpus, rid: str) -> list[Expected]:
    _carry_one(c, rid)
    _narr(c, rid, "applications_received")["value"] += 1
    c.rows["narrative"].append(
        {**_narr(c, rid, "applications_received"), "metric": "applications_all_settled", "value": 1}
    )
    return [
        ("prose_settled", rid, "narrative:applications_all_settled"),
        ("carried_forward", rid, "applications:carried_forward:total"),
    ]


def f_fees(c: Corpus, rid: str) -> list[Expected]:
    c.rows["narrative"].append(
        {**_narr(c, rid, "applications_received"), "metric": "fees_charged", "value": 5000}
    )
    return [
        ("prose_fees", rid, "disclosure:fees:fee_amount"),
        ("fees_charged", rid, "narrative:fees_charged"),
    ]


def _next_id(c: Corpus, rid: str) -> str:
    rep = _report(c, rid)
    return next(
        r["report_id"]
        for r in c.rows["reports"]
        if r["agency"] == rep["agency"] and r["year"] == rep["year"] + 1
    )


def f_chain(c: Corpus, rid: str) -> list[Expected]:
    nxt = _next_id(c, rid)
    cells = _cells(c, "applications", nxt)
    _bump(cells, "carried_over", "natural_person", 1)
    _bump(cells, "granted", "natural_person", 1)
    _bump(cells, "total_handled", "natural_person", 1)
    # One finding for the pair of reports, naming both columns.
    return [("next_year_chain", nxt, "applications:carried_over")]


def f_stock(c: Corpus, rid: str) -> list[Expected]:
    nxt = _next_id(c, rid)
    _cells(c, "disclosure", nxt)[("regulations", "in_force")]["value"] += 2
    # keep the year after consistent with the faulty stock
    return [("stock_flow", nxt, "disclosure:regulations:in_force")]


def f_year_gap(c: Corpus, rid: str) -> list[Expected]:
    nxt = _next_id(c, rid)
    after = _next_id(c, nxt)
    for k in c.rows:
        c.rows[k] = [r for r in c.rows[k] if r["report_id"] != nxt]
    return [
        (
            "year_gap",
            after,
            f"reports:year_gap:{_report(c, rid)['year']}-{_report(c, after)['year']}",
        )
    ]


def f_old_template(c: Corpus, rid: str) -> list[Expected]:
    rep = _report(c, rid)
    for k in c.rows:
        c.rows[k] = [r for r in c.rows[k] if r["report_id"] != rid]
    t, _, _ = report_tables(random.Random(7), rid, rep["agency"], rep["year"], rep["level"], "2019")
    for k, v in t.items():
        c.rows[k] += v
    return [("old_template", rid, "reports:template")]


def f_peer(c: Corpus, rid: str) -> list[Expected]:
    _cells(c, "disclosure", rid)[("penalty", "decisions")]["value"] = 250_000
    return [("peer_outlier", rid, "disclosure:penalty:decisions")]


def f_placement(c: Corpus, rid: str) -> list[Expected]:
    cells = _cells(c, "disclosure", rid)
    cells[("penalty", "previous_year_count")]["value"] = 0
    cells[("penalty", "change")]["value"] = 7
    cells[("penalty", "decisions")]["value"] = 0
    return [("suspicious_placement", rid, "disclosure:penalty:change")]


def f_split(c: Corpus, rid: str) -> list[Expected]:
    cells = _cells(c, "appeals", rid)
    for r in CC._APPEAL_PARTS:
        cells[("litigation_direct", r)]["value"] = 0
    cells[("litigation_direct", "upheld")]["value"] = 1
    cells[("litigation_direct", "corrected")]["value"] = 2
    cells[("litigation_direct", "total")]["value"] = 12
    return [
        ("split_number", rid, "appeals:litigation_direct:upheld+corrected"),
        ("identity_appeals_total", rid, "appeals:litigation_direct:total"),
    ]


def f_late(c: Corpus, rid: str) -> list[Expected]:
    _set_report(c, rid, published=pd.Timestamp(_report(c, rid)["year"] + 1, 7, 1))
    return [("timeliness", rid, "reports:published")]


def f_copied(c: Corpus, rid: str) -> list[Expected]:
    nxt = _next_id(c, rid)
    src = next(
        s for s in c.rows["sections"] if s["report_id"] == rid and s["section"] == "overview"
    )
    for s in c.rows["sections"]:
        if s["report_id"] == nxt and s["section"] == "overview":
            s["text"] = src["text"].replace("公开", "公开", 1) + "2024年"
    return [("copied_text", nxt, "sections:overview:same_body")]


def f_duplicate_file(c: Corpus, rid: str) -> list[Expected]:
    new = rid + "_copy"
    for k in list(c.rows):
        c.rows[k] += [{**r, "report_id": new} for r in c.rows[k] if r["report_id"] == rid]
    return [("duplicate_file", new, "reports:sha256")]


def f_duplicate_report(c: Corpus, rid: str) -> list[Expected]:
    new = rid + "_bis"
    rep = _report(c, rid)
    t, _, _ = report_tables(
        random.Random(11), new, rep["agency"], rep["year"], rep["level"], "2021"
    )
    for k, v in t.items():
        c.rows[k] += v
    return [("duplicate_report", new, "reports:agency_year")]


def f_absent(c: Corpus, rid: str) -> list[Expected]:
    for k in ("appeals", "sections"):
        c.rows[k] = [
            r
            for r in c.rows[k]
            if not (r["report_id"] == rid and (k == "appeals" or r["section"] == "appeals"))
        ]
    return [("part_absent", rid, "appeals:absent")]


def f_unplaced(c: Corpus, rid: str) -> list[Expected]:
    _set_report(c, rid, n_unplaced=2)
    return [("unplaced_numbers", rid, "reports:n_unplaced")]


def f_failed(c: Corpus, rid: str) -> list[Expected]:
    for k in c.rows:
        if k != "reports":
            c.rows[k] = [r for r in c.rows[k] if r["report_id"] != rid]
    _set_report(c, rid, parse_status="failed", error="empty file")
    return [("parse_failed", rid, "reports:parse_status")]


def f_carried(c: Corpus, rid: str) -> list[Expected]:
    _carry_one(c, rid)
    _narr(c, rid, "applications_received")["value"] += 1
    nxt = _next_id(c, rid)
    cells = _cells(c, "applications", nxt)
    _bump(cells, "carried_over", "natural_person", 1)
    _bump(cells, "granted", "natural_person", 1)
    _bump(cells, "total_handled", "natural_person", 1)
    return [("carried_forward", rid, "applications:carried_forward:total")]


FAULTS: dict[str, Callable[[Corpus, str], list[Expected]]] = {
    "balance": f_balance,
    "outcomes": f_outcomes,
    "row_total": f_row_total,
    "appeals": f_appeals,
    "negative": f_negative,
    "blank": f_blank,
    "missing": f_missing,
    "derived": f_derived,
    "prose_requests": f_prose_requests,
    "breakdown": f_breakdown,
    "settled": f_settled,
    "fees": f_fees,
    "carried": f_carried,
    "chain": f_chain,
    "stock": f_stock,
    "year_gap": f_year_gap,
    "old_template": f_old_template,
    "peer": f_peer,
    "split": f_split,
    "late": f_late,
    "copied": f_copied,
    "duplicate_file": f_duplicate_file,
    "duplicate_report": f_duplicate_report,
    "absent": f_absent,
    "unplaced": f_unplaced,
    "failed": f_failed,
}
# Faults that need a 2019-template report.
FAULTS_2019: dict[str, Callable[[Corpus, str], list[Expected]]] = {"placement": f_placement}


def faulty_corpus(
    bodies: int = 40, seed: int = 1, repeat: int = 1
) -> tuple[Corpus, list[Expected]]:
    """Given a size, seed and repeat count, return the clean corpus with every fault
    injected ``repeat`` times, each in the first year (2020) of its own body (faults that
    touch year + 1 or + 2 stay in that body), and the list of findings expected."""
    c = clean_corpus(bodies, seed)
    firsts = [r["report_id"] for r in c.rows["reports"] if r["year"] == 2020]
    # The peer fault needs a township (peers are compared by level).
    townships = [
        r["report_id"] for r in c.rows["reports"] if r["year"] == 2020 and r["level"] == "township"
    ]
    olds = [r["report_id"] for r in c.rows["reports"] if r["template"] == "2019"]
    if len(firsts) < len(FAULTS) * repeat + 1:
        raise SystemExit(f"need at least {len(FAULTS) * repeat + 1} bodies for --repeat {repeat}")
    expected: list[Expected] = []
    used: set[str] = set()
    for _ in range(repeat):
        for name, fault in FAULTS.items():
            pool = townships if name == "peer" else firsts
            rid = next(r for r in pool if r not in used)
            used.add(rid)
            expected += fault(c, rid)
    for fault in FAULTS_2019.values():
        for rid in olds[:repeat]:
            expected += fault(c, rid)
    return c, expected


def score(findings: pd.DataFrame, expected: list[Expected]) -> pd.DataFrame:
    """Given findings and expected (check, report_id, location), return per check:
    injected, found, recall."""
    got = set(zip(findings["check"], findings["report_id"], findings["location"], strict=True))
    rows = []
    for check in sorted({e[0] for e in expected}):
        exp = [e for e in expected if e[0] == check]
        hit = [e for e in exp if e in got]
        rows.append({"check": check, "injected": len(exp), "found": len(hit)})
    df = pd.DataFrame(rows)
    df["recall"] = (df["found"] / df["injected"]).round(3)
    return df


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bodies", type=int, default=120)
    ap.add_argument("--repeat", type=int, default=3, help="injections of each fault")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    clean = C.run_checks(clean_corpus(args.bodies, args.seed).frames())
    corpus, expected = faulty_corpus(args.bodies, args.seed, args.repeat)
    found = C.run_checks(corpus.frames())
    table = score(found, expected)
    fp = clean.groupby("check").size().rename("false_positives").reset_index()
    out = table.merge(fp, on="check", how="outer").fillna({"false_positives": 0})
    out["severity"] = out["check"].map(lambda c: C.CHECK_BY_CODE[c].severity)
    out = out.astype({"false_positives": int})[
        ["check", "severity", "injected", "found", "recall", "false_positives"]
    ]
    pd.set_option("display.width", 140)
    print(out.to_string(index=False))
    missed = [
        e
        for e in expected
        if e not in set(zip(found["check"], found["report_id"], found["location"], strict=True))
    ]
    for e in missed:
        print("MISSED", *e)
    n_err = int((clean["severity"] == "error").sum())
    identity_missed = [e for e in missed if e[0].startswith("identity_")]
    print(
        f"error findings on clean corpus: {n_err}; identity breaks missed: {len(identity_missed)}"
    )
    return 1 if n_err or identity_missed else 0


if __name__ == "__main__":
    sys.exit(main())
