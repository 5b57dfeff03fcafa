"""Derived metrics, each with its written definition, declared in one place.

Every metric is a ratio (or a plain count) of *terms*: cells of the tidy tables named by
code. Terms read the contract's tables:

- ``applications``: a row code (``granted``) or a group of rows (``denied``, ``unable``,
  ``rejected``, ``other_handling``), taken in one applicant column (``total`` by default);
- ``disclosure``: ``item.measure`` (``penalty.decisions``);
- ``appeals``: ``proceeding.result`` (``review.total``);
- ``narrative``: ``narrative.metric`` (``narrative.active_disclosure_total``).

A term is NA when its cell is blank or missing, and a sum is NA when any cell in it is NA:
a blank is never read as 0. A group sums the rows the report's template has, so 2021's
three （六） sub-rows and 2019's single （六）其他处理 both become ``other_handling``.

Given the tidy tables, the functions here return tidy DataFrames: one row per report ×
metric with ``value``, ``numerator`` and ``denominator``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gxparse import template

__all__ = [
    "CATALOG",
    "CHAIN_COLUMNS",
    "CHAIN_STATUSES",
    "FLOW_ROWS",
    "GROUP_BY",
    "METRIC_BY_CODE",
    "OUTCOME_GROUPS",
    "PEER_MIN_OTHERS",
    "RATES",
    "ROW_GROUPS",
    "STATUS_SEVERITY",
    "TOTALS",
    "Metric",
    "aggregate",
    "applicant_mix",
    "carry_over_chains",
    "catalog",
    "cell_status",
    "code_label",
    "compute",
    "findings_by_report",
    "findings_summary",
    "group_label",
    "group_labels",
    "narrative_counts",
    "narrative_label",
    "outcome_groups",
    "peer_comparison",
    "pooled_flow",
    "report_ids",
    "report_totals",
    "request_flow",
    "request_rates",
    "short_label",
    "status_shares",
    "term_label",
    "top_reports",
    "with_report_info",
    "year_over_year",
]

REPORT_INFO: tuple[str, ...] = ("agency", "year", "level", "template")


# ---------------------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------------------
# Contract columns whose codes are labelled by a template kind of another name.
_KIND_OF_COLUMN = {"section": "part"}


def code_label(column: str, code: str, lang: str = "zh") -> str:
    """The template label of a code as it appears in a given contract column.

    ``code_label("result", "other")`` is 其他结果 while ``code_label("row", "other")`` is
    （六）其他处理. Raises KeyError for an unknown column or code.
    """
    return template.label(_KIND_OF_COLUMN.get(column, column), code, lang=lang)


_ORDER_ENTRIES = {
    "row": template.APPLICATION_ROWS,
    "item": template.DISCLOSURE_ITEMS,
    "proceeding": template.PROCEEDINGS,
}


def template_order(codes: Iterable[str], column: str, *, numbered: bool = False) -> list[str]:
    """Short labels of the given codes, in the template's printed order (for chart axes).
    ``column``: "row", "item" or "proceeding"."""
    present = set(codes)
    return [
        short_label(e.code, column=column, numbered=numbered)
        for e in _ORDER_ENTRIES[column]
        if e.code in present
    ]


def short_label(code: str, lang: str = "zh", column: str = "row", *, numbered: bool = False) -> str:
    """Return the template label of a code in a contract column (``row``, ``applicant``,
    ``result``, ...) without its numbering and trailing note.

    ``（二）部分公开（区分处理的，只计这一情形，不计其他情形）`` becomes ``部分公开``;
    ``一、本年新收政府信息公开申请数量`` becomes ``本年新收政府信息公开申请数量``. With
    ``numbered`` the printed numbering stays (``（三）1.属于国家秘密``).
    """
    if not numbered or lang != "zh":
        return template.label(_KIND_OF_COLUMN.get(column, column), code, short=True, lang=lang)
    return template.shorten(code_label(column, code, lang), numbered=True)


# Groups of application rows, from the template's parents. A group whose rows 2021 splits
# from one 2019 row (``other_handling``) also takes that row, so both templates compare.
def _row_groups() -> dict[str, tuple[str, ...]]:
    groups: dict[str, list[str]] = {}
    for row in template.APPLICATION_ROWS:
        if row.parent and row.parent != "outcomes":
            groups.setdefault(row.parent, []).append(row.code)
    for members in groups.values():
        if tuple(members) == template.SPLIT_OTHER.codes_2021:
            members.extend(template.SPLIT_OTHER.codes_2019)
    groups["outcomes"] = list(
        dict.fromkeys(r for t in template.TEMPLATES for r in template.OUTCOME_ROWS[t])
    )
    return {k: tuple(v) for k, v in groups.items()}


ROW_GROUPS: dict[str, tuple[str, ...]] = _row_groups()

# The outcome groups of the mix charts, in printed order.
OUTCOME_GROUPS: tuple[str, ...] = (
    "granted",
    "partially_granted",
    "denied",
    "unable",
    "rejected",
    "other_handling",
)


def term_label(term: str, lang: str = "zh") -> str:
    """Display label of a term: an application row or group, ``item.measure``, ...."""
    if term.startswith("narrative."):
        return narrative_label(term.split(".", 1)[1], lang)
    if "." in term:
        a, b = term.split(".", 1)
        sep = "" if lang == "zh" else ": "
        if a in {p.code for p in template.PROCEEDINGS}:
            first, second = short_label(a, lang, "proceeding"), short_label(b, lang, "result")
        else:
            first, second = short_label(a, lang, "item"), short_label(b, lang, "measure")
        return f"{first}{sep}{second}"
    return short_label(term, lang, "row")


def narrative_label(metric: str, lang: str = "zh") -> str:
    """Label of a narrative metric (``active_disclosure_total``, ``channel_wechat``, ...)."""
    try:
        return template.label("metric", metric, lang=lang)
    except KeyError:
        return metric


# ---------------------------------------------------------------------------------------
# The catalog
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Metric:
    """A derived metric: sum(numerator terms) / sum(denominator terms).

    A metric without denominator terms is a count (``value == numerator``). ``zh`` and
    ``en`` may be left empty for counts; they then read the term's template label.
    """

    code: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...] = ()
    zh: str = ""
    en: str = ""
    applicant: str = "total"

    @property
    def is_rate(self) -> bool:
        return bool(self.denominator)

    def name(self, lang: str = "zh") -> str:
        given = self.zh if lang == "zh" else self.en
        if given:
            return given
        return " + ".join(term_label(t, lang) for t in self.numerator)

    def definition(self, lang: str = "zh") -> str:
        """The formula as text, built from the template's labels."""
        sep = "；" if lang == "zh" else "; "

        def side(terms: Sequence[str]) -> str:
            parts = [_term_definition(t, lang) for t in terms]
            text = " + ".join(parts)
            return f"({text})" if len(parts) > 1 else text

        if not self.is_rate:
            text = side(self.numerator)
        else:
            text = f"{side(self.numerator)} / {side(self.denominator)}"
        if self.applicant != "total":
            text += f"{sep}{short_label(self.applicant, lang, 'applicant')}"
        return text


def _term_definition(term: str, lang: str) -> str:
    label = term_label(term, lang)
    if term in ROW_GROUPS and term != "other_handling":
        n = len(ROW_GROUPS[term])
        return f"{label}（{n}项之和）" if lang == "zh" else f"{label} (sum of {n} rows)"
    if term == "other_handling":
        return f"{label}（各子项之和）" if lang == "zh" else f"{label} (sum of its sub-rows)"
    return label


def _intake() -> tuple[str, ...]:
    return ("received_new", "carried_over")


CATALOG: tuple[Metric, ...] = (
    # Rates over the requests handled this year.
    Metric(
        "substantive_disclosure_rate",
        ("granted", "partially_granted"),
        ("total_handled",),
        "实质公开率",
        "Substantive disclosure rate",
    ),
    Metric("grant_rate", ("granted",), ("total_handled",), "全部公开率", "Full disclosure rate"),
    Metric("denial_rate", ("denied",), ("total_handled",), "不予公开率", "Non-disclosure rate"),
    Metric("unable_rate", ("unable",), ("total_handled",), "无法提供率", "Cannot-provide rate"),
    Metric("rejection_rate", ("rejected",), ("total_handled",), "不予处理率", "Not-processed rate"),
    Metric(
        "other_handling_rate",
        ("other_handling",),
        ("total_handled",),
        "其他处理率",
        "Other-handling rate",
    ),
    Metric(
        "not_held_rate",
        ("unable_not_held",),
        ("total_handled",),
        "不掌握信息率",
        "Information-not-held rate",
    ),
    # Rates over the requests on hand this year.
    Metric(
        "carry_forward_rate",
        ("carried_forward",),
        _intake(),
        "结转率",
        "Carry-forward rate",
    ),
    Metric(
        "completion_rate",
        ("total_handled",),
        _intake(),
        "办结率",
        "Completion rate",
    ),
    # Appeals per request handled.
    Metric(
        "review_rate",
        ("review.total",),
        ("total_handled",),
        "复议率",
        "Administrative review rate",
    ),
    Metric(
        "litigation_rate",
        ("litigation_direct.total", "litigation_after_review.total"),
        ("total_handled",),
        "诉讼率",
        "Lawsuit rate",
    ),
    Metric(
        "review_correction_rate",
        ("review.corrected",),
        ("review.total",),
        "复议纠错率",
        "Review correction rate",
    ),
    # Per-report totals (counts).
    Metric("received_new", ("received_new",)),
    Metric("carried_over", ("carried_over",)),
    Metric("total_handled", ("total_handled",)),
    Metric("carried_forward", ("carried_forward",)),
    Metric("granted", ("granted",)),
    Metric("partially_granted", ("partially_granted",)),
    Metric("denied", ("denied",)),
    Metric("unable", ("unable",)),
    Metric("rejected", ("rejected",)),
    Metric("other_handling", ("other_handling",)),
    Metric("licensing_decisions", ("licensing.decisions",)),
    Metric("penalty_decisions", ("penalty.decisions",)),
    Metric("coercion_decisions", ("coercion.decisions",)),
    Metric("normative_documents_issued", ("normative_documents.issued",)),
    Metric("normative_documents_repealed", ("normative_documents.repealed",)),
    Metric("normative_documents_in_force", ("normative_documents.in_force",)),
    Metric("fee_amount", ("fees.fee_amount",)),
    Metric("reviews", ("review.total",)),
    Metric(
        "lawsuits",
        ("litigation_direct.total", "litigation_after_review.total"),
        zh="行政诉讼总计",
        en="Lawsuits",
    ),
    Metric("active_disclosure_total", ("narrative.active_disclosure_total",)),
    Metric("applications_received_prose", ("narrative.applications_received",)),
)
METRIC_BY_CODE: dict[str, Metric] = {m.code: m for m in CATALOG}
RATES: tuple[str, ...] = tuple(m.code for m in CATALOG if m.is_rate)
TOTALS: tuple[str, ...] = tuple(m.code for m in CATALOG if not m.is_rate)


def catalog(lang: str = "zh") -> pd.DataFrame:
    """The metric catalog as a table: code, zh, en, kind, definition (zh), definition_en."""
    return pd.DataFrame(
        {
            "metric": [m.code for m in CATALOG],
            "zh": [m.name("zh") for m in CATALOG],
            "en": [m.name("en") for m in CATALOG],
            "kind": ["rate" if m.is_rate else "count" for m in CATALOG],
            "definition": [m.definition("zh") for m in CATALOG],
            "definition_en": [m.definition("en") for m in CATALOG],
        }
    )


# ---------------------------------------------------------------------------------------
# Terms: cells of the tidy tables keyed by (report_id, term)
# ---------------------------------------------------------------------------------------
def _values(df: pd.DataFrame) -> pd.Series:
    return pd.to_numeric(df["value"], errors="coerce").astype("Float64")


# An amount printed in 元 where its column is in 万元 ("152790元"): metrics compare 万元.
_YUAN_PER_AMOUNT_UNIT = 10_000


def _in_column_unit(dis: pd.DataFrame) -> pd.Series:
    """Disclosure values in their column's unit (the value is kept as printed, with the
    unit it was printed in; see the data contract's "Numbers as printed")."""
    values = _values(dis)
    if "unit" not in dis:
        return values
    in_yuan = (dis["unit"].astype(str) == template.YUAN).to_numpy()
    if in_yuan.any():
        values = values.where(~in_yuan, values / _YUAN_PER_AMOUNT_UNIT)
    return values


def _application_cells(applications: pd.DataFrame, applicant: str) -> pd.DataFrame:
    a = applications[applications["applicant"] == applicant]
    return pd.DataFrame({"report_id": a["report_id"], "term": a["row"], "value": _values(a)})


def _term_cells(tables: object, terms: Iterable[str], applicant: str) -> pd.DataFrame:
    """Long frame (report_id, term, value) for the plain (ungrouped) terms requested."""
    terms = set(terms)
    frames = []
    apps = _table(tables, "applications")
    if apps is not None and not apps.empty:
        frames.append(_application_cells(apps, applicant))
    dis = _table(tables, "disclosure")
    if dis is not None and not dis.empty and any("." in t for t in terms):
        frames.append(
            pd.DataFrame(
                {
                    "report_id": dis["report_id"],
                    "term": dis["item"].astype(str) + "." + dis["measure"].astype(str),
                    "value": _in_column_unit(dis),
                }
            )
        )
    app = _table(tables, "appeals")
    if app is not None and not app.empty and any("." in t for t in terms):
        frames.append(
            pd.DataFrame(
                {
                    "report_id": app["report_id"],
                    "term": app["proceeding"].astype(str) + "." + app["result"].astype(str),
                    "value": _values(app),
                }
            )
        )
    nar = _table(tables, "narrative")
    if nar is not None and not nar.empty and any(t.startswith("narrative.") for t in terms):
        # A figure may be stated twice; the first statement counts.
        first = nar.drop_duplicates(["report_id", "metric"], keep="first")
        frames.append(
            pd.DataFrame(
                {
                    "report_id": first["report_id"],
                    "term": "narrative." + first["metric"].astype(str),
                    "value": _values(first),
                }
            )
        )
    if not frames:
        return pd.DataFrame({"report_id": [], "term": [], "value": pd.array([], "Float64")})
    cells = pd.concat(frames, ignore_index=True)
    return cells.drop_duplicates(["report_id", "term"], keep="first")


def _table(tables: object, name: str) -> pd.DataFrame | None:
    if isinstance(tables, dict):
        return tables.get(name)
    return getattr(tables, name, None)


def _report_ids(tables: object) -> list[str]:
    reports = _table(tables, "reports")
    if reports is not None and "report_id" in reports:
        return list(dict.fromkeys(reports["report_id"]))
    ids: list[str] = []
    for name in ("applications", "disclosure", "appeals", "narrative"):
        t = _table(tables, name)
        if t is not None and "report_id" in t:
            ids.extend(t["report_id"])
    return list(dict.fromkeys(ids))


def _wide(cells: pd.DataFrame, report_ids: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Values and row presence as report × term frames."""
    wide = cells.pivot(index="report_id", columns="term", values="value").reindex(report_ids)
    # A row counts when the report has a cell row for it at all, whatever its status.
    has = cells.assign(one=True).pivot(index="report_id", columns="term", values="one")
    return wide.astype("Float64"), has.reindex(report_ids).notna()


def _sum_terms(wide: pd.DataFrame, has: pd.DataFrame, terms: Sequence[str]) -> pd.Series:
    """Sum the terms per report: NA when a term has no cell or any cell in it is NA.

    A group term sums the rows the report has (its template's rows); a group none of whose
    rows the report has is NA.
    """
    total = pd.Series(0.0, index=wide.index, dtype="Float64")
    for term in terms:
        members = ROW_GROUPS.get(term, (term,))
        present = [m for m in members if m in wide.columns]
        if not present:
            total[:] = pd.NA
            continue
        block = wide[present]
        has_row = has[present]
        na_inside = (block.isna() & has_row).any(axis=1)
        none_present = ~has_row.any(axis=1)
        part = block.sum(axis=1, skipna=True).astype("Float64")
        part[na_inside | none_present] = pd.NA
        total = total + part
    return total


def compute(
    tables: object,
    metrics: Iterable[str | Metric] | None = None,
) -> pd.DataFrame:
    """Given the tidy tables (a Corpus or a dict of DataFrames), return one row per report × metric.

    Columns: ``report_id, agency, year, level, template`` (those the reports table has),
    ``metric, zh, en, kind, value, numerator, denominator, na_reason``. ``value`` is the
    ratio for a rate, the count for a count; NA when an input is blank or missing
    (``na_reason`` = ``input_na``) or the denominator is 0 (``zero_denominator``).
    """
    chosen = [METRIC_BY_CODE[m] if isinstance(m, str) else m for m in (metrics or CATALOG)]
    report_ids = _report_ids(tables)
    out = []
    by_applicant: dict[str, list[Metric]] = {}
    for m in chosen:
        by_applicant.setdefault(m.applicant, []).append(m)
    for applicant, group in by_applicant.items():
        terms = {t for m in group for t in (*m.numerator, *m.denominator)}
        wide, has = _wide(_term_cells(tables, terms, applicant), report_ids)
        for m in group:
            num = _sum_terms(wide, has, m.numerator)
            if m.is_rate:
                den = _sum_terms(wide, has, m.denominator)
                zero = den == 0
                value = (num / den.where(~zero.fillna(False))).astype("Float64")
                reason = np.where(
                    num.isna() | den.isna(),
                    "input_na",
                    np.where(zero.fillna(False), "zero_denominator", ""),
                )
            else:
                den = pd.Series(pd.NA, index=num.index, dtype="Float64")
                value = num
                reason = np.where(num.isna(), "input_na", "")
            out.append(
                pd.DataFrame(
                    {
                        "report_id": report_ids,
                        "metric": m.code,
                        "zh": m.name("zh"),
                        "en": m.name("en"),
                        "kind": "rate" if m.is_rate else "count",
                        "value": value.to_numpy(),
                        "numerator": num.to_numpy(),
                        "denominator": den.to_numpy(),
                        "na_reason": pd.array(reason, dtype="string").astype(object),
                    }
                )
            )
    if not out:
        return _with_report_info(_empty_metrics(), tables)
    result = pd.concat(out, ignore_index=True)
    result["na_reason"] = result["na_reason"].replace("", pd.NA).astype("string")
    for col in ("value", "numerator", "denominator"):
        result[col] = result[col].astype("Float64")
    return _with_report_info(result, tables)


def _empty_metrics() -> pd.DataFrame:
    return pd.DataFrame(
        {
            c: pd.Series(dtype="Float64" if c in ("value", "numerator", "denominator") else object)
            for c in (
                "report_id",
                "metric",
                "zh",
                "en",
                "kind",
                "value",
                "numerator",
                "denominator",
                "na_reason",
            )
        }
    )


def _with_report_info(df: pd.DataFrame, tables: object) -> pd.DataFrame:
    reports = _table(tables, "reports")
    if reports is None or reports.empty:
        return df
    info = [c for c in REPORT_INFO if c in reports.columns]
    meta = reports[["report_id", *info]].drop_duplicates("report_id")
    merged = meta.merge(df, on="report_id", how="right")
    return merged[["report_id", *info, *[c for c in df.columns if c != "report_id"]]]


def with_report_info(df: pd.DataFrame, tables: object) -> pd.DataFrame:
    """``df`` (with ``report_id``) with the report's agency, year, level and template
    (those the reports table has) inserted after ``report_id``."""
    return _with_report_info(df, tables)


def narrative_counts(tables: object, prefix: str = "channel_") -> pd.DataFrame:
    """The narrative figures whose code starts with ``prefix`` (default: the channels), as
    counts in the shape of :func:`compute`: one row per report × figure stated by any
    report, NA where a report does not state it."""
    narrative = _table(tables, "narrative")
    stated = [] if narrative is None else narrative["metric"].astype(object).unique()
    codes = [str(m) for m in stated if str(m).startswith(prefix)]
    if not codes:
        return _with_report_info(_empty_metrics(), tables)
    chosen = [
        Metric(c, (f"narrative.{c}",), zh=narrative_label(c), en=narrative_label(c, "en"))
        for c in codes
    ]
    return compute(tables, chosen)


def request_rates(tables: object) -> pd.DataFrame:
    """The rate metrics of the catalog, one row per report × rate."""
    return compute(tables, RATES)


def report_totals(tables: object) -> pd.DataFrame:
    """The count metrics of the catalog (requests, decisions, appeals, prose figures)."""
    return compute(tables, TOTALS)


FLOW_ROWS: tuple[str, ...] = ("received_new", "carried_over", "total_handled", "carried_forward")


def report_ids(tables: object) -> list[str]:
    """The report_ids of the tables, in the reports table's order."""
    return _report_ids(tables)


def request_flow(tables: object) -> pd.DataFrame:
    """One row per report: received_new, carried_over, total_handled, carried_forward (总计 column).

    NA where the cell is blank or missing. With the report's agency, year and level.
    """
    flow_rows = FLOW_ROWS
    long = compute(tables, flow_rows)
    wide = long.pivot(index="report_id", columns="metric", values="value")
    wide = wide.reindex(index=_report_ids(tables), columns=list(flow_rows))
    wide.columns.name = None
    wide = _with_report_info(wide.rename_axis("report_id").reset_index(), tables)
    for c in flow_rows:
        wide[c] = wide[c].astype("Int64")
    return wide


CHAIN_COLUMNS: tuple[str, ...] = (
    "body",
    "agency",
    "year",
    "next_year",
    "report_id",
    "next_report_id",
    "carried_forward",
    "carried_over",
    "status",
    "columns",
)
CHAIN_STATUSES: tuple[str, ...] = ("holds", "broken", "unknown")
_CHAIN_KNOWN = ("reported", "derived", "corrected")


def carry_over_chains(tables: object) -> pd.DataFrame:
    """Cross-year carry-over chains: one row per body and pair of consecutive years.

    A body's 结转下年度继续办理 of year N should be its 上年结转 of year N + 1. For every
    body (:func:`gxparse.analysis.checks.body_keys`: a renamed body stays one body) with reports
    of years N and N + 1 (the first report of each, by id; failed reports left out):
    ``carried_forward`` (year N) and ``carried_over`` (year N + 1) of the 总计 column,
    ``status`` ``broken`` when a known pair of cells differs in any applicant column
    (``columns`` names them, comma-separated; the ``next_year_chain`` finding's columns),
    ``holds`` when every known pair agrees and at least one is known, else ``unknown``;
    ``agency`` is the later report's agency. Rows by body, then year.
    """
    from gxparse.analysis import checks  # checks does not import metrics; metrics uses it only here

    reports = _table(tables, "reports")
    apps = _table(tables, "applications")
    empty = pd.DataFrame({c: [] for c in CHAIN_COLUMNS})
    if reports is None or reports.empty or apps is None or "year" not in reports:
        return empty
    ok = reports
    if "parse_status" in reports:
        ok = reports[reports["parse_status"].astype(object) != "failed"]
    index, agency = _reports_by_body_year(ok, checks.body_keys(ok))
    known = _carry_cells(apps)
    out = []
    for (body, year), rids in sorted(index.items()):
        nxt = sorted(index.get((body, year + 1), []))
        if not nxt:
            continue
        out.append(_chain(body, year, sorted(rids)[0], nxt[0], known, agency))
    if not out:
        return empty
    df = pd.DataFrame(out, columns=list(CHAIN_COLUMNS))
    for c in ("year", "next_year"):
        df[c] = df[c].astype("Int64")
    for c in ("carried_forward", "carried_over"):
        df[c] = df[c].astype("Float64").astype("Int64")
    return df


def _reports_by_body_year(
    reports: pd.DataFrame, keys: dict[str, str]
) -> tuple[dict[tuple[str, int], list[str]], dict[str, object]]:
    """Given the reports and their body keys, return {(body, year): report_ids} and
    {report_id: agency} for the reports with a body and a year."""
    index: dict[tuple[str, int], list[str]] = {}
    agency: dict[str, object] = {}
    for rid, year, ag in zip(reports["report_id"], reports["year"], reports["agency"], strict=True):
        rid = str(rid)
        if rid in keys and not pd.isna(year):
            index.setdefault((keys[rid], int(year)), []).append(rid)
            agency[rid] = ag
    return index, agency


def _carry_cells(apps: pd.DataFrame) -> dict[tuple[str, str, str], float]:
    """Given the applications table, return the known carry-over cells:
    {(report_id, row, applicant): value} for carried_forward and carried_over."""
    rows_wanted = apps["row"].astype(object).isin(("carried_forward", "carried_over"))
    cells = apps[rows_wanted & apps["status"].astype(object).isin(_CHAIN_KNOWN)]
    cells = cells[cells["value"].notna()]
    return {
        (str(r), str(row), str(a)): float(v)
        for r, row, a, v in zip(
            cells["report_id"], cells["row"], cells["applicant"], cells["value"], strict=True
        )
    }


def _chain(
    body: str,
    year: int,
    this: str,
    later: str,
    known: dict[tuple[str, str, str], float],
    agency: dict[str, object],
) -> dict[str, object]:
    """Given a body's reports of ``year`` (``this``) and the year after (``later``),
    return their chain row (see :func:`carry_over_chains`)."""
    broken, compared = [], 0
    for app in template.APPLICANT_CODES:
        fwd = known.get((this, "carried_forward", app))
        old = known.get((later, "carried_over", app))
        if fwd is None or old is None:
            continue
        compared += 1
        if fwd != old:
            broken.append(app)
    status = "broken" if broken else ("holds" if compared else "unknown")
    return {
        "body": body,
        "agency": agency.get(later),
        "year": year,
        "next_year": year + 1,
        "report_id": this,
        "next_report_id": later,
        "carried_forward": known.get((this, "carried_forward", "total")),
        "carried_over": known.get((later, "carried_over", "total")),
        "status": status,
        "columns": ",".join(broken),
    }


# ---------------------------------------------------------------------------------------
# Mixes
# ---------------------------------------------------------------------------------------
def outcome_groups(
    tables: object,
    *,
    by_reason: bool = False,
    applicant: str = "total",
) -> pd.DataFrame:
    """Outcomes per report in comparable groups, with their share of （七）总计.

    Groups: 予以公开, 部分公开, 不予公开, 无法提供, 不予处理, 其他处理 (2021's three （六）
    sub-rows summed, 2019's single row as is). With ``by_reason`` the 不予公开 group is
    split into its eight reasons. Columns: ``report_id, ..., group, zh, en, value,
    numerator, denominator`` where ``value`` is the share, ``numerator`` the count and
    ``denominator`` the report's （七）总计.
    """
    groups: list[str] = []
    for g in OUTCOME_GROUPS:
        if by_reason and g == "denied":
            groups.extend(ROW_GROUPS["denied"])
        else:
            groups.append(g)
    metrics = [Metric(g, (g,), ("total_handled",), applicant=applicant) for g in groups]
    df = compute(tables, metrics)
    df = df.rename(columns={"metric": "group"}).drop(columns=["kind"])
    df["zh"] = [term_label(g, "zh") for g in df["group"]]
    df["en"] = [term_label(g, "en") for g in df["group"]]
    return df


def applicant_mix(tables: object, row: str = "received_new") -> pd.DataFrame:
    """Each applicant column's share of a row's 总计 (default: new requests), per report.

    Columns: ``report_id, ..., applicant, zh, en, value, numerator, denominator``.
    """
    parts = []
    total = compute(tables, [Metric("total", (row,))])["value"].to_numpy()
    for applicant in template.APPLICANT_PARTS:
        m = Metric(applicant, (row,), applicant=applicant)
        count = compute(tables, [m])
        count = count.assign(applicant=applicant, denominator=total)
        parts.append(count)
    if not parts:
        return pd.DataFrame()
    df = pd.concat(parts, ignore_index=True)
    zero = df["denominator"] == 0
    df["value"] = (df["numerator"] / df["denominator"].where(~zero.fillna(False))).astype("Float64")
    df["zh"] = [short_label(a, "zh", "applicant") for a in df["applicant"]]
    df["en"] = [short_label(a, "en", "applicant") for a in df["applicant"]]
    keep = [c for c in df.columns if c not in ("metric", "kind", "na_reason")]
    first = ["report_id", *[c for c in REPORT_INFO if c in df.columns], "applicant"]
    return df[first + [c for c in keep if c not in first]]


# ---------------------------------------------------------------------------------------
# Year over year
# ---------------------------------------------------------------------------------------
def year_over_year(metrics: pd.DataFrame) -> pd.DataFrame:
    """Change of each metric for the same body (``agency``) from its previous reported year.

    Given the output of :func:`compute` (with ``agency`` and ``year``), return one row per
    agency × metric × year that has an earlier year: ``previous_year, value,
    previous_value, change`` and, for rates, ``change_pp`` in percentage points
    (``(value - previous_value) * 100``). Counts get ``change`` only. When one body has two
    reports for the same year, the later ``report_id`` stands for that year.
    """
    cols = [
        "agency",
        "metric",
        "zh",
        "kind",
        "year",
        "previous_year",
        "value",
        "previous_value",
        "change",
        "change_pp",
    ]
    if metrics.empty or not {"agency", "year"} <= set(metrics.columns):
        return pd.DataFrame(columns=cols)
    df = metrics.dropna(subset=["agency", "year"]).sort_values(
        ["agency", "metric", "year", "report_id"]
    )
    df = df.drop_duplicates(["agency", "metric", "year"], keep="last")
    grouped = df.groupby(["agency", "metric"], sort=False)
    df = df.assign(
        previous_year=grouped["year"].shift(1),
        previous_value=grouped["value"].shift(1),
    )
    df = df[df["previous_year"].notna()].copy()
    df["previous_year"] = df["previous_year"].astype("Int64")
    df["change"] = (df["value"] - df["previous_value"]).astype("Float64")
    df["change_pp"] = (df["change"] * 100).where(df["kind"] == "rate").astype("Float64")
    return df[cols].reset_index(drop=True)


# ---------------------------------------------------------------------------------------
# Cell status coverage
# ---------------------------------------------------------------------------------------
# From worst to best: a row's status is the worst status among its cells.
STATUS_SEVERITY: tuple[str, ...] = ("missing", "blank", "derived", "corrected", "reported")
_STATUS_KEYS: dict[str, str] = {
    "disclosure": "item",
    "applications": "row",
    "appeals": "proceeding",
}


def cell_status(tables: object) -> pd.DataFrame:
    """Given the tidy tables, return one row per report × table row with its cells' statuses.

    A table row is a part 二 item, a part 三 row or a part 四 proceeding. Columns:
    ``report_id, table, key, zh, status`` (the worst status among the row's cells, in the
    order missing, blank, derived, corrected, reported), ``n_cells`` and one count column
    per status (``n_reported``, ``n_blank``, ...), and ``n_not_reported``.
    """
    frames = []
    for name, key in _STATUS_KEYS.items():
        t = _table(tables, name)
        if t is None or t.empty:
            continue
        # groupby + unstack: a crosstab of millions of cells is ten times slower.
        counts = (
            t.groupby(["report_id", key, "status"], observed=True, sort=True)
            .size()
            .unstack("status", fill_value=0)
        )
        counts.columns = counts.columns.astype(object)
        counts = counts.reindex(columns=list(STATUS_SEVERITY), fill_value=0)
        counts.columns = [f"n_{c}" for c in counts.columns]
        counts = counts.reset_index().rename(columns={key: "key"})
        counts.insert(1, "table", name)
        worst = np.full(len(counts), "reported", dtype=object)
        for status in reversed(STATUS_SEVERITY):
            worst = np.where(counts[f"n_{status}"] > 0, status, worst)
        counts["status"] = worst
        counts["n_cells"] = counts[[f"n_{s}" for s in STATUS_SEVERITY]].sum(axis=1)
        counts["n_not_reported"] = counts["n_cells"] - counts["n_reported"]
        # Template order: a code column's categories are the template's rows in printed
        # order; plain text keeps the table's own order (template order as parsed).
        keys = t[key]
        codes = keys.cat.categories if isinstance(keys.dtype, pd.CategoricalDtype) else keys
        order = {k: i for i, k in enumerate(dict.fromkeys(codes))}
        counts = (
            counts.assign(_o=counts["key"].astype(object).map(order))
            .sort_values(["report_id", "_o"])
            .drop(columns="_o")
        )
        frames.append(counts)
    if not frames:
        return pd.DataFrame(
            columns=["report_id", "table", "key", "zh", "status", "n_cells", "n_not_reported"]
        )
    out = pd.concat(frames, ignore_index=True)
    pairs = list(zip(out["key"].astype(object), out["table"], strict=True))
    labels = {pair: _safe_label(pair[0], _STATUS_KEYS[pair[1]]) for pair in set(pairs)}
    out["zh"] = [labels[pair] for pair in pairs]
    cols = ["report_id", "table", "key", "zh", "status", "n_cells", "n_not_reported"]
    return out[cols + [f"n_{s}" for s in STATUS_SEVERITY]]


def _safe_label(code: str, column: str) -> str:
    try:
        return short_label(code, column=column)
    except KeyError:
        return code


# ---------------------------------------------------------------------------------------
# Peers
# ---------------------------------------------------------------------------------------
def peer_comparison(
    metrics_df: pd.DataFrame, by: Sequence[str] = ("level", "year")
) -> pd.DataFrame:
    """Each report's value against its peers (same ``by`` columns, e.g. level and year).

    Given the output of :func:`compute`, add per metric and peer group: ``n_peers``
    (reports with a value, itself included), ``peer_median``, ``peer_max``, ``rank``
    (1 = largest) and ``ratio_to_median`` (NA when the median is 0 or the value is NA);
    and, for charts that set a body against its peers, ``n_others`` (the other reports
    with a value) and ``others_median`` (their median, the body itself left out; NA with
    fewer than :data:`PEER_MIN_OTHERS` others: the only 街道 is not its own yardstick).
    """
    by = [c for c in by if c in metrics_df.columns]
    df = metrics_df.copy()
    keys = ["metric", *by]
    grouped = df.groupby(keys, dropna=False)["value"]
    df["n_peers"] = grouped.transform("count").astype("Int64")
    df["peer_median"] = grouped.transform("median").astype("Float64")
    df["peer_max"] = grouped.transform("max").astype("Float64")
    df["rank"] = grouped.rank(method="min", ascending=False).astype("Int64")
    median = df["peer_median"]
    df["ratio_to_median"] = (df["value"] / median.where(median != 0)).astype("Float64")
    others_n, others_median = _others_median(df["value"], [df[k] for k in keys])
    df["n_others"] = pd.array(others_n, dtype="Int64")
    enough = (others_n >= PEER_MIN_OTHERS) & np.isfinite(others_median)
    df["others_median"] = pd.array(np.where(enough, others_median, np.nan), dtype="Float64")
    df["others_median"] = df["others_median"].mask(~enough)
    return df


# A peer median stands for a body's peers only over this many other reports.
PEER_MIN_OTHERS = 3


def _others_median(values: pd.Series, keys: Sequence[pd.Series]) -> tuple[np.ndarray, np.ndarray]:
    """Per row: how many other rows of its group (same ``keys``) have a value, and the
    median of their values, the row itself left out (NaN when there are none). One sort
    per group: leaving one value out of sorted values shifts the ones after it."""
    vals = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    n_out = np.zeros(len(vals), dtype=np.int64)
    med = np.full(len(vals), np.nan)
    frame = pd.DataFrame({f"k{i}": k.astype(object).to_numpy() for i, k in enumerate(keys)})
    for idx in frame.groupby(list(frame.columns), dropna=False, sort=False).indices.values():
        idx = np.asarray(idx)
        v = vals[idx]
        known = np.isfinite(v)
        srt = np.sort(v[known])
        k = srt.size
        if k == 0:
            continue
        # Unknown rows: the others are all k known values.
        n_out[idx[~known]] = k
        med[idx[~known]] = float(np.median(srt))
        if k == 1:
            n_out[idx[known]] = 0
            continue
        m = k - 1
        p = np.searchsorted(srt, v[known])  # the position left out

        def rest(i: np.ndarray | int, p: np.ndarray = p, srt: np.ndarray = srt) -> np.ndarray:
            i = np.broadcast_to(np.asarray(i), p.shape)
            return np.where(i < p, srt[i], srt[np.minimum(i + 1, srt.size - 1)])

        mid = rest(m // 2) if m % 2 else (rest(m // 2 - 1) + rest(m // 2)) / 2
        n_out[idx[known]] = m
        med[idx[known]] = mid
    return n_out, med


# ---------------------------------------------------------------------------------------
# Aggregates: many reports → one row per group (level × year)
# ---------------------------------------------------------------------------------------
# Thousands of reports cannot be charted one bar each: charts and tables then show groups of
# reports (by default the administrative level × the report year), each with how many
# reports it holds and how many of them had the input.
GROUP_BY: tuple[str, ...] = ("level", "year")
UNKNOWN_LEVEL_ZH = template.UNKNOWN_LEVEL.zh
UNKNOWN_YEAR_ZH = template.UNKNOWN_YEAR.zh
AGGREGATE_COLUMNS: tuple[str, ...] = (
    "label",
    "value",
    "numerator",
    "denominator",
    "median",
    "total",
    "max",
    "n_reports",
    "n_used",
)
_LEVEL_ORDER: dict[str, int] = {e.code: i for i, e in enumerate(template.LEVELS)}
# Columns of a per-report frame that describe its key (a metric's or group's labels).
_DESCRIBES_KEY: tuple[str, ...] = ("zh", "en", "kind")


def _code_or_na(v: object) -> object:
    """A plain code (str) or None, from a categorical, string or missing value."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    return v if isinstance(v, str) else str(v)


def _group_keys(df: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """The ``by`` columns as plain values (codes as object, years as Int64), NA kept."""
    keys = {}
    for c in by:
        col = df[c]
        if c == "year":
            keys[c] = pd.to_numeric(col, errors="coerce").astype("Int64")
        else:
            keys[c] = col.astype(object).map(_code_or_na)
    return pd.DataFrame(keys, index=df.index)


def _group_order(df: pd.DataFrame, by: Sequence[str]) -> list[pd.Series]:
    """Sort keys of groups in display order: levels as in the template, years ascending,
    other columns as text; NA last."""
    order = []
    for c in by:
        if c == "level":
            order.append(df[c].map(lambda v: _LEVEL_ORDER.get(v, len(_LEVEL_ORDER))))
        elif c == "year":
            order.append(df[c].astype("Float64").fillna(float("inf")).astype(float))
        else:
            order.append(df[c].map(lambda v: (v is None, "" if v is None else str(v))))
    return order


def group_label(values: Mapping[str, object], n: object = None) -> str:
    """The display label of one group: ``乡镇 2023``, with ``（1,975 份）`` when ``n`` is given.

    ``values`` maps the ``by`` columns to the group's codes (``level``: a template level
    code, shown with its Chinese label; ``year``; any other column as is). An unknown level
    or year reads 层级不详 / 年度不详.
    """
    parts = []
    for c, v in values.items():
        v = _code_or_na(v) if c != "year" else v
        if c == "level":
            if v is None:
                parts.append(UNKNOWN_LEVEL_ZH)
            else:
                try:
                    parts.append(code_label("level", str(v)))
                except KeyError:
                    parts.append(str(v))
        elif c == "year":
            parts.append(UNKNOWN_YEAR_ZH if v is None or pd.isna(v) else str(int(v)))
        else:
            parts.append("" if v is None else str(v))
    text = " ".join(p for p in parts if p)
    if n is not None and not pd.isna(n):
        text += f"（{int(n):,} 份）"
    return text


def group_labels(
    df: pd.DataFrame, by: Sequence[str] = GROUP_BY, *, n: str | None = "n_reports"
) -> pd.Series:
    """A display label per row of an aggregated frame (see :func:`group_label`); with the
    number of reports from column ``n`` when given and present."""
    by = [c for c in by if c in df.columns]
    counts = df[n] if n is not None and n in df.columns else pd.Series(None, index=df.index)
    labels = [
        group_label(dict(zip(by, key, strict=True)), count)
        for key, count in zip(df[by].itertuples(index=False, name=None), counts, strict=True)
    ]
    return pd.Series(labels, index=df.index, name="label", dtype=object)


def aggregate(
    df: pd.DataFrame,
    by: Sequence[str] = GROUP_BY,
    *,
    key: str | Sequence[str] | None = "metric",
    how: str = "median",
    complete: bool = False,
) -> pd.DataFrame:
    """Per-report values (one row per report × ``key``) summarised per group of reports.

    ``df`` is the output of :func:`compute`, :func:`outcome_groups` or :func:`applicant_mix`
    (``report_id``, the ``by`` columns, ``key`` and ``value``; ``numerator`` and
    ``denominator`` for ``how="pooled"``). Returns one row per group × key, groups in
    display order (levels as in the template, years ascending, unknown last), with:

    - ``n_reports``: reports in the group; ``n_used``: those whose own ``value`` is known;
    - ``how="median"`` (counts): ``value`` = ``median`` of the known values, ``total`` their
      sum, ``max`` the largest;
    - ``how="pooled"`` (rates and shares): ``numerator`` and ``denominator`` = sums over the
      reports whose own rate is known, ``value`` = their ratio. A report whose rate is NA
      (a blank or missing input, or a zero denominator) is left out of both sums, exactly as
      it has no rate of its own; ``value`` is NA when no report is left.

    With ``complete`` a report counts only when it has a value for every key (a mix whose
    shares then add up as in one report). ``label`` is :func:`group_labels`.
    """
    if how not in ("median", "pooled"):
        raise ValueError(f"how must be 'median' or 'pooled', not {how!r}")
    by = [c for c in by if c in df.columns]
    keys = [] if key is None else [key] if isinstance(key, str) else list(key)
    data = _group_keys(df, by)
    for k in keys:
        data[k] = df[k].astype(object).map(_code_or_na)
    data["report_id"] = df["report_id"].to_numpy()
    value = pd.to_numeric(df["value"], errors="coerce").astype("Float64")
    used = value.notna()
    if complete and keys:
        # Keys the df holds at all; a report must have a value for each of them.
        n_keys = data.loc[:, keys].drop_duplicates().shape[0]
        per_report = used.groupby(data["report_id"].to_numpy()).transform("sum")
        used &= per_report.to_numpy() == n_keys
    data["value"] = value.where(used)
    data["used"] = used.to_numpy()
    if how == "pooled":
        data["numerator"] = pd.to_numeric(df["numerator"], errors="coerce").where(used)
        data["denominator"] = pd.to_numeric(df["denominator"], errors="coerce").where(used)
    # Columns that only describe the key (its labels) are carried along.
    carried = [c for c in _DESCRIBES_KEY if keys and c in df.columns and c not in data]
    for c in carried:
        data[c] = df[c].to_numpy()
    group_cols = [*by, *keys]
    grouped = data.groupby(group_cols, dropna=False, sort=False, observed=True)
    out = grouped.agg(
        n_reports=("report_id", "nunique"),
        n_used=("used", "sum"),
        median=("value", "median"),
        total=("value", "sum"),
        max=("value", "max"),
        **{c: (c, "first") for c in carried},
    )
    if how == "pooled":
        sums = grouped[["numerator", "denominator"]].sum(min_count=1)
        out = out.join(sums)
    out = out.reset_index()
    out["n_reports"] = out["n_reports"].astype("Int64")
    out["n_used"] = out["n_used"].astype("Int64")
    none = out["n_used"] == 0
    for c in ("median", "total", "max"):
        out[c] = out[c].astype("Float64").mask(none)
    if how == "pooled":
        num = out["numerator"].astype("Float64").mask(none)
        den = out["denominator"].astype("Float64").mask(none)
        out["numerator"], out["denominator"] = num, den
        out["value"] = (num / den.where(den != 0)).astype("Float64")
    else:
        out["numerator"] = pd.array([pd.NA] * len(out), dtype="Float64")
        out["denominator"] = pd.array([pd.NA] * len(out), dtype="Float64")
        out["value"] = out["median"]
    # Groups in display order; keys within a group in their order of first appearance.
    sort_keys = _group_order(out, by)
    if keys:
        first = {k: i for i, k in enumerate(dict.fromkeys(data[keys].itertuples(index=False)))}
        sort_keys.append(pd.Series([first[k] for k in out[keys].itertuples(index=False)]))
    if sort_keys:
        names = [f"_o{i}" for i in range(len(sort_keys))]
        tmp = out.assign(**{n: k.to_numpy() for n, k in zip(names, sort_keys, strict=True)})
        out = tmp.sort_values(names, kind="stable").drop(columns=names)
    out = out.reset_index(drop=True)
    out["label"] = group_labels(out, by)
    return out[[*by, *keys, *carried, *AGGREGATE_COLUMNS]]


def top_reports(
    df: pd.DataFrame,
    n: int,
    *,
    value: str = "value",
    largest: bool = True,
    tiebreak: str | None = None,
) -> pd.DataFrame:
    """The ``n`` rows with the largest (``largest``) or smallest known ``value``.

    Rows whose ``value`` is NA are never among them. Ties are broken by ``tiebreak``
    descending when given (e.g. ``denominator``: a 0 % rate over 40 requests before one over
    a single request), then by the order of ``df``.
    """
    known = df[pd.to_numeric(df[value], errors="coerce").notna()]
    sort_df = pd.DataFrame(
        {"_v": pd.to_numeric(known[value], errors="coerce").astype(float)}, index=known.index
    )
    cols, ascending = ["_v"], [not largest]
    if tiebreak is not None:
        sort_df["_t"] = pd.to_numeric(known[tiebreak], errors="coerce").astype(float)
        cols.append("_t")
        ascending.append(False)
    order = sort_df.sort_values(cols, ascending=ascending, kind="stable", na_position="last")
    return known.loc[order.index[: max(0, n)]].reset_index(drop=True)


def status_shares(status: pd.DataFrame) -> pd.DataFrame:
    """How many reports have each table row in each status (the worst of its cells).

    Given :func:`cell_status`, return one row per ``table, key, status`` (statuses in the
    order of :data:`STATUS_SEVERITY` reversed: reported first), with ``zh``, ``n_reports``
    (reports whose row has that status), ``n_rows`` (reports that have the row at all) and
    ``share`` = ``n_reports / n_rows``. Rows follow the template's printed order within each
    table; a status no report has is left out.
    """
    cols = ["table", "key", "zh", "status", "n_reports", "n_rows", "share"]
    if status.empty:
        return pd.DataFrame(columns=cols)
    data = pd.DataFrame(
        {
            "table": status["table"].astype(object),
            "key": status["key"].astype(object),
            "status": status["status"].astype(object),
        }
    )
    counts = data.groupby(["table", "key", "status"], sort=False).size().rename("n_reports")
    counts = counts.reset_index()
    totals = data.groupby(["table", "key"], sort=False).size().rename("n_rows").reset_index()
    out = counts.merge(totals, on=["table", "key"], how="left")
    out["share"] = (out["n_reports"] / out["n_rows"]).astype("Float64")
    tables = {t: i for i, t in enumerate(dict.fromkeys(data["table"]))}
    statuses = {s: i for i, s in enumerate(reversed(STATUS_SEVERITY))}

    def key_rank(table: str, key: str) -> int:
        entries = _ORDER_ENTRIES.get(_STATUS_KEYS.get(table, ""), ())
        return next((i for i, e in enumerate(entries) if e.code == key), len(entries))

    out = out.assign(
        _t=out["table"].map(tables),
        _k=[key_rank(t, k) for t, k in zip(out["table"], out["key"], strict=True)],
        _s=out["status"].map(lambda s: statuses.get(s, len(statuses))),
    )
    out = out.sort_values(["_t", "_k", "_s"], kind="stable").reset_index(drop=True)
    out["zh"] = [
        _safe_label(k, _STATUS_KEYS.get(t, "row"))
        for t, k in zip(out["table"], out["key"], strict=True)
    ]
    out["n_reports"] = out["n_reports"].astype("Int64")
    out["n_rows"] = out["n_rows"].astype("Int64")
    return out[cols]


def pooled_flow(flow: pd.DataFrame, by: Sequence[str] = GROUP_BY) -> pd.DataFrame:
    """Requests on hand, handled and carried forward, summed per group of reports.

    Given :func:`request_flow` (one row per report), return one row per group with the sums
    of :data:`FLOW_ROWS` over the reports that have all four (a report with a blank or
    missing one is left out of every sum, so the bars of a group stay comparable), plus
    ``n_reports``, ``n_used`` and ``label`` (:func:`group_labels`).
    """
    by = [c for c in by if c in flow.columns]
    data = _group_keys(flow, by)
    values = flow[list(FLOW_ROWS)].apply(pd.to_numeric, errors="coerce").astype("Float64")
    complete = values.notna().all(axis=1)
    for c in FLOW_ROWS:
        data[c] = values[c].where(complete)
    data["report_id"] = flow["report_id"].to_numpy()
    data["used"] = complete.to_numpy()
    grouped = data.groupby(by, dropna=False, sort=False, observed=True) if by else None
    if grouped is None:
        data["_all"] = 0
        grouped = data.groupby("_all")
    out = grouped.agg(
        n_reports=("report_id", "nunique"),
        n_used=("used", "sum"),
        **{c: (c, "sum") for c in FLOW_ROWS},
    ).reset_index(drop=not by)
    for c in FLOW_ROWS:
        out[c] = out[c].astype("Int64").mask(out["n_used"] == 0)
    out["n_reports"] = out["n_reports"].astype("Int64")
    out["n_used"] = out["n_used"].astype("Int64")
    if by:
        names = [f"_o{i}" for i in range(len(by))]
        keys = _group_order(out, by)
        tmp = out.assign(**{n: k.to_numpy() for n, k in zip(names, keys, strict=True)})
        out = tmp.sort_values(names, kind="stable").drop(columns=names).reset_index(drop=True)
    out["label"] = group_labels(out, by, n="n_used")
    return out[[*by, "label", *FLOW_ROWS, "n_reports", "n_used"]]


def findings_by_report(
    findings: pd.DataFrame, report_ids: Sequence[str], severities: Sequence[str]
) -> pd.DataFrame:
    """Findings per report and severity: one row per report id (in the given order, 0 when
    a report has none), one column per severity."""
    data = pd.DataFrame(
        {
            "report_id": findings["report_id"].astype(object),
            "severity": findings["severity"].astype(object),
        }
    )
    counts = data.groupby(["report_id", "severity"]).size().unstack(fill_value=0)
    counts = counts.reindex(index=list(report_ids), columns=list(severities), fill_value=0)
    counts = counts.fillna(0).astype("int64")
    counts.index.name = "report_id"
    counts.columns.name = None
    return counts


def findings_summary(
    findings: pd.DataFrame,
    reports: pd.DataFrame,
    severities: Sequence[str],
    by: Sequence[str] = GROUP_BY,
) -> pd.DataFrame:
    """Findings per group of reports and severity.

    One row per group × severity: ``n_findings``, ``n_flagged`` (reports with at least one
    finding of that severity), ``n_reports`` (reports in the group) and ``value`` =
    ``n_findings / n_reports`` (findings per report), with ``label``.
    """
    by = [c for c in by if c in reports.columns]
    per_report = findings_by_report(findings, list(reports["report_id"]), severities)
    keys = _group_keys(reports, by).reset_index(drop=True)
    keys["report_id"] = reports["report_id"].to_numpy()
    rows = []
    for severity in severities:
        n = per_report[severity].to_numpy()
        part = keys.assign(severity=severity, n_findings=n, flagged=n > 0)
        rows.append(part)
    data = pd.concat(rows, ignore_index=True)
    grouped = data.groupby([*by, "severity"], dropna=False, sort=False, observed=True)
    out = grouped.agg(
        n_findings=("n_findings", "sum"),
        n_flagged=("flagged", "sum"),
        n_reports=("report_id", "nunique"),
    ).reset_index()
    for c in ("n_findings", "n_flagged", "n_reports"):
        out[c] = out[c].astype("Int64")
    out["value"] = (out["n_findings"] / out["n_reports"]).astype("Float64")
    rank = {s: i for i, s in enumerate(severities)}
    names = [f"_o{i}" for i in range(len(by))] + ["_s"]
    keys_order = [*_group_order(out, by), out["severity"].map(rank)]
    tmp = out.assign(**{n: k.to_numpy() for n, k in zip(names, keys_order, strict=True)})
    out = tmp.sort_values(names, kind="stable").drop(columns=names).reset_index(drop=True)
    out["label"] = group_labels(out, by)
    return out[[*by, "severity", "label", "value", "n_findings", "n_flagged", "n_reports"]]
