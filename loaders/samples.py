"""Deterministic, illustrative sample workbooks in the template format (not official figures)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any, NamedTuple

from .reference import SAMPLES_DIR, districts, leaf_components, status_30a
from .template import build_workbook, save_workbook
from .template_spec import POVERTY_YEARS, PROGRAMME_YEARS

SEED = 20171102  # the date of the conference the project grew from
BASELINE_YEAR = 2015

# Plan totals over all districts, components and sources (million VND). 2017 is
# the published anchor ("over 368,450"); the other years are illustrative.
PLAN_TOTALS = {2016: 301_240.0, 2017: 368_452.6, 2018: 389_870.0, 2019: 371_330.0, 2020: 352_180.0}

# Province poverty and near-poverty rates (%) at the end of each year. 2015,
# 2019 and 2020 poor rates and the 2019 near-poor rate are published anchors.
PROVINCE_POOR_RATE = {2015: 40.40, 2016: 35.60, 2017: 30.30, 2018: 25.10, 2019: 20.12, 2020: 16.33}
PROVINCE_NEAR_POOR_RATE = {2015: 9.20, 2016: 9.80, 2017: 10.40, 2018: 10.60, 2019: 10.07, 2020: 9.50}



class DistrictProfile(NamedTuple):
    """Households at end-2015 and rough rates (%), before scaling to the province rates."""

    households_2015: int
    poor_2015: float
    poor_2020: float
    near_poor: float


DISTRICT_PROFILE = {
    "105": DistrictProfile(9_300, 6.0, 1.8, 3.0),
    "106": DistrictProfile(12_000, 33.0, 11.0, 12.0),
    "107": DistrictProfile(9_500, 60.0, 38.5, 9.0),  # still over 36% in 2020
    "108": DistrictProfile(16_200, 55.0, 24.0, 11.0),
    "109": DistrictProfile(15_600, 52.0, 21.0, 11.0),
    "110": DistrictProfile(14_100, 33.0, 8.0, 12.0),
    "111": DistrictProfile(11_900, 36.0, 10.0, 12.0),
    "112": DistrictProfile(6_400, 58.0, 26.0, 10.0),
}
HOUSEHOLD_GROWTH = (0.012, 0.018)  # a year, drawn per district and year
NEWLY_POOR_SHARE = (0.03, 0.06)  # of last year's poor households
FALLEN_BACK_SHARE = (0.005, 0.015)

# Plan weight of each leaf component per commune, by kind of district.
WEIGHTS_30A = {"1.1": 45.0, "1.3": 15.0, "1.4": 1.5, "2.1": 25.0, "2.2": 7.0, "2.3": 1.5, "4": 0.8, "5": 0.8}
WEIGHTS_OTHER = {"2.1": 25.0, "2.2": 7.0, "2.3": 1.5, "3": 5.0, "4": 0.8, "5": 0.8}
# Thành phố Lai Châu has no extremely difficult (135) communes.
WEIGHTS_CITY = {"3": 4.0, "4": 0.6, "5": 0.6}
CITY_CODE = "105"

INFRASTRUCTURE = {"central_investment": 0.70, "local": 0.10, "integrated": 0.12, "mobilised": 0.08}
LIVELIHOOD = {"central_recurrent": 0.75, "local": 0.10, "mobilised": 0.15}
RECURRENT = {"central_recurrent": 0.85, "local": 0.15}
SOURCE_SHARES = {
    "1.1": INFRASTRUCTURE, "2.1": INFRASTRUCTURE,
    "1.3": LIVELIHOOD, "2.2": LIVELIHOOD, "3": LIVELIHOOD,
    "1.4": RECURRENT, "2.3": RECURRENT, "4": RECURRENT, "5": RECURRENT,
}

# Report dates (month, day, years after the budget year) and the cumulative
# share of plan disbursed by then: (low, high) for 30a districts and others.
REPORT_DATES = ((3, 31, 0), (6, 30, 0), (9, 30, 0), (10, 31, 0), (12, 31, 0), (1, 31, 1))
DISBURSED_30A = ((0.03, 0.10), (0.15, 0.28), (0.32, 0.45), (0.45, 0.60), (0.62, 0.78), (0.85, 0.97))
DISBURSED_OTHER = ((0.08, 0.18), (0.30, 0.45), (0.52, 0.66), (0.65, 0.80), (0.80, 0.92), (0.90, 1.00))
TARGET_DISBURSEMENT = (15.0, 35.0, 55.0, 65.0, 85.0, 95.0)
# Reports a district sent late, so the dashboard has something to flag.
MISSING_REPORTS = {("107", dt.date(2017, 10, 31)), ("112", dt.date(2020, 10, 31))}

TARGET_FALL_30A = 4.0  # points a year, Decision 1722 for poor districts
TARGET_FALL_OTHER = 2.0
TARGET_FLOOR = 1.0

Row = dict[str, Any]


def report_dates(year: int) -> list[dt.date]:
    """The funding report dates of a budget year, ending with the 31/01 close of the next year."""
    return [dt.date(year + later, month, day) for month, day, later in REPORT_DATES]


def _is_30a(code: str, year: int) -> bool:
    return status_30a()[(code, year)]


def _component_weights(code: str, year: int) -> dict[str, float]:
    # Project 3 is for communes outside 30a districts and 135 communes, so a
    # 30a district gets projects 1 and 2 instead.
    if code == CITY_CODE:
        return WEIGHTS_CITY
    return WEIGHTS_30A if _is_30a(code, year) else WEIGHTS_OTHER


def _plans(rng: random.Random, year: int) -> dict[tuple[str, str, str], int]:
    """Plan per (district, component, source) in tenths of a million VND, summing to the year's total."""
    leaves = leaf_components()
    weights: dict[tuple[str, str, str], float] = {}
    for code, district in districts().items():
        for component, weight in _component_weights(code, year).items():
            assert leaves[component].applies_lai_chau
            for source, share in SOURCE_SHARES[component].items():
                jitter = rng.uniform(0.75, 1.25)
                weights[(code, component, source)] = (district.communes_2017 or 0) * weight * share * jitter
    total = round(PLAN_TOTALS[year] * 10)
    scale = total / sum(weights.values())
    plans = {key: round(w * scale) for key, w in weights.items()}
    largest = max(plans, key=plans.__getitem__)
    plans[largest] += total - sum(plans.values())  # make the total exact
    return plans


def _funding(rng: random.Random, year: int) -> list[Row]:
    dates = report_dates(year)
    rows = []
    for (code, component, source), plan in _plans(rng, year).items():
        ranges = DISBURSED_30A if _is_30a(code, year) else DISBURSED_OTHER
        rate = 0.0
        for as_of, (low, high) in zip(dates, ranges):
            rate = min(1.0, max(rate, rng.uniform(low, high)))  # cumulative: never falls
            if (code, as_of) in MISSING_REPORTS:
                continue
            rows.append({
                "district_code": code, "year": year, "as_of": as_of, "component": component,
                "source": source, "plan": plan / 10, "disbursed": round(plan * rate) / 10,
            })
    rows.sort(key=lambda r: (r["as_of"], r["district_code"]))  # stable: keeps component order
    return rows


def _households(rng: random.Random) -> dict[tuple[str, int], int]:
    out = {}
    for code, profile in DISTRICT_PROFILE.items():
        count = float(profile.households_2015)
        for year in POVERTY_YEARS:
            if year > BASELINE_YEAR:
                count *= 1 + rng.uniform(*HOUSEHOLD_GROWTH)
            out[(code, year)] = round(count)
    return out


def _spread(raw: dict[str, float], households: dict[str, int], province_rate: float) -> dict[str, int]:
    """Counts per district in proportion to raw rates, scaled to hit the province rate exactly."""
    target = round(sum(households.values()) * province_rate / 100)
    scale = target / sum(households[c] * r / 100 for c, r in raw.items())
    counts = {c: round(households[c] * r / 100 * scale) for c, r in raw.items()}
    largest = max(counts, key=counts.__getitem__)
    counts[largest] += target - sum(counts.values())
    return counts


def _poverty(rng: random.Random) -> dict[int, list[Row]]:
    households = _households(rng)
    span = max(POVERTY_YEARS) - BASELINE_YEAR
    out: dict[int, list[Row]] = {}
    previous: dict[str, int] = {}
    for year in POVERTY_YEARS:
        step = (year - BASELINE_YEAR) / span
        homes = {code: households[(code, year)] for code in DISTRICT_PROFILE}
        # Rates fall geometrically from the 2015 to the 2020 profile, with a little noise.
        raw_poor = {
            c: p.poor_2015 * (p.poor_2020 / p.poor_2015) ** step * rng.uniform(0.97, 1.03)
            for c, p in DISTRICT_PROFILE.items()
        }
        raw_near = {c: p.near_poor * rng.uniform(0.9, 1.1) for c, p in DISTRICT_PROFILE.items()}
        poor = _spread(raw_poor, homes, PROVINCE_POOR_RATE[year])
        near_poor = _spread(raw_near, homes, PROVINCE_NEAR_POOR_RATE[year])
        rows = []
        for code in DISTRICT_PROFILE:
            row: Row = {
                "district_code": code, "year": year, "as_of": dt.date(year, 12, 31),
                "households": homes[code], "poor_households": poor[code], "near_poor_households": near_poor[code],
            }
            if previous:
                # Flows that reconcile exactly: last year - escaped + newly poor + fallen back = this year.
                newly = round(previous[code] * rng.uniform(*NEWLY_POOR_SHARE))
                fallen = round(previous[code] * rng.uniform(*FALLEN_BACK_SHARE))
                escaped = previous[code] - poor[code] + newly + fallen
                row.update(escaped_poverty=escaped, newly_poor=newly, fallen_back=fallen)
            rows.append(row)
        out[year] = rows
        previous = poor
    return out


def poor_rate(row: Row) -> float:
    """Share of households that are poor, in percent."""
    return 100 * row["poor_households"] / row["households"]


def _targets(year: int, last_review: list[Row]) -> list[Row]:
    rows: list[Row] = []
    for review in last_review:
        code = review["district_code"]
        fall = TARGET_FALL_30A if _is_30a(code, year) else TARGET_FALL_OTHER
        target = max(TARGET_FLOOR, round(poor_rate(review) - fall, 2))
        rows.append({"district_code": code, "year": year, "as_of": dt.date(year, 12, 31),
                     "measure": "target_poor_rate", "value": target})
    for code in districts():
        for as_of, value in zip(report_dates(year), TARGET_DISBURSEMENT):
            rows.append({"district_code": code, "year": year, "as_of": as_of,
                         "measure": "target_disbursement_rate", "value": value})
    return rows


def sample_rows() -> dict[int, dict[str, list[Row]]]:
    """Canonical rows per year: {year: {"funding": [...], "poverty": [...], "targets": [...]}}."""
    # One generator per dataset, so changing one does not reshuffle the others.
    funding_rng, poverty_rng = random.Random(SEED), random.Random(SEED + 1)
    poverty = _poverty(poverty_rng)
    out: dict[int, dict[str, list[Row]]] = {
        BASELINE_YEAR: {"funding": [], "poverty": poverty[BASELINE_YEAR], "targets": []},
    }
    for year in PROGRAMME_YEARS:
        out[year] = {
            "funding": _funding(funding_rng, year),
            "poverty": poverty[year],
            "targets": _targets(year, poverty[year - 1]),
        }
    return out


def sample_name(year: int) -> str:
    """File name of a year's sample workbook."""
    return f"lai_chau_{year}_baseline.xlsx" if year == BASELINE_YEAR else f"lai_chau_{year}.xlsx"


def generate_samples(out_dir: Path = SAMPLES_DIR) -> list[Path]:
    """Write the illustrative sample workbooks to out_dir and return their paths."""
    return [
        save_workbook(build_workbook(**rows), Path(out_dir) / sample_name(year))
        for year, rows in sample_rows().items()
    ]


if __name__ == "__main__":
    for path in generate_samples():
        print(path)
