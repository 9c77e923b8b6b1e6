"""Choices travel: across pages and in the address, so an official can send a link (issue 13, point 6)."""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from tests import test_pages
from tests.test_pages import APP, open_page

sample_db, db_url = test_pages.sample_db, test_pages.db_url
OCT_31 = dt.date(2017, 10, 31)


def test_year_and_date_chosen_on_overview_hold_on_districts_and_in_the_address(db_url: str) -> None:
    at = open_page("overview")
    at.selectbox(key="overview_year.vi").set_value(2018).run()
    dates = at.selectbox(key="overview_as_of_2018.vi").options
    chosen = at.selectbox(key="overview_as_of_2018.vi").set_value(dates[0]).run()
    assert not chosen.exception
    first = chosen.selectbox(key="overview_as_of_2018.vi").value
    assert at.query_params["year"] == "2018" and at.query_params["date"] == first.isoformat()
    at.switch_page("pages/districts.py").run()
    assert not at.exception
    assert at.selectbox(key="districts_year.vi").value == 2018
    assert at.selectbox(key="districts_as_of_2018.vi").value == first
    # and back: what was chosen on Districts holds on Overview
    at.selectbox(key="districts_year.vi").set_value(2017).run()
    at.selectbox(key="districts_as_of_2017.vi").set_value(OCT_31).run()
    at.switch_page("pages/overview.py").run()
    assert at.selectbox(key="overview_year.vi").value == 2017
    assert at.selectbox(key="overview_as_of_2017.vi").value == OCT_31


def test_a_shared_link_opens_on_its_scope_year_date_and_language(db_url: str) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60)
    for name, value in {"scope": "all", "year": "2017", "date": "2017-10-31", "lang": "en"}.items():
        at.query_params[name] = value
    at.run()
    at.run()  # as open_page: the second run is the one the browser sees (see pages/_ui.run_through_entrypoint)
    assert not at.exception
    assert at.session_state["lang"] == "en" and at.session_state["province"] == ""
    assert at.selectbox(key="overview_year.en").value == 2017
    assert at.selectbox(key="overview_as_of_2017.en").value == OCT_31


def test_a_hand_edited_address_falls_back_to_the_defaults(db_url: str) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60)
    for name, value in {"scope": "99", "year": "abc", "date": "31/10/2017", "lang": "fr"}.items():
        at.query_params[name] = value
    at.run()
    at.run()
    assert not at.exception
    assert at.session_state["lang"] == "vi" and at.session_state["province"] == "12"
    assert at.selectbox(key="overview_year.vi").value == 2017
    assert at.query_params["scope"] == "12" and at.query_params["lang"] == "vi"


def test_the_first_change_of_scope_in_a_new_session_is_taken(db_url: str) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()  # one run only: the session's first, as a browser's first page
    at.sidebar.selectbox(key="province.vi").set_value("").run()
    assert not at.exception
    assert at.session_state["province"] == "" and at.query_params["scope"] == "all"


# --- the district profile: a year and a reporting date, like Overview and Districts ---------------

def test_the_district_profile_offers_the_scopes_reporting_dates(db_url: str) -> None:
    at = open_page("district_profile")
    assert not at.exception
    assert at.selectbox(key="profile_year.vi").value == 2017
    dates = at.selectbox(key="profile_as_of_2017.vi").options
    assert OCT_31.strftime("%d/%m/%Y") in dates  # the options are shown as dd/mm/yyyy


def test_a_date_chosen_on_overview_holds_on_the_district_profile(db_url: str) -> None:
    at = open_page("overview")
    at.selectbox(key="overview_as_of_2017.vi").set_value(OCT_31).run()
    at.switch_page("pages/district_profile.py").run()
    assert not at.exception
    assert at.selectbox(key="profile_year.vi").value == 2017
    assert at.selectbox(key="profile_as_of_2017.vi").value == OCT_31
    assert at.query_params["date"] == "2017-10-31"


def test_the_profile_says_so_when_its_district_has_not_reported_by_the_date(db_url: str) -> None:
    at = open_page("district_profile")
    at.selectbox(key="profile_district.vi").set_value("107").run()  # Mường Tè: no report of 31/10/2017
    at.selectbox(key="profile_as_of_2017.vi").set_value(OCT_31).run()
    assert not at.exception
    notes = [e.value for e in [*at.warning, *at.info]]
    assert any("chưa báo cáo đến ngày 31/10/2017" in n for n in notes), notes
    at.selectbox(key="profile_district.vi").set_value("105").run()  # reported on that date: no such note
    assert not any("chưa báo cáo" in e.value for e in [*at.warning, *at.info])
