"""Which poverty review a reporting date shows: one rule (store.metrics.poverty_review_at) on every page and report."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from figures import fmt
from figures.excel_report import build_excel_report
from figures.narrative import report_figures
from loaders.i18n import t
from store import metrics
from tests import test_pages
from tests.test_pages import cards, open_page, texts

sample_db, db_url, facts = test_pages.sample_db, test_pages.db_url, test_pages.facts
OCT_31 = dt.date(2017, 10, 31)


@pytest.mark.parametrize(("year", "as_of", "review"), [
    (2017, dt.date(2017, 10, 31), 2016),  # end-2017 is not known on 31/10/2017
    (2017, dt.date(2017, 12, 31), 2017),
    (2017, dt.date(2018, 1, 31), 2017),  # the year's close, early next year: still the 2017 review
    (2016, dt.date(2016, 6, 30), 2015),
])
def test_a_reporting_date_shows_the_latest_review_on_or_before_it(facts, year, as_of, review):  # type: ignore[no-untyped-def]
    assert metrics.poverty_review_at(facts, year, as_of)[0] == review


def test_overview_and_reports_show_the_same_review_and_name_it(db_url: str, facts) -> None:  # type: ignore[no-untyped-def]
    at = open_page("overview")
    at.selectbox(key="overview_as_of_2017.vi").set_value(OCT_31).run()
    assert not at.exception
    shown = {label: m.value for label, m in cards(at).items()}
    rate = metrics.province_poverty(metrics.poverty_by_district(facts)).set_index("year").at[2016, "poor_rate"]
    assert shown[t("overview.poor_rate", "vi", year=2016)] == fmt.percent(rate, "vi", 2)
    assert t("common.poverty_review", "vi", year=2016, date="31/10/2017") in texts(at)
    # the reports built for the same date take the same review
    assert report_figures(facts, 2017, OCT_31).poverty_year == 2016
    wb = load_workbook(io.BytesIO(build_excel_report(facts, 2017, OCT_31, "vi")))
    poverty_sheet = wb.worksheets[2]
    titles = " ".join(str(c.value) for row in poverty_sheet.iter_rows(max_row=8) for c in row if c.value)
    assert "(Tính đến ngày 31/12/2016)" in titles  # the end-2016 review, as on the page


def test_districts_page_names_the_review_it_shows(db_url: str) -> None:
    at = open_page("districts")
    at.selectbox(key="districts_as_of_2017.vi").set_value(OCT_31).run()
    assert not at.exception
    assert t("common.poverty_review", "vi", year=2016, date="31/10/2017") in texts(at)


def test_captions_put_a_full_stop_between_their_sentences(db_url: str) -> None:
    at = open_page("districts")
    captions = [c.value for c in at.caption if t("common.poverty_review", "vi", year=2017, date="31/01/2018") in c.value]
    assert captions and all(". Hộ nghèo:" in c or c.startswith("Hộ nghèo:") for c in captions), captions


def test_counts_at_the_start_of_a_year_are_no_review_of_that_year() -> None:
    import pandas as pd

    def row(year: int, as_of: dt.date) -> dict[str, object]:
        return {"dataset": "poverty", "district_code": "107", "year": year, "as_of": as_of,
                "measure": "poor_households", "value": 100.0}

    facts = pd.DataFrame([row(2017, dt.date(2017, 12, 31)), row(2018, dt.date(2018, 1, 1)), row(2018, dt.date(2018, 12, 31))])
    # on 31/10/2018 the end-2018 review is not known yet; the 1 January 2018 counts are end-2017's
    assert metrics.poverty_review_at(facts, 2018, dt.date(2018, 10, 31)) == (2017, dt.date(2017, 12, 31))
    assert metrics.poverty_review_at(facts, 2018, dt.date(2018, 12, 31)) == (2018, dt.date(2018, 12, 31))
