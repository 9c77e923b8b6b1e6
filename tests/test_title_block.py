"""Dates and years as district offices write them above a table, each with the cell it came from."""

import datetime as dt
import unicodedata

import pytest

from loaders.title_block import DateFound, as_of_in, date_in, read_title_block, year_in, year_in_name

D = dt.date

# text → (date, kind), or None: no as-of date stated
DATES = [
    # a day, after "đến", "tính đến", "số liệu", "thời điểm", "ngày báo cáo"
    ("(Tính đến ngày 31/10/2017)", (D(2017, 10, 31), "day")),
    ("Tính đến ngày 30/9/2017", (D(2017, 9, 30), "day")),
    ("tính đến 31 tháng 10 năm 2017", (D(2017, 10, 31), "day")),
    ("Tính đến ngày 31 tháng 10 năm 2017", (D(2017, 10, 31), "day")),
    ("đến 31-10-2017", (D(2017, 10, 31), "day")),
    ("Giải ngân đến 31-12-2018", (D(2018, 12, 31), "day")),
    ("Lũy kế giải ngân đến 30.9.2017", (D(2017, 9, 30), "day")),
    ("Tính đến hết ngày 31/10/2017", (D(2017, 10, 31), "day")),
    ("Từ 01/01/2017 đến 31/10/2017", (D(2017, 10, 31), "day")),
    ("Số liệu đến ngày 31/10/2017", (D(2017, 10, 31), "day")),
    ("Thời điểm 31/12/2017", (D(2017, 12, 31), "day")),
    ("Ngày báo cáo: 31/10/2017", (D(2017, 10, 31), "day")),
    ("Tính đến, ngày 31/10/2017", (D(2017, 10, 31), "day")),
    ("TÍNH ĐẾN NGÀY 31/10/2017", (D(2017, 10, 31), "day")),
    # the end of a month
    ("Tính đến hết tháng 10/2017", (D(2017, 10, 31), "month_end")),
    ("hết tháng 10 năm 2017", (D(2017, 10, 31), "month_end")),
    ("tính đến hết tháng 10 năm 2017", (D(2017, 10, 31), "month_end")),
    ("Báo cáo tháng 10/2017", (D(2017, 10, 31), "month_end")),
    ("BÁO CÁO THÁNG 10/2017", (D(2017, 10, 31), "month_end")),
    ("tháng 10 năm 2017", (D(2017, 10, 31), "month_end")),
    ("Lũy kế từ đầu năm đến hết tháng 10/2017", (D(2017, 10, 31), "month_end")),
    ("hết tháng 02/2016", (D(2016, 2, 29), "month_end")),
    ("Báo cáo tháng 9-2017", (D(2017, 9, 30), "month_end")),
    ("Báo cáo T10/2017", (D(2017, 10, 31), "month_end")),  # tháng by its initial
    ("SỐ LIỆU T 9-2018", (D(2018, 9, 30), "month_end")),
    # the end of a quarter, Roman or Arabic
    ("Quý III/2019", (D(2019, 9, 30), "quarter_end")),
    ("hết Quý III/2019", (D(2019, 9, 30), "quarter_end")),
    ("hết quý 3 năm 2019", (D(2019, 9, 30), "quarter_end")),
    ("Quý 3 năm 2019", (D(2019, 9, 30), "quarter_end")),
    ("quý III năm 2019", (D(2019, 9, 30), "quarter_end")),
    ("quý IV/2018", (D(2018, 12, 31), "quarter_end")),
    ("QUÝ I/2020", (D(2020, 3, 31), "quarter_end")),
    ("quý II năm 2020", (D(2020, 6, 30), "quarter_end")),
    ("Báo cáo quý 1 năm 2020", (D(2020, 3, 31), "quarter_end")),
    # N months of a year: the end of month N
    ("6 tháng đầu năm 2018", (D(2018, 6, 30), "months_end")),
    ("06 tháng đầu năm 2018", (D(2018, 6, 30), "months_end")),
    ("6 tháng năm 2018", (D(2018, 6, 30), "months_end")),
    ("9 tháng năm 2018", (D(2018, 9, 30), "months_end")),
    ("9 tháng đầu năm 2018", (D(2018, 9, 30), "months_end")),
    ("BÁO CÁO KẾT QUẢ GIẢI NGÂN 6 THÁNG ĐẦU NĂM 2018", (D(2018, 6, 30), "months_end")),
    ("6 tháng cuối năm 2018", (D(2018, 12, 31), "months_end")),
    # an estimate: the year's end, or the end of the period estimated
    ("Ước thực hiện cả năm 2018", (D(2018, 12, 31), "estimate")),
    ("ước TH năm 2018", (D(2018, 12, 31), "estimate")),
    ("Ước cả năm 2018", (D(2018, 12, 31), "estimate")),
    ("ƯỚC THỰC HIỆN NĂM 2018", (D(2018, 12, 31), "estimate")),
    ("ƯTH 2018", (D(2018, 12, 31), "estimate")),
    ("Dự ước thực hiện quý IV/2018", (D(2018, 12, 31), "estimate")),
    ("Ước thực hiện 6 tháng đầu năm 2018", (D(2018, 6, 30), "estimate")),
    ("Ước thực hiện đến 31/12/2018", (D(2018, 12, 31), "estimate")),
    ("ước cả năm", None),  # no year: no date (the year comes from elsewhere)
    ("ước thực hiện giai đoạn 2016-2020", None),
    # signing dates: never the as-of date
    ("Lai Châu, ngày 05 tháng 11 năm 2017", None),
    ("Lai Châu, ngày 05 tháng 10 năm 2017", None),
    ("Điện Biên, ngày    tháng 10 năm 2017", None),  # the day left blank, to be written by hand
    ("Thông tư số 10/2017/TT-BLĐTBXH", None),  # a document number, not T10/2017
    ("Lai Châu, ngày … tháng … năm 2017", None),
    ("Lai Châu, tháng 11 năm 2017", None),
    ("TP. Điện Biên Phủ, tháng 11/2017", None),
    ("ngày 05 tháng 10 năm 2017", None),
    ("Lai Châu, ngày 05 tháng 11 năm 2017 (số liệu đến 30/9/2017)", (D(2017, 9, 30), "day")),
    # a document's number and date: not the as-of date
    ("Quyết định số 123/QĐ-UBND ngày 15/3/2017", None),
    ("Quyết định số 123/QĐ-UBND ngày 15 tháng 3 năm 2017", None),
    ("Quyết định 123/2017/QĐ-UBND ngày 15/3/2017", None),
    ("(Kèm theo Báo cáo số 215/BC-UBND ngày 05/10/2017 của UBND tỉnh Lai Châu)", None),
    ("Số: 215/BC-UBND", None),
    ("Số: 215/BC-SLĐTBXH", None),
    ("Số: 1386/SLĐTBXH-BTXH", None),
    ("Số liệu đến ngày 31/10/2017 (Báo cáo số 12/BC-UBND ngày 05/11/2017)", (D(2017, 10, 31), "day")),
    ("Căn cứ Quyết định số 123/QĐ-UBND ngày 15/3/2017, số liệu tính đến hết tháng 10/2017",
     (D(2017, 10, 31), "month_end")),
    # only a year, or none
    ("Kế hoạch vốn năm 2018", None),
    ("KẾ HOẠCH VỐN NĂM 2017", None),
    ("cả năm 2018", None),
    ("năm 2018", None),
    ("Giai đoạn 2016-2020", None),
    ("Giai đoạn 2016 – 2020", None),
    ("Đơn vị tính: triệu đồng", None),
    ("Quý III", None),
    ("Tính đến ngày 31/10", None),
    ("", None),
    (None, None),
    # impossible dates
    ("tính đến ngày 31/9/2017", None),
    ("tháng 13/2017", None),
    ("quý 5 năm 2019", None),
    ("13 tháng năm 2018", None),
]


@pytest.mark.parametrize("text, expected", DATES, ids=[repr(t) for t, _ in DATES])
def test_date_in(text, expected):
    found = date_in(text)
    assert (None if found is None else (found.date, found.kind)) == expected
    assert as_of_in(text) == (expected[0] if expected else None)


def test_date_found_is_a_value():
    assert date_in("Quý III/2019") == DateFound(D(2019, 9, 30), "quarter_end")


@pytest.mark.parametrize("text", ["Tính đến ngày 31/10/2017", "hết Quý III/2019", "Ước thực hiện cả năm 2018"])
def test_date_in_decomposed_unicode_and_no_accents(text):
    assert date_in(unicodedata.normalize("NFD", text)) == date_in(text)
    plain = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).replace("đ", "d")
    assert date_in(plain) == date_in(text)


YEARS = [
    ("BÁO CÁO … NĂM 2017", 2017),
    ("KẾ HOẠCH VỐN NĂM 2017", 2017),
    ("Kế hoạch vốn năm 2019", 2019),
    ("BÁO CÁO TÌNH HÌNH GIẢI NGÂN VỐN CHƯƠNG TRÌNH MTQG GIẢM NGHÈO BỀN VỮNG NĂM 2017", 2017),
    ("Kết quả thực hiện năm 2017 của các huyện", 2017),
    ("tính đến 31 tháng 10 năm 2017", 2017),
    ("6 tháng đầu năm 2018", 2018),
    ("Ước thực hiện cả năm 2018", 2018),
    ("Giai đoạn 2016-2020, năm 2018", 2018),
    ("Kèm theo Quyết định số 123/2017/QĐ-UBND ngày 15/3/2017 về giao kế hoạch vốn năm 2018", 2018),
    ("giai đoạn 2016-2020", None),
    ("Giai đoạn 2016 – 2020", None),
    ("KH giai đoạn 2016 - 2020", None),
    ("từ năm 2016 đến năm 2020", None),
    ("Mục tiêu đến năm 2020", 2020),  # a target horizon is still read as a year
    ("Lai Châu, ngày 05 tháng 11 năm 2017", None),
    ("Lai Châu, ngày    tháng 11 năm 2017", None),
    ("Lai Châu, ngày … tháng … năm 2017", None),
    ("Lai Châu, ngày ... tháng ... năm 2017", None),
    ("Lai Châu, tháng 11 năm 2017", None),
    ("Quyết định số 123/QĐ-UBND ngày 15 tháng 3 năm 2017", None),
    ("Quyết định số 123/2017/QĐ-UBND", None),
    ("Số: 215/BC-UBND", None),
    ("Thông tư số 15/2016/TT-BLĐTBXH", None),
    ("Quý III/2019", None),  # the year of a date without "năm": the date's (TitleBlock.year from as_of)
    ("Tính đến ngày 31/10/2017", None),
    ("Đơn vị tính: triệu đồng", None),
    (None, None),
]


@pytest.mark.parametrize("text, expected", YEARS, ids=[repr(t) for t, _ in YEARS])
def test_year_in(text, expected):
    assert year_in(text) == expected


NAMES = [
    ("Năm 2018", 2018),
    ("2018", 2018),
    ("KH 2018", 2018),
    ("BC 2018", 2018),
    ("KH2018", 2018),
    ("BC_giai_ngan_2018_v2", 2018),
    ("BC_giai_ngan_2018_v2.xlsx", 2018),
    ("Bieu 01 - 2019", 2019),
    ("Biểu 01 - 2019 (2)", 2019),
    ("Giải ngân T10.2017", 2017),
    ("2018_2018", 2018),
    ("Năm 2018 (KH 2016-2020)", 2018),
    ("2016-2020", None),
    ("KH 2016 – 2020", None),
    ("BC 2017 2018", None),
    ("BC 2017 và 2018", None),
    ("Biểu 1", None),
    ("Sheet1", None),
    ("20182019", None),
    ("12018", None),
    ("201", None),
    ("Mã 20171031", None),
    ("1999", None),
    ("2040", None),
    ("", None),
]


@pytest.mark.parametrize("name, expected", NAMES, ids=[repr(n) for n, _ in NAMES])
def test_year_in_name(name, expected):
    assert year_in_name(name) == expected


# --- the block ------------------------------------------------------------------------------------------------

def _as_of(block):
    return block.as_of, block.as_of_cell, block.as_of_kind


def test_text_cells_as_before():
    block = read_title_block([("A3", "BÁO CÁO GIẢI NGÂN VỐN NĂM 2017"), ("A4", "(Tính đến ngày 31/10/2017)"),
                              ("H5", "Đơn vị tính: đồng")])
    assert (block.year, block.year_cell) == (2017, "A3")
    assert _as_of(block) == (D(2017, 10, 31), "A4", "day")
    assert (block.unit, block.unit_cell, block.dataset_hint) == ("dong", "H5", "funding")


def test_no_date():
    block = read_title_block([("A3", "KẾ HOẠCH VỐN NĂM 2018"), ("A4", "Giai đoạn 2016-2020")])
    assert (block.year, block.year_cell) == (2018, "A3")
    assert _as_of(block) == (None, None, None)


@pytest.mark.parametrize(
    "text, kind, date",
    [("Báo cáo tháng 10/2017", "month_end", D(2017, 10, 31)), ("Quý III/2019", "quarter_end", D(2019, 9, 30)),
     ("9 tháng năm 2018", "months_end", D(2018, 9, 30)), ("Ước thực hiện cả năm 2018", "estimate", D(2018, 12, 31))],
)
def test_the_kind_is_kept(text, kind, date):
    block = read_title_block([("A2", "UBND TỈNH LAI CHÂU"), ("A4", text)])
    assert _as_of(block) == (date, "A4", kind)
    assert (block.year, block.year_cell) == (date.year, "A4")


def test_year_from_the_date_only_when_no_year_is_stated():
    block = read_title_block([("A3", "BÁO CÁO GIẢI NGÂN"), ("A4", "hết Quý III/2019")])
    assert (block.year, block.year_cell) == (2019, "A4")
    block = read_title_block([("A3", "(Tính đến ngày 31/10/2017)"), ("A4", "BÁO CÁO NĂM 2017")])
    assert (block.year, block.year_cell) == (2017, "A4")


@pytest.mark.parametrize(
    "value",
    [D(2017, 10, 31), dt.datetime(2017, 10, 31), dt.datetime(2017, 10, 31, 0, 0), "31/10/2017", " 31-10-2017 "],
)
def test_a_labelled_date_cell(value):
    block = read_title_block([("A3", "BÁO CÁO GIẢI NGÂN VỐN NĂM 2017"), ("A4", "Tính đến ngày:"), ("C4", value)])
    assert _as_of(block) == (D(2017, 10, 31), "C4", "date_cell_labelled")
    assert (block.year, block.year_cell) == (2017, "A3")


@pytest.mark.parametrize("label", ["Tính đến:", "Số liệu đến ngày", "Đến ngày", "Thời điểm báo cáo", "Ngày báo cáo:",
                                   "SỐ LIỆU"])
def test_date_cell_labels(label):
    block = read_title_block([("B5", label), ("D5", dt.datetime(2017, 10, 31))])
    assert _as_of(block) == (D(2017, 10, 31), "D5", "date_cell_labelled")


@pytest.mark.parametrize(
    "cells",
    [
        [("D5", dt.datetime(2017, 10, 31))],  # alone
        [("A5", "Ngày"), ("D5", dt.datetime(2017, 10, 31))],  # "Ngày" alone: maybe the signing date
        [("A4", "Tính đến ngày:"), ("D5", dt.datetime(2017, 10, 31))],  # a label on another row
        [("A5", "Tính đến:"), ("B5", 7), ("D5", dt.datetime(2017, 10, 31))],  # not just before it
        [("A5", "BÁO CÁO GIẢI NGÂN"), ("D5", dt.date(2017, 10, 31))],
    ],
)
def test_an_unlabelled_date_cell(cells):
    block = read_title_block(cells)
    assert _as_of(block) == (D(2017, 10, 31), "D5", "date_cell")
    assert (block.year, block.year_cell) == (2017, "D5")


def test_the_row_number_is_the_whole_number():
    # "A1" and "B11" are different rows: the label in A1 is not B11's
    block = read_title_block([("A1", "Tính đến:"), ("B11", dt.datetime(2017, 10, 31))])
    assert block.as_of_kind == "date_cell"
    block = read_title_block([("A11", "Tính đến:"), ("AB11", dt.datetime(2017, 10, 31))])
    assert block.as_of_kind == "date_cell_labelled"


def test_a_number_formatted_as_a_date_is_not_a_date():
    block = read_title_block([("A4", "Tính đến:"), ("C4", dt.datetime(1900, 1, 5))])
    assert _as_of(block) == (None, None, None)


def test_other_values_are_passed_over():
    block = read_title_block([("A3", 2017), ("B3", 12.5), ("C3", True), ("A4", "BÁO CÁO NĂM 2018")])
    assert (block.year, block.year_cell, block.as_of) == (2018, "A4", None)


@pytest.mark.parametrize(
    "cells, expected",
    [
        # a day before a period, whatever the order
        ([("A3", "BÁO CÁO THÁNG 10/2017"), ("A4", "(Tính đến ngày 25/10/2017)")], (D(2017, 10, 25), "A4", "day")),
        # a stated period before an unlabelled date cell (perhaps the day it was printed)
        ([("A3", "BÁO CÁO THÁNG 10/2017"), ("H4", dt.datetime(2017, 11, 5))], (D(2017, 10, 31), "A3", "month_end")),
        ([("H2", dt.datetime(2017, 11, 5)), ("A3", "BÁO CÁO THÁNG 10/2017")], (D(2017, 10, 31), "A3", "month_end")),
        # a labelled date cell as good as a day written out: the first one
        ([("A3", "Tính đến:"), ("B3", dt.datetime(2017, 9, 30)), ("A4", "(Tính đến ngày 31/10/2017)")],
         (D(2017, 9, 30), "B3", "date_cell_labelled")),
        ([("A3", "(Tính đến ngày 31/10/2017)"), ("A4", "Tính đến:"), ("B4", dt.datetime(2017, 9, 30))],
         (D(2017, 10, 31), "A3", "day")),
        # the first of two periods
        ([("A3", "6 tháng đầu năm 2018"), ("A4", "Quý III/2018")], (D(2018, 6, 30), "A3", "months_end")),
    ],
)
def test_which_as_of_wins(cells, expected):
    assert _as_of(read_title_block(cells)) == expected


def test_signing_and_document_dates_are_not_taken():
    block = read_title_block([
        ("A1", "UBND TỈNH LAI CHÂU"), ("A3", "Số: 215/BC-UBND"), ("D2", "Lai Châu, ngày 05 tháng 10 năm 2017"),
        ("A4", "Kèm theo Quyết định số 123/QĐ-UBND ngày 15/3/2017"), ("A5", "KẾ HOẠCH VỐN NĂM 2018"),
    ])
    assert (block.year, block.year_cell) == (2018, "A5")
    assert _as_of(block) == (None, None, None)
    assert (block.province, block.province_cell) == ("12", "A1")


def test_a_generator_of_pairs():
    block = read_title_block((a, v) for a, v in [("A4", "hết tháng 10/2017")])
    assert _as_of(block) == (D(2017, 10, 31), "A4", "month_end")
