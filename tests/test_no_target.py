"""A missing target is its own state ("chưa có chỉ tiêu"), never success: metrics, charts, pages, reports."""

from __future__ import annotations

import datetime as dt
import sqlite3

import numpy as np
import pandas as pd
import pytest

from figures import charts
from figures.excel_report import table_poverty
from figures.narrative import narrative_of, report_figures
from figures.pdf_report import _province_kpis
from loaders.i18n import t
from loaders.reference import unit_label
from store import metrics
from store.db import get_engine
from store.queries import current_facts
from tests.test_metrics import F
from tests.test_pages import cards, db_url, open_page, sample_db  # noqa: F401 - fixtures

D = dt.date
NO_TARGET_GREY = "#a6a6a6"  # charts.NO_TARGET_GREY
NO_TARGETS = F[F["dataset"] != "target"]
BEHIND, ON_TARGET, NO_TARGET, NO_DATA = "behind", "on_target", "no_target", "no_data"  # metrics.TargetStatus


@pytest.mark.parametrize(
    "value, target, lower_is_better, expected",
    [
        (50.0, 75.0, False, "behind"),
        (80.0, 75.0, False, "on_target"),
        (75.0, 75.0, False, "on_target"),
        (50.0, np.nan, False, "no_target"),
        (np.nan, 75.0, False, "no_data"),
        (40.0, 38.0, True, "behind"),
        (20.0, 22.0, True, "on_target"),
        (20.0, np.nan, True, "no_target"),
    ],
)
def test_target_status(value, target, lower_is_better, expected):
    got = metrics.target_status(pd.Series([value]), pd.Series([target]), lower_is_better=lower_is_better)
    assert list(got) == [expected]


def test_funding_without_targets_is_no_target_not_on_target():
    frame = metrics.funding_by_district(NO_TARGETS, 2017, D(2017, 10, 31)).set_index("district_code")
    assert list(frame.loc[["107", "108"], "status"]) == [NO_TARGET, NO_TARGET]
    assert not frame["lagging"].any()
    assert frame.loc["105", "status"] == NO_DATA  # no report at all


def test_funding_with_targets_keeps_its_states():
    frame = metrics.funding_by_district(F, 2017, D(2017, 10, 31)).set_index("district_code")
    assert list(frame.loc[["107", "108"], "status"]) == [BEHIND, BEHIND]


def test_roll_up_counts_districts_without_target():
    by_district = metrics.funding_by_district(NO_TARGETS, 2017, D(2017, 10, 31))
    rolled = metrics.roll_up(by_district).set_index("province_code")
    assert rolled.loc["12", "status"] == NO_TARGET and not rolled.loc["12", "lagging"]
    assert rolled.loc["12", "no_target_districts"] == 2 and rolled.loc["12", "lagging_districts"] == 0
    with_targets = metrics.roll_up(metrics.funding_by_district(F, 2017, D(2017, 10, 31))).set_index("province_code")
    assert with_targets.loc["12", "status"] == BEHIND and with_targets.loc["12", "no_target_districts"] == 0


def test_province_funding_counts_districts_without_target():
    totals = metrics.province_funding(metrics.funding_by_district(NO_TARGETS, 2017, D(2017, 10, 31)))
    assert np.isnan(totals["target_rate"])
    assert totals["no_target_districts"] == 2 and totals["lagging_districts"] == 0


def test_poverty_without_targets_is_no_target():
    pov = metrics.poverty_by_district(NO_TARGETS).set_index("district_code")
    assert pov["on_track"].isna().all()
    assert list(pov["status"]) == [NO_TARGET, NO_TARGET]
    with_targets = metrics.poverty_by_district(F).set_index("district_code")
    assert list(with_targets["status"]) == [BEHIND, ON_TARGET]


def _bar_traces(fig):
    return {tr.name: tr.marker.color for tr in fig.data if tr.type == "bar"}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_ranked_chart_draws_no_target_bars_grey(lang):
    by_district = metrics.funding_by_district(NO_TARGETS, 2017, D(2017, 10, 31))
    fig = charts.ranked_disbursement(by_district, lang, year=2017, as_of=D(2017, 10, 31), source_note="")
    assert _bar_traces(fig) == {t("chart.no_target", lang): NO_TARGET_GREY}
    # no target marker in the legend when there is no target at all
    assert t("chart.target", lang) not in [tr.name for tr in fig.data]


def test_ranked_chart_of_provinces_without_target_is_grey():
    rolled = metrics.roll_up(metrics.funding_by_district(NO_TARGETS, 2017, D(2017, 10, 31)))
    fig = charts.ranked_disbursement(rolled, "vi", year=2017, as_of=D(2017, 10, 31), source_note="",
                                     unit="province_code")
    assert _bar_traces(fig) == {t("chart.no_target", "vi"): NO_TARGET_GREY}


def test_poverty_chart_draws_no_target_bars_grey():
    fig = charts.poverty_vs_target(metrics.poverty_by_district(NO_TARGETS), "vi", year=2017, source_note="")
    assert _bar_traces(fig) == {t("chart.no_target", "vi"): NO_TARGET_GREY}
    mixed = metrics.poverty_by_district(F[~((F["measure"] == "target_poor_rate") & (F["district_code"] == "108"))])
    fig = charts.poverty_vs_target(mixed, "vi", year=2017, source_note="")
    assert _bar_traces(fig) == {t("chart.off_target", "vi"): charts.WARNING,
                                t("chart.no_target", "vi"): NO_TARGET_GREY}


def _report_facts(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(province_code="12", user_name="analyst", file_name="bao_cao.xlsx")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_narrative_does_not_claim_targets_met_without_targets(lang):
    figures = report_figures(_report_facts(NO_TARGETS), 2017, D(2017, 12, 31))
    lines = narrative_of(figures, lang)
    text = "\n".join(lines)
    met = t("report.n_none_lagging", lang, item="").split(";")[0]
    assert met not in text
    assert t("report.n_poverty_all_met", lang) not in text
    names = ", ".join(unit_label(c, lang) for c in ("107", "108"))
    assert t("report.n_no_target", lang, n=2, count=2, districts=names) in lines
    assert t("report.n_poverty_no_target", lang, n=2, count=2, districts=names) in lines


def test_narrative_with_targets_still_names_those_behind():
    figures = report_figures(_report_facts(F), 2017, D(2017, 10, 31))
    text = "\n".join(narrative_of(figures, "vi"))
    assert "2/2 huyện, thành phố giải ngân chậm so với chỉ tiêu" in text
    assert "chưa có chỉ tiêu" not in text


def test_reports_show_no_target_not_met():
    figures = report_figures(_report_facts(NO_TARGETS), 2017, D(2017, 12, 31))
    rows = table_poverty(figures, "vi").rows
    verdicts = {label: values[-1] for _, label, values, _ in rows}
    assert verdicts[t("report.total_row", "vi")] == verdicts["Mường Tè"] == verdicts["Sìn Hồ"] == t("report.cell_no_target", "vi")
    assert verdicts["Tam Đường"] is None  # no poverty figures: nothing to judge
    kpis = {label: (value, note, warn) for label, value, note, warn in _province_kpis(figures, "vi")}
    assert kpis[t("report.kpi_rate", "vi")][1:] == (t("report.kpi_no_target", "vi"), False)
    assert kpis[t("report.kpi_lagging", "vi")][:2] == ("–", t("report.kpi_no_target", "vi"))


@pytest.fixture
def no_targets_url(db_url: str) -> str:  # noqa: F811 - the fixture imported above
    """The sample store with every target removed (funding and poverty figures kept)."""
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as con:
        con.execute("DELETE FROM facts WHERE dataset = 'target'")
    return db_url


def _sample_by_district(url: str, as_of: dt.date) -> pd.DataFrame:
    engine = get_engine(url)
    facts = current_facts(engine)
    engine.dispose()
    return metrics.funding_by_district(facts, 2017, as_of)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_overview_without_targets_says_so(no_targets_url, lang):
    at = open_page("overview", lang)
    assert not at.exception, [e.value for e in at.exception]
    as_of = at.selectbox(key=f"overview_as_of_2017.{lang}").value
    funded = int(_sample_by_district(no_targets_url, as_of)["disbursement_rate"].notna().sum())
    assert funded > 0
    assert t("overview.none_lagging", lang) not in [s.value for s in at.success]
    assert t("overview.no_target", lang, n=funded) in [i.value for i in at.info]
    shown = cards(at)
    for key in ("overview.rate", "overview.poor_rate"):
        card = shown[t(key, lang, year=2017)]
        assert not card.delta, (key, card.delta)  # no arrow beside a missing target
    assert t("overview.target_help", lang, target=t("common.no_target", lang)) in [m.help for m in at.metric]


def test_overview_of_the_country_without_targets_says_so(no_targets_url):
    at = open_page("overview")
    at.sidebar.selectbox(key="province.vi").set_value("").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.selectbox(key="province.vi").value == ""
    assert t("overview.none_lagging_provinces", "vi") not in [s.value for s in at.success]
    assert t("overview.no_target_provinces", "vi", n=1) in [i.value for i in at.info]


def test_districts_table_without_targets_says_no_target(no_targets_url):
    at = open_page("districts")
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    column = table[t("districts.col_target", "vi")]
    assert set(column) == {t("common.no_target", "vi")}
    assert set(table[t("districts.col_target_poor", "vi")]) == {t("common.no_target", "vi")}


def test_poverty_table_without_targets_says_no_target(no_targets_url):
    at = open_page("poverty")
    assert not at.exception, [e.value for e in at.exception]
    assert set(at.dataframe[0].value[t("poverty.target", "vi")]) == {t("common.no_target", "vi")}
