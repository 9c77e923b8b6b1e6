"""Reference tables (districts, projects, funding sources, measures) read from data/reference."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from .text import fold

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = ROOT / "data" / "reference"
BOUNDARIES_DIR = ROOT / "data" / "boundaries"
SAMPLES_DIR = ROOT / "data" / "samples"

# Text starting with these is a formula (or an injection attempt), never a name.
FORMULA_PREFIXES = ("=", "+", "-", "@")
# Below this rapidfuzz score a name is not taken as a district (issue 3 tunes it).
FUZZY_THRESHOLD = 88.0


@dataclass(frozen=True)
class District:
    """A district-level unit, keyed by its GSO code."""

    code: str
    province_code: str
    name_vi: str
    short_vi: str
    name_ascii: str
    name_en: str
    type_vi: str
    communes_2017: int

    def label(self, lang: str = "vi", short: bool = True) -> str:
        """Display name in the chosen language."""
        if lang == "en":
            return self.name_en.replace(" District", "") if short else self.name_en
        return self.short_vi if short else self.name_vi


@dataclass(frozen=True)
class Component:
    """A programme project (1, 2 …) or sub-project (1.1, 2.3 …)."""

    code: str
    parent_code: str | None
    level: str
    applies_lai_chau: bool
    short_vi: str
    name_vi: str
    short_en: str
    name_en: str

    @property
    def project_code(self) -> str:
        """The project this component rolls up to (itself for a project)."""
        return self.parent_code or self.code

    def label(self, lang: str = "vi", short: bool = True) -> str:
        """Display name in the chosen language."""
        if lang == "en":
            return self.short_en if short else self.name_en
        return self.short_vi if short else self.name_vi


@dataclass(frozen=True)
class Source:
    """A funding source (nguồn vốn)."""

    code: str
    short_vi: str
    name_vi: str
    short_en: str
    name_en: str

    def label(self, lang: str = "vi", short: bool = True) -> str:
        """Display name in the chosen language."""
        if lang == "en":
            return self.short_en if short else self.name_en
        return self.short_vi if short else self.name_vi


@dataclass(frozen=True)
class Measure:
    """A measure: what a value counts, and its unit."""

    code: str
    dataset: str
    unit: str
    name_vi: str
    name_en: str

    def label(self, lang: str = "vi") -> str:
        """Display name in the chosen language."""
        return self.name_en if lang == "en" else self.name_vi


def _read(name: str) -> list[dict[str, str]]:
    with open(REFERENCE_DIR / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def districts() -> dict[str, District]:
    """All districts by GSO code, in code order."""
    out = {}
    for r in _read("districts.csv"):
        out[r["code"]] = District(
            code=r["code"],
            province_code=r["province_code"],
            name_vi=r["name_vi"],
            short_vi=r["short_vi"],
            name_ascii=r["name_ascii"],
            name_en=r["name_en"],
            type_vi=r["type_vi"],
            communes_2017=int(r["communes_2017"]),
        )
    return out


@lru_cache(maxsize=1)
def components() -> dict[str, Component]:
    """All projects and sub-projects by code, in programme order."""
    return {
        r["code"]: Component(
            code=r["code"],
            parent_code=r["parent_code"] or None,
            level=r["level"],
            applies_lai_chau=r["applies_lai_chau"] == "1",
            short_vi=r["short_vi"],
            name_vi=r["name_vi"],
            short_en=r["short_en"],
            name_en=r["name_en"],
        )
        for r in _read("components.csv")
    }


def leaf_components() -> dict[str, Component]:
    """Components that carry money: sub-projects, and projects without sub-projects.

    Money is stored at this level only, so a project total is always a sum of
    its parts and never stored beside them.
    """
    parents = {c.parent_code for c in components().values() if c.parent_code}
    return {k: c for k, c in components().items() if k not in parents}


@lru_cache(maxsize=1)
def sources() -> dict[str, Source]:
    """All funding sources by code."""
    return {
        r["code"]: Source(r["code"], r["short_vi"], r["name_vi"], r["short_en"], r["name_en"])
        for r in _read("sources.csv")
    }


@lru_cache(maxsize=1)
def measures() -> dict[str, Measure]:
    """All measures by code."""
    return {
        r["code"]: Measure(r["code"], r["dataset"], r["unit"], r["name_vi"], r["name_en"])
        for r in _read("measures.csv")
    }


@lru_cache(maxsize=1)
def status_30a() -> dict[tuple[str, int], bool]:
    """Whether a district was a 30a poor district in a year."""
    return {(r["district_code"], int(r["year"])): r["is_30a"] == "1" for r in _read("district_30a.csv")}


@lru_cache(maxsize=1)
def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for d in districts().values():
        for name in (d.code, d.name_vi, d.short_vi, d.name_ascii, d.name_en):
            index[fold(name)] = d.code
    for r in _read("district_aliases.csv"):
        index[fold(r["alias"])] = r["district_code"]
    return index


_PREFIXES = ("thanh pho ", "tp ", "thi xa ", "tx ", "huyen ", "h ")


def match_district(name: object) -> tuple[str | None, float, list[str]]:
    """Find the district a name refers to: (code, score 0–100, closest codes).

    Aliases and GSO codes match exactly (score 100); otherwise rapidfuzz picks
    the closest alias, accepted only above FUZZY_THRESHOLD. The third item lists
    the closest districts, for an error message's suggestion.
    """
    if isinstance(name, str) and name.lstrip()[:1] in FORMULA_PREFIXES:
        return None, 0.0, []  # '=HYPERLINK(…,"Mường Tè")' is not a district, whatever it names
    key = fold(name)
    if key.endswith(".0") and key[:-2].isdigit():
        key = key[:-2]
    index = _alias_index()
    if key in index:
        return index[key], 100.0, [index[key]]
    for prefix in _PREFIXES:
        if key.startswith(prefix) and key[len(prefix):] in index:
            return index[key[len(prefix):]], 100.0, [index[key[len(prefix):]]]
    if not key:
        return None, 0.0, []
    hits = process.extract(key, list(index), scorer=fuzz.WRatio, limit=6)
    closest: list[str] = []
    for alias, _score, _ in hits:
        if index[alias] not in closest:
            closest.append(index[alias])
    best_alias, best_score, _ = hits[0]
    if best_score >= FUZZY_THRESHOLD:
        return index[best_alias], float(best_score), closest[:3]
    return None, float(best_score), closest[:3]


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
