"""Copied text: sections nearly identical to last year's or another body's.

Given reports and their sections, :func:`check_copied_text` returns the overview and
problem sections whose character n-grams (:func:`shingles`) are nearly the same
(:func:`jaccard`, :func:`similar_texts`) as another report's.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from collections.abc import Set as AbstractSet

import numpy as np
import pandas as pd

from gxparse import template as T
from gxparse.analysis.checks.cells import Finding, _na
from gxparse.analysis.checks.config import CheckConfig
from gxparse.analysis.checks.years import body_keys

_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")


def shingles(text: str, n: int = 3) -> frozenset[str]:
    """Given prose, return its set of character n-grams (whitespace removed, digit runs
    replaced by one placeholder so that updated numbers do not hide copying)."""
    t = _DIGITS.sub("0", _SPACE.sub("", text))
    return frozenset(t[i : i + n] for i in range(max(len(t) - n + 1, 0)))


def jaccard(a: AbstractSet[object], b: AbstractSet[object]) -> float:
    """Given two shingle sets, return |a ∩ b| / |a ∪ b| (0 for two empty sets)."""
    if not a and not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def similar_pairs(
    docs: Mapping[str, frozenset[str]], threshold: float
) -> list[tuple[str, str, float]]:
    """Given shingle sets by id, return every pair (a, b, similarity) with Jaccard ≥
    ``threshold``, sorted by id.

    Exact, by prefix filtering: under one global order of shingles (rarest first), two
    sets with Jaccard ≥ t share a shingle among each one's first |x| − ⌈t·|x|⌉ + 1, so only
    pairs sharing such a shingle are compared. Boilerplate shingles, being frequent, are
    never in a prefix; large corpora stay fast.
    """
    freq = Counter(g for s in docs.values() for g in s)
    # Each distinct shingle's place in the global order, ranked once: sorting a document's
    # shingles by a precomputed rank is several times faster than by (freq, text) tuples.
    rank = {g: i for i, g in enumerate(sorted(freq, key=lambda g: (freq[g], g)))}
    index: dict[str, list[str]] = defaultdict(list)
    out = []
    for d in sorted(docs, key=lambda k: (len(docs[k]), k)):
        toks = sorted(docs[d], key=rank.__getitem__)
        if not toks:
            continue
        p = len(toks) - math.ceil(threshold * len(toks)) + 1
        candidates = {c for g in toks[:p] for c in index[g]}
        for c in sorted(candidates):
            if len(docs[c]) < threshold * len(toks):
                continue
            sim = jaccard(docs[c], docs[d])
            if sim >= threshold:
                out.append((min(c, d), max(c, d), sim))
        for g in toks[:p]:
            index[g].append(d)
    return sorted(out)


def _shingle_codes(texts: list[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct character n-grams (1 ≤ n ≤ 3) of each text, as :func:`shingles` makes
    them, as (text index, code) pairs sorted by text then code. A code packs the n-gram's
    code points in 21 bits each, so codes order as the strings do."""
    norm = [_DIGITS.sub("0", _SPACE.sub("", t)) for t in texts]
    lengths = np.array([len(t) for t in norm], dtype=np.int64)
    points = np.frombuffer("".join(norm).encode("utf-32-le", "surrogatepass"), dtype="<u4")
    total = len(points)
    starts = np.cumsum(lengths) - lengths
    doc = np.repeat(np.arange(len(texts), dtype=np.int32), lengths)
    # An n-gram starts at each position with n - 1 more characters of the same text.
    local = np.arange(total, dtype=np.int64) - np.repeat(starts, lengths)
    at = np.flatnonzero(local <= np.repeat(lengths, lengths) - n)
    del local
    code = np.zeros(len(at), dtype=np.int64)
    for k in range(n):
        code = (code << 21) | points[at + k].astype(np.int64)
    doc = doc[at]
    del at
    order = np.lexsort((code, doc))
    doc, code = doc[order], code[order]
    del order
    keep = np.ones(len(doc), dtype=bool)
    keep[1:] = (doc[1:] != doc[:-1]) | (code[1:] != code[:-1])
    return doc[keep], code[keep]


def similar_texts(
    texts: Mapping[str, str], n: int, threshold: float
) -> list[tuple[str, str, float]]:
    """Given texts by id, return what :func:`similar_pairs` returns for their
    :func:`shingles` — every pair (a, b, similarity) with Jaccard ≥ ``threshold``, sorted
    by id — computed on arrays: a corpus's millions of shingles are numbered, counted and
    ranked by numpy instead of one Python operation each. The same prefix filtering picks
    the candidate pairs; their similarity is taken from sets of the two texts' codes only.
    n-grams longer than 3 characters take :func:`similar_pairs` itself."""
    ids = list(texts)
    if not 1 <= n <= 3:
        return similar_pairs({k: shingles(t, n) for k, t in texts.items()}, threshold)
    doc, code = _shingle_codes([texts[k] for k in ids], n)
    size = np.bincount(doc, minlength=len(ids))
    # Global order of shingles, rarest first, ties by text (= by code): each one's rank.
    uniq, inverse, freq = np.unique(code, return_inverse=True, return_counts=True)
    rank_of = np.empty(len(uniq), dtype=np.int64)
    rank_of[np.lexsort((uniq, freq))] = np.arange(len(uniq))
    rank = rank_of[inverse]
    del uniq, inverse, freq, rank_of
    by_rank = np.lexsort((rank, doc))  # each text's shingles, rarest first
    first = np.cumsum(size) - size
    # Texts in the order similar_pairs visits them; each one's prefix (Python's slice of
    # its sorted shingles, as there), as (rank, visit) pairs.
    visit_order = sorted(range(len(ids)), key=lambda i: (int(size[i]), ids[i]))
    visit = np.empty(len(ids), dtype=np.int64)
    visit[visit_order] = np.arange(len(ids))
    prefix_of = {m: len(range(m)[: m - math.ceil(threshold * m) + 1]) for m in set(size.tolist())}
    prefix = np.array([prefix_of[m] for m in size.tolist()], dtype=np.int64)
    place = np.arange(len(doc)) - np.repeat(first, size)  # rank order within each text
    head = by_rank[place < np.repeat(prefix, size)]
    tok, vis = rank[head], visit[doc[head]]
    del place, head
    out: list[tuple[str, str, float]] = []
    o = np.lexsort((vis, tok))
    tok, vis = tok[o], vis[o]
    # Texts sharing a prefix shingle: every (earlier, later) pair in visit order.
    pairs: set[tuple[int, int]] = set()
    bounds = np.flatnonzero(np.r_[True, tok[1:] != tok[:-1], True])
    for s, e in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        if e - s > 1:
            group = vis[s:e].tolist()
            pairs.update(itertools.combinations(group, 2))
    sets: dict[int, frozenset[int]] = {}

    def codes_of(i: int) -> frozenset[int]:
        if i not in sets:
            sets[i] = frozenset(code[first[i] : first[i] + size[i]].tolist())
        return sets[i]

    for vc, vd in sorted(pairs):
        c, d = visit_order[vc], visit_order[vd]
        if int(size[c]) < threshold * int(size[d]):
            continue
        sim = jaccard(codes_of(c), codes_of(d))
        if sim >= threshold:
            a, b = ids[c], ids[d]
            out.append((min(a, b), max(a, b), sim))
    return sorted(out)


def _section_label(section: str) -> str:
    """The label of a part named in a copied-text finding."""
    try:
        return T.label("part", section)
    except KeyError:
        return section


def check_copied_text(
    reports: pd.DataFrame,
    sections: pd.DataFrame,
    config: CheckConfig,
    subjects: Mapping[str, str],
    keys: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Given reports (and their :func:`body_keys`, when known) and sections, return
    overview/problems texts nearly identical to the same body's earlier report or to
    another body's report. The finding sits on the later report (by year, then
    report_id)."""
    if sections.empty:
        return []
    keys = body_keys(reports) if keys is None else keys
    info = {
        str(rid): (keys.get(str(rid)), -1 if _na(year) else int(year))
        for rid, year in zip(reports["report_id"], reports["year"], strict=True)
    }
    out = []
    sec = sections[sections["section"].isin(config.copy_sections) & sections["text"].notna()]
    for section, g in sec.groupby("section", sort=False, observed=True):
        # A report's texts of the section joined in table order, by sorted report id (a
        # plain loop: a Python aggregation per group costs more than the joining).
        parts: dict[str, list[str]] = defaultdict(list)
        for rid, text in zip(g["report_id"].tolist(), g["text"].tolist(), strict=True):
            if not _na(rid):
                parts[rid].append(str(text))
        texts = {
            str(rid): t
            for rid, t in ((r, "\n".join(parts[r])) for r in sorted(parts))
            if len(_SPACE.sub("", t)) >= config.copy_min_chars
        }
        del parts
        for ra, rb, sim in similar_texts(texts, config.copy_ngram, config.copy_threshold):
            ka = (info.get(ra, (None, -1))[1], ra)
            kb = (info.get(rb, (None, -1))[1], rb)
            later, earlier = (ra, rb) if ka > kb else (rb, ra)
            ag_l, _ = info.get(later, (None, -1))
            ag_e, yr_e = info.get(earlier, (None, -1))
            same = ag_l is not None and ag_l == ag_e
            yr_l = info.get(later, (None, -1))[1]
            if same and yr_e == yr_l and yr_e >= 0:
                # Two reports of one body and year: not "last year's", the other one.
                whom = f"本机关同一年度的另一份报告（{earlier}）"
            elif same:
                whom = f"本机关{yr_e}年报告" if yr_e >= 0 else f"本机关另一份报告（{earlier}）"
            else:
                whom = f"{subjects.get(earlier, earlier)}（{earlier}）"
            out.append(
                Finding(
                    later,
                    "copied_text",
                    "sections",
                    str(section),
                    None,
                    earlier,
                    f"{sim:.2f}",
                    f"{subjects.get(later, later)}“{_section_label(str(section))}”部分与{whom}"
                    f"几乎相同（相似度{sim:.0%}）。",
                    f"sections:{section}:{'same_body' if same else earlier}",
                )
            )
    return out
