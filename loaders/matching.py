"""Matching names as spreadsheets write them to the reference tables: districts (within a province, with aliases,
prefixes, diacritics and misspellings), provinces, and codes of a column's list. The tables themselves are
loaders/reference.py; communes and agencies are matched in loaders/communes.py and loaders/agencies.py."""

from __future__ import annotations

import re
from functools import lru_cache
from numbers import Real

from rapidfuzz import fuzz, process

from .reference import DEFAULT_PROVINCE, _read, all_districts, districts, province_of, provinces
from .text import FORMULA_PREFIXES, fold

# Below this rapidfuzz score a name is not taken as a district, commune or agency (issue 3 tunes it).
FUZZY_THRESHOLD = 88.0


_PREFIXES = ("thanh pho ", "tp ", "thi xa ", "tx ", "huyen ", "h ", "quan ", "q ")
# The type word of a district's official name: "Thị xã Sầm Sơn" is also written "TP Sầm Sơn" after it became a city.
_TYPE_WORDS = ("thanh pho ", "thi xa ", "huyen ", "quan ")


def _bare(name: str) -> str:
    """A folded name without its type word ('huyen muong te' → 'muong te'); numbered quận keep theirs."""
    key = fold(name)
    for word in _TYPE_WORDS:
        if key.startswith(word) and not key[len(word):].isdigit():
            return key[len(word):]
    return key


@lru_cache(maxsize=128)
def _alias_index(province_code: str) -> dict[str, str]:
    """Folded name → district code, for the districts of one province only (names repeat across provinces)."""
    index: dict[str, str] = {}
    own = districts(province_code)
    for d in own.values():
        for name in (d.name_vi, d.short_vi, d.name_ascii, d.name_en):
            index[fold(name)] = d.code
    for r in _read("district_aliases.csv"):
        if r["district_code"] in own:
            index[fold(r["alias"])] = r["district_code"]
    for d in own.values():  # the bare name, unless another unit of the province has it (TP Cao Lãnh, Huyện Cao Lãnh)
        bare = _bare(d.name_vi)
        if bare and sum(_bare(o.name_vi) == bare for o in own.values()) == 1:
            index.setdefault(bare, d.code)
        if bare.startswith("quan ") and bare[5:].isdigit():  # "Q.1", "Q1" for Quận 1
            index.setdefault(f"q {bare[5:]}", d.code)
            index.setdefault(f"q{bare[5:]}", d.code)
    return index


@lru_cache(maxsize=1)
def _national_index() -> dict[str, tuple[str, ...]]:
    """Folded name → every district code with that name anywhere in the country (for suggestions)."""
    out: dict[str, list[str]] = {}
    for code in provinces():
        for key, district in _alias_index(code).items():
            out.setdefault(key, []).append(district)
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}


def _key(name: object) -> str:
    """The folded text of a cell; a number typed as 112.0 or "112.0" reads as "112"."""
    if isinstance(name, float) and name.is_integer():
        name = int(name)
    key = fold(name)
    if key.endswith(" 0") and key[:-2].isdigit():  # fold turned "112.0" into "112 0"
        key = key[:-2]
    return key


def _numeric_code(value: object) -> str | None:
    """A district code a spreadsheet cell holds as a number (1 or 1.0 → "001"), else None."""
    if isinstance(value, bool) or not isinstance(value, Real):
        return None  # text ("1", "001") keeps its own digits: "1" is a row number, not Ba Đình
    number = float(value)
    if not number.is_integer():
        return None
    return f"{int(number):03d}" if 0 <= number <= 999 else None


def _exact(key: str, index: dict[str, str]) -> str | None:
    if key in index:
        return index[key]
    for prefix in _PREFIXES:
        if key.startswith(prefix) and key[len(prefix):] in index:
            return index[key[len(prefix):]]
    return None


def _elsewhere(key: str, province_code: str) -> list[str]:
    """Districts of other provinces whose name is exactly this one ('Điện Biên Đông' in a Lai Châu file)."""
    national = _national_index()
    found = national.get(key, ())
    if not found:
        for prefix in _PREFIXES:
            if key.startswith(prefix) and key[len(prefix):] in national:
                found = national[key[len(prefix):]]
                break
    return [c for c in found if province_of(c) != province_code]


def match_district(name: object, province_code: str = DEFAULT_PROVINCE) -> tuple[str | None, float, list[str]]:
    """Find the district a name refers to: (code, score 0–100, closest codes).

    A GSO district code matches nationwide; names and aliases only among the
    districts of ``province_code`` (default Lai Châu), since names repeat across
    provinces (Tân Uyên, Châu Thành …). Aliases match exactly (score 100);
    otherwise rapidfuzz picks the closest alias of the province, accepted only
    above FUZZY_THRESHOLD and only when no other province has a district of
    exactly that name. The third item lists the closest districts, for an error
    message's suggestion: a same-named district of another province comes first.
    A number (1, 1.0, 107 from a spreadsheet cell) is a code whose leading zeros
    the cell dropped: zero-padded to three digits ("001"); text is never padded.
    """
    if isinstance(name, str) and name.lstrip()[:1] in FORMULA_PREFIXES:
        return None, 0.0, []  # '=HYPERLINK(…,"Mường Tè")' is not a district, whatever it names
    if (padded := _numeric_code(name)) is not None:
        return (padded, 100.0, [padded]) if padded in all_districts() else (None, 0.0, [])
    key = _key(name)
    if key in all_districts():
        return key, 100.0, [key]
    index = _alias_index(province_code)
    if (code := _exact(key, index)) is not None:
        return code, 100.0, [code]
    if not key or not index:
        return None, 0.0, []
    if key.isdigit():  # a number that is no district code: a row number, never "Quận 1" by likeness
        return None, 0.0, []
    elsewhere = _elsewhere(key, province_code)
    hits = process.extract(key, list(index), scorer=fuzz.WRatio, limit=6)
    closest: list[str] = list(elsewhere[:2])
    for alias, _score, _ in hits:
        if index[alias] not in closest:
            closest.append(index[alias])
    best_alias, best_score, _ = hits[0]
    if best_score >= FUZZY_THRESHOLD and not elsewhere:
        return index[best_alias], float(best_score), closest[:3]
    return None, float(best_score), closest[:3]


# Other ways a province is written, beyond its names in provinces.csv.
_PROVINCE_ALIASES = {"79": ("hcm", "tp hcm", "tphcm", "sai gon"), "06": ("bac can",), "66": ("dac lac",)}
_PROVINCE_WORDS = ("uy ban nhan dan ", "ubnd ")


@lru_cache(maxsize=1)
def _province_index() -> tuple[dict[str, str], dict[str, str], re.Pattern[str]]:
    """Folded names → province code, and a pattern finding 'tỉnh X' / 'thành phố X' inside a longer text."""
    index: dict[str, str] = {}
    embedded: dict[str, str] = {}
    for p in provinces().values():
        short = fold(p.short_vi)
        city = p.type_vi != "Tỉnh"
        names = {fold(p.name_vi), short, fold(p.name_ascii), fold(p.name_en), fold(p.label("en")),
                 *_PROVINCE_ALIASES.get(p.code, ())}
        names |= {f"tinh {short}"} | ({f"thanh pho {short}", f"tp {short}"} if city else set())
        for name in names:
            index[name] = p.code
        # inside a line: "UBND TỈNH ĐIỆN BIÊN", "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI TỈNH LAI CHÂU";
        # "thành phố X" only for centrally-run cities ("Thành phố Lai Châu" is a district)
        embedded[f"tinh {short}"] = p.code
        if city:
            embedded[f"thanh pho {short}"] = embedded[f"tp {short}"] = p.code
            for alias in _PROVINCE_ALIASES.get(p.code, ()):
                embedded[alias if alias.startswith("tp") else f"tp {alias}"] = p.code
    alternatives = "|".join(re.escape(k) for k in sorted(embedded, key=len, reverse=True))
    return index, embedded, re.compile(rf"(?:^|\s)({alternatives})(?:\s|$)")


def match_province(name: object) -> str | None:
    """The GSO code of the province a text names: '12', 'Tỉnh Lai Châu', 'UBND TỈNH LAI CHÂU', 'TP Hà Nội' …"""
    if isinstance(name, str) and name.lstrip()[:1] in FORMULA_PREFIXES:
        return None
    key = _key(name)
    if not key:
        return None
    if key.isdigit():  # a GSO code, two digits ("01" … "96")
        return key if key in provinces() else None
    index, embedded, pattern = _province_index()
    for word in _PROVINCE_WORDS:
        if key.startswith(word):
            key = key[len(word):]
            break
    if key in index:
        return index[key]
    m = pattern.search(key)
    return embedded[m.group(1)] if m else None


def match_code(value: object, labels: dict[str, tuple[str, ...]]) -> str | None:
    """Match a code given as code, 'code – label' or one of its labels (accent-insensitive)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text in labels:
        return text
    head = text.split(" ", 1)[0].strip(" –-:")
    if head in labels:
        return head
    key = fold(text)
    for code, names in labels.items():
        if key == fold(code) or any(key == fold(n) for n in names):
            return code
    return None
