"""Checks over the tidy tables: every finding an oversight analyst acts on.

Given the contract's tables (``reports``, ``disclosure``, ``applications``, ``appeals``,
``narrative``, ``sections``) as plain DataFrames, :func:`run_checks` returns the findings
table. Every check is declared once in :data:`CHECKS` (:mod:`gxparse.analysis.catalog`) with
its code, severity, scope, descriptions and the function that emits it; findings carry the
stable code. Template labels come from :mod:`gxparse.template`; no check spells one.

One module per family of checks, each taking cells or tables and returning findings:
:mod:`.cells` (tables in, cells out; findings; labels), :mod:`.config`, :mod:`.crosswalk`,
:mod:`.identities`, :mod:`.prose`, :mod:`.years`, :mod:`.peers`, :mod:`.placement`,
:mod:`.timeliness`, :mod:`.reuse` (copied text), :mod:`.duplicates`, :mod:`.coverage`, and
:mod:`.run` (the entry point). This package re-exports the names code uses from them.

Conventions
-----------
* A cell is *known* when its status is ``reported``, ``derived`` or ``corrected`` and its
  value is not NA. ``blank`` and ``missing`` cells are unknown: an identity that needs one
  is "not assessable" (info), never a failure — unless the known cells alone already break
  it (unknown cells are non-negative), which is then a definite break.
* ``location`` is a stable, report-independent string (``table:row:col`` or
  ``table:check-specific key``) used to match analyst decisions (see :mod:`gxparse.analysis.review`).
* ``expected`` and ``actual`` are strings (numbers, dates or report ids), so the findings
  table has one type per column in Parquet. For a sum identity, ``expected`` is the sum of
  its left side (一＋二; （七）总计; a row's 总计) and ``actual`` of its right side; for
  prose checks, ``expected`` is the table's (or the stated total's) figure and ``actual``
  the prose's (or the items' sum); for corpus checks, ``expected`` names the other report
  or the deadline; counts of cells (missing, blank, derived) are in ``actual``.
* ``row``/``col`` name the cell concerned in the table's codes; for a per-column identity
  ``row`` holds the identity's code (``balance``, ``outcomes_sum``) and ``col`` the
  applicant column.
* Findings of the checks do not include the parser's own (``unplaced_number``);
  :func:`gxparse.analysis.review.check_corpus` joins both and applies analyst decisions.
"""

from gxparse.analysis.catalog import (
    CHECK_BY_CODE,
    CHECKS,
    RUN_CHECK_CODES,
    SCOPES,
    SEVERITIES,
    Check,
)
from gxparse.analysis.checks.cells import (
    CELL_KEYS,
    FINDING_COLUMNS,
    KNOWN_STATUSES,
    TABLE_COLUMNS,
    UNKNOWN_STATUSES,
    CellTable,
    CellValue,
    Finding,
    ReportCells,
    col_label,
    describe_cells,
    ensure_columns,
    findings_frame,
    row_label,
    row_name,
)
from gxparse.analysis.checks.config import CheckConfig
from gxparse.analysis.checks.coverage import check_coverage
from gxparse.analysis.checks.crosswalk import (
    CROSSWALK,
    Crosswalk,
    comparable,
    harmonize_applications,
)
from gxparse.analysis.checks.duplicates import check_duplicates, find_duplicates
from gxparse.analysis.checks.identities import check_identities, check_value_range, eval_sum
from gxparse.analysis.checks.peers import (
    PEER_METRICS,
    check_peers,
    outliers_among,
    robust_outlier,
)
from gxparse.analysis.checks.placement import check_placement, check_split_numbers, find_split
from gxparse.analysis.checks.prose import check_prose, prose_label
from gxparse.analysis.checks.reuse import (
    check_copied_text,
    jaccard,
    shingles,
    similar_pairs,
    similar_texts,
)
from gxparse.analysis.checks.run import catalog_frame, message_en, run_checks
from gxparse.analysis.checks.timeliness import check_timeliness
from gxparse.analysis.checks.years import (
    body_keys,
    check_carried_forward,
    check_next_year_chain,
    check_old_template,
    check_stock_flow,
    check_year_gap,
)

__all__ = [
    "CELL_KEYS",
    "CHECKS",
    "CHECK_BY_CODE",
    "CROSSWALK",
    "FINDING_COLUMNS",
    "KNOWN_STATUSES",
    "PEER_METRICS",
    "RUN_CHECK_CODES",
    "SCOPES",
    "SEVERITIES",
    "TABLE_COLUMNS",
    "UNKNOWN_STATUSES",
    "CellTable",
    "CellValue",
    "Check",
    "CheckConfig",
    "Crosswalk",
    "Finding",
    "ReportCells",
    "body_keys",
    "catalog_frame",
    "check_carried_forward",
    "check_copied_text",
    "check_coverage",
    "check_duplicates",
    "check_identities",
    "check_next_year_chain",
    "check_old_template",
    "check_peers",
    "check_placement",
    "check_prose",
    "check_split_numbers",
    "check_stock_flow",
    "check_timeliness",
    "check_value_range",
    "check_year_gap",
    "col_label",
    "comparable",
    "describe_cells",
    "ensure_columns",
    "eval_sum",
    "find_duplicates",
    "find_split",
    "findings_frame",
    "harmonize_applications",
    "jaccard",
    "message_en",
    "outliers_among",
    "prose_label",
    "robust_outlier",
    "row_label",
    "row_name",
    "run_checks",
    "shingles",
    "similar_pairs",
    "similar_texts",
]
