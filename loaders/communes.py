"""Which commune, ward or township (xã, phường, thị trấn) a row label names, within its district.

Communes are matched inside one district: names repeat across districts ("Mường Tè" is a township and a
commune of Mường Tè district, and a commune of Lai Châu's Mường Tè is unrelated to Sơn La's), so the
district comes first, from the row above, the title block or the sheet name. A label that carries a
commune's type word ("Xã …", "TT …", "P. …") is a commune whatever else it resembles: "Xã Mường Tè"
is never the district. The reference tables are loaders/reference.py's ``communes()`` and
``commune_aliases()``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from .matching import FUZZY_THRESHOLD
from .reference import Commune, commune_aliases, communes, communes_of, districts
from .text import FORMULA_PREFIXES, fold

# A commune's type word as written before its name, folded, with the type it names.
TYPE_WORDS = (("thi tran ", "Thị trấn"), ("tt ", "Thị trấn"), ("xa ", "Xã"), ("x ", "Xã"), ("phuong ", "Phường"),
              ("p ", "Phường"))


@dataclass(frozen=True)
class CommuneMatch:
    """What a label names among a district's communes.

    ``code``: the commune (None when none or several); ``score``: 100 for an exact name or alias, the
    fuzzy score otherwise; ``candidates``: the communes it could be (several: ambiguous, say which);
    ``elsewhere``: a commune of another district of the province with exactly that name (an error that
    names that district).
    """

    code: str | None
    score: float = 0.0
    candidates: tuple[str, ...] = ()
    elsewhere: str | None = None


def typed(label: object) -> tuple[str | None, str]:
    """(the type a label's type word names, or None; the folded name without it): 'TT Phong Thổ' →
    ('Thị trấn', 'phong tho')."""
    key = fold(label)
    for word, kind in TYPE_WORDS:
        if key.startswith(word) and len(key) > len(word):
            return kind, key[len(word):]
    return None, key


def is_commune_label(label: object) -> bool:
    """Whether a label says itself that it is a commune, ward or township ('Xã Bản Bo', 'TT Tân Uyên')."""
    return isinstance(label, str) and typed(label)[0] is not None


@lru_cache(maxsize=1024)
def _names(district_code: str) -> dict[str, tuple[str, ...]]:
    """Folded name (bare, typed, ASCII and English) → the codes of the district's communes with it."""
    out: dict[str, list[str]] = {}
    for c in communes_of(district_code):
        for name in (c.short_vi, c.name_vi, c.name_ascii, c.name_en):
            out.setdefault(fold(name), []).append(c.code)
    aliases = commune_aliases()
    for alias, code in aliases.items():
        if communes().get(code) is not None and communes()[code].district_code == district_code:
            out.setdefault(alias, []).append(code)
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}


def _of_type(codes: tuple[str, ...], kind: str | None) -> tuple[str, ...]:
    return codes if kind is None else tuple(c for c in codes if communes()[c].type_vi == kind)


def match_commune(label: object, district_code: str, province_code: str | None = None) -> CommuneMatch:
    """The commune of district_code that label names (see CommuneMatch).

    Exact names and aliases first (with the type word when the label gives one: 'TT Mường Tè' is the
    township, 'Xã Mường Tè' the commune, a bare 'Mường Tè' is both and so ambiguous); then a fuzzy match
    above FUZZY_THRESHOLD among the district's names; then the same name in another district of the
    province, reported as ``elsewhere``.
    """
    if not isinstance(label, str) or not label.strip() or label.lstrip()[:1] in FORMULA_PREFIXES:
        return CommuneMatch(None)
    kind, bare = typed(label)
    names = _names(district_code)
    whole = fold(label)
    found = _of_type(names.get(bare, ()), kind) or names.get(whole, ())
    if len(found) == 1:
        return CommuneMatch(found[0], 100.0, found)
    if len(found) > 1:
        return CommuneMatch(None, 100.0, found)
    if names:
        hits = process.extract(bare, list(names), scorer=fuzz.WRatio, limit=3)
        best, score, _ = hits[0]
        codes = _of_type(names[best], kind)
        if score >= FUZZY_THRESHOLD and len(codes) == 1:
            return CommuneMatch(codes[0], float(score), codes)
    if province_code is not None:
        other = [c for c in communes().values() if c.province_code == province_code
                 and c.district_code != district_code and fold(c.short_vi) == bare
                 and (kind is None or c.type_vi == kind)]
        if len(other) == 1:
            return CommuneMatch(None, 0.0, (), other[0].code)
    return CommuneMatch(None)


def commune_name(code: str, lang: str = "vi") -> str:
    """A commune's full name ('Xã Bản Bo', 'Ban Bo Commune'), or the code when unknown."""
    commune: Commune | None = communes().get(code)
    if commune is None:
        return code
    return commune.name_en if lang == "en" else commune.name_vi


# How a title or sheet name calls a district: its type word before its name.
_DISTRICT_WORDS = ("huyen", "thanh pho", "tp", "thi xa", "tx", "quan")


@lru_cache(maxsize=128)
def _district_patterns(province_code: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    out = []
    for d in districts(province_code).values():
        bare = fold(d.short_vi)
        for word in ("tp ", "tx "):
            bare = bare[len(word):] if bare.startswith(word) else bare
        words = "|".join(_DISTRICT_WORDS)
        out.append((d.code, re.compile(rf"\b(?:{words})\s+{re.escape(bare)}\b")))
    return tuple(out)


def district_named(text: object, province_code: str) -> str | None:
    """The one district of the province a title line or sheet name names with its type word ('UBND HUYỆN MƯỜNG
    TÈ', 'Phòng LĐ-TB&XH thành phố Lai Châu'), or None (none, or several: a report of the whole province)."""
    key = fold(text)
    if not key:
        return None
    found = {code for code, pattern in _district_patterns(province_code) if pattern.search(key)}
    return found.pop() if len(found) == 1 else None


def has_district_word(label: object) -> bool:
    """Whether a row label calls itself a district ('Huyện Mường Tè', 'TP Lai Châu')."""
    key = fold(label)
    return any(key.startswith(f"{word} ") for word in (*_DISTRICT_WORDS, "h"))
