# ---
# jupyter:
#   gxparse:
#     run_after_others: true
#   jupytext:
#     formats: py:percent
#     notebook_metadata_filter: gxparse
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 06 简报导出 · Briefing
#
# 写出简报工作簿 `gxparse-briefing.xlsx`：说明、申请办理汇总、处理决定汇总、指标与定义、
# 检查发现（按严重程度着色），以及全部整理后的表格；并列出各图表文件。工作簿包含每一份报告；
# 单元格级的表格超过 `export.MAX_SHEET_ROWS` 行时不写入工作簿，见整理后的表格（CSV / Parquet）。

# %%
from IPython.display import Markdown, display

# %% tags=["parameters"]
from gxparse.analysis import metrics
from gxparse.reporting import export, pipeline

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

# %%
workbook = export.write_workbook(corpus, a.workbook, build_date=a.build_date, left_out=a.left_out)
print(f"工作簿：{workbook.name}")

# %% [markdown]
# ## 申请办理汇总
#
# 报告较多时先列出各层级、各年度的合计，再列出前若干份报告（全部报告见工作簿）。

# %%
if a.aggregated:
    flow = metrics.pooled_flow(metrics.request_flow(corpus), a.group_by)
    a.show(export.translate(flow[["label", *metrics.FLOW_ROWS, "n_used", "n_reports"]]))
requests = export.requests_summary(corpus)
a.show(export.translate(requests), sheet="requests")

# %% [markdown]
# ## 处理决定汇总

# %%
a.show(export.translate(export.decisions_summary(corpus)), sheet="decisions")

# %% [markdown]
# ## 要点

# %%
flow = metrics.request_flow(corpus)
findings = corpus.findings
lines = [
    f"- 报告 {len(a.reports)} 份，年度：{'、'.join(str(y) for y in sorted(a.reports['year'].dropna().unique()))}。",
    f"- 本年新收申请合计 {int(flow['received_new'].sum())} 件"
    f"（{int(flow['received_new'].isna().sum())} 份报告该格空白或缺失，未计入）。",
    f"- 结转下年度合计 {int(flow['carried_forward'].sum())} 件。",
    f"- 检查发现：错误 {int((findings['severity'] == 'error').sum())} 条，"
    f"警告 {int((findings['severity'] == 'warning').sum())} 条，"
    f"提示 {int((findings['severity'] == 'info').sum())} 条。",
]
display(Markdown("\n".join(lines)))

# %% [markdown]
# ## 图表文件

# %%
figures = sorted(p.name for p in a.figures_dir.glob("*.png"))
display(
    Markdown(
        "\n".join(f"- `figures/{name}`（另有同名 .svg）" for name in figures) or "（尚无图表）"
    )
)
