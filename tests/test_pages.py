"""Every page driven by Streamlit's AppTest against a store holding the illustrative samples."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from figures import fmt
from loaders.i18n import t
from loaders.reference import ROOT, SAMPLES_DIR
from loaders.text import escape_markdown
from pages._ui import SHOWN_ROWS
from store import metrics
from store.bootstrap import load_samples_if_empty, sample_files
from store.db import get_engine
from store.queries import current_facts

APP = ROOT / "dashboard.py"
PAGES = ["overview", "districts", "district_profile", "poverty", "data", "upload"]
TITLES = {"overview": "overview.title", "districts": "districts.title", "district_profile": "profile.title",
          "poverty": "poverty.title", "data": "data.title", "upload": "upload.title"}


def _copy_sqlite(src: Path, dst: Path) -> None:
    # WAL mode: the -wal file may hold committed pages not yet in the main file.
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{src}{suffix}").exists():
            shutil.copy(f"{src}{suffix}", f"{dst}{suffix}")


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store with the samples imported, built once."""
    if not sample_files():
        pytest.fail(f"no sample workbooks in {SAMPLES_DIR}: run python -m loaders.samples")
    path = tmp_path_factory.mktemp("store") / "samples.sqlite"
    engine = get_engine(f"sqlite:///{path}")
    assert load_samples_if_empty(engine) == len(sample_files())
    engine.dispose()
    return path


@pytest.fixture
def db_url(sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A private copy of the sample store, set as the app's database."""
    path = tmp_path / "store.sqlite"
    _copy_sqlite(sample_db, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", url)
    monkeypatch.setenv("DASHBOARD_LOAD_SAMPLES", "1")
    return url


@pytest.fixture
def facts(db_url: str):  # type: ignore[no-untyped-def]
    engine = get_engine(db_url)
    frame = current_facts(engine)
    engine.dispose()
    return frame


def open_page(page: str, lang: str = "vi") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    if lang != "vi":
        at.session_state["lang"] = lang
    at.run()
    if page != "overview":
        at.switch_page(f"pages/{page}.py").run()
    else:
        # AppTest runs the first script as an old-style pages/ app; from the second run on the
        # pages go through pages/_ui.run_through_entrypoint, as in the browser. Widgets set
        # after this run keep their ids.
        at.run()
    return at


def cards(at: AppTest) -> dict[str, Any]:
    """The KPI cards by label without their unit ('Kế hoạch vốn năm 2017 (triệu đồng)' → 'Kế hoạch vốn năm 2017')."""
    return {m.label.rsplit(" (", 1)[0]: m for m in at.metric}


def texts(at: AppTest) -> str:
    """All visible text of alerts, markdown and captions, joined."""
    parts = [e.value for kind in (at.error, at.warning, at.info, at.success, at.markdown, at.caption) for e in kind]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs(db_url: str, page: str, lang: str) -> None:
    at = open_page(page, lang)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == t(TITLES[page], lang)


@pytest.mark.parametrize("page", PAGES[1:])
def test_pages_run_inside_the_entrypoint(db_url: str, page: str) -> None:
    # A folder named pages/ would otherwise make Streamlit run the page alone, without the sidebar.
    at = open_page(page)
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == t(TITLES[page], "en")
    assert any("Illustrative data" in w.value for w in at.sidebar.warning)


def test_sidebar_says_the_samples_are_illustrative(db_url: str) -> None:
    at = open_page("overview")
    assert any("Số liệu minh họa" in w.value for w in at.sidebar.warning)


def test_overview_plan_total_matches_the_store(db_url: str, facts) -> None:  # type: ignore[no-untyped-def]
    at = open_page("overview")
    latest = metrics.reporting_dates(facts, 2017)[-1]
    assert at.selectbox(key="overview_year.vi").value == 2017
    assert at.selectbox(key="overview_as_of_2017.vi").value == latest
    plan = facts[(facts["year"] == 2017) & (facts["measure"] == "plan") & (facts["as_of"] == latest)]["value"].sum()
    province = metrics.province_funding(metrics.funding_by_district(facts, 2017, latest))
    shown = {label: m.value for label, m in cards(at).items()}
    assert shown[t("overview.plan", "vi", year=2017)] == fmt.number(plan, "vi") == "368.453"
    assert any(c.value.startswith("Tiền tính bằng triệu đồng") for c in at.caption)
    assert shown[t("overview.rate", "vi")] == fmt.percent(province["disbursement_rate"], "vi")


def test_overview_lists_the_district_that_has_not_reported(db_url: str) -> None:
    at = open_page("overview")
    at.selectbox(key="overview_as_of_2017.vi").set_value(dt.date(2017, 10, 31)).run()
    assert not at.exception
    assert "Chưa báo cáo đến 31/10/2017: Huyện Mường Tè" in [e.value for e in at.error]


def test_overview_flags_lagging_districts(db_url: str, facts) -> None:  # type: ignore[no-untyped-def]
    at = open_page("overview")
    at.selectbox(key="overview_as_of_2017.vi").set_value(dt.date(2017, 10, 31)).run()
    lagging = metrics.funding_by_district(facts, 2017, dt.date(2017, 10, 31)).query("lagging")
    assert len(lagging) > 0
    assert t("overview.lagging", "vi", n=len(lagging), date="31/10/2017") in [w.value for w in at.warning]


def test_english_switch_changes_titles_and_labels(db_url: str) -> None:
    at = open_page("overview")
    assert at.title[0].value == t("overview.title", "vi")
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == t("overview.title", "en")
    assert t("overview.plan", "en", year=2017) in cards(at)
    assert at.metric[0].label.endswith("(million VND)")
    assert at.metric[0].value == "368,453"


@pytest.mark.parametrize("indicator", ["disbursement_rate", "poor_rate", "near_poor_rate", "plan"])
def test_districts_map_indicators(db_url: str, indicator: str) -> None:
    at = open_page("districts")
    at.selectbox(key="districts_indicator.vi").set_value(indicator).run()
    assert not at.exception


@pytest.mark.parametrize("district", ["105", "107", "112"])
def test_district_profile_for_each_kind_of_district(db_url: str, district: str) -> None:
    at = open_page("district_profile")
    at.selectbox(key="profile_district.vi").set_value(district).run()
    at.radio(key="profile_unit.vi").set_value(True).run()
    assert not at.exception


def test_choices_survive_a_language_switch(db_url: str) -> None:
    # Labels change with the language; the chosen district and unit must not.
    at = open_page("district_profile")
    at.selectbox(key="profile_district.vi").set_value("107").run()
    at.radio(key="profile_unit.vi").set_value(True).run()
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.selectbox(key="profile_district.en").value == "107"
    assert at.radio(key="profile_unit.en").value is True
    assert at.title[0].value == t("profile.title", "en")


def test_data_page_counts_every_current_fact_and_shows_the_first_ones(db_url: str, facts) -> None:  # type: ignore[no-untyped-def]
    at = open_page("data")
    assert len(facts) > SHOWN_ROWS  # the samples are more than the screen shows
    assert len(at.dataframe[0].value) == SHOWN_ROWS
    captions = " ".join(c.value for c in at.caption)
    assert fmt.number(len(facts), "vi") in captions and fmt.number(SHOWN_ROWS, "vi") in captions
    at.multiselect(key="data_district_code.vi").set_value(["107"]).run()
    mine = facts[facts["district_code"] == "107"]
    assert len(at.dataframe[0].value) == len(mine) < SHOWN_ROWS
    assert set(at.dataframe[0].value[t("data.col_cell", "vi")]) == set(mine["cell"])


def test_upload_page_offers_uploader_and_template(db_url: str) -> None:
    at = open_page("upload")
    assert len(at.file_uploader) == 1
    assert at.download_button[0].label == t("upload.template", "vi")


def test_uploading_a_sample_again_changes_nothing(db_url: str) -> None:
    sample = SAMPLES_DIR / "lai_chau_2017.xlsx"
    at = open_page("upload")
    at.file_uploader[0].set_value((sample.name, sample.read_bytes(),
                                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")).run()
    assert not at.exception
    assert at.metric[0].value != "0"
    at.button(key="upload_import").click().run()
    assert not at.exception
    shown_name = escape_markdown(sample.name)  # file-provided text is escaped before Markdown renders it
    assert t("upload.already_imported", "vi", file=shown_name) in [i.value for i in at.info]


def test_uploading_a_broken_file_shows_issues_and_blocks_import(db_url: str) -> None:
    at = open_page("upload")
    at.file_uploader[0].set_value(("bao_cao.csv", "Huyện;Giá trị\nMường Tè;abc\n".encode(), "text/csv")).run()
    assert not at.exception
    assert at.error, "the issue summary is shown as an error"
    assert at.button(key="upload_import").disabled


def test_empty_store_shows_a_friendly_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    monkeypatch.setenv("DASHBOARD_LOAD_SAMPLES", "0")
    for page in PAGES[:-1]:
        at = open_page(page)
        assert not at.exception
        assert t("common.empty", "vi") in [i.value for i in at.info]


def test_unusable_store_is_reported_once_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", "nonsense://")
    at = open_page("overview")
    assert not at.exception
    assert len(at.error) == 1 and "nonsense" in at.error[0].value


def test_report_downloads_on_the_overview_and_profile(db_url: str) -> None:
    at = open_page("overview")
    labels = [b.proto.label for b in at.get("download_button")]
    assert t("report.download_xlsx", "vi") in labels and t("report.download_pdf", "vi") in labels
    profile = open_page("district_profile")
    assert t("report.download_district_pdf", "vi") in [b.proto.label for b in profile.get("download_button")]


def _bar_labels(at: AppTest) -> str:
    """The category labels of the page's first chart, joined."""
    import json

    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    return " ".join(str(v) for trace in spec["data"] for v in trace.get("y", []))


def _add_province(url: str, province: str) -> float:
    """Write a year of funding for every district of another province; its plan total."""
    import hashlib

    from loaders.records import Dataset, FileReport, Record
    from loaders.reference import districts
    from store.writes import write_reports

    as_of, records = dt.date(2017, 10, 31), []
    for i, code in enumerate(districts(province)):
        for measure, value in (("plan", 1000.0 + i), ("disbursed", 100.0 * i)):
            records.append(Record(Dataset.FUNDING, code, 2017, as_of, "1.1", "central", measure, value, "S", f"C{i}"))
        records.append(Record(Dataset.TARGET, code, 2017, as_of, None, None, "target_disbursement_rate", 60.0, "S",
                              f"D{i}"))
    engine = get_engine(url)
    write_reports(engine, [FileReport(path=f"{province}.xlsx", sha256=hashlib.sha256(province.encode()).hexdigest(),
                                      records=records)], user="tester")
    engine.dispose()
    return sum(1000.0 + i for i in range(len(districts(province))))


def test_every_page_can_be_scoped_to_a_province_or_the_country(db_url: str, facts) -> None:  # type: ignore[no-untyped-def]
    from loaders.reference import districts, provinces

    dien_bien = _add_province(db_url, "11")
    at = open_page("overview")
    scope = at.sidebar.selectbox(key="province.vi")
    assert scope.options == ["Cả nước", "Điện Biên", "Lai Châu"] and scope.value == "12"  # Lai Châu first
    lai_chau = metrics.province_funding(metrics.funding_by_district(facts, 2017, dt.date(2017, 10, 31)))["plan"]
    assert at.metric[0].value == fmt.number(lai_chau, "vi")

    scope.set_value("11").run()
    assert not at.exception
    assert at.metric[0].value == fmt.number(dien_bien, "vi")
    chart = _bar_labels(at)
    assert all(d.label("vi") in chart for d in districts("11").values())

    scope.set_value("").run()  # the country: Lai Châu and Điện Biên summed, provinces ranked
    assert at.metric[0].value == fmt.number(lai_chau + dien_bien, "vi")
    chart = _bar_labels(at)
    assert provinces()["11"].label("vi") in chart and provinces()["12"].label("vi") in chart
    assert "Mường Tè" not in chart
    for page in PAGES[1:5]:  # the scope stays chosen from page to page
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert at.sidebar.selectbox(key="province.vi").value == ""
        assert "Cả nước" in texts(at) or page == "district_profile"
