"""loaders.annotate: issue cells marked in a copy of the analyst's file, and every issue on a summary sheet."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from loaders import annotate as annotate_module
from loaders import inspect_file
from loaders.annotate import annotate
from loaders.i18n import t
from loaders.records import FileReport, Issue, Severity
from loaders.template import build_workbook
from loaders.template_spec import FUNDING
from tests.conftest import funding_row

ERROR, WARNING = Severity.ERROR, Severity.WARNING
SHEET = "Biểu 01"


def _load(data: bytes):
    return load_workbook(BytesIO(data))


def _template(tmp_path, edit=None, **rows):
    wb = build_workbook(**rows)
    if edit:
        edit(wb)
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return path


def _plain(tmp_path, name="report.xlsx"):
    """A small hand-made report: sheet 'Biểu 01', a merged title B2:D3, a formula in E5."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws["B2"] = "BÁO CÁO GIẢI NGÂN"
    ws.merge_cells("B2:D3")
    ws["D12"] = 1234.5
    ws["E5"] = "=SUM(D1:D4)"
    path = tmp_path / name
    wb.save(path)
    return path


def _summary_rows(wb, title="Lỗi tệp"):
    return [tuple(c.value for c in row) for row in wb[title].iter_rows(min_row=2)]


def test_error_cell_is_red_with_the_message_and_formatting_is_kept(tmp_path):
    path = _template(tmp_path, edit=lambda wb: wb[FUNDING.name].__setitem__("A4", "Huyện Hà Nội"),
                     funding=[funding_row()])
    report = inspect_file(path)
    issue = next(i for i in report.issues if i.code == "unknown_district")
    wb = _load(annotate(path, report))
    cell = wb[FUNDING.name]["A4"]
    assert cell.value == "Huyện Hà Nội"
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert issue.message in cell.comment.text and cell.comment.author == "Kiểm tra dữ liệu"
    assert wb[FUNDING.name]["A3"].fill.fgColor.rgb.endswith("DDEBF7")  # the template's header fill survives
    assert wb.sheetnames[0] == "Lỗi tệp" and wb.active.title == "Lỗi tệp"


def test_warning_cell_is_yellow(tmp_path):
    path = _template(tmp_path, funding=[funding_row(plan=100, disbursed=150)])
    report = inspect_file(path)
    assert report.ok and any(i.code == "disbursed_above_plan" and i.cell == "G4" for i in report.issues)
    cell = _load(annotate(path, report))[FUNDING.name]["G4"]
    assert cell.fill.fgColor.rgb.endswith("FFEB9C")
    assert cell.comment is not None


def test_two_issues_on_one_cell_make_one_comment_errors_first(tmp_path):
    path = _plain(tmp_path)
    report = FileReport(str(path), issues=[
        Issue(WARNING, "ambiguous_number", "Số đọc là 1.234,5", SHEET, "D12"),
        Issue(ERROR, "negative_value", "Giá trị âm", SHEET, "D12"),
    ])
    wb = _load(annotate(path, report))
    cell = wb[SHEET]["D12"]
    assert cell.comment.text.splitlines() == ["Lỗi: Giá trị âm", "Cảnh báo: Số đọc là 1.234,5"]
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    formula = wb[SHEET]["E5"]  # the formula's text is kept, as text: the copy computes nothing (security 7b)
    assert formula.value == "=SUM(D1:D4)" and formula.data_type == "s" and formula.quotePrefix


def test_merged_cell_issue_annotates_the_top_left(tmp_path):
    path = _plain(tmp_path)
    report = FileReport(str(path), issues=[Issue(ERROR, "no_year", "Không thấy năm", SHEET, "C3")])
    ws = _load(annotate(path, report))[SHEET]
    assert "Không thấy năm" in ws["B2"].comment.text
    assert ws["B2"].fill.fgColor.rgb.endswith("FFC7CE")
    assert "B2:D3" in {str(r) for r in ws.merged_cells.ranges}


def test_sheet_issue_goes_on_a1_and_file_issue_only_on_the_summary(tmp_path):
    path = _plain(tmp_path)
    report = FileReport(str(path), issues=[
        Issue(WARNING, "sheet_skipped", "Bỏ qua sheet", SHEET),
        Issue(ERROR, "no_table", "Không tìm thấy bảng"),
    ])
    wb = _load(annotate(path, report))
    assert wb[SHEET]["A1"].comment.text == "Cảnh báo: Bỏ qua sheet"
    assert ("Lỗi", "Không có bảng số liệu", "Không tìm thấy bảng", None, None, None) in _summary_rows(wb)


def test_csv_becomes_xlsx_with_values_at_their_addresses(tmp_path):
    path = tmp_path / "giai_ngan.csv"
    path.write_text("Huyện,Năm,Kế hoạch\nMường Tè,2017,1000\nSìn Hồ,năm nay,=1+1\n", encoding="utf-8")
    report = FileReport(str(path), issues=[
        Issue(ERROR, "bad_year", "Năm không đọc được", "giai_ngan", "B3"),
        Issue(WARNING, "odd", "Lạ", "giai_ngan", "C3"),
    ])
    wb = _load(annotate(path, report))
    ws = wb["giai_ngan"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["Huyện", "Năm", "Kế hoạch"], ["Mường Tè", "2017", "1000"], ["Sìn Hồ", "năm nay", "=1+1"]]
    assert ws["B3"].fill.fgColor.rgb.endswith("FFC7CE") and "Năm không đọc được" in ws["B3"].comment.text
    assert ws["C3"].data_type == "s"  # the csv's '=1+1' stays text, never a formula


def test_unreadable_file_gives_a_summary_only_workbook(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"this is not a zip file")
    report = inspect_file(path)
    assert [i.code for i in report.issues] == ["unreadable_file"]
    wb = _load(annotate(path, report))
    assert wb.sheetnames == ["Lỗi tệp"]
    assert _summary_rows(wb)[0][:3] == ("Lỗi", "Không mở được tệp", report.issues[0].message)


def test_summary_lists_every_issue_with_a_plain_reference(tmp_path):
    path = _plain(tmp_path)
    issues = [
        Issue(WARNING, "w", "cảnh báo", SHEET, "D12"),
        Issue(ERROR, "e", "=HYPERLINK(\"http://x\")", SHEET, "D12"),
        Issue(ERROR, "gone", "sheet không có", "Biểu 99", "A1"),
        Issue(ERROR, "file", "cả tệp"),
    ]
    wb = _load(annotate(path, FileReport(str(path), issues=issues)))
    rows = _summary_rows(wb)
    assert rows == [
        ("Lỗi", "e", "=HYPERLINK(\"http://x\")", SHEET, "D12", "'Biểu 01'!D12"),
        ("Lỗi", "gone", "sheet không có", "Biểu 99", "A1", "'Biểu 99'!A1"),
        ("Lỗi", "file", "cả tệp", None, None, None),
        ("Cảnh báo", "w", "cảnh báo", SHEET, "D12", "'Biểu 01'!D12"),
    ]
    message = wb["Lỗi tệp"]["C2"]
    assert message.data_type == "s" and message.quotePrefix  # text, not a formula
    assert "Biểu 99" not in wb.sheetnames


def test_english_labels(tmp_path):
    path = _plain(tmp_path)
    report = FileReport(str(path), issues=[Issue(ERROR, "e", "bad", SHEET, "D12")])
    wb = _load(annotate(path, report, lang="en"))
    assert wb.sheetnames[0] == "File issues"
    assert wb[SHEET]["D12"].comment.author == "Data check"
    assert wb[SHEET]["D12"].comment.text == "Error: bad"


def test_annotated_cells_are_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(annotate_module, "MAX_ANNOTATED_CELLS", 3)
    path = _plain(tmp_path)
    issues = [Issue(WARNING, "w", f"dòng {r}", SHEET, f"F{r}") for r in range(1, 6)]
    wb = _load(annotate(path, FileReport(str(path), issues=issues)))
    assert [wb[SHEET][f"F{r}"].comment is not None for r in range(1, 6)] == [True, True, True, False, False]
    rows = _summary_rows(wb)
    assert len([r for r in rows if r[1] == "w"]) == 5
    assert rows[-1][0].startswith("Còn 2 ô")


@pytest.mark.parametrize("cell", ["Z", "D12:E13", "", None])
def test_unusable_cell_address_falls_back_to_a1(tmp_path, cell):
    path = _plain(tmp_path)
    report = FileReport(str(path), issues=[Issue(ERROR, "e", "lỗi", SHEET, cell)])
    assert _load(annotate(path, report))[SHEET]["A1"].comment.text == "Lỗi: lỗi"


@pytest.mark.parametrize(("lang", "sheet", "header", "kind"), [
    ("vi", "Lỗi tệp", ("Mức độ", "Loại lỗi", "Nội dung", "Trang", "Ô", "Vị trí"), "Tổng không khớp"),
    ("en", "File issues", ("Severity", "Kind", "Message", "Sheet", "Cell", "Reference"), "Total does not add up"),
])
def test_the_summary_sheet_speaks_the_files_language(tmp_path, lang, sheet, header, kind):
    """Sheet name, headers, comment author and the kind of issue come from the catalogue, never a raw code."""
    path = _plain(tmp_path)
    report = FileReport(str(path), issues=[Issue(Severity.WARNING, "total_mismatch", "tổng", "Biểu 01", "D12")])
    wb = _load(annotate(path, report, lang))
    assert wb.sheetnames[0] == sheet
    assert tuple(c.value for c in wb[sheet][1]) == header
    assert _summary_rows(wb, sheet)[0][:2] == (t("annotate.warning", lang), kind)
    assert wb["Biểu 01"]["D12"].comment.author == t("annotate.author", lang)
    assert "total_mismatch" not in [c.value for row in wb[sheet].iter_rows() for c in row]


def test_a_code_without_a_title_is_shown_as_it_is():
    assert annotate_module.issue_title("no_such_code", "vi") == "no_such_code"
