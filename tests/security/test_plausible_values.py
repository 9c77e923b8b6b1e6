"""Values too large for one district are named at their cell: a warning above the usual size, an error
above what no district can have (bounds in data/reference/measures.csv)."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from loaders import inspect_file
from loaders.reference import measures
from loaders.samples import generate_samples
from tests.conftest import funding_row, poverty_row


def _flagged(report):  # type: ignore[no-untyped-def]
    return [(i.severity.value, i.code, i.sheet, i.cell) for i in report.issues if i.code in ("implausible_value", "value_too_large")]


@pytest.mark.parametrize("plan, expected", [
    (1e15, ("error", "value_too_large")),
    (20_000_000.0, ("error", "value_too_large")),  # more than the whole country's programme in a year
    (2_000_000.0, ("warning", "implausible_value")),  # 2,000 billion VND for one district: possible, unusual
    (900_000.0, None),
])
def test_a_plan_too_large_for_a_district_is_named_at_its_cell(make_workbook, plan, expected):
    path = make_workbook(funding=[funding_row(plan=plan, disbursed=400.0), funding_row(district="108")])
    report = inspect_file(path)
    cell = next(r.cell for r in report.records if r.measure == "plan" and r.district_code == "107")
    assert _flagged(report) == ([] if expected is None else [(*expected, "Giải ngân", cell)])
    assert report.ok == (expected is None or expected[0] == "warning")


def test_households_beyond_any_district(make_workbook):
    path = make_workbook(poverty=[poverty_row(households=4_000_000, poor=4000, near_poor=1000)])
    assert [(s, c) for s, c, *_ in _flagged(inspect_file(path))] == [("error", "value_too_large")]
    path = make_workbook(poverty=[poverty_row(households=10_000, poor=4000, near_poor=1000)])
    assert _flagged(inspect_file(path)) == []


def test_a_report_in_dong_is_checked_after_its_unit(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "BC"
    ws.append(["BÁO CÁO GIẢI NGÂN VỐN CHƯƠNG TRÌNH NĂM 2017"])
    ws.append(["(Tính đến ngày 31/10/2017)", None, None, "Đơn vị tính: đồng"])
    ws.append(["STT", "Đơn vị", "Kế hoạch vốn", "Giải ngân"])
    ws.append([1, "Huyện Mường Tè", 25_000_000_000, 10_000_000_000])  # 25,000 million VND: plausible
    ws.append([2, "Huyện Sìn Hồ", 2.5e14, 10_000_000_000])  # 250 million million VND: digits slipped
    wb.save(tmp_path / "bc.xlsx")
    report = inspect_file(tmp_path / "bc.xlsx")
    assert _flagged(report) == [("error", "value_too_large", "BC", "C5")]
    message = next(i.message for i in report.issues if i.code == "value_too_large")
    assert "C5" not in message and "triệu đồng" in message and "Kế hoạch vốn năm" in message


def test_the_bounds_are_documented_data():
    for m in measures().values():
        assert m.warn_above is not None and m.error_above is not None and 0 < m.warn_above <= m.error_above, m.code
    assert measures()["target_poor_rate"].error_above == 100


def test_the_sample_data_has_nothing_implausible(tmp_path):
    for path in generate_samples(tmp_path):
        report = inspect_file(path)
        assert report.records and _flagged(report) == [], path.name
