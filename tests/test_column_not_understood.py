"""A column of numbers under a header the reader does not know is named with its cell, never dropped silently."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from loaders import inspect_file
from loaders.i18n import t


def _report(path: Path, extra_header: str, extra: list[object]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Bieu 01"
    ws.append(["BÁO CÁO KẾT QUẢ GIẢI NGÂN VỐN CHƯƠNG TRÌNH MTQG GIẢM NGHÈO BỀN VỮNG NĂM 2017"])
    ws.append(["Tính đến ngày 31/10/2017"])
    ws.append(["Đơn vị tính: triệu đồng"])
    ws.append(["STT", "Huyện, thành phố", "Kế hoạch vốn", extra_header, "Giải ngân"])
    for i, (name, plan, done) in enumerate([("Tam Đường", 1000, 800), ("Sìn Hồ", 2000, 1500),
                                            ("Than Uyên", 1500, 1400)]):
        ws.append([i + 1, name, plan, extra[i], done])
    wb.save(path)
    return path


def test_an_unknown_column_of_numbers_is_named_with_its_cell(tmp_path: Path) -> None:
    report = inspect_file(_report(tmp_path / "r.xlsx", "Số vốn đối ứng xyz", [10, 20, "30,5"]))
    found = [i for i in report.issues if i.code == "column_not_understood"]
    assert [(i.severity.value, i.sheet, i.cell) for i in found] == [("warning", "Bieu 01", "D4")]
    assert found[0].message == t("issue.column_not_understood", "vi", header="Số vốn đối ứng xyz", n=3)
    # the known columns are read as before; the unknown one adds nothing
    plans = sorted(r.value for r in report.records if r.measure == "plan")
    assert plans == [1000.0, 1500.0, 2000.0]
    assert not any(r.cell.startswith("D") for r in report.records)


def test_a_column_of_words_or_an_empty_column_is_no_concern(tmp_path: Path) -> None:
    report = inspect_file(_report(tmp_path / "r.xlsx", "Ghi chú thêm", ["chậm", None, "đạt"]))
    assert "column_not_understood" not in {i.code for i in report.issues}
