"""Indicators computed from current facts: disbursement against plan, poverty against targets.

Functions take facts as ``store.queries.current_facts`` returns them, or the
frames SQL has already reduced (``store.queries.funding_facts``, ``target_facts``,
``poverty_facts``: same columns, fewer rows), and give plain frames; rates are
percentages. A district's figures for a reporting date come from its latest
report on or before that date within the year. ``roll_up`` takes district rows
to their provinces, whose totals ``province_funding`` and ``province_poverty``
take on to the scope (a province or the country).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from loaders.reference import (
    FUNDING_MEASURES,
    POVERTY_MEASURES,
    components,
    districts,
    is_province_level,
    province_level_code,
    province_of,
)


def _rate(part: pd.Series | float, whole: pd.Series | float) -> Any:
    """part / whole in percent; NaN where whole is 0 or missing."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.asarray(whole, dtype=float) > 0, np.asarray(part, dtype=float) / np.asarray(whole, dtype=float) * 100, np.nan)


class TargetStatus(StrEnum):
    """A result against its target. A missing target is its own state, never success."""

    BEHIND = "behind"  # below the disbursement target, or above the poverty target
    ON_TARGET = "on_target"
    NO_TARGET = "no_target"  # a result but no target to judge it by
    NO_DATA = "no_data"  # no result (no report yet)


def target_status(value: pd.Series, target: pd.Series, lower_is_better: bool = False) -> pd.Series:
    """TargetStatus value of each result against its target (poverty rates: lower_is_better)."""
    value, target = value.astype(float), target.astype(float)
    behind = value > target if lower_is_better else value < target
    status = np.select([value.isna(), target.isna(), behind],
                       [TargetStatus.NO_DATA.value, TargetStatus.NO_TARGET.value, TargetStatus.BEHIND.value],
                       TargetStatus.ON_TARGET.value)
    return pd.Series(status, index=value.index, dtype=object)


def reporting_dates(facts: pd.DataFrame, year: int) -> list[dt.date]:
    """Funding report dates of a budget year, ascending."""
    sel = facts[(facts["dataset"] == "funding") & (facts["year"] == year)]
    return sorted(sel["as_of"].unique())


def latest_funding(facts: pd.DataFrame, year: int, as_of: dt.date | None = None) -> pd.DataFrame:
    """Each district's funding facts from its latest report on or before as_of in a year."""
    sel = facts[(facts["dataset"] == "funding") & (facts["year"] == year)]
    if as_of is not None:
        sel = sel[sel["as_of"] <= as_of]
    if sel.empty:
        return sel
    latest = sel.groupby("district_code")["as_of"].transform("max")
    return sel[sel["as_of"] == latest]


# Reports give money at different grains: by project and source, by source only, by project
# only, or one total. The same money must not be added up twice, so for each district and date
# only the finest grain present counts (a breakdown uses the finest grain that has its dimension).
_GRAINS = {None: [(1, 1), (0, 1), (1, 0), (0, 0)], "source": [(1, 1), (0, 1)], "component": [(1, 1), (1, 0)],
           "project": [(1, 1), (1, 0)]}


def at_finest_grain(funding: pd.DataFrame, need: str | None = None) -> pd.DataFrame:
    """Funding facts at the finest grain present per district and date (see _GRAINS)."""
    if funding.empty:
        return funding
    # each row's grain as 0–3 (component? × 2 + source?), then its place in the order wanted (99: not wanted)
    grain = (funding["component"].to_numpy() != "").astype(int) * 2 + (funding["source"].to_numpy() != "").astype(int)
    order = np.full(4, 99)
    for i, (has_component, has_source) in enumerate(_GRAINS[need]):
        order[has_component * 2 + has_source] = i
    rank = pd.Series(order[grain], index=funding.index)
    best = rank.groupby([funding["district_code"], funding["as_of"]]).transform("min")
    return funding[(rank == best) & (rank < 99)]


def _target_at(facts: pd.DataFrame, year: int, as_of: dt.date | None) -> pd.Series:
    """Target disbursement rate per district in force at a date (latest target dated on or before it)."""
    sel = facts[(facts["measure"] == "target_disbursement_rate") & (facts["year"] == year)]
    if as_of is not None:
        sel = sel[sel["as_of"] <= as_of]
    if sel.empty:
        return pd.Series(dtype=float)
    sel = sel.sort_values("as_of").groupby("district_code").tail(1)
    return sel.set_index("district_code")["value"]


def funding_by_district(facts: pd.DataFrame, year: int, as_of: dt.date | None = None,
                        codes: list[str] | None = None) -> pd.DataFrame:
    """Plan, disbursed, rate, target and flags per district, every district of ``codes`` listed
    (default: the districts of the default province).

    ``reported`` is False for a district with no report dated as_of itself; ``status`` is its
    TargetStatus against the target in force; ``lagging`` is True where it is behind (False with
    no target: see ``status``).
    """
    latest = at_finest_grain(latest_funding(facts, year, as_of))
    wide = (
        latest.pivot_table(index="district_code", columns="measure", values="value", aggfunc="sum")
        .reindex(columns=list(FUNDING_MEASURES))
        .fillna(0.0)
    ) if not latest.empty else pd.DataFrame(columns=list(FUNDING_MEASURES))
    dates = latest.groupby("district_code")["as_of"].max() if not latest.empty else pd.Series(dtype=object)
    out = pd.DataFrame(index=pd.Index(with_province_level(codes if codes is not None else list(districts()), latest),
                                      name="district_code"))
    out["report_as_of"] = dates
    out["plan"] = wide["plan"] if "plan" in wide else np.nan
    out["disbursed"] = wide["disbursed"] if "disbursed" in wide else np.nan
    out["disbursement_rate"] = _rate(out["disbursed"], out["plan"])
    out["target_rate"] = _target_at(facts, year, as_of)
    out["reported"] = out["report_as_of"].notna() & ((out["report_as_of"] == as_of) if as_of else True)
    out["status"] = target_status(out["disbursement_rate"], out["target_rate"])
    out["lagging"] = out["status"] == TargetStatus.BEHIND.value
    return out.reset_index()


def with_province_level(codes: list[str], facts: pd.DataFrame) -> list[str]:
    """``codes`` and, after them, the own level of each of their provinces that has facts ('T12': its agencies).

    A province's money includes what its agencies spend; they are a line of their own, listed only where
    they reported (a province without an "A. CẤP TỈNH" part has no such line, rather than an empty one)."""
    held = set(facts["district_code"]) if "district_code" in facts else set()
    held_provinces = dict.fromkeys(p for p in (province_of(c) for c in codes) if p is not None)
    own = [province_level_code(p) for p in held_provinces]
    return list(codes) + [c for c in own if c in held and c not in codes]


def districts_only(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of districts, without a province's own level (whose rows count money, not districts)."""
    return rows[~rows["district_code"].map(is_province_level)] if "district_code" in rows else rows


def province_funding(by_district: pd.DataFrame) -> dict[str, float]:
    """Totals of the rows of funding_by_district (or roll_up): plan, disbursed and rate of every row (a
    province's own level included), mean target and how many districts are behind their target or have none."""
    plan = float(by_district["plan"].fillna(0).sum())
    disbursed = float(by_district["disbursed"].fillna(0).sum())
    judged = districts_only(by_district)
    target = judged["target_rate"].dropna()
    status = target_status(judged["disbursement_rate"], judged["target_rate"])
    return {
        "plan": plan,
        "disbursed": disbursed,
        "disbursement_rate": float(_rate(disbursed, plan)),
        "target_rate": float(target.mean()) if not target.empty else float("nan"),
        "lagging_districts": float((status == TargetStatus.BEHIND.value).sum()),
        "no_target_districts": float((status == TargetStatus.NO_TARGET.value).sum()),
    }


def roll_up(by_district: pd.DataFrame) -> pd.DataFrame:
    """funding_by_district rows summed per province, with the same columns keyed by ``province_code``.

    A province is ``reported`` when all its districts are, ``lagging`` when its rate is below the
    mean of its districts' targets (``status``: no_target when none of them has one); ``districts``,
    ``not_reported``, ``lagging_districts`` and ``no_target_districts`` count.
    """
    frame = by_district.assign(province_code=by_district["district_code"].map(lambda c: province_of(c) or ""))
    groups = frame.groupby("province_code", sort=True)
    # a province's own level (its agencies) adds money, but is no district to count as reported or lagging
    district = ~frame["district_code"].map(is_province_level).astype(bool)
    by_province = frame["province_code"]
    out = pd.DataFrame({
        "report_as_of": frame["report_as_of"].where(district).groupby(by_province).max(),
        "plan": groups["plan"].sum(min_count=1),
        "disbursed": groups["disbursed"].sum(min_count=1),
        "target_rate": groups["target_rate"].mean(),
        "districts": district.groupby(by_province).sum(),
        "not_reported": (~frame["reported"].astype(bool) & district).groupby(by_province).sum(),
        "lagging_districts": ((frame["status"] == TargetStatus.BEHIND.value) & district).groupby(by_province).sum(),
        "no_target_districts": ((frame["status"] == TargetStatus.NO_TARGET.value) & district).groupby(by_province).sum(),
    })
    out["disbursement_rate"] = _rate(out["disbursed"], out["plan"])
    out["reported"] = out["not_reported"] == 0
    out["status"] = target_status(out["disbursement_rate"], out["target_rate"])
    out["lagging"] = out["status"] == TargetStatus.BEHIND.value
    return out.reset_index()


def poverty_roll_up(by_district: pd.DataFrame) -> pd.DataFrame:
    """poverty_by_district rows summed per province and year (province_poverty per province)."""
    frame = by_district.assign(province_code=by_district["district_code"].map(lambda c: province_of(c) or ""))
    return province_poverty(frame, by=("province_code", "year"))


def funding_breakdown(facts: pd.DataFrame, year: int, as_of: dt.date | None, by: str) -> pd.DataFrame:
    """Plan and disbursed per district and source, component or project (long form)."""
    latest = at_finest_grain(latest_funding(facts, year, as_of), by).copy()
    if by == "project":
        latest["project"] = latest["component"].map(lambda c: components()[c].project_code if c in components() else c)
    if latest.empty:
        return pd.DataFrame(columns=["district_code", by, "plan", "disbursed", "disbursement_rate"])
    out = (
        latest.pivot_table(index=["district_code", by], columns="measure", values="value", aggfunc="sum")
        .reindex(columns=list(FUNDING_MEASURES))
        .fillna(0.0)
        .reset_index()
    )
    out.columns.name = None
    out["disbursement_rate"] = _rate(out["disbursed"], out["plan"])
    return out


def poverty_review_at(facts: pd.DataFrame, year: int, as_of: dt.date) -> tuple[int | None, dt.date | None]:
    """(year, date) of the poverty review a reporting date shows: the latest dated on or before it, up to its year.

    The one rule for every page and report. A review counts households at year end, so a report dated
    31/10/2017 cannot show end-2017's: it shows end-2016's, and says so.
    """
    sel = facts[(facts["dataset"] == "poverty") & (facts["year"] <= year) & (facts["as_of"] <= as_of)]
    # counts "at the start of the year" (dated 1 January: loaders.report_reader) are no review of that year
    sel = sel[[d != dt.date(y, 1, 1) for d, y in zip(sel["as_of"], sel["year"])]]
    if sel.empty:
        return None, None
    latest = int(sel["year"].max())
    return latest, sel.loc[sel["year"] == latest, "as_of"].max()


def poverty_by_district(facts: pd.DataFrame) -> pd.DataFrame:
    """Household counts, rates and the year's target poverty rate per district and year.

    ``on_track`` is 1/0, NaN without a target; ``status`` is the TargetStatus of the poverty rate.
    """
    sel = facts[facts["dataset"] == "poverty"]
    if sel.empty:
        return pd.DataFrame(columns=["district_code", "year", *POVERTY_MEASURES, "poor_rate", "near_poor_rate",
                                     "target_poor_rate", "on_track", "status"])
    # the latest review of each year counts
    sel = sel[sel["as_of"] == sel.groupby(["district_code", "year"])["as_of"].transform("max")]
    out = (
        sel.pivot_table(index=["district_code", "year"], columns="measure", values="value", aggfunc="sum")
        .reindex(columns=list(POVERTY_MEASURES))
        .reset_index()
    )
    out.columns.name = None
    out["poor_rate"] = _rate(out["poor_households"], out["households"])
    out["near_poor_rate"] = _rate(out["near_poor_households"], out["households"])
    target = facts[facts["measure"] == "target_poor_rate"].sort_values("as_of").groupby(["district_code", "year"]).tail(1)
    out = out.merge(
        target[["district_code", "year", "value"]].rename(columns={"value": "target_poor_rate"}),
        on=["district_code", "year"], how="left",
    )
    out["on_track"] = np.where(out["target_poor_rate"].notna(), out["poor_rate"] <= out["target_poor_rate"], np.nan)
    out["status"] = target_status(out["poor_rate"], out["target_poor_rate"], lower_is_better=True)
    return out


def province_poverty(by_district: pd.DataFrame, by: tuple[str, ...] = ("year",)) -> pd.DataFrame:
    """Totals of poverty_by_district rows per year (or per ``by``); the target is the rate if every
    district met its own."""
    if by_district.empty:
        return pd.DataFrame(columns=[*by, "households", "poor_households", "near_poor_households", "poor_rate",
                                     "near_poor_rate", "target_poor_rate"])
    frame = by_district.assign(target_poor=by_district["target_poor_rate"] * by_district["households"] / 100,
                               has_target=by_district["target_poor_rate"].notna())
    groups = frame.groupby(list(by))
    out = groups[["households", "poor_households", "near_poor_households", "target_poor", "has_target"]].sum()
    # a year no district reported escapes for (the 2015 baseline) has no total, not a total of 0
    out["escaped_poverty"] = groups["escaped_poverty"].sum(min_count=1)
    out = out.reset_index()
    out["poor_rate"] = _rate(out["poor_households"], out["households"])
    out["near_poor_rate"] = _rate(out["near_poor_households"], out["households"])
    out["target_poor_rate"] = np.where(out["has_target"] > 0, _rate(out["target_poor"], out["households"]), np.nan)
    return out.drop(columns=["target_poor", "has_target"])


def disbursement_curves(facts: pd.DataFrame, district_code: str) -> pd.DataFrame:
    """Per year and report date of one district: plan, cumulative disbursed, rate, target."""
    sel = at_finest_grain(facts[(facts["dataset"] == "funding") & (facts["district_code"] == district_code)])
    if sel.empty:
        return pd.DataFrame(columns=["year", "as_of", *FUNDING_MEASURES, "disbursement_rate", "target_rate"])
    out = (
        sel.pivot_table(index=["year", "as_of"], columns="measure", values="value", aggfunc="sum")
        .reindex(columns=list(FUNDING_MEASURES))
        .reset_index()
    )
    out.columns.name = None
    out["disbursement_rate"] = _rate(out["disbursed"], out["plan"])
    targets = facts[(facts["measure"] == "target_disbursement_rate") & (facts["district_code"] == district_code)]
    out = out.merge(
        targets[["year", "as_of", "value"]].rename(columns={"value": "target_rate"}), on=["year", "as_of"], how="left"
    )
    return out.sort_values(["year", "as_of"]).reset_index(drop=True)


def _clean(value: Any, digits: int = 4) -> Any:
    """JSON-ready scalar: None for NaN, rounded floats, ISO dates."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (np.floating, float)):
        return round(float(value), digits)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (dt.date,)):
        return value.isoformat()
    return value


def summary_rows(facts: pd.DataFrame, level: str = "district") -> list[dict[str, Any]]:
    """One row per district and year: latest funding, poverty and targets (deterministic).

    ``level='commune'``: one row per commune and year instead, from the values reported by commune (each
    commune read as districts are: its latest report, its finest grain), with its district's code first.
    """
    if level == "commune":
        own = facts[facts["commune_code"] != ""] if "commune_code" in facts else facts.iloc[0:0]
        district_of = dict(zip(own["commune_code"], own["district_code"]))
        return [{"district_code": district_of[row["district_code"]], "commune_code": row["district_code"],
                 **{k: v for k, v in row.items() if k != "district_code"}}
                for row in summary_rows(own.assign(district_code=own["commune_code"]))]
    poverty = poverty_by_district(facts).set_index(["district_code", "year"])
    keys = sorted({(d, int(y)) for d, y in facts[["district_code", "year"]].itertuples(index=False)})
    funding = {}
    for year in sorted({y for _, y in keys}):
        frame = funding_by_district(facts, year, codes=sorted(set(facts["district_code"]))).set_index("district_code")
        for code, row in frame.iterrows():
            funding[(code, year)] = row
    rows = []
    for code, year in keys:
        f = funding.get((code, year))
        p = poverty.loc[(code, year)] if (code, year) in poverty.index else None
        rows.append({
            "district_code": code,
            "year": year,
            "as_of": _clean(f["report_as_of"]) if f is not None and pd.notna(f["report_as_of"]) else None,
            "plan": _clean(f["plan"]) if f is not None else None,
            "disbursed": _clean(f["disbursed"]) if f is not None else None,
            "disbursement_rate": _clean(f["disbursement_rate"]) if f is not None else None,
            "households": _clean(p["households"]) if p is not None else None,
            "poor_households": _clean(p["poor_households"]) if p is not None else None,
            "near_poor_households": _clean(p["near_poor_households"]) if p is not None else None,
            "poor_rate": _clean(p["poor_rate"]) if p is not None else None,
            "target_poor_rate": _clean(p["target_poor_rate"]) if p is not None else None,
            "target_disbursement_rate": _clean(f["target_rate"]) if f is not None else None,
        })
    return rows


def by_commune(facts: pd.DataFrame, district_code: str, year: int, as_of: dt.date | None = None) -> pd.DataFrame:
    """One district's communes at a reporting date: plan, disbursed, rate (each commune's latest report of
    the year on or before as_of, at its finest grain, as for districts), judged against the district's
    disbursement target (communes have none of their own), and the poor households of the latest review
    on or before as_of. Only communes with a reported value are listed, slowest first; ``lagging`` as in
    funding_by_district.

    ``facts``: the district's values by commune (store.queries.commune_facts) and its targets, with ``commune_code``.
    """
    columns = ["commune_code", "report_as_of", "plan", "disbursed", "disbursement_rate", "target_rate", "status",
               "lagging", "households", "poor_households", "poor_rate", "poverty_year"]
    own = facts[(facts["district_code"] == district_code) & (facts["commune_code"] != "")]
    if own.empty:
        return pd.DataFrame(columns=columns)
    # each commune as a unit of its own: the district rules (latest report, finest grain) apply unchanged
    units = own.assign(district_code=own["commune_code"])
    codes = sorted(set(own["commune_code"]))
    funding = funding_by_district(units[units["dataset"] == "funding"], year, as_of, codes=codes)
    funding["target_rate"] = float(_target_at(facts[facts["district_code"] == district_code], year, as_of)
                                   .get(district_code, np.nan))
    funding["status"] = target_status(funding["disbursement_rate"], funding["target_rate"])
    funding["lagging"] = funding["status"] == TargetStatus.BEHIND.value
    counts = units[(units["dataset"] == "poverty") & (units["as_of"] <= (as_of or dt.date(year, 12, 31)))]
    poverty = poverty_by_district(counts)
    if not poverty.empty:
        poverty = poverty.sort_values("year").groupby("district_code").tail(1)
        poverty = poverty.rename(columns={"year": "poverty_year"})[
            ["district_code", "households", "poor_households", "poor_rate", "poverty_year"]]
    out = funding.merge(poverty, on="district_code", how="outer") if not poverty.empty else \
        funding.assign(households=np.nan, poor_households=np.nan, poor_rate=np.nan, poverty_year=np.nan)
    out = out.rename(columns={"district_code": "commune_code"})
    out = out[out["plan"].notna() | out["households"].notna()]
    return out.sort_values(["disbursement_rate", "commune_code"], na_position="last")[columns].reset_index(drop=True)
