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
# # 02 主动公开数量 · Disclosure volume
#
# 正文（第一部分）所述的主动公开条数与发布渠道，第二部分的规章、规范性文件制发 / 废止 /
# 现行有效件数；按机关比较，有多个年度时按年度比较。

# %%
from IPython.display import display

from gxparse import export, metrics, pipeline, plotting

# %% tags=["parameters"]
raw_dir = "../data/raw"
processed_dir = None
years = None
bodies = None
out_dir = "../reports"
build_date = None

# %%
a = pipeline.open_analysis(
    raw_dir,
    processed_dir=processed_dir,
    years=years,
    bodies=bodies,
    out_dir=out_dir,
    build_date=build_date,
)
corpus = a.corpus
print(a.source)

# %% [markdown]
# ## 主动公开信息总数（正文所述）
#
# “约”表示正文用了“余 / 多 / 约”等约数。未在正文中找到的机关显示“无数据”。

# %%
narrative = corpus.narrative
totals = narrative[narrative["metric"] == "active_disclosure_total"].drop_duplicates("report_id")
volume = a.label(a.reports[["report_id", "year"]]).merge(
    totals[["report_id", "value", "approximate", "quote"]], on="report_id", how="left"
)
volume["approx_note"] = volume["approximate"].map({True: "（约）"}).fillna("")
fig = plotting.bar_chart(
    volume,
    label="label",
    value="value",
    note="approx_note",
    scale="symlog",
    title=metrics.narrative_label("active_disclosure_total") + "（条）",
    subtitle="对数刻度（0 至 1 为线性）",
    source=a.source,
)
paths = a.save(fig, "02_active_disclosure_total")

# %%
display(export.translate(volume[["label", "year", "value", "approximate", "quote"]]))

# %% [markdown]
# ## 发布渠道（正文所述）

# %%
channels = narrative[narrative["metric"].str.startswith("channel_")]
if channels.empty:
    print("正文中未找到分渠道的条数。")
else:
    channels = a.label(channels)
    channel_labels = {m: metrics.narrative_label(m) for m in channels["metric"].unique()}
    fig = plotting.dot_chart(
        channels,
        label="label",
        value="value",
        hue="metric",
        hue_labels=channel_labels,
        scale="symlog",
        title="各渠道发布信息条数（正文所述）",
        subtitle=f"{channels['report_id'].nunique()} / {len(a.reports)} 份报告的正文按渠道列出条数",
        source=a.source,
    )
    paths = a.save(fig, "02_channels")
    display(export.translate(channels[["label", "metric", "value", "approximate", "quote"]]))

# %% [markdown]
# ## 规章与规范性文件（第二部分 第二十条第（一）项）

# %%
documents = a.label(
    corpus.disclosure[corpus.disclosure["item"].isin(["regulations", "normative_documents"])]
)
documents_2021 = documents[documents["measure"].isin(["issued", "repealed", "in_force"])]
normative = documents_2021[documents_2021["item"] == "normative_documents"]
measure_labels = {m: metrics.code_label("measure", m) for m in ("issued", "repealed", "in_force")}
fig = plotting.dot_chart(
    normative,
    label="label",
    value="value",
    hue="measure",
    hue_labels=measure_labels,
    order=list(dict.fromkeys(a.labels[a.reports["report_id"]])),
    scale="symlog",
    title=metrics.code_label("item", "normative_documents") + "（件）",
    subtitle="2021 版模板；使用 2019 版模板的报告无此三项，显示为无数据",
    source=a.source,
)
paths = a.save(fig, "02_normative_documents")

# %%
display(
    export.translate(documents[["label", "item", "measure", "value", "status", "raw", "source"]])
)

# %% [markdown]
# ## 跨年度比较

# %%
yearly = metrics.compute(corpus, ["active_disclosure_total", "normative_documents_in_force"])
changes = metrics.year_over_year(yearly)
if a.reports["year"].nunique() < 2:
    print(
        f"只有一个年度（{'、'.join(str(y) for y in a.reports['year'].dropna().unique())}）："
        "加入其他年度的报告后此处比较各年。"
    )
else:
    series = yearly[yearly["metric"] == "active_disclosure_total"]
    series = series.assign(body=series["agency"].map(plotting.body_label))
    fig = plotting.year_lines(
        series,
        label="body",
        year="year",
        value="value",
        title=metrics.narrative_label("active_disclosure_total") + "：各年度",
        source=a.source,
    )
    paths = a.save(fig, "02_active_disclosure_by_year")
    display(export.translate(changes))
