"""The province's own level (its agencies) in the store, the totals and the pages: its money is in the province's
figures and shown as a line of its own, never counted as a district (issue 14)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from figures import fmt
from loaders.i18n import t
from loaders.records import Dataset, FileReport, Record
from loaders.reference import districts, province_level_code
from store import metrics
from store.db import get_engine
from store.queries import current_facts, funding_facts, province_levels_present
from store.writes import write_reports
from tests.test_pages import cards, db_url, open_page, sample_db, texts  # noqa: F401 (fixtures)

OCT = dt.date(2017, 10, 31)
OWN = province_level_code("12")
AGENCIES = {"SNNPTNT": (500.0, 300.0), "BDT": (200.0, 100.0)}


def _report(name: str = "tinh.xlsx", rows: dict[str, tuple[float, float]] = AGENCIES) -> FileReport:
    records = [Record(Dataset.FUNDING, OWN, 2017, OCT, None, None, measure, value, "S", f"C{i}", agency)
               for i, (agency, pair) in enumerate(rows.items(), start=5) for measure, value in zip(("plan", "disbursed"), pair)]
    return FileReport(path=name, records=records, sha256=hashlib.sha256((name + repr(rows)).encode()).hexdigest())


def test_the_provinces_own_level_is_a_line_after_its_districts_and_in_its_totals(engine) -> None:  # type: ignore[no-untyped-def]
    codes = list(districts("12"))
    before = metrics.funding_by_district(current_facts(engine), 2017, OCT, codes)
    assert list(before["district_code"]) == codes  # nothing reported at the province's level: no empty line
    write_reports(engine, [_report()], user="test")
    assert province_levels_present(engine) == [OWN] and province_levels_present(engine, province="11") == []
    for facts in (current_facts(engine), funding_facts(engine, 2017, OCT)):
        rows = metrics.funding_by_district(facts, 2017, OCT, codes)
        assert list(rows["district_code"]) == [*codes, OWN]
        own = rows.set_index("district_code").loc[OWN]
        assert (own["plan"], own["disbursed"]) == (700.0, 400.0) and own["status"] == metrics.TargetStatus.NO_TARGET
        totals = metrics.province_funding(rows)
        assert totals["plan"] == 700.0 and totals["no_target_districts"] == 0.0  # the line is no district
        province = metrics.roll_up(rows).set_index("province_code").loc["12"]
        assert province["plan"] == 700.0 and province["districts"] == 8 and province["not_reported"] == 8


def test_an_analyst_of_a_district_cannot_import_the_provinces_agencies(engine) -> None:  # type: ignore[no-untyped-def]
    from store.auth import PermissionDenied, Role, add_user, authenticate

    password = "mat-khau-dai-du-12"
    add_user(engine, "admin", password, Role.ADMIN)
    add_user(engine, "mt", password, Role.ANALYST, districts=["107"], by=authenticate(engine, "admin", password))
    with pytest.raises(PermissionDenied):
        write_reports(engine, [_report()], user=authenticate(engine, "mt", password))
    assert current_facts(engine).empty


def _with_agencies(db_url: str) -> float:  # noqa: F811 (the fixture)
    """Write the agencies' report into the page store; the province's plan before it."""
    engine = get_engine(db_url)
    plan = metrics.province_funding(metrics.funding_by_district(current_facts(engine), 2017, OCT))["plan"]
    write_reports(engine, [_report()], user="test")
    engine.dispose()
    return plan


def test_overview_counts_the_agencies_money_and_judges_only_districts(db_url: str) -> None:  # noqa: F811
    plan = _with_agencies(db_url)
    at = open_page("overview")
    at.selectbox(key="overview_as_of_2017.vi").set_value(OCT).run()
    assert not at.exception
    assert cards(at)["Kế hoạch vốn năm 2017"].value == fmt.number(plan + 700.0, "vi")
    assert "Cấp tỉnh" not in texts(at)  # not reported, lagging or without a target: none is said of it
    at.sidebar.selectbox(key="province.vi").set_value("").run()  # the country: the province's agencies in its sum
    assert not at.exception
    assert cards(at)["Kế hoạch vốn năm 2017"].value == fmt.number(plan + 700.0, "vi")
    at.switch_page("pages/districts.py").run()
    assert not at.exception


def test_the_districts_page_shows_the_provinces_own_level_as_its_own_line(db_url: str) -> None:  # noqa: F811
    _with_agencies(db_url)
    at = open_page("districts")
    at.selectbox(key="districts_as_of_2017.vi").set_value(OCT).run()
    assert not at.exception
    table = at.dataframe[0].value.set_index(t("common.district", "vi"))
    assert list(table.index)[-1] == "Cấp tỉnh" and len(table) == 9
    assert table.loc["Cấp tỉnh", t("districts.col_plan", "vi")] == "700,0"


def test_the_data_page_filters_the_provinces_own_level_and_names_its_agencies(db_url: str) -> None:  # noqa: F811
    _with_agencies(db_url)
    at = open_page("data")
    at.multiselect(key="data_district_code.vi").set_value([OWN]).run()
    assert not at.exception
    table = at.dataframe[0].value
    column = t("data.col_subunit", "vi")
    assert set(table[column]) == {"Sở Nông nghiệp và Phát triển nông thôn", "Ban Dân tộc"} and len(table) == 4
    assert not any(m.key == "data_commune_code.vi" for m in at.multiselect)  # agencies are no communes


def test_the_province_report_says_what_the_agencies_spent(db_url: str) -> None:  # noqa: F811
    from figures.narrative import narrative

    _with_agencies(db_url)
    engine = get_engine(db_url)
    lines = narrative(current_facts(engine), 2017, OCT, "vi")
    engine.dispose()
    assert t("report.n_province_level", "vi", plan=fmt.money(700.0, "vi"), disbursed=fmt.money(400.0, "vi"),
             rate=fmt.percent(400 / 700 * 100, "vi")) in lines
    assert not any("Cấp tỉnh" in line for line in lines)  # never among the districts behind or without a target


def test_the_districts_page_names_what_its_charts_and_map_cannot_show(db_url: str) -> None:  # noqa: F811
    _with_agencies(db_url)
    at = open_page("districts")
    at.selectbox(key="districts_as_of_2017.vi").set_value(OCT).run()
    captions = "\n".join(c.value for c in at.caption)
    # the agencies reported one total: no bar of the by-source chart, and said so under it
    assert t("districts.without_source", "vi", units="Cấp tỉnh") in captions
    assert t("districts.map_province_level", "vi", plan=fmt.money(700.0, "vi")) in captions
