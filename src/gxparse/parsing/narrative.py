"""Figures stated in prose: disclosure totals and channels (part 一), requests (part 一),
fees (part 六). Each figure keeps the clause it came from; counts written with 余/多/约
are flagged approximate. A sentence that states nothing countable yields nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from gxparse import template as T
from gxparse.normalize import nfkc

_CLAUSE = re.compile(r"[^。；;！!？?\n]+")


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(map(re.escape, words))


_COUNT = (
    r"(?P<approx1>约|近|超过)?\s*(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<approx2>余|多)?\s*"
    rf"(?P<unit>{_alternatives(T.PROSE_COUNT_UNITS)})"
)
_DISCLOSE = re.compile(r"(?:主动公开|发布|公开|推送|更新)[^，,、：:]{0,40}?" + _COUNT)
_TOTAL_WORDS = ("共", "累计", "全年", "总计", "合计", "全年共")
_RECEIVED = re.compile(
    r"(?:新收|收到|受理|接收|共收)[^。；，,]{0,20}?(?:政府信息公开|依申请公开)?[^。；，,]{0,10}?申请[^。；，,\d]{0,10}?"
    + _COUNT
)
_RECEIVED2 = re.compile(
    r"(?:受理|收到|新收)(?:依申请公开|政府信息公开申请)[^。；，,\d]{0,6}?" + _COUNT
)
_HANDLED = re.compile(r"(?:办理|办结|答复|处理)[^。；，,]{0,16}?申请[^。；，,\d]{0,6}?" + _COUNT)
_NONE_RECEIVED = re.compile(
    r"(?:没有|未|未有|无)(?:收到|受理|接到)?[^。；，,]{0,8}?(?:依申请公开|政府信息公开申请|公开申请)"
)
_ALL_SETTLED = re.compile(r"(?:均已|全部|均)(?:及时|按时|依法)?(?:办结|答复|处理完毕)")
_FEE_ZERO = re.compile(
    r"(?:未|没有|无|不)(?:收取|产生|收)[^。；]{0,20}?(?:费)|(?:费)[^。；]{0,30}?(?:均为|为)\s*0(?!\d)|无收取[^。；]{0,12}费"
)
_FEE_AMOUNT = re.compile(
    r"(?:收取|收费)[^。；\d]{0,20}?(?P<num>\d[\d,]*(?:\.\d+)?)\s*"
    rf"(?P<unit>{_alternatives(T.FEE_UNITS)})"
)
_CATEGORY = re.compile(r"^(?P<label>[^\d，,、]{2,20}?)\s*" + _COUNT + r"$")


@dataclass(frozen=True)
class Figure:
    metric: str
    value: Decimal
    approximate: bool
    quote: str
    source: str
    label: str | None = None
    parent: str | None = None
    unit: str | None = None


def _num(m: re.Match[str]) -> Decimal:
    return Decimal(m.group("num").replace(",", ""))


def _approx(m: re.Match[str]) -> bool:
    return bool(m.group("approx1") or m.group("approx2"))


def _channel(clause: str) -> str | None:
    for ch in T.CHANNELS:
        if any(k in clause for k in ch.keys):
            return "channel_" + ch.code
    return None


_UNITS = {e.code: e.unit for e in T.NARRATIVE_METRICS}


def _unit(metric: str) -> str | None:
    """The unit of a metric (a channel counts items, as the total does)."""
    if metric.startswith("channel_"):
        metric = "active_disclosure_total"
    return _UNITS.get(metric)


# Clauses about other things than disclosed items (documents, interpretations, meetings).
_NOT_ITEMS = (
    "规章",
    "规范性文件",
    "政策性文件",
    "解读",
    "公报",
    "会议",
    "访谈",
    "征集",
    "调查",
    "申请",
)
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])[ \t\u3000]+(?=[\u3400-\u9fff])")


def clean(text: str) -> str:
    """NFKC, and no spaces between two CJK characters (PDF extraction inserts them)."""
    return _CJK_GAP.sub("", nfkc(text))


def _is_total(clause: str) -> bool:
    if any(w in clause for w in _NOT_ITEMS):
        return False
    if "主动公开" in clause or "主动发布" in clause:
        return True
    return (
        any(w in clause for w in _TOTAL_WORDS)
        and "信息" in clause
        and ("发布" in clause or "公开" in clause)
    )


def disclosure_figures(paras: list[tuple[str, str]]) -> list[Figure]:
    """Total, per-channel counts and category breakdowns of actively disclosed items.

    The first clause stating how many items were actively disclosed is the total; a clause
    naming a channel ("通过微信公众号发布信息553条") is that channel's count (a total that
    names one channel is both); "label N 条" clauses after a figure break it down."""
    out: list[Figure] = []
    total_found = False
    for text, source in paras:
        for sentence in re.findall(r"[^。！!？?\n]+", clean(text)):
            quote = sentence.strip()

            def figure(
                metric: str,
                m: re.Match[str],
                label: str | None,
                parent: str | None,
                quote: str = quote,
                source: str = source,
            ) -> Figure:
                return Figure(
                    metric, _num(m), _approx(m), quote, source, label, parent, _unit(metric)
                )

            parent: str | None = None
            for clause in re.split(r"[，,；;]", sentence):
                c = clause.strip()
                if parent is not None:
                    cm = _CATEGORY.match(re.sub(r"^其中", "", c).strip())
                    if cm:
                        out.append(
                            figure(
                                "active_disclosure_category", cm, cm.group("label").strip(), parent
                            )
                        )
                        continue
                    parent = None
                m = _DISCLOSE.search(c)
                if not m or m.group("unit") not in T.ITEM_UNITS or any(w in c for w in _NOT_ITEMS):
                    continue
                channel = _channel(c[: m.start("num")])
                if not total_found and _is_total(c):
                    out.append(figure("active_disclosure_total", m, None, None))
                    total_found = True
                    parent = "active_disclosure_total"
                if channel:
                    out.append(figure(channel, m, None, "active_disclosure_total"))
                    parent = channel
                rest = c[m.end() :]
                if parent and "其中" in rest:
                    cm = _CATEGORY.match(rest.split("其中", 1)[1].strip())
                    if cm:
                        out.append(
                            figure(
                                "active_disclosure_category", cm, cm.group("label").strip(), parent
                            )
                        )
    return out


def request_figures(paras: list[tuple[str, str]]) -> list[Figure]:
    out: list[Figure] = []
    seen: set[str] = set()
    for text, source in paras:
        t = clean(text)
        for clause in _CLAUSE.findall(t):
            c = clause.strip()
            if "applications_received" not in seen:
                m = _RECEIVED.search(c) or _RECEIVED2.search(c)
                if m:
                    out.append(
                        Figure(
                            "applications_received",
                            _num(m),
                            _approx(m),
                            c,
                            source,
                            unit=_unit("applications_received"),
                        )
                    )
                    seen.add("applications_received")
                elif _NONE_RECEIVED.search(c):
                    out.append(
                        Figure(
                            "applications_received",
                            Decimal(0),
                            False,
                            c,
                            source,
                            unit=_unit("applications_received"),
                        )
                    )
                    seen.add("applications_received")
            if "applications_handled" not in seen:
                m = _HANDLED.search(c)
                if m and not (_RECEIVED.search(c) or _RECEIVED2.search(c)):
                    out.append(
                        Figure(
                            "applications_handled",
                            _num(m),
                            _approx(m),
                            c,
                            source,
                            unit=_unit("applications_handled"),
                        )
                    )
                    seen.add("applications_handled")
            if "applications_all_settled" not in seen and _ALL_SETTLED.search(c) and "申请" in t:
                out.append(Figure("applications_all_settled", Decimal(1), False, c, source))
                seen.add("applications_all_settled")
    return out


def fee_figures(paras: list[tuple[str, str]]) -> list[Figure]:
    for text, source in paras:
        t = clean(text)
        for clause in re.findall(r"[^。；;\n]+", t):
            if "费" not in clause:
                continue
            m = _FEE_AMOUNT.search(clause)
            if m:
                value = _num(m) * (Decimal(10000) if m.group("unit") == T.AMOUNT_UNIT else 1)
                return [
                    Figure(
                        "fees_charged",
                        value,
                        False,
                        clause.strip(),
                        source,
                        unit=_unit("fees_charged"),
                    )
                ]
            if _FEE_ZERO.search(clause):
                return [
                    Figure(
                        "fees_charged",
                        Decimal(0),
                        False,
                        clause.strip(),
                        source,
                        unit=_unit("fees_charged"),
                    )
                ]
    return []
