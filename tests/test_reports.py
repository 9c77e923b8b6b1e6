"""Meeting reports: the Excel workbook, the PDF report, the district profile, the narrative, the round trip."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from figures import fmt
from figures.excel_report import build_excel_report
from figures.narrative import NoReportData, furthest_behind, narrative, report_figures
from figures.pdf_report import build_district_pdf, build_pdf_report
from loaders.api import inspect_file
from loaders.i18n import I18N_DIR, t
from loaders.reference import ROOT, districts, leaf_sources
from loaders.synonyms import classify
from store import metrics
from store.bootstrap import load_samples_if_empty, sample_files
from store.db import get_engine
from store.queries import current_facts

YEARS = [2016, 2017, 2018, 2019, 2020]
CODES = list(districts())


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of a SQLite store holding the illustrative samples, built once for this module."""
    url = f"sqlite:///{tmp_path_factory.mktemp('reports') / 'samples.sqlite'}"
    engine = get_engine(url)
    assert load_samples_if_empty(engine) == len(sample_files())
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def facts(sample_store: str) -> pd.DataFrame:
    engine = get_engine(sample_store)
    frame = current_facts(engine)
    engine.dispose()
    return frame


def _browser() -> bool:
    """Whether kaleido can find a browser (choreographer looks for chromium on PATH or BROWSER_PATH)."""
    found = bool(os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("chromium-browser"))
    if not found and os.environ.get("DASHBOARD_TEST_REQUIRE_BROWSER") == "1":
        pytest.fail("DASHBOARD_TEST_REQUIRE_BROWSER=1 but no chromium for the PDF charts")
    return found


def pdf_pages(data: bytes) -> int:
    """Page count by a cheap parse: fpdf2 writes page objects as plain dictionaries."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def pdf_images(data: bytes) -> int:
    return len(re.findall(rb"/Subtype\s*/Image", data))


def _table(ws) -> dict[str, list]:  # type: ignore[no-untyped-def]
    """Rows under the numbering row, keyed by their label (column B), up to the first empty label."""
    out = {}
    for row in ws.iter_rows(min_row=11, values_only=True):
        if not row[1] or str(row[1]).startswith(("Ghi chú", "Note")):
            break
        out[str(row[1])] = list(row)
    return out


# --- Excel ------------------------------------------------------------------------------------

@pytest.mark.parametrize("year", YEARS)
def test_excel_report_has_three_sheets_whose_totals_and_figures_match_metrics(facts, year):
    as_of = metrics.reporting_dates(facts, year)[3]  # a date inside the year (31/10)
    wb = load_workbook(io.BytesIO(build_excel_report(facts, year, as_of, "vi")))
    assert wb.sheetnames == [t("report.sheet_source"), t("report.sheet_project"), t("report.sheet_poverty")]
    by_source, by_project, poverty = wb.worksheets

    # title block, as real reports have it
    titles = [by_source.cell(r, c).value for r in range(1, 8) for c in range(1, 16)]
    assert "UBND TỈNH LAI CHÂU" in titles and "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI" in titles
    assert f"(Tính đến ngày {as_of:%d/%m/%Y})" in titles and "Đơn vị tính: triệu đồng" in titles
    assert any(isinstance(v, str) and f"NĂM {year}" in v for v in titles)
    assert by_source["C8"].value == f"Kế hoạch vốn năm {year}" and by_source["I8"].value == f"Giải ngân đến {as_of:%d/%m/%Y}"
    assert "C8:H8" in {str(m) for m in by_source.merged_cells.ranges}
    assert [by_source.cell(9, c).value for c in range(3, 9)] == ["Tổng số", *(s.short_vi for s in leaf_sources().values())]
    assert by_source["D12"].number_format.startswith("#,##0.0")
    signature = [by_source.cell(r, c).value for r in range(20, 30) for c in range(1, 16)]
    assert "NGƯỜI LẬP BIỂU" in signature and "GIÁM ĐỐC" in signature

    # TỔNG CỘNG equals the sum of the eight district rows, and each figure equals what metrics compute
    rows = _table(by_source)
    total, units = rows.pop("TỔNG CỘNG"), list(rows.values())
    assert len(units) == 8
    for c in range(2, 14):
        assert total[c] == pytest.approx(sum(r[c] or 0 for r in units), abs=1e-6)
    expected = metrics.funding_by_district(facts, year, as_of).set_index("district_code")
    breakdown = metrics.funding_breakdown(facts, year, as_of, "source").set_index(["district_code", "source"])
    for code, row in zip(CODES, units):
        assert (row[2], row[8]) == pytest.approx((expected.at[code, "plan"], expected.at[code, "disbursed"]))
        for k, source in enumerate(leaf_sources()):
            key = (code, source)
            assert (row[3 + k] or 0) == pytest.approx(breakdown.at[key, "plan"] if key in breakdown.index else 0)
            assert (row[9 + k] or 0) == pytest.approx(breakdown.at[key, "disbursed"] if key in breakdown.index else 0)
        assert row[14] == pytest.approx(round(expected.at[code, "disbursement_rate"], 1))

    # by project: the province total equals the district table's, groups are I, II … over 1, 2 …
    projects = _table(by_project)
    assert projects["TỔNG CỘNG"][2] == pytest.approx(total[2])
    assert [r[0] for r in projects.values()][:3] == [None, "I", "1"]

    # poverty: the latest review on or before the date (end of the previous year here)
    review = _table(poverty)
    assert poverty["A4"].value.endswith(f"NĂM {year - 1} SO VỚI CHỈ TIÊU")
    pov = metrics.poverty_by_district(facts).query("year == @year - 1").set_index("district_code")
    prov_total = review.pop("TỔNG CỘNG")
    for code, row in zip(CODES, review.values()):
        assert row[2:4] + [row[5]] == [pov.at[code, m] for m in ("households", "poor_households", "near_poor_households")]
        # a rate without a target is not judged met, and says so
        assert row[8] == ("Chưa có chỉ tiêu" if row[7] is None else "Đạt" if row[4] <= row[7] else "Chưa đạt")
    assert prov_total[3] == sum(r[3] for r in review.values())


@pytest.mark.parametrize("year", YEARS)
def test_round_trip_through_inspect_gives_back_the_store_figures(facts, year, tmp_path):
    path = tmp_path / f"bao_cao_{year}.xlsx"
    path.write_bytes(build_excel_report(facts, year, None, "vi"))
    report = inspect_file(path)
    assert report.ok and report.issues == [], [i.message for i in report.issues]
    figures = report_figures(facts, year)
    records = pd.DataFrame([r._asdict() for r in report.records])
    assert set(zip(records["year"], records["as_of"])) == {(year, figures.as_of), (year, dt.date(year, 12, 31))}

    # plan and disbursed per district and source
    read = (records[records["source"].notna()].set_index(["district_code", "source", "measure"])["value"].sort_index())
    stored = (metrics.funding_breakdown(facts, year, figures.as_of, "source")
              .melt(id_vars=["district_code", "source"], value_vars=["plan", "disbursed"], var_name="measure")
              .set_index(["district_code", "source", "measure"])["value"].sort_index())
    pd.testing.assert_series_equal(read, stored, check_names=False, atol=1e-6)

    # poverty counts of the year's review
    got = (records[records["dataset"] == "poverty"].pivot_table(index="district_code", columns="measure", values="value")
           [["households", "poor_households", "near_poor_households"]])
    want = (metrics.poverty_by_district(facts).query("year == @year").set_index("district_code")
            [["households", "poor_households", "near_poor_households"]])
    pd.testing.assert_frame_equal(got, want, check_names=False, check_like=True)

    # imported into a fresh store, the workbook gives the same province totals
    engine = get_engine(f"sqlite:///{tmp_path / 'again.sqlite'}")
    from loaders.api import import_reports

    import_reports(engine, [report], user="round trip")
    again = metrics.province_funding(metrics.funding_by_district(current_facts(engine), year, figures.as_of))
    assert (again["plan"], again["disbursed"]) == pytest.approx((figures.province["plan"], figures.province["disbursed"]))
    engine.dispose()


def test_mobilised_funds_column_is_not_read_as_an_amount_in_dong():
    # 'Vốn huy động' ends in the word 'đồng': the reader took it for the unit and divided by a million
    meaning = classify(["Kế hoạch vốn năm 2017", "Vốn huy động"])
    assert (meaning.source, meaning.unit_factor) == ("mobilised", None)
    assert classify(["Kế hoạch vốn (triệu đồng)"]).unit_factor == 1.0


# --- PDF --------------------------------------------------------------------------------------

@pytest.mark.parametrize("year", YEARS)
def test_pdf_report_and_district_profile(facts, year):
    browser = _browser()
    report = build_pdf_report(facts, year, None, "vi")
    assert report.startswith(b"%PDF") and pdf_pages(report) >= 2
    code = CODES[year % len(CODES)]
    profile = build_district_pdf(facts, code, year, "vi")
    assert profile.startswith(b"%PDF") and pdf_pages(profile) == 1
    if browser:  # the charts are there: three on the report, two on the profile
        assert pdf_images(report) >= 3 and pdf_images(profile) == 2


def test_pdf_in_english_and_without_a_browser(facts, monkeypatch):
    assert pdf_pages(build_pdf_report(facts, 2019, dt.date(2019, 6, 30), "en")) >= 2
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    profile = build_district_pdf(facts, "107", 2019, "en")  # charts replaced by a line saying why
    assert pdf_pages(profile) == 1 and pdf_images(profile) == 0



OCT_31 = dt.date(2017, 10, 31)


def test_district_profile_pdf_is_of_the_chosen_reporting_date(facts, monkeypatch):
    from figures import pdf_report

    seen = []
    real = pdf_report.report_figures

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(real(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(pdf_report, "report_figures", spy)
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")  # no charts: the dates are what is tested
    assert pdf_pages(build_district_pdf(facts, "105", 2017, "vi", as_of=OCT_31)) == 1
    assert [f.as_of for f in seen] == [OCT_31]
    assert pdf_report.profile_subtitle(seen[0], "105", "vi") == t("report.profile_subtitle", "vi", date="31/10/2017")


def test_district_profile_pdf_says_so_when_the_district_has_not_reported_by_the_date(facts):
    figures = report_figures(facts, 2017, OCT_31, province="12")
    from figures.pdf_report import profile_subtitle

    line = profile_subtitle(figures, "107", "vi")  # Mường Tè: its latest report is older than 31/10/2017
    assert "chưa báo cáo đến ngày 31/10/2017" in line
    assert "chưa báo cáo" not in profile_subtitle(report_figures(facts, 2017, None, province="12"), "107", "vi")

# --- narrative --------------------------------------------------------------------------------

@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_narrative_names_total_capital_and_the_district_furthest_behind(facts, year, lang):
    as_of = metrics.reporting_dates(facts, year)[3]
    lines = narrative(facts, year, as_of, lang)
    text = " ".join(lines)
    by_district = metrics.funding_by_district(facts, year, as_of)
    plan = metrics.province_funding(by_district)["plan"]
    assert fmt.money(plan, lang) in lines[0]
    if lang == "vi":
        assert re.search(r"\d{3}\.\d{3} triệu đồng", lines[0])  # 368.453, the Vietnamese way
    worst = furthest_behind(by_district)[0]
    assert districts()[worst].label(lang) in lines[1]
    assert fmt.percent(by_district.set_index("district_code").at[worst, "disbursement_rate"], lang) in lines[1]
    assert t("report.n_sample", lang) in text


def test_narrative_of_2017_reads_as_the_meeting_would(facts):
    lines = narrative(facts, 2017, None, "vi")
    assert lines[0].startswith("Tổng kế hoạch vốn năm 2017 của Chương trình trên địa bàn tỉnh là 368.453 triệu đồng;")
    assert any("tỷ lệ hộ nghèo toàn tỉnh 30,30%" in line for line in lines)


def test_a_year_without_data_is_refused(facts):
    with pytest.raises(NoReportData, match="2031"):
        build_excel_report(facts, 2031, None, "vi")


def test_report_texts_exist_in_both_languages():
    keys = [set(tomllib.loads((I18N_DIR / f"{lang}.toml").read_text(encoding="utf-8"))["report"]) for lang in ("vi", "en")]
    assert keys[0] == keys[1]


# --- command line -----------------------------------------------------------------------------

def _cli(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "loaders", *map(str, args)], capture_output=True, text=True, cwd=ROOT)


def test_cli_report_then_inspect(sample_store, tmp_path: Path):
    out = tmp_path / "bao_cao.xlsx"
    proc = _cli("report", "--year", 2017, "--as-of", "2017-10-31", "--db", sample_store, "--out", out)
    assert proc.returncode == 0, proc.stderr
    inspected = _cli("inspect", out, "--json")
    assert inspected.returncode == 0, inspected.stdout
    assert len(json.loads(inspected.stdout)["files"][0]["records"]) > 100

    pdf = tmp_path / "muong_te.pdf"
    proc = _cli("report", "--year", 2018, "--district", 107, "--lang", "en", "--db", sample_store, "--out", pdf)
    assert proc.returncode == 0, proc.stderr
    assert pdf_pages(pdf.read_bytes()) == 1

    assert _cli("report", "--year", 2017, "--district", 107, "--format", "xlsx", "--db", sample_store,
                "--out", tmp_path / "x.xlsx").returncode == 2
    assert _cli("report", "--year", 2031, "--db", sample_store, "--out", tmp_path / "x.xlsx").returncode == 2
