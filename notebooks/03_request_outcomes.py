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
# 空白或缺失的单元格不当作 0：依赖它们的比率为空（无数据）。报告多于 `max_reports` 份时按层级
# 与年度汇总（合并比率 = 分子之和 / 分母之和），并列出实质公开率最低的报告。

# %%
from IPython.display import display

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
# ## 收到、办理与结转

# %%
flow = metrics.request_flow(corpus)
if a.aggregated:
    shown = metrics.pooled_flow(flow, a.group_by)
    short = plotting.flow_labels()
    subtitle = a.subtitle(
        f"每组两条：上条 {short['received_new']}＋{short['carried_over']}，"
        f"下条 {short['total_handled']}＋{short['carried_forward']}",
        how="sum",
    )
else:
    shown, subtitle = a.label(flow), None
fig = plotting.flow_chart(
    shown,
    label="label",
    title="依申请公开：收到、办结与结转（件）",
    subtitle=subtitle,
    source=a.source,
)
paths = a.save(fig, "03_request_flow")
if a.aggregated:
    a.show(export.translate(shown[["label", *metrics.FLOW_ROWS, "n_used", "n_reports"]]))
    a.show(export.translate(a.label(flow)[["label", "year", *metrics.FLOW_ROWS]]), sheet="requests")
else:
    a.show(export.translate(shown[["label", "year", *metrics.FLOW_ROWS]]))

# %% [markdown]
# ## 办理结果构成
#
# 2021 版模板（六）其他处理的三个子项合并为“其他处理”，与 2019 版模板的单行可比。

# %%
groups = a.view(metrics.outcome_groups(corpus), key="group", how="pooled", complete=True)
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
    subtitle=a.subtitle(
        "任一结果单元格为空白或缺失时该组不计入，合计可能不足 100%"
        if not a.aggregated
        else "仅计各组结果均有数据的报告",
        how="pooled",
    ),
    source=a.source,
)
paths = a.save(fig, "03_outcome_mix")

# %%
counts = groups.pivot_table(
    index="label", columns="group", values="numerator", aggfunc="first", dropna=False, sort=False
)
counts = counts.reindex(columns=list(metrics.OUTCOME_GROUPS)).rename(columns=group_labels)
counts = counts.rename_axis(index=export.HEADERS["label"], columns=None)
a.show(counts, sheet="metrics")

# %% [markdown]
# ### 不予公开的理由

# %%
reasons = a.view(metrics.outcome_groups(corpus, by_reason=True), key="group", how="pooled")
reasons = reasons[reasons["group"].str.startswith("denied_")]
nonzero = reasons[reasons["numerator"].fillna(0) > 0]
if nonzero.empty:
    print("各报告均无不予公开的申请（或相应单元格为空白 / 缺失）。")
elif a.aggregated:  # one row per group, one column per reason (counts)
    by_reason = reasons.pivot_table(
        index="label", columns="zh", values="numerator", aggfunc="first", sort=False
    )
    a.show(by_reason.rename_axis(index=export.HEADERS["label"], columns=None))
else:
    a.show(export.translate(nonzero[["label", "group", "zh", "numerator", "denominator", "value"]]))

# %% [markdown]
# ## 申请人构成（本年新收）

# %%
mix = metrics.applicant_mix(corpus)
shares = a.view(mix, key="applicant", how="pooled", complete=True)
fig = plotting.stacked_shares(
    shares,
    label="label",
    group="applicant",
    value="value",
    groups=list(dict.fromkeys(mix["applicant"])),
    group_labels=dict(zip(mix["applicant"], mix["zh"], strict=False)),
    denominator="denominator",
    title="申请人构成（占本年新收申请的比例）",
    subtitle=a.subtitle(None, how="pooled"),
    source=a.source,
)
paths = a.save(fig, "03_applicant_mix")

# %% [markdown]
# ## 派生比率与定义

# %%
display(export.translate(metrics.catalog().query("kind == 'rate'")[["metric", "zh", "definition"]]))

# %%
per_report = metrics.request_rates(corpus)
rates = a.view(per_report, how="pooled")
table = rates.pivot_table(
    index="label", columns="zh", values="value", aggfunc="first", dropna=False, sort=False
)
table = table.rename_axis(index=export.HEADERS["label"], columns=None)
a.show(table.style.format("{:.1%}", na_rep="无数据"), sheet="metrics")

# %%
rate = metrics.METRIC_BY_CODE["substantive_disclosure_rate"]
main_rate = rates[rates["metric"] == "substantive_disclosure_rate"].copy()
if a.aggregated:
    main_rate["why"] = plotting.used_note(main_rate)
else:
    main_rate["why"] = main_rate["na_reason"].map({"zero_denominator": "（总计为 0）"}).fillna("")
fig = plotting.bar_chart(
    main_rate,
    label="label",
    value="value",
    note="why",
    percent=True,
    sort=not a.aggregated,
    title=rate.name(),
    subtitle=a.subtitle("定义：" + rate.definition(), how="pooled"),
    source=a.source,
)
paths = a.save(fig, "03_substantive_disclosure_rate")

# %% [markdown]
# 报告较多时：实质公开率最低的报告（同为最低时，办理结果总计多者在前）。

# %%
if a.aggregated:
    candidates = per_report[per_report["metric"] == "substantive_disclosure_rate"]
    lowest = metrics.top_reports(candidates, a.top_n, largest=False, tiebreak="denominator")
    lowest = a.label(lowest)
    lowest["counts"] = [
        f"（{n:,.0f} / {d:,.0f}）"
        for n, d in zip(lowest["numerator"], lowest["denominator"], strict=True)
    ]
    fig = plotting.bar_chart(
        lowest,
        label="label",
        value="value",
        note="counts",
        percent=True,
        sort=False,
        title=f"{rate.name()}最低的 {len(lowest)} 份报告",
        subtitle="括号内为 " + rate.definition(),
        source=a.source,
    )
    paths = a.save(fig, "03_substantive_disclosure_rate_lowest")
    print(a.not_shown(len(lowest), int(candidates["value"].notna().sum()), sheet="metrics"))

# %% [markdown]
# ## 跨年度变化（百分点）

# %%
changes = metrics.year_over_year(per_report)
if changes.empty:
    print("同一机关没有两个年度的报告：加入上一年度的报告后，此处列出各比率的百分点变化。")
else:
    a.show(export.translate(changes), sheet="metrics")
    series = per_report[per_report["metric"] == "substantive_disclosure_rate"]
    if a.aggregated:  # one line per level: its pooled rate each year
        series = metrics.aggregate(series, ("level", "year"), how="pooled")
        series = series.assign(body=metrics.group_labels(series, ["level"], n=None))
    else:
        series = series.assign(body=series["agency"].map(plotting.body_label))
    fig = plotting.year_lines(
        series,
        label="body",
        year="year",
        value="value",
        percent=True,
        title=rate.name() + "：各年度",
        subtitle=a.subtitle(None, how="pooled", by=("level", "year"), counted=False),
        source=a.source,
    )
    paths = a.save(fig, "03_substantive_disclosure_rate_by_year")

# %% [markdown]
# ## 跨年度结转衔接
#
# 同一机关前一年度的“结转下年度继续办理”应等于后一年度的“上年结转”。每格一对相邻年度（总计列），
# 任一申请人列不一致即为断开（检查发现中的 `next_year_chain`）。报告较多时先列出断开的机关。

# %%
chains = metrics.carry_over_chains(corpus)
chains = chains.assign(label=chains["agency"].map(plotting.body_label))
shown = chains
if a.aggregated and not chains.empty:
    broken_first = chains.sort_values("status", key=lambda s: s.ne("broken"), kind="stable")
    keep = list(dict.fromkeys(broken_first["body"]))[: a.top_n]
    shown = chains[chains["body"].isin(keep)]
fig = plotting.chain_chart(
    shown,
    label="label",
    title="跨年度结转衔接：结转下年度与下一年度上年结转",
    source=a.source,
    years=a.reports["year"],
)
paths = a.save(fig, "03_carry_over_chains")
if not chains.empty:
    table = chains.assign(status=chains["status"].map(plotting.CHAIN_LEGEND_ZH))
    columns = ["label", "year", "next_year", "carried_forward", "carried_over", "status"]
    a.show(export.translate(table[[*columns, "columns"]]))
    if len(shown) < len(chains):
        print(a.not_shown(shown["body"].nunique(), chains["body"].nunique(), what="个机关"))
