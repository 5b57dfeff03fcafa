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
# 机关（同级）比较。

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
# ## 处理决定数量

# %%
codes = ["penalty_decisions", "coercion_decisions", "licensing_decisions"]
decisions = a.label(metrics.compute(corpus, codes))
names = {c: metrics.code_label("item", c.removesuffix("_decisions")) for c in codes}
fig = plotting.dot_chart(
    decisions,
    label="label",
    value="value",
    hue="metric",
    hue_labels=names,
    scale="symlog",
    title="本年处理决定数量（件）",
    subtitle="对称对数刻度：0、个位数与数千同时可见",
    source=a.source,
)
paths = a.save(fig, "04_decisions")

# %%
wide = decisions.pivot_table(
    index="label", columns="metric", values="value", aggfunc="first", dropna=False, sort=False
)
wide = wide.reindex(columns=codes).rename(columns=names)
display(wide.rename_axis(index=export.HEADERS["label"], columns=None))

# %% [markdown]
# ## 与同级机关比较
#
# 同级 = 同一层级（乡镇、街道、部门……）且同一年度。“与同级中位数之比”在中位数为 0 时为空。

# %%
peers = a.label(metrics.peer_comparison(decisions, by=("level", "year")))
columns = ["label", "level", "year", "zh", "value", "n_peers", "peer_median", "peer_max", "rank"]
columns += ["ratio_to_median"]
display(export.translate(peers[peers["metric"] == "penalty_decisions"][columns]))

# %%
penalty = peers[peers["metric"] == "penalty_decisions"].copy()
# Codes are categorical: map the values (object), not the categories.
level_names = (
    penalty["level"]
    .astype(object)
    .map(lambda c: metrics.code_label("level", c) if isinstance(c, str) else "")
)
penalty["body"] = penalty["label"] + "（" + level_names + "）"
long = penalty[["body", "value", "peer_median"]].melt(
    id_vars=["body"], var_name="series", value_name="count"
)
fig = plotting.dot_chart(
    long,
    label="body",
    value="count",
    hue="series",
    hue_labels={"value": "本机关", "peer_median": "同级中位数"},
    scale="symlog",
    title=names["penalty_decisions"] + "：本机关与同级中位数（件）",
    source=a.source,
)
paths = a.save(fig, "04_penalty_peers")

# %% [markdown]
# ## 第二部分原表（第（五）（六）项）

# %%
items = ["licensing", "other_external_services", "penalty", "coercion"]
cells = a.label(corpus.disclosure[corpus.disclosure["item"].isin(items)])
display(export.translate(cells[["label", "item", "measure", "value", "status", "raw", "source"]]))
