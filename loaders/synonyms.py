"""Header words → meaning, from data/reference/column_synonyms.csv and units.csv."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from .reference import REFERENCE_DIR, source_parent
from .text import fold


@dataclass(frozen=True)
class Synonym:
    """One row of column_synonyms.csv: a folded pattern and what it means."""

    role: str
    value: str
    match: str
    pattern: str

    def hits(self, part: str) -> bool:
        """Whether a folded header part carries this pattern."""
        if self.match == "exact":
            return part == self.pattern
        return f" {self.pattern} " in f" {part} "


@dataclass(frozen=True)
class Meaning:
    """What a column header (its parts, top to bottom) says about the column."""

    measure: str | None = None
    source: str | None = None
    is_rate: bool = False
    is_total: bool = False
    is_count: bool = False
    role: str | None = None  # label | stt | year | as_of | ignore, or None
    unit: str | None = None
    unit_factor: float | None = None
    period: str | None = None  # start | end: a count at the start or the end of the period
    stage: str | None = None  # before | adjustment | after: which plan, where a plan is adjusted
    subgroup: bool = False  # a sub-count (ethnic-minority households …): never added to the whole
    of_which: bool = False  # under "Trong đó": a part of the column beside it

    @property
    def known(self) -> bool:
        return bool(self.measure or self.source or self.is_rate or self.is_total or self.role or self.is_count
                    or self.stage or self.period or self.subgroup or self.of_which)


def _rows(name: str) -> list[dict[str, str]]:
    with open(REFERENCE_DIR / name, encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return list(csv.DictReader(lines))


@lru_cache(maxsize=1)
def synonyms() -> tuple[Synonym, ...]:
    """All header synonyms, longest pattern first (so the most specific wins)."""
    rows = [Synonym(r["role"], r["value"], r["match"], fold(r["pattern"]) or r["pattern"]) for r in _rows("column_synonyms.csv")]
    return tuple(sorted(rows, key=lambda s: -len(s.pattern)))


@lru_cache(maxsize=1)
def units() -> tuple[tuple[str, float, str], ...]:
    """(unit, factor to million VND, folded pattern), longest pattern first."""
    rows = [(r["unit"], float(r["factor_to_million"]), fold(r["pattern"])) for r in _rows("units.csv")]
    return tuple(sorted(rows, key=lambda u: -len(u[2])))


_UNIT_LEAD = re.compile(r"(don vi tinh|dvt|don vi)\s*(.*)$")
_BRACKETED = re.compile(r"\(([^()]*)\)")


def unit_in(text: object, *, after_label: bool = True) -> tuple[str, float] | None:
    """The money unit a text names ('Đơn vị tính: triệu đồng', '(đồng)'), or None.

    With after_label, only text after 'Đơn vị tính'/'ĐVT' counts (title blocks);
    otherwise a whole header part such as '(triệu đồng)' is enough.
    """
    key = fold(text)
    if after_label:
        m = _UNIT_LEAD.search(key)
        if not m:
            return None
        key = m.group(2)
    else:
        # In a header the unit stands in brackets ('(triệu đồng)') or alone, never inside other words:
        # 'Vốn huy động' (mobilised funds), 'lao động', 'cộng đồng' end in 'đồng' but name no unit.
        bracketed = _BRACKETED.findall(text if isinstance(text, str) else str(text))
        if not bracketed and key.replace("1 000", "1000") not in {pattern for _, _, pattern in units()}:
            return None
        key = " ".join(fold(part) for part in bracketed) or key
    key = key.replace("1 000", "1000").replace("1000 d", "1000 d")
    for unit, factor, pattern in units():
        if f" {pattern} " in f" {key} ":
            if not after_label and pattern in ("ty", "trieu"):
                continue  # a bare 'tỷ' in a header is too weak
            return unit, factor
    return None


def _finest(found: list[str]) -> str | None:
    """Of the sources a header names, the finest: 'NSTW › ĐTPT' is ĐTPT, else the first named."""
    for code in found:
        if not any(source_parent(other) == code for other in found if other != code):
            return code
    return found[0] if found else None


def classify(parts: list[str]) -> Meaning:
    """Meaning of a column from its header parts (already flattened, top to bottom)."""
    measure = role = unit = period = stage = None
    factor = None
    is_rate = is_total = is_count = subgroup = of_which = False
    measure_len = 0
    sources_found: list[str] = []
    for part in parts:
        key = fold(part)
        if not key:
            continue
        part_source = None
        for syn in synonyms():
            if not syn.hits(key):
                continue
            if syn.role == "measure" and len(syn.pattern) > measure_len:
                measure, measure_len = syn.value, len(syn.pattern)
            elif syn.role == "source" and part_source is None:
                part_source = syn.value  # the longest pattern of this part
            elif syn.role == "period" and period is None:
                period = syn.value
            elif syn.role == "plan_stage" and stage is None:
                stage = syn.value
            elif syn.role == "subgroup":
                subgroup = True
            elif syn.role == "of_which":
                of_which = True
            elif syn.role == "rate":
                is_rate = True
            elif syn.role == "total":
                is_total = True
            elif syn.role == "count":
                is_count = True
            elif syn.role in ("label", "stt", "year", "as_of", "ignore") and role is None:
                role = syn.role
        if part_source is not None and part_source not in sources_found:
            sources_found.append(part_source)
        found = unit_in(part, after_label=False)
        if found:
            unit, factor = found
    if role == "ignore":
        return Meaning(role="ignore")
    if stage == "adjustment" and measure is None:
        measure = "plan"  # "Điều chỉnh (+/-)" beside the plan columns: a change of the plan
    if measure == "plan" and period == "start":
        stage, period = stage or "before", None  # "KH giao đầu năm": the plan before adjustment
    return Meaning(measure, _finest(sources_found), is_rate, is_total, is_count, role if not measure else None, unit,
                   factor, period if measure != "plan" else None, stage if measure == "plan" else None, subgroup,
                   of_which)


@lru_cache(maxsize=65536)
def is_header_word(text: str) -> bool:
    """Whether one cell's text is a known header word ('Kế hoạch', 'STT', 'ĐTPT' …); cached, as cells repeat."""
    return classify([text]).known
