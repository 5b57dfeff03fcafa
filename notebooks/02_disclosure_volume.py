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
# 现行有效件数；按机关比较，有多个年度时按年度比较。报告多于 `max_reports` 份时按层级与年度
# 比较各组的中位数。

# %%

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
# ## 主动公开信息总数（正文所述）
#
# “约”表示正文用了“余 / 多 / 约”等约数。未在正文中找到的机关显示“无数据”。

# %%
narrative = corpus.narrative
title = metrics.narrative_label("active_disclosure_total") + "（条）"
if a.aggregated:
    volume = a.view(metrics.compute(corpus, ["active_disclosure_total"]), how="median")
    volume["used"] = plotting.used_note(volume)
    fig = plotting.bar_chart(
        volume,
        label="label",
        value="value",
        note="used",
        scale="symlog",
        sort=False,
        title=title,
        subtitle=a.subtitle("对数刻度（0 至 1 为线性）"),
        source=a.source,
    )
else:
    totals = narrative[narrative["metric"] == "active_disclosure_total"].drop_duplicates(
        "report_id"
    )
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
        title=title,
        subtitle="对数刻度（0 至 1 为线性）",
        source=a.source,
    )
paths = a.save(fig, "02_active_disclosure_total")

# %%
if a.aggregated:
    a.show(export.translate(volume[["label", "median", "total", "max", "n_used", "n_reports"]]))
else:
    a.show(export.translate(volume[["label", "year", "value", "approximate", "quote"]]))

# %% [markdown]
# ## 发布渠道（正文所述）

# %%
channels = narrative[narrative["metric"].str.startswith("channel_")]
if channels.empty:
    print("正文中未找到分渠道的条数。")
else:
    channel_labels = {m: metrics.narrative_label(m) for m in channels["metric"].unique()}
    n_stated = f"{channels['report_id'].nunique()} / {len(a.reports)} 份报告的正文按渠道列出条数"
    shown = a.view(metrics.narrative_counts(corpus)) if a.aggregated else a.label(channels)
    fig = plotting.dot_chart(
        shown,
        label="label",
        value="value",
        hue="metric",
        hue_labels=channel_labels,
        order=a.order(shown),
        scale="symlog",
        title="各渠道发布信息条数（正文所述）",
        subtitle=a.subtitle(n_stated),
        source=a.source,
    )
    paths = a.save(fig, "02_channels")
    if a.aggregated:
        a.show(export.translate(shown[["label", "metric", "zh", "median", "n_used", "n_reports"]]))
    else:
        a.show(export.translate(shown[["label", "metric", "value", "approximate", "quote"]]))

# %% [markdown]
# ## 规章与规范性文件（第二部分 第二十条第（一）项）

# %%
documents = a.label(
    corpus.disclosure[corpus.disclosure["item"].isin(["regulations", "normative_documents"])]
)
measures = ("issued", "repealed", "in_force")
measure_labels = {m: metrics.code_label("measure", m) for m in measures}
subtitle = "2021 版模板；使用 2019 版模板的报告无此三项，显示为无数据"
if a.aggregated:
    codes = [f"normative_documents_{m}" for m in measures]
    normative = a.view(metrics.compute(corpus, codes))
    hue, hue_labels = "metric", dict(zip(codes, measure_labels.values(), strict=True))
    order = a.order(normative)
else:
    documents_2021 = documents[documents["measure"].isin(measures)]
    normative = documents_2021[documents_2021["item"] == "normative_documents"]
    hue, hue_labels = "measure", measure_labels
    order = list(dict.fromkeys(a.labels[a.reports["report_id"]]))
fig = plotting.dot_chart(
    normative,
    label="label",
    value="value",
    hue=hue,
    hue_labels=hue_labels,
    order=order,
    scale="symlog",
    title=metrics.code_label("item", "normative_documents") + "（件）",
    subtitle=a.subtitle(subtitle),
    source=a.source,
)
paths = a.save(fig, "02_normative_documents")

# %%
if a.aggregated:
    a.show(
        export.translate(
            normative[["label", "metric", "zh", "median", "total", "max", "n_used", "n_reports"]]
        )
    )
a.show(
    export.translate(documents[["label", "item", "measure", "value", "status", "raw", "source"]]),
    sheet="disclosure",
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
    if a.aggregated:  # one line per level: the median of its reports each year
        series = metrics.aggregate(series, ("level", "year"))
        series = series.assign(body=metrics.group_labels(series, ["level"], n=None))
    else:
        series = series.assign(body=series["agency"].map(plotting.body_label))
    fig = plotting.year_lines(
        series,
        label="body",
        year="year",
        value="value",
        title=metrics.narrative_label("active_disclosure_total") + "：各年度",
        subtitle=a.subtitle(None, by=("level", "year"), counted=False),
        source=a.source,
    )
    paths = a.save(fig, "02_active_disclosure_by_year")
    a.show(export.translate(changes))
