# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 异常与核查 · Anomalies
#
# 检查发现的问题（勾稽关系不符、正文与表格不一致、应填未填、旧模板……），按机关与严重程度
# 汇总；每条附数字与出处（原文行号），以及分析人员的核查决定（data/reviews.csv）与更正
# （data/corrections.csv）。报告多于 `max_reports` 份时按层级与年度汇总，并列出发现最多的报告。

# %%
import pandas as pd
from IPython.display import display

# %% tags=["parameters"]
from gxparse.analysis import metrics, review
from gxparse.reporting import export, pipeline, plotting

raw_dir = "../data/raw"
processed_dir = None
years = None
bodies = None
out_dir = "../reports"
build_date = None
max_reports = None  # None: pipeline.MAX_REPORTS; more reports than this → charts by level × year

# %%
a = pipeline.open_analysis(
    raw_dir,
    processed_dir=processed_dir,
    years=years,
    bodies=bodies,
    out_dir=out_dir,
    build_date=build_date,
    max_reports=max_reports,
)
corpus = a.corpus
findings = a.label(corpus.findings)
print(a.source)
if a.aggregated:
    print(a.mode_note)
if a.left_out_note:
    print(a.left_out_note)
print(f"检查发现 {len(findings)} 条。")

# %% [markdown]
# ## 按机关与严重程度

# %%
severities = list(export.SEVERITY_LABELS)
if a.aggregated:
    by_group = metrics.findings_summary(corpus.findings, a.reports, severities, a.group_by)
    per_group = by_group.pivot_table(
        index="label", columns="severity", values="n_findings", aggfunc="first", sort=False
    )
    per_group = per_group.reindex(columns=severities).rename(columns=export.SEVERITY_LABELS)
    a.show(per_group.rename_axis(index=export.HEADERS["label"], columns=None))
    per_report = metrics.findings_by_report(
        corpus.findings, list(a.reports["report_id"]), severities
    )
    by_body = per_report.sort_values(severities, ascending=False, kind="stable").head(a.top_n)
    by_body.index = by_body.index.map(a.labels).rename(export.HEADERS["label"])
    a.show(by_body.rename(columns=export.SEVERITY_LABELS))
    print(a.not_shown(len(by_body), int((per_report.sum(axis=1) > 0).sum()), sheet="findings"))
else:
    by_body = pd.crosstab(findings["label"], findings["severity"]).reindex(
        index=list(dict.fromkeys(a.labels[a.reports["report_id"]])),
        columns=severities,
        fill_value=0,
    )
    display(by_body.rename(columns=export.SEVERITY_LABELS))

# %%
if a.aggregated:
    fig = plotting.dot_chart(
        by_group,
        label="label",
        value="value",
        hue="severity",
        hue_labels=export.SEVERITY_LABELS,
        colors=export.SEVERITY_COLORS,
        order=a.order(by_group),
        scale="linear",
        title="检查发现：平均每份报告的条数，按严重程度",
        subtitle=a.subtitle(None, how="per_report"),
        source=a.source,
    )
else:
    long = by_body.reset_index().melt(id_vars="label", var_name="severity", value_name="count")
    fig = plotting.dot_chart(
        long,
        label="label",
        value="count",
        hue="severity",
        hue_labels=export.SEVERITY_LABELS,
        colors=export.SEVERITY_COLORS,
        scale="linear",
        title="检查发现：按机关与严重程度（条）",
        source=a.source,
    )
paths = a.save(fig, "05_findings_by_body")

# %% [markdown]
# ## 按检查项

# %%
by_check = findings.groupby(["check", "severity"], observed=True).size().rename("count")
a.show(export.translate(by_check.reset_index().sort_values("count", ascending=False)))

# %% [markdown]
# ## 每条发现：数字、出处与核查决定
#
# 严重程度：错误（红）、警告（黄）、提示（灰）。出处为原文行号或表格位置。

# %%
columns = [
    "label",
    "severity",
    "check",
    "expected",
    "actual",
    "message",
    "source",
    "decision",
    "note",
]
shown = findings[[c for c in columns if c in findings.columns]]
order = {s: i for i, s in enumerate(severities)}
shown = shown.assign(_order=shown["severity"].astype(object).map(order))
shown = shown.sort_values(["_order", "label"]).drop(columns="_order")
colours = {k: f"background-color: #{v[0]}" for k, v in export.SEVERITY_FILLS.items()}
table = export.translate(shown)
severity_column = export.HEADERS["severity_label"]
fills = {export.SEVERITY_LABELS[k]: v for k, v in colours.items()}
a.show(
    table.style.map(lambda v: fills.get(v, ""), subset=[severity_column]).hide(axis="index"),
    sheet="findings",
)

# %% [markdown]
# ## 分析人员的核查决定与更正

# %%
data_dir = pipeline.resolve_path(raw_dir).parent
for name in ("reviews.csv", "corrections.csv"):
    path = data_dir / name
    if not path.is_file():
        print(f"{path}：不存在")
        continue
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    print(f"{path}：{len(rows)} 条")
    if len(rows):
        a.show(rows)

# %%
if "decision" in findings.columns:
    decided = findings[findings["decision"].notna()]
    print(f"已有核查决定的发现：{len(decided)} 条")
    if len(decided):
        a.show(
            export.translate(decided[["label", "check", "message", "decision", "note"]]),
            sheet="findings",
        )

# %%
corrected = review.corrected_cells(corpus.as_dict())
print(f"已更正的单元格：{len(corrected)} 个")
if len(corrected):
    a.show(export.translate(a.label(corrected)))
