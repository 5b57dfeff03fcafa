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
# # 01 语料概览 · Corpus overview
#
# 哪些机关、哪一级、何地、哪些年度、用哪一版模板；解析是否成功；每份报告每个表格行的
# 单元格状态（已填报 / 空白 / 缺失 / 推算 / 已更正），缺口一目了然。报告多于 `max_reports`
# 份时，状态图改为各行的状态占报告数的比例，表格只显示前若干行（完整数据见简报工作簿）。

# %%

from gxparse import template

# %% tags=["parameters"]
from gxparse.analysis import metrics
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
print(a.source)
if a.aggregated:
    print(a.mode_note)
if a.left_out_note:
    print(a.left_out_note)

# %% [markdown]
# ## 报告一览

# %%
columns = ["report_id", "label", "agency", "level", "province", "city", "county", "year"]
columns += ["template", "parse_status", "n_unplaced"]
reports = a.label(a.reports)
a.show(export.translate(reports[[c for c in columns if c in reports.columns]]), sheet="reports")

# %% [markdown]
# ## 按年度、层级、模板与解析状态计数

# %%
counts = reports.groupby(["year", "level", "template", "parse_status"], dropna=False).size()
a.show(export.translate(counts.rename("count").reset_index()))

# %% [markdown]
# 使用旧模板（国办公开办函〔2019〕60号）的报告：

# %%
old = reports[reports["template"] == "2019"]
a.show(export.translate(old[["report_id", "label", "year", "template"]]), sheet="reports")

# %% [markdown]
# ## 单元格状态
#
# 每格的颜色是该行各单元格中最差的状态（缺失 > 空白 > 推算 > 已更正 > 已填报），
# 数字为该行未填报单元格数 / 单元格总数。报告较多时，每行一条横条：该行有未填报单元格的
# 报告占报告数的比例，按最差状态分色。

# %%
status = metrics.cell_status(corpus)
if a.aggregated:
    shares = metrics.status_shares(status)
    apps = shares[shares["table"] == "applications"].copy()
    apps["row_label"] = [metrics.short_label(k, column="row", numbered=True) for k in apps["key"]]
    fig = plotting.status_bars(
        apps,
        row="row_label",
        title=f"第三部分单元格状态：各行未填报的报告比例（共 {a.n_reports:,} 份）",
        subtitle=template.label("part", "applications"),
        source=a.source,
    )
else:
    status = a.label(status)
    status["note"] = [
        f"{n}/{m}" if n else ""
        for n, m in zip(status["n_not_reported"], status["n_cells"], strict=True)
    ]
    columns_order = list(a.labels[a.reports["report_id"]])

    apps = status[status["table"] == "applications"].copy()
    apps["row_label"] = [metrics.short_label(k, column="row", numbered=True) for k in apps["key"]]
    row_order = metrics.template_order(apps["key"], "row", numbered=True)
    fig = plotting.status_heatmap(
        apps,
        row="row_label",
        col="label",
        annotate="note",
        row_order=row_order,
        col_order=columns_order,
        title="第三部分单元格状态（每份报告 × 每行）",
        subtitle=template.label("part", "applications"),
        source=a.source,
    )
paths = a.save(fig, "01_cell_status_applications")

# %%
subtitle = f"{template.label('part', 'active_disclosure')}；{template.label('part', 'appeals')}"
if a.aggregated:
    fig = plotting.status_bars(
        shares[shares["table"].isin(["disclosure", "appeals"])],
        row="zh",
        title=f"第二、四部分单元格状态：各行未填报的报告比例（共 {a.n_reports:,} 份）",
        subtitle=subtitle,
        source=a.source,
    )
else:
    other = status[status["table"].isin(["disclosure", "appeals"])]
    other_order = metrics.template_order(other["key"], "item") + metrics.template_order(
        other["key"], "proceeding"
    )
    fig = plotting.status_heatmap(
        other,
        row="zh",
        col="label",
        annotate="note",
        row_order=other_order,
        col_order=columns_order,
        title="第二、四部分单元格状态",
        subtitle=subtitle,
        source=a.source,
    )
paths = a.save(fig, "01_cell_status_disclosure_appeals")

# %% [markdown]
# ## 未填报的单元格

# %%
if a.aggregated:  # per table row: how many reports have it blank, missing, derived, ...
    not_reported = shares[shares["status"] != "reported"]
    a.show(
        export.translate(
            not_reported[["table", "key", "zh", "status", "n_reports", "n_rows", "share"]].rename(
                columns={"zh": "row_label", "key": "row"}
            )
        )
    )
gaps = status[status["n_not_reported"] > 0]
if a.aggregated:
    gaps = a.label(gaps)
a.show(
    export.translate(
        gaps[["label", "table", "key", "zh", "status", "n_cells", "n_not_reported"]].rename(
            columns={
                "zh": "row_label",
                "key": "row",
                "n_cells": "单元格数",
                "n_not_reported": "未填报",
            }
        )
    )
)
