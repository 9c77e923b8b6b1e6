"""The Upload and Import history pages through AppTest: understand, validate, fix the reading, preview, commit, undo."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from streamlit.testing.v1 import AppTest

from figures import fmt
from loaders import inspect_file
from loaders.i18n import t
from loaders.options import ColumnChoice, ReaderOptions
from loaders.reference import all_districts, measures
from loaders.samples import sample_rows
from loaders.template import build_workbook
from loaders.text import escape_markdown as md
from store import metrics
from store.db import get_engine
from store.history import history
from store.profiles import list_profiles
from store.queries import current_facts
from tests import test_pages
from tests.corpus.builders import build_checks, build_combined, build_total_mismatch, build_total_row_on_top
from tests.test_pages import cards, open_page, texts

# the page tests' store fixtures: a private copy of the sample store per test
sample_db, db_url = test_pages.sample_db, test_pages.db_url

OCT_31 = dt.date(2017, 10, 31)
PEER_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "peer-spreadsheets"


def muong_te_october(plan_extra: float = 0.0) -> bytes:
    """Mường Tè's missing report for 31/10/2017 in the template: its 30/09 rows, disbursed higher (and plan + extra)."""
    rows = [r for r in sample_rows()[2017]["funding"] if r["district_code"] == "107" and r["as_of"] == dt.date(2017, 9, 30)]
    october = [{**r, "as_of": OCT_31, "plan": r["plan"] + plan_extra,
                "disbursed": round(r["disbursed"] + (r["plan"] - r["disbursed"]) / 2, 1)} for r in rows]
    buffer = io.BytesIO()
    build_workbook(funding=october).save(buffer)
    return buffer.getvalue()


def odd_report(first_value: float = 1000.0) -> bytes:
    """A report whose headers the synonyms table does not know: 'Cột lạ 1', 'Cột lạ 2'."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "BC"
    ws.append(["BÁO CÁO GIẢI NGÂN NĂM 2017"])
    ws.append(["(Tính đến ngày 31/10/2017)"])
    ws.append(["Đơn vị", "Cột lạ 1", "Cột lạ 2", "Ghi chép"])
    ws.append(["Huyện Mường Tè", first_value, 400.0, "x"])
    ws.append(["Huyện Sìn Hồ", 2000.0, 900.0, "y"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def corpus(build: Callable[[Path], Any], tmp_path: Path) -> tuple[str, bytes]:
    path = build(tmp_path).path
    return path.name, path.read_bytes()


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.file_uploader(key="upload_files").set_value([(n, b, "application/octet-stream") for n, b in files]).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def import_button(at: AppTest):  # type: ignore[no-untyped-def]
    return at.button(key="upload_import")


def labelled(widgets, label: str) -> list:  # type: ignore[no-untyped-def]
    return [w for w in widgets if w.label == label]


def ending(widgets, suffix: str):  # type: ignore[no-untyped-def]
    found = [w for w in widgets if (w.key or "").endswith(suffix)]
    assert len(found) == 1, (suffix, [w.key for w in widgets])
    return found[0]


def starting(widgets, prefix: str):  # type: ignore[no-untyped-def]
    found = [w for w in widgets if (w.key or "").startswith(prefix)]
    assert len(found) == 1, (prefix, [w.key for w in widgets])
    return found[0]


def mapping_toggle(at: AppTest):  # type: ignore[no-untyped-def]
    """'Sửa cách đọc' of the (only) uploaded file."""
    return starting(at.toggle, "upload_map_on.")


def overview_figures(at: AppTest) -> dict[str, str]:
    at.switch_page("pages/overview.py").run()
    at.selectbox(key="overview_as_of_2017.vi").set_value(OCT_31).run()
    assert not at.exception
    return {label: m.value for label, m in cards(at).items()}


# --- 1. one or several files -----------------------------------------------------------------------------------------

def test_the_uploader_takes_several_spreadsheets(db_url: str) -> None:
    at = open_page("upload")
    uploader = at.file_uploader(key="upload_files")
    assert uploader.accept_multiple_files
    assert sorted(uploader.allowed_type) == [".csv", ".xls", ".xlsx"]


def test_several_files_at_once_each_get_their_own_section(db_url: str, tmp_path: Path) -> None:
    at = upload(open_page("upload"), ("muong_te.xlsx", muong_te_october()), corpus(build_total_row_on_top, tmp_path))
    assert [e.label for e in at.main.expander] == [md("muong_te.xlsx"), md("total_row_on_top.xlsx")]
    records = [m.value for m in at.metric if m.label == t("upload.records", "vi")]
    assert records == ["44", "32"]
    assert t("upload.template_file", "vi", records="44") in texts(at)
    assert t("upload.preview_summary", "vi", new="76", changed="0", unchanged="0") in texts(at)
    assert not import_button(at).disabled


# --- 2. what was understood, and the checks --------------------------------------------------------------------------

def test_what_was_understood_is_said_in_plain_vietnamese(db_url: str, tmp_path: Path) -> None:
    at = upload(open_page("upload"), corpus(build_total_row_on_top, tmp_path))
    line = next(m.value for m in at.markdown if m.value.startswith("**Trang 'TH giải ngân'**"))
    for part in ("Năm 2017 (ô A4)", "Số liệu đến 31/10/2017 (ô A5)",
                 "Đơn vị tính: đồng → quy đổi sang triệu đồng (ô G6)", "Tiêu đề cột: dòng 7–8",
                 "Dữ liệu: dòng 10–17", "Dòng tổng (chỉ dùng để kiểm tra, không cộng): 9"):
        assert part in line
    columns = at.dataframe[0].value
    assert list(columns.columns) == ["Cột", "Tiêu đề", "Được hiểu là"]
    meaning = dict(zip(columns["Cột"], columns["Được hiểu là"]))
    assert meaning["C"] == "Tổng số (kiểm tra) – Kế hoạch vốn năm"
    assert meaning["D"] == "Kế hoạch vốn năm – NSTW – ĐTPT"
    assert meaning["I"].startswith("Tỷ lệ (kiểm tra)")


def test_understanding_in_english(db_url: str, tmp_path: Path) -> None:
    at = upload(open_page("upload", "en"), corpus(build_combined, tmp_path))
    line = next(m.value for m in at.markdown if m.value.startswith("**Sheet 'BC thang 9'**"))
    assert "Year 2017 (cell A4)" in line and "Unit: VND → converted to million VND (cell I6)" in line
    assert "Data: rows 12–17, 19–20" in line


def test_warnings_must_be_acknowledged_before_import(db_url: str, tmp_path: Path) -> None:
    at = upload(open_page("upload"), corpus(build_total_mismatch, tmp_path))
    assert at.warning[0].value.startswith("Tệp có 0 lỗi và")
    assert "C18" in at.dataframe[1].value["Ô"].tolist()  # each warning names its cell
    assert import_button(at).disabled
    assert t("upload.waiting_ack", "vi", files=md("total_mismatch.xlsx")) in texts(at)
    labelled(at.checkbox, t("upload.ack", "vi"))[0].check().run()
    assert not import_button(at).disabled
    at.radio(key="lang").set_value("en").run()  # the acknowledgement is of the warnings, not of their wording
    assert not import_button(at).disabled
    at.radio(key="lang").set_value("vi").run()
    import_button(at).click().run()
    assert any(s.value.startswith(f"Đã nhập tệp {md('total_mismatch.xlsx')}") for s in at.success)


def test_a_file_with_errors_is_left_out_and_offers_an_annotated_copy(db_url: str, tmp_path: Path) -> None:
    at = upload(open_page("upload"), corpus(build_checks, tmp_path), ("muong_te.xlsx", muong_te_october()))
    assert at.error[0].value.startswith("Tệp có 4 lỗi")
    # the annotated copy is offered, and built only when asked for
    assert [d.label for d in at.download_button] == [t("upload.template", "vi")]
    labelled(at.button, t("upload.annotate", "vi"))[0].click().run()
    assert [d.label for d in at.download_button] == [t("upload.template", "vi"), t("upload.annotated", "vi")]
    assert t("upload.left_out", "vi", files=md("checks.xlsx")) in texts(at)
    # the error-free file still goes in, alone
    assert t("upload.will_import", "vi", n=1, files=md("muong_te.xlsx")) in texts(at)
    import_button(at).click().run()
    assert [b["file"] for b in history(get_engine(db_url))][0] == "muong_te.xlsx"
    assert "checks.xlsx" not in {b["file"] for b in history(get_engine(db_url))}


def _password_protected() -> tuple[str, bytes]:
    path = PEER_DIR / "calamine" / "pass_protected.xlsx"
    if not path.exists():
        pytest.skip(f"no password-protected workbook at {path}")
    return path.name, path.read_bytes()


@pytest.mark.parametrize("make, code", [
    (lambda: ("rong.xlsx", b""), "empty_file"),
    (lambda: ("hong.xlsx", b"PK\x03\x04 not really a zip"), "unreadable_file"),
    (lambda: ("bao_cao.xlsx", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"), "unreadable_file"),
    (lambda: ("bao_cao.csv", b"\xff\xfe\x00\x00binary\x00\x9c"), "unreadable_file"),
    (_password_protected, "password_protected"),
], ids=["empty", "corrupt", "pdf_named_xlsx", "binary_csv", "password"])
def test_a_file_that_cannot_be_opened_gets_one_clear_message(db_url: str, tmp_path: Path, make, code: str) -> None:  # type: ignore[no-untyped-def]
    name, data = make()
    path = tmp_path / name
    path.write_bytes(data)
    expected = inspect_file(path, name=name)
    assert [i.code for i in expected.issues] == [code]
    at = upload(open_page("upload"), (name, data))
    assert [e.value for e in at.error] == [md(expected.issues[0].message)]
    assert not at.metric and not at.dataframe and len(at.download_button) == 1  # no preview, no annotated copy
    assert not labelled(at.button, t("upload.annotate", "vi"))
    assert import_button(at).disabled
    assert t("upload.left_out", "vi", files=md(name)) in texts(at)


def dien_bien_report() -> bytes:
    """A report of another province, titled by its issuing body: Điện Biên's district names, known headers."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "BC"
    for row in (["UBND TỈNH ĐIỆN BIÊN"], ["BÁO CÁO GIẢI NGÂN NĂM 2017"], ["(Tính đến ngày 31/10/2017)"],
                ["Đơn vị", "Kế hoạch vốn năm 2017", "Giải ngân đến 31/10/2017"],
                ["Huyện Mường Ảng", 1000.0, 400.0], ["Huyện Điện Biên Đông", 2000.0, 900.0]):
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_the_province_of_the_files_is_lai_chau_unless_chosen(db_url: str) -> None:
    at = open_page("upload")
    assert at.selectbox(key="upload_province.vi").value == "12"
    at = upload(at, ("dien_bien.xlsx", dien_bien_report()))
    assert at.metric[1].value == "2"  # two names that are no district of Lai Châu …
    problems = " ".join(str(v) for d in at.dataframe for v in d.value.to_numpy().ravel())
    assert "Huyện Mường Ảng (Tỉnh Điện Biên)" in problems  # … each suggesting the province it belongs to
    assert import_button(at).disabled
    at.selectbox(key="upload_province.vi").set_value("11").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [m.value for m in at.metric] == ["4", "0", "0"]
    line = next(m.value for m in at.markdown if m.value.startswith("**Trang 'BC'**"))
    assert t("upload.province_of", "vi", province="Tỉnh Điện Biên") + " (ô A1)" in line
    # the manual mapping offers the chosen province's districts
    mapping_toggle(at).set_value(True).run()
    offered = ending(at.selectbox, ".B.district.vi").options
    assert "Mường Ảng" in offered and "Mường Tè" not in offered


# --- 3. the reading fixed by hand, saved as a mapping, applied next time ---------------------------------------------

def test_manual_mapping_reads_unknown_headers_and_becomes_a_profile(db_url: str) -> None:
    at = upload(open_page("upload"), ("la.xlsx", odd_report()))
    assert at.metric[0].value == "0" and import_button(at).disabled
    assert t("upload.no_records_hint", "vi") in texts(at)
    mapping_toggle(at).set_value(True).run()
    first, last = (starting(at.number_input, f"upload_map_{n}.") for n in ("first", "last"))
    assert (first.value, last.value) == (3, 3)  # the first row with two texts
    for letter, measure in (("B", "plan"), ("C", "disbursed")):
        ending(at.selectbox, f".{letter}.kind.vi").set_value("value").run()
        ending(at.selectbox, f".{letter}.measure.vi").set_value(measure).run()
        ending(at.selectbox, f".{letter}.source.vi").set_value("local").run()
    assert not at.exception
    assert at.metric[0].value == "4" and at.metric[1].value == "0"
    assert t("upload.mapping_active", "vi", sheet="BC", n=2) in texts(at)
    # the choices survive a language switch
    at.radio(key="lang").set_value("en").run()
    assert at.metric[0].value == "4" and t("upload.mapping_active", "en", sheet="BC", n=2) in texts(at)
    at.radio(key="lang").set_value("vi").run()
    assert t("upload.preview_summary", "vi", new="4", changed="0", unchanged="0") in texts(at)
    name = labelled(at.text_input, t("upload.profile_name", "vi"))[0]
    name.set_value("Mường Tè kiểu cũ").run()
    labelled(at.button, t("upload.save_profile", "vi"))[0].click().run()
    assert t("upload.profile_saved", "vi", name="Mường Tè kiểu cũ") in texts(at)
    assert [p["name"] for p in list_profiles(get_engine(db_url))] == ["Mường Tè kiểu cũ"]

    # next month: the same headers, other figures — read with the saved mapping by itself
    again = upload(open_page("upload"), ("la_thang_11.xlsx", odd_report(first_value=1500.0)))
    assert t("upload.profile_applied", "vi", name="Mường Tè kiểu cũ") in texts(again)
    assert again.metric[0].value == "4"
    assert not import_button(again).disabled
    import_button(again).click().run()
    facts = current_facts(get_engine(db_url))
    plan = facts[(facts["file_name"] == "la_thang_11.xlsx") & (facts["district_code"] == "107") & (facts["measure"] == "plan")]
    assert plan["value"].tolist() == [1500.0]


def test_profiles_can_be_renamed_and_deleted(db_url: str) -> None:
    from loaders.options import ColumnChoice, ReaderOptions
    from store.profiles import save_profile

    engine = get_engine(db_url)
    save_profile(engine, "abc123", "cũ", ReaderOptions((3, 3), {"B": ColumnChoice("value", "plan", "local")}), user="a")
    at = open_page("upload")
    assert "cũ" in at.dataframe[0].value[t("upload.col_name", "vi")].tolist()
    labelled(at.text_input, t("upload.profile_new_name", "vi"))[0].set_value("mới").run()
    at.button(key="upload_profile_rename").click().run()
    assert [p["name"] for p in list_profiles(engine)] == ["mới"]
    at.button(key="upload_profile_delete").click().run()
    assert list_profiles(engine) == []
    assert t("upload.profile_deleted", "vi", name="mới") in texts(at)


# --- 3b. round two: the year and as-of date confirmed, the values per district, one district group for all ------------

def workbook_bytes(*sheets: tuple[str, list[list[Any]], list[str]]) -> bytes:
    """A workbook of (sheet name, rows, merged ranges) built in memory."""
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for title, rows, merged in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
        for cells in merged:
            ws.merge_cells(cells)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def funding_2018(title_date: str | None = None, disbursed_total: float = 1300.0) -> list[list[Any]]:
    """Two districts' plan and disbursement for 2018 under a 'Cộng' row; the title states only the year unless given a date."""
    return [["BÁO CÁO GIẢI NGÂN VỐN CHƯƠNG TRÌNH GIẢM NGHÈO NĂM 2018"],
            [title_date or "Đơn vị tính: triệu đồng"],
            ["Đơn vị", "Kế hoạch vốn", "Giải ngân"],
            ["Huyện Mường Tè", 1000.0, 400.0],
            ["Huyện Sìn Hồ", 2000.0, 900.0],
            ["Cộng", 3000.0, disbursed_total]]


def poverty_2018() -> list[list[Any]]:
    """Households and poor households at the start and the end of 2018, under a 'Tổng cộng' row."""
    return [["KẾT QUẢ GIẢM NGHÈO NĂM 2018"],
            ["Đơn vị", "Tổng số hộ", "Số hộ nghèo đầu năm", "Số hộ nghèo cuối năm"],
            ["Huyện Mường Tè", 10000, 3000, 2500],
            ["Huyện Sìn Hồ", 15000, 4000, 3600],
            ["Tổng cộng", 25000, 7000, 6100]]


PROJECT_DISTRICTS = ("Mường Tè", "Sìn Hồ", "Tam Đường")


def projects_by_district() -> bytes:
    """Projects as rows, each district a pair of columns KH | GN under its merged name (C:D, E:F, G:H)."""
    names: list[Any] = ["STT", "Nội dung"]
    for district in PROJECT_DISTRICTS:
        names += [district, None]
    return workbook_bytes(("Theo du an", [
        ["BÁO CÁO GIẢI NGÂN THEO DỰ ÁN NĂM 2017"], ["(Tính đến ngày 31/10/2017)"], ["Đơn vị tính: triệu đồng"],
        names, [None, None, *["KH", "GN"] * len(PROJECT_DISTRICTS)],
        [1, "Dự án 1: Chương trình 30a", 100.0, 40.0, 200.0, 90.0, 300.0, 100.0],
        [2, "Dự án 2: Chương trình 135", 50.0, 20.0, 60.0, 30.0, 70.0, 35.0],
    ], ["C4:D4", "E4:F4", "G4:H4"]))


def counts(at: AppTest) -> list[str]:
    """Values read, errors, warnings."""
    return [m.value for m in at.metric]


def test_a_funding_sheet_without_a_date_is_confirmed_on_the_page(db_url: str) -> None:
    at = upload(open_page("upload"), ("bc_2018.xlsx", workbook_bytes(("BC", funding_2018(), []))))
    assert counts(at) == ["4", "1", "0"]  # as_of_unknown: the records are made, dated 31/12, and held back
    assert t("issue.as_of_unknown", "vi", date="31/12/2018") in at.dataframe[1].value[t("common.message", "vi")].tolist()
    line = next(m.value for m in at.markdown if m.value.startswith("**Trang 'BC'**"))
    assert "Năm 2018 (ô A1)" in line
    assert f"Số liệu đến 31/12/2018 ({t('upload.from_assumed', 'vi')})" in line
    # the box is open and asks for the analyst's word, pre-filled with what was read
    assert any(w.value.startswith("**Cần bạn xác nhận năm và ngày số liệu**") for w in at.warning)
    year, date = starting(at.number_input, "upload_year."), starting(at.date_input, "upload_as_of.")
    assert (year.value, date.value) == (2018, dt.date(2018, 12, 31))
    assert t("upload.context_from", "vi", origin="ô A1") in texts(at)
    assert import_button(at).disabled
    date.set_value(dt.date(2018, 9, 30)).run()
    starting(at.button, "upload_context_confirm.").click().run()
    assert not at.exception
    assert counts(at) == ["4", "0", "0"]  # the error is gone
    assert t("upload.context_confirmed", "vi", year=2018, date="30/09/2018") in [s.value for s in at.success]
    line = next(m.value for m in at.markdown if m.value.startswith("**Trang 'BC'**"))
    assert f"Số liệu đến 30/09/2018 ({t('upload.from_options', 'vi')})" in line
    # the date is the file's, not the layout's: a profile saved now keeps the column choices only
    mapping_toggle(at).set_value(True).run()
    ending(at.selectbox, ".C.source.vi").set_value("local").run()
    labelled(at.button, t("upload.save_profile", "vi"))[0].click().run()
    saved = ReaderOptions.from_json(list_profiles(get_engine(db_url))[0]["options"])
    assert (saved.year, saved.as_of, saved.last_row) == (None, None, None)
    assert saved.columns == {"C": ColumnChoice("value", "disbursed", "local")}
    assert counts(at) == ["4", "0", "0"]  # the confirmed date still holds beside the column choice
    import_button(at).click().run()
    facts = current_facts(get_engine(db_url))
    mine = facts[facts["file_name"] == "bc_2018.xlsx"]
    assert len(mine) == 4 and set(mine["as_of"]) == {dt.date(2018, 9, 30)} and set(mine["year"]) == {2018}
    assert set(mine.loc[mine["measure"] == "disbursed", "source"]) == {"local"}


def test_a_date_that_is_not_in_the_year_cannot_be_confirmed_and_a_confirmation_can_be_undone(db_url: str) -> None:
    at = upload(open_page("upload"), ("bc_2018.xlsx", workbook_bytes(("BC", funding_2018(), []))))
    starting(at.date_input, "upload_as_of.").set_value(dt.date(2016, 9, 30)).run()
    assert starting(at.button, "upload_context_confirm.").disabled
    assert t("upload.context_mismatch", "vi", year=2018, date="30/09/2016") in [e.value for e in at.error]
    starting(at.number_input, "upload_year.").set_value(2016).run()
    starting(at.button, "upload_context_confirm.").click().run()
    assert counts(at) == ["4", "0", "0"]
    starting(at.button, "upload_context_forget.").click().run()
    assert counts(at) == ["4", "1", "0"]
    assert starting(at.date_input, "upload_as_of.").value == dt.date(2018, 12, 31)  # what the file gives, again


def test_a_sheet_that_states_its_date_keeps_the_box_behind_a_toggle(db_url: str) -> None:
    at = upload(open_page("upload"), ("bc.xlsx", workbook_bytes(("BC", funding_2018("(Tính đến ngày 30/09/2018)"), []))))
    assert counts(at) == ["4", "0", "0"] and not at.date_input
    starting(at.toggle, "upload_context_on.").set_value(True).run()
    assert starting(at.date_input, "upload_as_of.").value == dt.date(2018, 9, 30)
    assert t("upload.context_from", "vi", origin="ô A2") in texts(at)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_values_per_district_and_the_files_totals_beside_the_sum_of_its_rows(db_url: str, lang: str) -> None:
    data = workbook_bytes(("Ho ngheo", poverty_2018(), []),
                          ("Giai ngan", funding_2018("(Tính đến ngày 30/09/2018)", disbursed_total=1305.0), []))
    at = upload(open_page("upload", lang), ("bc_2018.xlsx", data))
    assert not at.exception
    assert f"**{t('upload.values_title', lang)}**" in texts(at)
    tables = [d.value for d in at.dataframe]
    district, as_of = t("common.district", lang), t("data.col_as_of", lang)

    def heading(measure: str) -> str:
        return f"{measures()[measure].label(lang)} ({t(f'data.unit_{measures()[measure].unit}', lang)})"

    def n(x: float, digits: int = 0) -> str:
        return fmt.number(x, lang, digits)

    poverty = next(v for v in tables if as_of in v.columns)  # two dates: the start and the end of the year
    start, end = fmt.date(dt.date(2018, 1, 1), lang), fmt.date(dt.date(2018, 12, 31), lang)
    assert list(poverty.columns) == [district, as_of, heading("households"), heading("poor_households")]
    muong_te, sin_ho = (all_districts()[code].label(lang) for code in ("107", "108"))
    assert poverty.values.tolist() == [[muong_te, start, fmt.MISSING, n(3000)], [muong_te, end, n(10000), n(2500)],
                                       [sin_ho, start, fmt.MISSING, n(4000)], [sin_ho, end, n(15000), n(3600)]]
    funding = next(v for v in tables if heading("plan") in v.columns)
    assert list(funding.columns) == [district, heading("plan"), heading("disbursed")]
    assert funding.values.tolist() == [[muong_te, n(1000, 1), n(400, 1)], [sin_ho, n(2000, 1), n(900, 1)]]
    # the file's own totals beside the sum of the rows read, the difference marked
    file_total, sum_of_rows, difference = (t(f"upload.col_{c}", lang) for c in ("file_total", "sum_of_rows", "difference"))
    totals = [v for v in tables if file_total in v.columns]
    assert [len(v) for v in totals] == [3, 2]  # one row per total cell, per sheet
    checked = totals[1].set_index(t("common.cell", lang))
    assert checked.loc["C6", [file_total, sum_of_rows, difference]].tolist() == [n(1305, 1), n(1300, 1), n(-5, 1)]
    assert checked.loc["B6", difference] == n(0, 1)
    assert ("1.305,0" if lang == "vi" else "1,305.0") == n(1305, 1)  # the Vietnamese way, or the English one
    assert t("upload.totals_differ", lang, n=1) in texts(at)


def test_one_district_group_fills_every_other_in_one_step(db_url: str) -> None:
    at = upload(open_page("upload"), ("du_an.xlsx", projects_by_district()))
    assert counts(at) == ["12", "0", "0"]
    mapping_toggle(at).set_value(True).run()
    letters = "CDEFGH"
    for letter in letters:  # every meaning cleared
        ending(at.selectbox, f".{letter}.kind.vi").set_value("ignore").run()
    assert counts(at)[0] == "0"
    assert not [b for b in at.button if (b.key or "").endswith(".fill")]  # nothing chosen yet to copy
    # the first district's pair, read as the local budget's plan and disbursement
    for letter, measure in (("C", "plan"), ("D", "disbursed")):
        ending(at.selectbox, f".{letter}.kind.vi").set_value("value").run()
        ending(at.selectbox, f".{letter}.measure.vi").set_value(measure).run()
        ending(at.selectbox, f".{letter}.source.vi").set_value("local").run()
    assert counts(at)[0] == "4"
    assert t("upload.fill_groups_help", "vi", district="Mường Tè", n=2, columns=4) in texts(at)
    ending(at.button, ".fill").click().run()  # one action for the other groups
    assert not at.exception
    for letter, measure, district in zip(letters, ["plan", "disbursed"] * 3, ["107", "107", "108", "108", "106", "106"]):
        assert ending(at.selectbox, f".{letter}.kind.vi").value == "value"
        assert ending(at.selectbox, f".{letter}.measure.vi").value == measure
        assert ending(at.selectbox, f".{letter}.source.vi").value == "local"
        assert ending(at.selectbox, f".{letter}.district.vi").value == district
    assert counts(at) == ["12", "0", "0"]
    assert t("upload.mapping_active", "vi", sheet="Theo du an", n=6) in texts(at)
    assert not [b for b in at.button if (b.key or "").endswith(".fill")]  # done: nothing left to fill
    # the table's last row: the first project only
    starting(at.number_input, "upload_map_end.").set_value(6).run()
    assert counts(at)[0] == "6"


def test_the_mapping_table_offers_the_new_kinds_and_a_period_for_counts(db_url: str) -> None:
    at = upload(open_page("upload"), ("bc_2018.xlsx", workbook_bytes(("Ho ngheo", poverty_2018(), []))))
    mapping_toggle(at).set_value(True).run()
    kinds = ending(at.selectbox, ".C.kind.vi").options
    for kind in ("of_which", "before", "adjustment"):
        assert t(f"upload.kind_{kind}", "vi") in kinds
    period = ending(at.selectbox, ".C.period.vi")  # "Số hộ nghèo đầu năm": at the start of the year
    assert period.value == "start"
    assert ending(at.selectbox, ".D.period.vi").value == "end"
    ending(at.selectbox, ".C.kind.vi").set_value("of_which").run()  # a part of another column: not stored
    assert counts(at)[0] == "4"
    ending(at.selectbox, ".C.kind.vi").set_value("value").run()
    ending(at.selectbox, ".C.period.vi").set_value("end").run()  # now two columns for one key
    assert counts(at)[:2] == ["4", "1"]  # same_key_columns: only the first is stored


# --- 4–6. preview, commit, already imported, undo ------------------------------------------------------------------

def test_preview_shows_new_and_changed_values_before_anything_is_written(db_url: str) -> None:
    engine = get_engine(db_url)
    before = len(current_facts(engine))
    # a corrected 30/09 report for Mường Tè: the same keys, one disbursed value changed
    rows = [dict(r) for r in sample_rows()[2017]["funding"] if r["district_code"] == "107" and r["as_of"] == dt.date(2017, 9, 30)]
    old = rows[0]["disbursed"]
    rows[0]["disbursed"] = old + 1
    buffer = io.BytesIO()
    build_workbook(funding=rows).save(buffer)
    at = upload(open_page("upload"), ("sua_30_9.xlsx", buffer.getvalue()), ("muong_te.xlsx", muong_te_october()))
    assert t("upload.preview_summary", "vi", new="44", changed="1", unchanged="43") in texts(at)
    by_district = next(d.value for d in at.dataframe if "Mới" in d.value.columns)
    row = by_district[by_district["Huyện/thành phố"] == "Mường Tè"].iloc[0]
    assert (row["Mới"], row["Thay đổi"], row["Không đổi"]) == ("44", "1", "43")
    changed = next(d.value for d in at.dataframe if "Giá trị cũ" in d.value.columns)
    assert changed[["Giá trị cũ", "Giá trị mới"]].values.tolist() == [[fmt.number(old, "vi", 1), fmt.number(old + 1, "vi", 1)]]
    assert len(current_facts(engine)) == before  # nothing written yet

    import_button(at).click().run()
    assert not at.exception
    assert len([s for s in at.success if s.value.startswith("Đã nhập tệp")]) == 2
    assert len(current_facts(engine)) == before + 44
    # the same files again: nothing changes, and the page says so before and after the click
    at.run()
    assert t("upload.preview_already", "vi", file=md("muong_te.xlsx")) in texts(at)
    import_button(at).click().run()
    assert t("upload.already_imported", "vi", file=md("muong_te.xlsx")) in [i.value for i in at.info]
    assert len(current_facts(engine)) == before + 44


def test_import_then_undo_on_the_history_page_restores_the_overview(db_url: str) -> None:
    engine = get_engine(db_url)
    at = open_page("overview")
    plan_label = t("overview.plan", "vi", year=2017)
    shown = overview_figures(at)
    assert "Huyện Mường Tè" in texts(at)
    original = shown[plan_label]
    assert original == fmt.number(
        metrics.province_funding(metrics.funding_by_district(current_facts(engine), 2017, OCT_31))["plan"], "vi")

    at.switch_page("pages/upload.py").run()
    upload(at, ("muong_te.xlsx", muong_te_october(plan_extra=10)))
    import_button(at).click().run()
    batch = history(engine)[0]
    assert batch["file"] == "muong_te.xlsx" and batch["facts_new"] == 44
    after = overview_figures(at)
    assert after[plan_label] != original
    assert "Chưa báo cáo đến 31/10/2017" not in texts(at)

    at.switch_page("pages/history.py").run()
    assert not at.exception and at.title[0].value == t("history.title", "vi")
    assert at.dataframe[0].value[t("history.col_file", "vi")].iloc[0] == "muong_te.xlsx"
    assert at.button(key="history_undo").disabled  # until confirmed
    at.checkbox(key=f"history_confirm.{batch['id']}").check().run()
    at.button(key="history_undo").click().run()
    assert t("history.undone", "vi", id=batch["id"], removed="44", restored="0") in [s.value for s in at.success]
    assert history(engine)[0]["undone"]
    assert overview_figures(at)[plan_label] == original
    assert "Chưa báo cáo đến 31/10/2017: Huyện Mường Tè" in [e.value for e in at.error]


def test_undo_out_of_order_is_refused_with_the_stores_message(db_url: str) -> None:
    from loaders import import_files

    engine = get_engine(db_url)
    first, second = Path(engine.url.database).parent / "a.xlsx", Path(engine.url.database).parent / "b.xlsx"
    first.write_bytes(muong_te_october())
    second.write_bytes(muong_te_october(plan_extra=5))
    import_files([first], engine, user="a")
    import_files([second], engine, user="a")
    older = history(engine)[1]["id"]
    at = open_page("history")
    at.selectbox(key="history_batch.vi").set_value(older).run()
    at.checkbox(key=f"history_confirm.{older}").check().run()
    at.button(key="history_undo").click().run()
    assert not at.exception
    assert len(at.error) == 1 and "hoàn tác lần" in at.error[0].value
    assert not history(engine)[1]["undone"]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_history_page_lists_the_batches(db_url: str, lang: str) -> None:
    at = open_page("history", lang)
    assert not at.exception
    assert at.title[0].value == t("history.title", lang)
    assert len(at.dataframe[0].value) == len(history(get_engine(db_url)))


def test_history_page_on_an_empty_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    monkeypatch.setenv("DASHBOARD_LOAD_SAMPLES", "0")
    at = open_page("history")
    assert not at.exception
    assert t("history.empty", "vi") in [i.value for i in at.info]
