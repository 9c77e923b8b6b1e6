"""Which provincial agency a row label names, and where a report's province-level part begins and ends.

A province's consolidated report often lists its own agencies before its districts::

    A. CẤP TỈNH                     ← the province's own level: rows below are agencies
       Sở Nông nghiệp và PTNT
       Ban Dân tộc tỉnh
    B. CẤP HUYỆN                    ← the districts again
       Huyện Mường Tè …

Agencies are matched against ``reference.agencies()`` (names and aliases, then a close spelling); a
label that names none is an error with its cell, never a guess: the analyst renames the row or adds the
agency to data/reference/agencies.csv.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from .matching import FUZZY_THRESHOLD
from .reference import agencies, provinces
from .text import FORMULA_PREFIXES, fold

# "A. CẤP TỈNH", "I - Khối tỉnh", "Các sở, ban, ngành tỉnh", "Khối các sở, ngành tỉnh", "Đơn vị cấp tỉnh" (folded)
_PROVINCE_PART = re.compile(r"^(?:[a-d]|[ivx]+|\d+)?\s*(?:(?:cap|khoi|don vi cap|cac don vi cap) tinh"
                            r"|(?:khoi )?(?:cac )?so(?: ban)? nganh(?: tinh)?)(?:\s|$)")
# "B. CẤP HUYỆN", "II. Khối huyện", "Các huyện, thành phố" (folded)
_DISTRICT_PART = re.compile(r"^(?:[a-d]|[ivx]+|\d+)?\s*(?:(?:cap|khoi|don vi cap) (?:huyen|xa)"
                            r"|cac huyen(?: thanh pho| tp| thi xa)?)(?:\s|$)")


def part_heading(label: object) -> str | None:
    """'province' for a heading that opens the province's own part ('A. CẤP TỈNH'), 'district' for one that
    opens the districts' part ('B. CẤP HUYỆN'), else None."""
    key = fold(label)
    if not key or len(key) > 60:
        return None
    if _PROVINCE_PART.match(key):
        return "province"
    if _DISTRICT_PART.match(key):
        return "district"
    return None


@dataclass(frozen=True)
class AgencyMatch:
    """What a label names among the agencies: ``code`` (None when none), ``score`` (100 exact), ``closest``
    (the nearest names, for the message when none is found)."""

    code: str | None
    score: float = 0.0
    closest: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """Folded name or alias → agency code."""
    out: dict[str, str] = {}
    for agency in agencies().values():
        for name in (agency.name_vi, agency.name_en, *agency.aliases):
            out.setdefault(fold(name), agency.code)
    return out


@lru_cache(maxsize=1)
def _province_suffix() -> re.Pattern[str]:
    """' tỉnh Lai Châu', ' tỉnh', ' Lai Châu' at a label's end (folded): the agency is the same without it."""
    names = "|".join(sorted({re.escape(fold(p.short_vi)) for p in provinces().values()}, key=len, reverse=True))
    return re.compile(rf"(?:\s+tinh)?(?:\s+(?:{names}))?$")


def _bare(label: str) -> str:
    key = fold(label)
    key = re.sub(r"^(?:\d+|[a-z])\s+", "", key)  # "1. Sở Y tế", "a) Ban Dân tộc"
    return _province_suffix().sub("", key)


def match_agency(label: object) -> AgencyMatch:
    """The agency a row label names: exact name or alias (with or without 'tỉnh …' after it), then the
    closest spelling above FUZZY_THRESHOLD (a whole-name ratio: 'Ban QLDA các công trình giao thông' is not
    'Ban QLDA')."""
    if not isinstance(label, str) or not label.strip() or label.lstrip()[:1] in FORMULA_PREFIXES:
        return AgencyMatch(None)
    names = _names()
    for key in (fold(label), _bare(label)):
        if key in names:
            return AgencyMatch(names[key], 100.0, (names[key],))
    hits = process.extract(_bare(label), list(names), scorer=fuzz.ratio, limit=3)
    closest = tuple(dict.fromkeys(names[h[0]] for h in hits))
    if hits and hits[0][1] >= FUZZY_THRESHOLD:
        return AgencyMatch(names[hits[0][0]], float(hits[0][1]), closest)
    return AgencyMatch(None, float(hits[0][1]) if hits else 0.0, closest)


def agency_name(code: str, lang: str = "vi") -> str:
    """An agency's name in the chosen language, or the code when unknown."""
    agency = agencies().get(code)
    return agency.label(lang) if agency else code
