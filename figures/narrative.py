"""What a meeting report says: the figures it draws on, computed once, and a short narrative.

``report_figures`` gathers what the Excel and PDF reports show for a year and
reporting date; ``narrative`` and ``district_narrative`` turn them into a few
sentences in the chosen language (texts in the ``[report]`` catalogue section).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from loaders.errors import LoaderError
from loaders.i18n import t
from loaders.reference import (
    DEFAULT_PROVINCE,
    all_districts,
    components,
    districts,
    is_province_level,
    province_of,
    sources,
    unit_label,
)
from store import metrics
from store.bootstrap import SAMPLE_USER, sample_files
from store.metrics import TargetStatus

from . import fmt

# Rates under the 2016–2020 standard are not comparable with 2015 (the standard changed).
FIRST_COMPARABLE_YEAR = 2016


class NoReportData(LoaderError):
    """No funding and no poverty figures for the year asked."""

    code = "no_report_data"


@dataclass(frozen=True)
class ReportFigures:
    """Everything a province report shows for a year and reporting date."""

    year: int
    as_of: dt.date
    province_code: str  # the province reported on (GSO code)
    codes: list[str]  # its districts, in code order
    by_district: pd.DataFrame  # metrics.funding_by_district, every district of the province
    province: dict[str, float]  # metrics.province_funding
    by_source: pd.DataFrame  # long: district_code, source, plan, disbursed, disbursement_rate
    by_component: pd.DataFrame  # long: district_code, component, plan, disbursed, disbursement_rate
    poverty_year: int | None  # the year of the latest poverty review on or before as_of
    poverty_as_of: dt.date | None  # that review's date
    poverty: pd.DataFrame  # metrics.poverty_by_district of poverty_year, every district of the province
    poverty_all: pd.DataFrame  # metrics.poverty_by_district, every year
    sample: bool  # figures come from the illustrative samples
    files: int  # how many imported files the figures come from


def is_sample(facts: pd.DataFrame) -> bool:
    """True when any fact comes from the illustrative sample workbooks."""
    if facts.empty:
        return False
    names = {p.name for p in sample_files()}
    return bool((facts["user_name"] == SAMPLE_USER).any() or facts["file_name"].isin(names).any())


def note_text(files: int, sample: bool, lang: str) -> str:
    """The one source note of every chart, page and report: 'Nguồn: dữ liệu nhập từ N tệp' (— số liệu minh họa)."""
    note = t("common.source_note", lang, n=files)
    return f"{note} — {t('common.illustrative', lang)}" if sample else note


def source_note(figures: ReportFigures, lang: str) -> str:
    """'Nguồn: dữ liệu nhập từ N tệp — số liệu minh họa', the subtitle of a report's charts."""
    return note_text(figures.files, figures.sample, lang)


def facts_note(facts: pd.DataFrame, lang: str) -> str:
    """The same note for any set of facts (a district's, over all years)."""
    return note_text(int(facts["file_name"].nunique()), is_sample(facts), lang)


def resolve_as_of(facts: pd.DataFrame, year: int, as_of: dt.date | None = None) -> dt.date:
    """The reporting date: as given, else the year's latest report date, else 31/12 of the year."""
    if as_of is not None:
        return as_of
    dates = metrics.reporting_dates(facts, year)
    return dates[-1] if dates else dt.date(year, 12, 31)


def report_figures(facts: pd.DataFrame, year: int, as_of: dt.date | None = None,
                   province: str | None = None) -> ReportFigures:
    """The figures of a province report; NoReportData when the year has none.

    The province is the one given, else the only one the facts hold, else the default (Lai Châu).
    """
    held = sorted(set(facts["province_code"])) if "province_code" in facts else []
    province = province or (held[0] if len(held) == 1 else DEFAULT_PROVINCE)
    if "province_code" in facts:
        facts = facts[facts["province_code"] == province]
    codes = list(districts(province))
    as_of = resolve_as_of(facts, year, as_of)
    by_district = metrics.funding_by_district(facts, year, as_of, codes)
    poverty_all = metrics.poverty_by_district(facts)
    poverty_year, poverty_as_of = metrics.poverty_review_at(facts, year, as_of)
    if by_district["plan"].isna().all() and not (facts["year"] == year).any():
        raise NoReportData(t("report.no_data", "vi", year=year, date=fmt.date(as_of, "vi"))
                           + " / " + t("report.no_data", "en", year=year, date=fmt.date(as_of, "en")))
    poverty = poverty_all[poverty_all["year"] == poverty_year].set_index("district_code").reindex(codes)
    used = facts[(facts["year"] == year) | (facts["year"] == poverty_year)]
    return ReportFigures(
        year=year, as_of=as_of, province_code=province, codes=codes, by_district=by_district, province=metrics.province_funding(by_district),
        by_source=metrics.funding_breakdown(facts, year, as_of, "source"),
        by_component=metrics.funding_breakdown(facts, year, as_of, "component"),
        poverty_year=poverty_year, poverty_as_of=poverty_as_of, poverty=poverty.reset_index(), poverty_all=poverty_all,
        sample=is_sample(facts), files=int(used["file_name"].nunique()),
    )


def province_poverty_row(figures: ReportFigures) -> dict[str, Any] | None:
    """The province's poverty totals for the report's poverty year, or None."""
    table = metrics.province_poverty(figures.poverty_all)
    row = table[table["year"] == figures.poverty_year]
    return row.iloc[0].to_dict() if not row.empty else None


def furthest_behind(by_district: pd.DataFrame, n: int = 3) -> list[str]:
    """District codes furthest below their disbursement target (lowest rate where no target), worst first."""
    frame = by_district.dropna(subset=["disbursement_rate"])
    target = frame["target_rate"].fillna(frame["target_rate"].mean()).fillna(100.0)
    gap = frame["disbursement_rate"] - target
    return list(frame.assign(gap=gap).sort_values(["gap", "district_code"])["district_code"][:n])


def _names(codes: list[str], lang: str) -> str:
    return ", ".join(unit_label(c, lang) for c in codes)


def _verdict(on_track: bool, lang: str) -> str:
    return t("report.met" if on_track else "report.not_met", lang)


def _funding_lines(figures: ReportFigures, lang: str) -> list[str]:
    prov, bd = figures.province, figures.by_district
    if bd["plan"].isna().all():
        return [t("report.no_funding", lang, year=figures.year, date=fmt.date(figures.as_of, lang))]
    capital = "report.n_capital" if pd.notna(prov["target_rate"]) else "report.n_capital_no_target"
    lines = [t(capital, lang, year=figures.year, plan=fmt.money(prov["plan"], lang),
               date=fmt.date(figures.as_of, lang), disbursed=fmt.money(prov["disbursed"], lang),
               rate=fmt.percent(prov["disbursement_rate"], lang),
               target=fmt.percent(prov["target_rate"], lang))]
    for own in bd[bd["district_code"].map(is_province_level) & bd["plan"].notna()].itertuples():
        lines.append(t("report.n_province_level", lang, plan=fmt.money(own.plan, lang),
                       disbursed=fmt.money(own.disbursed, lang), rate=fmt.percent(own.disbursement_rate, lang)))
    bd = metrics.districts_only(bd)  # the province's own level adds money (in the totals above), not a district
    rows = bd.set_index("district_code")
    count = len(bd.dropna(subset=["plan"]))
    status = rows["status"]
    # only districts with a target are judged; those without one are named, never counted as meeting it
    judged = furthest_behind(bd[status.isin([TargetStatus.BEHIND.value, TargetStatus.ON_TARGET.value]).to_numpy()],
                             n=len(bd))
    items = {c: t("report.n_district_rate", lang, district=unit_label(c, lang),
                  rate=fmt.percent(rows.at[c, "disbursement_rate"], lang), target=fmt.percent(rows.at[c, "target_rate"], lang))
             for c in judged}
    lagging = [c for c in judged if status[c] == TargetStatus.BEHIND.value]
    without = [c for c in bd["district_code"] if status[c] == TargetStatus.NO_TARGET.value]
    if lagging:
        lines.append(t("report.n_lagging", lang, n=len(lagging), count=count,
                       items="; ".join(items[c] for c in lagging[:3])))
    elif judged and not without:
        lines.append(t("report.n_none_lagging", lang, item=items[judged[0]]))
    elif judged:
        lines.append(t("report.n_targeted_met", lang, n=len(judged), item=items[judged[0]]))
    if without:
        lines.append(t("report.n_no_target", lang, n=len(without), count=count, districts=_names(without, lang)))
    missing = [c for c in bd.loc[~bd["reported"].astype(bool), "district_code"]]
    if missing:
        lines.append(t("report.n_not_reported", lang, date=fmt.date(figures.as_of, lang), districts=_names(missing, lang)))
    by_source = figures.by_source.groupby("source")[["plan", "disbursed"]].sum()
    by_source = by_source[by_source["plan"] > 0]
    if len(by_source) > 1:
        rate = by_source["disbursed"] / by_source["plan"] * 100
        slow = str(rate.idxmin())
        lines.append(t("report.n_slowest_source", lang, source=sources()[slow].label(lang) if slow in sources() else slow,
                       rate=fmt.percent(rate[slow], lang)))
    return lines


def _poverty_lines(figures: ReportFigures, lang: str) -> list[str]:
    row = province_poverty_row(figures)
    if row is None:
        return [t("report.no_poverty", lang, date=fmt.date(figures.as_of, lang))]
    line = t("report.n_poverty", lang, year=figures.poverty_year, rate=fmt.percent(row["poor_rate"], lang, 2),
             poor=fmt.number(row["poor_households"], lang), households=fmt.number(row["households"], lang),
             near_rate=fmt.percent(row["near_poor_rate"], lang, 2))
    if not np.isnan(row["target_poor_rate"]):
        line += " " + t("report.n_poverty_target", lang, target=fmt.percent(row["target_poor_rate"], lang, 2),
                        verdict=_verdict(row["poor_rate"] <= row["target_poor_rate"], lang))
    lines = [line]
    pov = figures.poverty.dropna(subset=["poor_rate"])
    status = metrics.target_status(pov["poor_rate"], pov["target_poor_rate"], lower_is_better=True)
    off = list(pov.loc[status == TargetStatus.BEHIND.value, "district_code"])
    met = list(pov.loc[status == TargetStatus.ON_TARGET.value, "district_code"])
    without = list(pov.loc[status == TargetStatus.NO_TARGET.value, "district_code"])
    if off:
        lines.append(t("report.n_poverty_off", lang, n=len(off), districts=_names(off, lang)))
    elif met and not without:
        lines.append(t("report.n_poverty_all_met", lang))
    elif met:
        lines.append(t("report.n_poverty_targeted_met", lang, n=len(met)))
    if without:
        lines.append(t("report.n_poverty_no_target", lang, n=len(without), count=len(pov),
                       districts=_names(without, lang)))
    return lines


def narrative(facts: pd.DataFrame, year: int, as_of: dt.date | None, lang: str = "vi") -> list[str]:
    """A few sentences for a meeting: capital, share disbursed, districts behind, poverty vs target."""
    figures = report_figures(facts, year, as_of)
    return narrative_of(figures, lang)


def narrative_of(figures: ReportFigures, lang: str = "vi") -> list[str]:
    """The narrative of figures already computed."""
    lines = _funding_lines(figures, lang) + _poverty_lines(figures, lang)
    if figures.sample:
        lines.append(t("report.n_sample", lang))
    return lines


def district_narrative(facts: pd.DataFrame, district_code: str, year: int, lang: str = "vi",
                       as_of: dt.date | None = None) -> list[str]:
    """A few sentences on one district's year at ``as_of``: disbursement and rank, slowest project, poverty vs target."""
    figures = report_figures(facts, year, as_of, province=province_of(district_code))
    name = all_districts()[district_code].label(lang, short=False)
    lines = []
    bd = figures.by_district.set_index("district_code")
    row = bd.loc[district_code]
    if pd.notna(row["plan"]):
        ranked = bd.dropna(subset=["disbursement_rate"]).sort_values("disbursement_rate", ascending=False)
        capital = "report.d_capital" if pd.notna(row["target_rate"]) else "report.d_capital_no_target"
        lines.append(t(capital, lang, district=name, year=year, plan=fmt.money(row["plan"], lang),
                       date=fmt.date(row["report_as_of"], lang), disbursed=fmt.money(row["disbursed"], lang),
                       rate=fmt.percent(row["disbursement_rate"], lang), target=fmt.percent(row["target_rate"], lang),
                       rank=list(ranked.index).index(district_code) + 1, n=len(ranked)))
        projects = metrics.funding_breakdown(facts, year, figures.as_of, "project")
        projects = projects[(projects["district_code"] == district_code) & (projects["plan"] > 0)]
        if len(projects) > 1:
            slow = projects.sort_values(["disbursement_rate", "project"]).iloc[0]
            lines.append(t("report.d_slowest_project", lang, project=components()[slow["project"]].label(lang),
                           rate=fmt.percent(slow["disbursement_rate"], lang)))
    else:
        lines.append(t("report.no_funding", lang, year=year, date=fmt.date(figures.as_of, lang)))
    pov = figures.poverty_all[figures.poverty_all["district_code"] == district_code].set_index("year")
    pyear = figures.poverty_year
    if pyear is not None and pyear in pov.index:
        p = pov.loc[pyear]
        line = t("report.d_poverty", lang, year=pyear, rate=fmt.percent(p["poor_rate"], lang, 2),
                 poor=fmt.number(p["poor_households"], lang), near_rate=fmt.percent(p["near_poor_rate"], lang, 2))
        if pd.notna(p["target_poor_rate"]):
            line += " " + t("report.n_poverty_target", lang, target=fmt.percent(p["target_poor_rate"], lang, 2),
                            verdict=_verdict(p["poor_rate"] <= p["target_poor_rate"], lang))
        if pyear - 1 in pov.index and pyear - 1 >= FIRST_COMPARABLE_YEAR:
            line += " " + t("report.d_poverty_change", lang, change=fmt.points(p["poor_rate"] - pov.at[pyear - 1, "poor_rate"], lang),
                            prev=pyear - 1)
        lines.append(line)
    if figures.sample:
        lines.append(t("report.n_sample", lang))
    return lines
