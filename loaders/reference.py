"""Reference tables (provinces, districts, projects, funding sources, measures, communes, agencies) read from
data/reference. Matching names written in spreadsheets to them is loaders/matching.py (and communes.py, agencies.py)."""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .text import fold

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = ROOT / "data" / "reference"
BOUNDARIES_DIR = ROOT / "data" / "boundaries"
SAMPLES_DIR = ROOT / "data" / "samples"

# The province whose districts a name is matched among when nothing says otherwise (GSO code of Lai Châu).
DEFAULT_PROVINCE = "12"


@dataclass(frozen=True)
class Province:
    """A province or centrally-run city (2016–2020 boundaries), keyed by its GSO code."""

    code: str
    name_vi: str
    short_vi: str
    name_ascii: str
    name_en: str
    type_vi: str
    region: str

    def label(self, lang: str = "vi", short: bool = True) -> str:
        """Display name in the chosen language."""
        if lang == "en":
            return self.name_en.removesuffix(" Province").removesuffix(" City") if short else self.name_en
        return self.short_vi if short else self.name_vi


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
    communes_2017: int | None  # known for Lai Châu only
    # "district", or "province" for the province's own level (its agencies: "A. CẤP TỈNH" in a report),
    # an org unit beside the districts with a code of its own (province_level_code)
    level: str = "district"

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
    parent_code: str | None = None  # central_investment and central_recurrent are parts of central

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
    # plausible size of one cell, in the unit: above warn_above a warning, above error_above an error
    warn_above: float | None = None
    error_above: float | None = None

    def label(self, lang: str = "vi") -> str:
        """Display name in the chosen language."""
        return self.name_en if lang == "en" else self.name_vi


def _read(name: str) -> list[dict[str, str]]:
    with open(REFERENCE_DIR / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def provinces() -> dict[str, Province]:
    """The 63 provinces and centrally-run cities by GSO code, in code order."""
    rows = sorted(_read("provinces.csv"), key=lambda r: r["code"])
    return {r["code"]: Province(r["code"], r["name_vi"], r["short_vi"], r["name_ascii"], r["name_en"], r["type_vi"],
                                r["region"]) for r in rows}


@lru_cache(maxsize=1)
def all_districts() -> dict[str, District]:
    """Every district-level unit of the country by GSO code, in code order."""
    out = {}
    for r in sorted(_read("districts.csv"), key=lambda r: r["code"]):
        out[r["code"]] = District(
            code=r["code"],
            province_code=r["province_code"],
            name_vi=r["name_vi"],
            short_vi=r["short_vi"],
            name_ascii=r["name_ascii"],
            name_en=r["name_en"],
            type_vi=r["type_vi"],
            communes_2017=int(r["communes_2017"]) if r["communes_2017"].strip() else None,
        )
    for province in provinces().values():  # each province's own level, after the districts
        code = province_level_code(province.code)
        out[code] = District(code, province.code, f"Cấp tỉnh {province.short_vi}", "Cấp tỉnh",
                             "Cap tinh", "Province level", "Cấp tỉnh", None, level="province")
    return out


def province_level_code(province_code: str) -> str:
    """The org-unit code of a province's own level ('T12' for Lai Châu): the agencies of the province
    (Sở NN&PTNT, project boards …) that spend programme money beside its districts."""
    return f"T{province_code}"


def is_province_level(code: object) -> bool:
    """Whether an org-unit code is a province's own level rather than a district."""
    unit = all_districts().get(str(code))
    return unit is not None and unit.level == "province"


@lru_cache(maxsize=128)
def districts(province_code: str = DEFAULT_PROVINCE) -> dict[str, District]:
    """The districts of one province (default Lai Châu) by GSO code, in code order (not its own level)."""
    return {code: d for code, d in all_districts().items() if d.province_code == province_code and d.level == "district"}


def province_of(district_code: object) -> str | None:
    """The GSO code of the province a district belongs to, or None for an unknown code."""
    d = all_districts().get(str(district_code))
    return d.province_code if d else None


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
    """All funding sources by code, parents (central) with their parts (central_investment …)."""
    return {
        r["code"]: Source(r["code"], r["short_vi"], r["name_vi"], r["short_en"], r["name_en"], r["parent_code"] or None)
        for r in _read("sources.csv")
    }


def leaf_sources() -> dict[str, Source]:
    """Sources with no parts: where a report splits a source, money is stored at this level.

    A report that gives the central budget unsplit ("NSTW") stores it as ``central``; one that
    splits it stores the parts, and the unsplit column beside them is only a check.
    """
    parents = {s.parent_code for s in sources().values() if s.parent_code}
    return {k: s for k, s in sources().items() if k not in parents}


def source_parent(code: str | None) -> str | None:
    """The source a source is part of ('central_investment' → 'central'), or None."""
    found = sources().get(code or "")
    return found.parent_code if found else None


@lru_cache(maxsize=1)
def measures() -> dict[str, Measure]:
    """All measures by code."""
    return {
        r["code"]: Measure(r["code"], r["dataset"], r["unit"], r["name_vi"], r["name_en"],
                           _bound(r.get("warn_above")), _bound(r.get("error_above")))
        for r in _read("measures.csv")
    }


def _bound(text: str | None) -> float | None:
    return float(text) if text else None


def measures_of(dataset: str) -> tuple[str, ...]:
    """The measures of a dataset ('funding', 'poverty', 'target'), in measures.csv's order."""
    return tuple(code for code, m in measures().items() if m.dataset == dataset)


FUNDING_MEASURES = measures_of("funding")  # ('plan', 'disbursed')
POVERTY_MEASURES = measures_of("poverty")  # household counts of a review


@lru_cache(maxsize=1)
def status_30a() -> dict[tuple[str, int], bool]:
    """Whether a district was a 30a poor district in a year."""
    return {(r["district_code"], int(r["year"])): r["is_30a"] == "1" for r in _read("district_30a.csv")}


def unit_label(code: str, lang: str = "vi", *, short: bool = True) -> str:
    """An org unit's name in a language: a district's (or a province's own level's), else a province's; the code
    itself when unknown. The one name of a unit in charts, tables, reports and pages ('Mường Tè', or
    'Huyện Mường Tè' when not short)."""
    unit = all_districts().get(code) or provinces().get(code)
    return unit.label(lang, short=short) if unit else code


def district_name(code: str, province_code: str | None = None, lang: str = "vi") -> str:
    """A district's full name, with its province when that is not ``province_code`` (for messages)."""
    d = all_districts().get(code)
    if d is None:
        return code
    name = unit_label(code, lang, short=False)
    if province_code is not None and d.province_code != province_code and d.province_code in provinces():
        return f"{name} ({provinces()[d.province_code].label(lang, short=False)})"
    return name


# --- Commune-level units (xã, phường, thị trấn) ---------------------------------------------------------------------


@dataclass(frozen=True)
class Commune:
    """A commune-level unit (xã, phường, thị trấn), keyed by its 5-digit GSO code."""

    code: str
    district_code: str
    province_code: str
    name_vi: str
    short_vi: str
    name_ascii: str
    name_en: str
    type_vi: str  # Xã, Phường or Thị trấn
    valid_from: datetime.date | None = None  # None: existed before 2016 (or the date is not known)
    valid_to: datetime.date | None = None  # None: still existed at the end of 2020 (or the date is not known)

    def label(self, lang: str = "vi") -> str:
        """Display name in the chosen language, with its type: 'Xã Bản Bo' or 'Ban Bo Commune'. The type is
        part of the name: Mường Tè district has both a 'Thị trấn Mường Tè' and a 'Xã Mường Tè'."""
        return self.name_en if lang == "en" else self.name_vi

    def valid_on(self, day: datetime.date) -> bool:
        """Whether the unit existed on this day, as far as its dates are known."""
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


def _date(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text.strip()) if text and text.strip() else None


@lru_cache(maxsize=1)
def communes() -> dict[str, Commune]:
    """Every commune-level unit of the country (GSO list of early 2017) by GSO code, in code order."""
    return {
        r["code"]: Commune(r["code"], r["district_code"], r["province_code"], r["name_vi"], r["short_vi"],
                           r["name_ascii"], r["name_en"], r["type_vi"], _date(r["valid_from"]), _date(r["valid_to"]))
        for r in sorted(_read("communes.csv"), key=lambda r: r["code"])
    }


@lru_cache(maxsize=1)
def _communes_by_district() -> dict[str, list[Commune]]:
    out: dict[str, list[Commune]] = {}
    for commune in communes().values():
        out.setdefault(commune.district_code, []).append(commune)
    return out


def communes_of(district_code: str) -> list[Commune]:
    """The communes, wards and townships of one district, in code order."""
    return list(_communes_by_district().get(district_code, []))


@lru_cache(maxsize=1)
def commune_aliases() -> dict[str, str]:
    """Folded other name of a commune ('bum to') → its GSO code, from commune_aliases.csv."""
    return {fold(r["alias"]): r["code"] for r in _read("commune_aliases.csv")}


# --- Agencies of a province (the province's own level) -------------------------------------------------------------


@dataclass(frozen=True)
class Agency:
    """A kind of provincial agency that spends programme money (Sở NN&PTNT, Ban Dân tộc …), keyed by a short code.

    The same list serves every province: an agency's figures are kept under its province's own level
    (province_level_code) with the agency's code where a commune's would be."""

    code: str
    name_vi: str
    name_en: str
    aliases: tuple[str, ...]

    def label(self, lang: str = "vi") -> str:
        """Display name in the chosen language."""
        return self.name_en if lang == "en" else self.name_vi


@lru_cache(maxsize=1)
def agencies() -> dict[str, Agency]:
    """The provincial agencies of agencies.csv by code, in the file's order."""
    return {r["code"]: Agency(r["code"], r["name_vi"], r["name_en"], tuple(a for a in r["aliases"].split("|") if a))
            for r in _read("agencies.csv")}
