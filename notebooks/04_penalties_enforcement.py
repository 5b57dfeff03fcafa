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
# # 04 行政处罚、强制与许可 · Penalties and enforcement
#
# 第二部分第二十条第（五）（六）项的本年处理决定数量。各机关的数量从 0 到数千不等，
# 图中用对称对数刻度（0 至 1 为线性，之后为对数），0 与数千同时可见；与同一层级、同一年度的
# 机关（同级）比较。报告多于 `max_reports` 份时按层级与年度比较各组的中位数，并列出处罚决定
# 最多的报告及其同级中位数。

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
# ## 处理决定数量

# %%
codes = ["penalty_decisions", "coercion_decisions", "licensing_decisions"]
decisions = metrics.compute(corpus, codes)
names = {c: metrics.code_label("item", c.removesuffix("_decisions")) for c in codes}
shown = a.view(decisions)
fig = plotting.dot_chart(
    shown,
    label="label",
    value="value",
    hue="metric",
    hue_labels=names,
    order=a.order(shown),
    scale="symlog",
    title="本年处理决定数量（件）",
    subtitle=a.subtitle("对称对数刻度：0、个位数与数千同时可见"),
    source=a.source,
)
paths = a.save(fig, "04_decisions")

# %%
if a.aggregated:
    summary = ["label", "metric", "zh", "median", "total", "max", "n_used", "n_reports"]
    a.show(export.translate(shown[summary]))
else:
    wide = shown.pivot_table(
        index="label", columns="metric", values="value", aggfunc="first", dropna=False, sort=False
    )
    wide = wide.reindex(columns=codes).rename(columns=names)
    a.show(wide.rename_axis(index=export.HEADERS["label"], columns=None))

# %% [markdown]
# ## 与同级机关比较
#
# 同级 = 同一层级（乡镇、街道、部门……）且同一年度。“与同级中位数之比”在中位数为 0 时为空。
# 报告较多时只列出处罚决定最多的报告。

# %%
peers = metrics.peer_comparison(decisions, by=("level", "year"))
penalty = peers[peers["metric"] == "penalty_decisions"]
if a.aggregated:
    penalty = metrics.top_reports(penalty, a.top_n)
penalty = a.label(penalty)
columns = ["label", "level", "year", "zh", "value", "n_peers", "peer_median", "peer_max", "rank"]
columns += ["ratio_to_median", "n_others", "others_median"]
a.show(export.translate(penalty[columns]))
if a.aggregated:
    known = int(peers.loc[peers["metric"] == "penalty_decisions", "value"].notna().sum())
    print(a.not_shown(len(penalty), known, sheet="decisions"))

# %%
penalty = penalty.copy()
# Codes are categorical: map the values (object), not the categories.
level_names = (
    penalty["level"]
    .astype(object)
    .map(lambda c: metrics.code_label("level", c) if isinstance(c, str) else "")
)
# The median of the *other* reports of the same level and year, drawn only over at least
# metrics.PEER_MIN_OTHERS of them; how many stand behind it is in each label.
others = penalty["n_others"].fillna(0).astype(int).astype(str)
penalty["body"] = penalty["label"] + "（" + level_names + "，同级其他 " + others + " 份）"
long = penalty[["body", "value", "others_median"]].melt(
    id_vars=["body"], var_name="series", value_name="count"
)
title = names["penalty_decisions"] + "：本机关与同级其他机关中位数（件）"
if a.aggregated:
    title = f"{names['penalty_decisions']}最多的 {len(penalty)} 份报告与同级其他机关中位数（件）"
fig = plotting.dot_chart(
    long,
    label="body",
    value="count",
    hue="series",
    hue_labels={"value": "本机关", "others_median": "同级其他机关中位数"},
    scale="symlog",
    title=title,
    source=a.source,
    subtitle=(
        f"同级 = 同一层级、同一年度；中位数不含本机关，"
        f"同级其他报告不足 {metrics.PEER_MIN_OTHERS} 份时不画（无数据）"
    ),
)
paths = a.save(fig, "04_penalty_peers")

# %% [markdown]
# ## 第二部分原表（第（五）（六）项）

# %%
items = ["licensing", "other_external_services", "penalty", "coercion"]
cells = a.label(corpus.disclosure[corpus.disclosure["item"].isin(items)])
a.show(
    export.translate(cells[["label", "item", "measure", "value", "status", "raw", "source"]]),
    sheet="disclosure",
)
