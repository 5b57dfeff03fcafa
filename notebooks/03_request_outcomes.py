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
# # 03 依申请公开办理结果 · Request outcomes
#
# 收到 → 办结 → 结转；办理结果构成（予以公开、部分公开、不予公开及其理由、无法提供、
# 不予处理、其他处理）；申请人构成；派生比率及其定义；跨年度的百分点变化。
# 空白或缺失的单元格不当作 0：依赖它们的比率为空（无数据）。

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
# ## 收到、办理与结转

# %%
flow = a.label(metrics.request_flow(corpus))
fig = plotting.flow_chart(
    flow, label="label", title="依申请公开：收到、办结与结转（件）", source=a.source
)
paths = a.save(fig, "03_request_flow")
display(export.translate(flow[["label", "year", *metrics.FLOW_ROWS]]))

# %% [markdown]
# ## 办理结果构成
#
# 2021 版模板（六）其他处理的三个子项合并为“其他处理”，与 2019 版模板的单行可比。

# %%
groups = a.label(metrics.outcome_groups(corpus))
group_labels = {g: metrics.term_label(g) for g in metrics.OUTCOME_GROUPS}
fig = plotting.stacked_shares(
    groups,
    label="label",
    group="group",
    value="value",
    groups=metrics.OUTCOME_GROUPS,
    group_labels=group_labels,
    colors=plotting.OUTCOME_COLORS,
    denominator="denominator",
    title="办理结果构成（占办理结果总计的比例）",
    subtitle="任一结果单元格为空白或缺失时该组不计入，合计可能不足 100%",
    source=a.source,
)
paths = a.save(fig, "03_outcome_mix")

# %%
counts = groups.pivot_table(
    index="label", columns="group", values="numerator", aggfunc="first", dropna=False, sort=False
)
counts = counts.reindex(columns=list(metrics.OUTCOME_GROUPS)).rename(columns=group_labels)
counts = counts.rename_axis(index=export.HEADERS["label"], columns=None)
display(counts)

# %% [markdown]
# ### 不予公开的理由

# %%
reasons = a.label(metrics.outcome_groups(corpus, by_reason=True))
reasons = reasons[reasons["group"].str.startswith("denied_")]
nonzero = reasons[reasons["numerator"].fillna(0) > 0]
if nonzero.empty:
    print("各报告均无不予公开的申请（或相应单元格为空白 / 缺失）。")
else:
    display(
        export.translate(nonzero[["label", "group", "zh", "numerator", "denominator", "value"]])
    )

# %% [markdown]
# ## 申请人构成（本年新收）

# %%
mix = a.label(metrics.applicant_mix(corpus))
fig = plotting.stacked_shares(
    mix,
    label="label",
    group="applicant",
    value="value",
    groups=list(dict.fromkeys(mix["applicant"])),
    group_labels=dict(zip(mix["applicant"], mix["zh"], strict=False)),
    denominator="denominator",
    title="申请人构成（占本年新收申请的比例）",
    source=a.source,
)
paths = a.save(fig, "03_applicant_mix")

# %% [markdown]
# ## 派生比率与定义

# %%
display(export.translate(metrics.catalog().query("kind == 'rate'")[["metric", "zh", "definition"]]))

# %%
rates = a.label(metrics.request_rates(corpus))
table = rates.pivot_table(
    index="label", columns="zh", values="value", aggfunc="first", dropna=False, sort=False
)
table = table.rename_axis(index=export.HEADERS["label"], columns=None)
display(table.style.format("{:.1%}", na_rep="无数据"))

# %%
main_rate = rates[rates["metric"] == "substantive_disclosure_rate"].copy()
main_rate["why"] = main_rate["na_reason"].map({"zero_denominator": "（总计为 0）"}).fillna("")
fig = plotting.bar_chart(
    main_rate,
    label="label",
    value="value",
    note="why",
    percent=True,
    title=metrics.METRIC_BY_CODE["substantive_disclosure_rate"].name(),
    subtitle="定义：" + metrics.METRIC_BY_CODE["substantive_disclosure_rate"].definition(),
    source=a.source,
)
paths = a.save(fig, "03_substantive_disclosure_rate")

# %% [markdown]
# ## 跨年度变化（百分点）

# %%
changes = metrics.year_over_year(rates)
if changes.empty:
    print("同一机关没有两个年度的报告：加入上一年度的报告后，此处列出各比率的百分点变化。")
else:
    display(export.translate(changes))
    series = rates[rates["metric"] == "substantive_disclosure_rate"]
    series = series.assign(body=series["agency"].map(plotting.body_label))
    fig = plotting.year_lines(
        series,
        label="body",
        year="year",
        value="value",
        percent=True,
        title=metrics.METRIC_BY_CODE["substantive_disclosure_rate"].name() + "：各年度",
        source=a.source,
    )
    paths = a.save(fig, "03_substantive_disclosure_rate_by_year")
