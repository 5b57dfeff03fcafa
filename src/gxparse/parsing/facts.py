"""Report facts from the title area and the text: body, year, place, level, date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from gxparse import template as T
from gxparse.normalize import is_page_furniture, nfkc
from gxparse.readers.layout import is_chrome

_WS = re.compile(r"[\s\u3000]+")
_TITLE = re.compile(
    r"(?P<before>.*?)(?:关于)?(?<![〔\[(（])(?P<year>(?:19|20)\d\d)(?![\d〕\]）)号])\s*年?\s*度?\s*(?P<after>.*?)(?:政\s*府\s*)?信\s*息\s*公\s*开\s*(?:工\s*作\s*)?(?:年\s*度\s*)?报\s*告"
)
# A title without a year ("驼峰路街道办事处政府信息公开工作年度报告").
_TITLE_NO_YEAR = re.compile(
    r"^(?P<before>[^《》，,。]{2,40}?)政\s*府\s*信\s*息\s*公\s*开\s*(?:工\s*作\s*)?(?:年\s*度\s*)?报\s*告$"
)
_LEAD_IN = re.compile("|".join(map(re.escape, T.TITLE_LEAD_INS)))
_CLAUSE_END = re.compile(r"[，,。；;:：》)）]")
_YEAR_WORD = re.compile(r"((?:19|20)\d\d)\s*年")
_PREFIXES = re.compile(r"^(?:标题[:：]|#+|\[bookmark:[^\]]*\])\s*")
_DATE = re.compile(r"((?:19|20)\d\d)\s*[年\-./]\s*(\d{1,2})\s*[月\-./]\s*(\d{1,2})\s*日?")
_PUBLISHED_LABEL = re.compile(r"(?:发布时间|发布日期|成文日期|发文日期|日期)[:：]?\s*")
_DATE_SPAN = 60  # characters after a label that can hold its date (spacing included)
_TAIL = 300  # the signature's date is printed within the last lines


@dataclass(frozen=True)
class Facts:
    agency_raw: str | None
    agency: str | None
    year: int | None
    published: date | None
    province: str | None
    city: str | None
    county: str | None
    level: str | None
    title_source: str | None


@lru_cache(maxsize=1)
def _converter():  # opencc loads its dictionaries once per process
    import opencc

    return opencc.OpenCC("t2s")


def normalise_agency(name: str) -> str:
    """Simplified characters (郟县 → 郏县), whitespace removed."""
    return _WS.sub("", _converter().convert(nfkc(name)))


def _agency_before(before: str) -> str:
    """The body named before the year of a title, or of the first sentence's
    "现公布X2020年…报告": what follows the last lead-in word or clause end."""
    found = list(_LEAD_IN.finditer(before))
    if found:
        before = before[found[-1].end() :]
    parts = _CLAUSE_END.split(before)
    return re.sub(r"(?:关于)$", "", parts[-1]).strip()


def find_title(lines: list[tuple[str, str]]) -> tuple[str | None, int | None, str | None]:
    """(agency as printed, year, source) from the first lines before part 一.

    The title may span two lines ("…人民政府" / "2023年政府信息公开工作年度报告"), start
    with the year ("2023年XX局政府信息…"), come as a crawler's "标题:" field, stand after
    page chrome, lack its year, or be only in the first sentence ("现公布X2020年…报告")."""
    cleaned = [(_PREFIXES.sub("", nfkc(t).strip()), s) for t, s in lines]
    # A title is short: long lines (prose, a crawler's one-line body) are cut before the
    # search, which keeps the non-greedy title pattern linear.
    cleaned = [
        (t[:160], s) for t, s in cleaned if t and not is_page_furniture(t) and not is_chrome(t)
    ]
    # One line first (a title standing alone), then two and three lines (a broken title).
    for span in (1, 2, 3):
        for i in range(len(cleaned) - span + 1):
            chunk = cleaned[i : i + span]
            text = "".join(t for t, _ in chunk)
            m = _TITLE.search(text)
            if not m:
                continue
            agency = _agency_before(m.group("before")) or m.group("after").strip()
            if not agency and i > 0 and span == 1:
                agency = cleaned[i - 1][0]
            if agency and len(agency) <= 60:
                return agency, int(m.group("year")), chunk[0][1]
    for t, src in cleaned:
        if m := _TITLE_NO_YEAR.match(t):
            return m.group("before").strip(), None, src
    return None, None, None


_SUFFIXES = sorted({k for e in T.LEVELS for k in e.keys} | set(T.BODY_SUFFIXES), key=len)
_SUBJECT = re.compile(
    r"(?:^|[。；;])\s*(?:19|20)\d\d\s*年(?:度|以来|全年)?\s*[，,]\s*"
    rf"(?P<name>[^{T.NOT_A_SUBJECT}\W\d][^\W\d]{{1,39}}?"
    rf"(?:{'|'.join(map(re.escape, reversed(_SUFFIXES)))}))"
    rf"(?={'|'.join(map(re.escape, T.SUBJECT_VERBS))})"
)


def agency_in_prose(paras: list[tuple[str, str]]) -> tuple[str | None, str | None]:
    """(the body, its source) named as the subject of an opening sentence ("2024年，平潭综合
    实验区坚持…"): for a text whose title is printed nowhere. The first such sentence of
    the first paragraphs wins; a pronoun or a clause names nobody."""
    for text, src in paras:
        m = _SUBJECT.search(nfkc(text)[:400])
        if m:
            return m.group("name"), src
    return None, None


def year_from_text(text: str) -> int | None:
    """The year the opening text speaks of most ("2020年，我镇…", "2020年度我街办…"),
    when neither the title nor the statistics period gives it. Ties: none."""
    counts: dict[int, int] = {}
    for m in _YEAR_WORD.finditer(nfkc(text[:3000])):
        y = int(m.group(1))
        counts[y] = counts.get(y, 0) + 1
    if not counts:
        return None
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None
    return ranked[0][0]


_PERIOD = re.compile(
    r"(?:统计期限|统计时限|统计期间|统计区间|统计时间)[^。]{0,12}?((?:19|20)\d\d)\s*年\s*1\s*月\s*1\s*日[^。]{0,8}?((?:19|20)\d\d)\s*年\s*12\s*月\s*31\s*日"
)


def year_from_period(text: str) -> int | None:
    """The report year from its stated statistics period ("统计期限自2024年1月1日起至
    2024年12月31日止"), when the title does not give it."""
    m = _PERIOD.search(re.sub(r"\s+", "", nfkc(text[:5000])))
    if m and m.group(1) == m.group(2):
        return int(m.group(1))
    return None


def find_published(text: str, year: int | None) -> date | None:
    """The publication date: a labelled date ("发布时间: 2025-03-10") or the date printed
    at the end under the signature; only dates after the report year count."""
    # Only the text after each label and the end are normalised, not the whole report:
    # the labels are Hanzi, which NFKC leaves as they are.
    candidates = []
    for m in _PUBLISHED_LABEL.finditer(text):
        d = _DATE.match(nfkc(text[m.end() : m.end() + _DATE_SPAN]))
        if d:
            candidates.append(d)
    if not candidates:
        tail = nfkc(text[-2 * _TAIL :])[-_TAIL:]
        candidates = list(_DATE.finditer(tail))[-1:]
    for d in candidates:
        try:
            day = date(int(d.group(1)), int(d.group(2)), int(d.group(3)))
        except ValueError:
            continue
        if year is None or day.year > year:
            return day
    return None


_PROVINCE_SHORT = {
    p: re.sub(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$", "", p)
    for p in T.PROVINCES
}
_ANY_PROVINCE = re.compile("|".join(map(re.escape, T.PROVINCES)))
_CITY = re.compile(r"([\u4e00-\u9fa5]{2,6}?(?:市|自治州|地区|盟))")
_COUNTY = re.compile(r"([\u4e00-\u9fa5]{1,6}?(?:县|区|旗|市))")


def locate(agency: str, text: str) -> tuple[str | None, str | None, str | None]:
    """(province, city, county) as far as the agency name (or an explicit province name in
    the text) names them; NA otherwise. Never inferred from a gazetteer guess."""
    province = city = county = None
    rest = agency
    for p, short in _PROVINCE_SHORT.items():
        if rest.startswith(p) or (
            len(short) >= 2 and rest.startswith(short) and not rest.startswith(short + "县")
        ):
            province = p
            rest = rest[len(p) if rest.startswith(p) else len(short) :]
            break
    if province is None:
        head = nfkc(text[:3000])
        # One search says whether any province is named at all (usually none is).
        hits = [p for p in T.PROVINCES if p in head] if _ANY_PROVINCE.search(head) else []
        if len(hits) == 1:
            province = hits[0]
    if province in T.MUNICIPALITIES:
        city = province
    m = _CITY.match(rest)
    if m and m.group(1) != rest and city is None:
        city = m.group(1)
        rest = rest[len(city) :]
    m = _COUNTY.match(rest)
    if (m and not rest.startswith(m.group(1) + "人民政府")) or (
        m and province and m.group(1) != rest
    ):
        county = m.group(1)
    elif m:
        county = m.group(1)
    if (
        county is not None
        and county.endswith("市")
        and city is None
        and not agency.endswith("市人民政府")
    ):
        county = None
    if (
        county is not None
        and agency.startswith(county)
        and agency.endswith(("市人民政府",))
        and county.endswith("市")
    ):
        city, county = county, None
    return province, city, county


def level_of(agency: str) -> str | None:
    """Administrative level from the name's suffix (街道, 镇/乡, 局/委, 县/区, 市 ...)."""
    name = re.sub(r"(人民政府|政府)?(办公室)?$", lambda m: m.group(1) or "", agency)
    for entry in T.LEVELS:
        for k in entry.keys:
            if (
                agency.endswith(k)
                or name.endswith(k)
                or (k in agency and entry.code in ("street_office",))
            ):
                return entry.code
    return None
