"""The title block above a report's table: issuing province, year, as-of date and money unit.

Dates and years are read from how district offices write them; every finder is a pure function of one cell's
text (compared after ``fold``: no accents, lower case, punctuation as spaces), and ``read_title_block`` keeps
the cell each value came from.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from .matching import match_province
from .synonyms import unit_in
from .text import fold

# A place-and-date line of a signature block: "Lai Châu, ngày 05 tháng 10 năm 2017"
# (used as is by the report reader to find the signature block: keep its meaning)
_SIGNED = re.compile(r"ngay\s+\d{1,2}\s+thang\s+\d{1,2}\s+nam\s+\d{4}")

DateKind = Literal["day", "month_end", "quarter_end", "months_end", "estimate"]


@dataclass(frozen=True)
class DateFound:
    """A date a text states and how it was stated.

    kind: "day" (a day written out after "đến", "tính đến", "số liệu", "thời điểm" …), "month_end" (a month:
    "hết tháng 10/2017"), "quarter_end" ("Quý III/2019"), "months_end" ("6 tháng đầu năm 2018") or "estimate"
    (an estimate, "Ước thực hiện cả năm 2018": the figures are not yet final).
    """

    date: dt.date
    kind: DateKind


# --- normalisation -------------------------------------------------------------------------------------------

# A document's number, with the date that follows it: "Số: 215/BC-UBND", "Quyết định số 123/QĐ-UBND ngày
# 15/3/2017", "05/2017/TT-BLĐTBXH", "1386/SLĐTBXH-BTXH". Read before folding, while the "/" still shows that a
# number is followed by a document code (a date never has a letter after its "/").
_DOC_REF = re.compile(
    r"(?:\bso\s*:?\s*)?(?<![\d/])\d{1,6}\s*(?:/\s*\d{4}\s*)?/\s*[a-z][a-z0-9&]*(?:\s*[-–]\s*[a-z0-9&]+)*"
    r"(?:\s*,?\s*(?:ngay\s+)?\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{4}"
    r"|\s*,?\s*ngay\s+\d{1,2}\s+thang\s+\d{1,2}\s+nam\s+\d{4})?"
)
# "Lai Châu, tháng 11 năm 2017": a place, a comma, then the month of signing (with a day, "ngày 05 tháng …",
# it is a written-out date, below)
_PLACE_DATED = re.compile(r"^\s*([a-z][a-z. ]{1,40}),\s*thang\s+\d{1,2}\s*[/.\-]?\s*(?:nam\s+)?\d{4}\s*\.?\s*$")
_NOT_PLACE = re.compile(r"\b(?:den|tai|thoi diem|so lieu|bao cao|ke hoach|uoc|ngay)\b")
# a written-out date: "ngày 05 tháng 10 năm 2017", also with the day (and month) left blank to be filled by hand
_DATED = re.compile(r"\bngay\s+(?:\d{1,2}\s+)?thang\s+(?:\d{1,2}\s+)?nam\s+\d{4}\b")
# what makes a date an as-of date when it comes just before it
_AS_OF_LEAD = re.compile(r"\b(?:den(?:\s+het)?|tai|thoi diem|ngay chot|so lieu|ngay bao cao)\s*$")
# a span of years, "2016-2020", "2016 – 2020", "từ năm 2016 đến năm 2020": no single year
_RANGE = re.compile(r"\b((?:19|20)\d\d)\s+(?:den\s+|toi\s+)?(?:nam\s+)?((?:19|20)\d\d)\b")


def _plain(text: str) -> str:
    """Lower case without accents, punctuation kept (what fold does before it drops punctuation)."""
    s = unicodedata.normalize("NFD", text)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return s.replace("đ", "d").replace("Đ", "D").replace("…", " ").lower()  # "ngày … tháng … năm": blanks


@lru_cache(maxsize=4096)
def _key(text: str) -> str:
    """The folded text with what never states the report's date taken out: document numbers and their dates,
    signing dates ("ngày 05 tháng 10 năm 2017" not after "đến") and spans of years ("2016-2020").
    "" for a place-and-date line ("Lai Châu, tháng 11 năm 2017")."""
    plain = _plain(text)
    if (m := _PLACE_DATED.match(plain)) and not _NOT_PLACE.search(m.group(1)):
        return ""
    key = fold(_DOC_REF.sub(" ", plain))
    out, last = [], 0
    for m in _DATED.finditer(key):
        if not _AS_OF_LEAD.search(key, 0, m.start()):
            out.append(key[last:m.start()])
            last = m.end()
    out.append(key[last:])
    if len(out) > 1:
        key = " ".join(" ".join(out).split())
    return _RANGE.sub(lambda m: " " if int(m.group(2)) > int(m.group(1)) else m.group(0), key).strip()


def _text_key(text: object) -> str:
    return _key(text if isinstance(text, str) else str(text))


# --- dates ---------------------------------------------------------------------------------------------------

_YEAR_NUM = r"(\d{4})\b"
# "Tính đến ngày 31/10/2017", "đến hết ngày 31-10-2017", "tính đến 31 tháng 10 năm 2017", "Số liệu ngày 31/10/2017"
_DAY = re.compile(
    r"\b(?:den|tai|thoi diem|ngay chot|so lieu|ngay bao cao)\s+(?:het\s+)?(?:ngay\s+)?(\d{1,2})\s+(?:thang\s+)?(\d{1,2})\s+"
    r"(?:nam\s+)?" + _YEAR_NUM
)
# "hết tháng 10/2017", "Báo cáo tháng 10 năm 2017" (not "ngày 5 tháng 10 …", not "6 tháng năm …")
_MONTH = re.compile(r"\bthang\s+(\d{1,2})\s+(?:nam\s+)?" + _YEAR_NUM)
# "Báo cáo T10/2017", "số liệu T 10-2017": tháng written as its initial
_MONTH_SHORT = re.compile(r"\bt\s?(\d{1,2})\s+" + _YEAR_NUM)
_QUARTER = re.compile(r"\bquy\s+(iv|i{1,3}|[1-4])\s+(?:nam\s+)?" + _YEAR_NUM)
# "6 tháng đầu năm 2018", "9 tháng năm 2018", "6 tháng cuối năm 2018"
_MONTHS = re.compile(r"\b(\d{1,2})\s+thang\s+(?:(dau|cuoi)\s+)?(?:nam\s+)?" + _YEAR_NUM)
_ESTIMATE = re.compile(r"\b(?:uoc|uth)\b")
# "Ước thực hiện cả năm 2018", "ước TH năm 2018", "Ước cả năm 2018", "ƯTH 2018"
_ESTIMATE_YEAR = re.compile(r"\b(?:uoc|uth)\b(?:\s+[a-z]+){0,4}?\s+(?:nam\s+)?" + _YEAR_NUM)
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def _month_end(year: int, month: int) -> dt.date | None:
    if not 1 <= month <= 12:
        return None
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _day(key: str) -> dt.date | None:
    for m in _DAY.finditer(key):
        day, month, year = (int(g) for g in m.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    return None


def _month(key: str) -> dt.date | None:
    for m in _MONTH.finditer(key):
        before = key[:m.start()].split()[-2:]
        if before and (before[-1] == "ngay" or (len(before) == 2 and before[0] == "ngay" and before[1].isdigit())):
            continue  # "ngày 5 tháng 10 năm 2017": a day, not stated as an as-of date
        if before and before[-1].isdigit() and len(before[-1]) <= 2:
            continue  # "6 tháng 10 năm": not a month
        if d := _month_end(int(m.group(2)), int(m.group(1))):
            return d
    for m in _MONTH_SHORT.finditer(key):
        if d := _month_end(int(m.group(2)), int(m.group(1))):
            return d
    return None


def _quarter(key: str) -> dt.date | None:
    m = _QUARTER.search(key)
    if not m:
        return None
    q = _ROMAN.get(m.group(1)) or int(m.group(1))
    return _month_end(int(m.group(2)), 3 * q)


def _months(key: str) -> dt.date | None:
    for m in _MONTHS.finditer(key):
        n, part, year = int(m.group(1)), m.group(2), int(m.group(3))
        if not 1 <= n <= 12 or key[:m.start()].endswith(("ngay ", "thang ")):
            continue
        return _month_end(year, 12 if part == "cuoi" else n)
    return None


# the most precise first: "Báo cáo tháng 10/2017 (tính đến ngày 25/10/2017)" is as of the 25th
_FINDERS: tuple[tuple[Callable[[str], dt.date | None], DateKind], ...] = (
    (_day, "day"), (_month, "month_end"), (_quarter, "quarter_end"), (_months, "months_end"))


def date_in(text: object) -> DateFound | None:
    """The as-of date a text states, with how it states it, or None.

    "Tính đến ngày 31/10/2017" → day; "hết tháng 10/2017", "Báo cáo tháng 10 năm 2017", "T10/2017" → month_end;
    "Quý III/2019", "hết quý 3 năm 2019" → quarter_end; "6 tháng đầu năm 2018" → months_end (30/6);
    "Ước thực hiện cả năm 2018" → estimate (31/12; an estimate of a period above → that period's end, kind
    estimate). Never a signing date ("Lai Châu, ngày 05 tháng 10 năm 2017"), a document's date ("Quyết định số
    123/QĐ-UBND ngày 15/3/2017") or a bare year ("Kế hoạch vốn năm 2018", "Giai đoạn 2016-2020").
    """
    key = _text_key(text)
    if not key:
        return None
    found: tuple[dt.date, DateKind] | None = None
    for finder, kind in _FINDERS:
        if d := finder(key):
            found = d, kind
            break
    if _ESTIMATE.search(key):
        whole_year = re.search(r"\bca\s+nam\s+(\d{4})\b", key)
        if whole_year and not (found and found[1] == "day"):
            return DateFound(dt.date(int(whole_year.group(1)), 12, 31), "estimate")
        if found:
            return DateFound(found[0], "estimate")
        if m := _ESTIMATE_YEAR.search(key):
            return DateFound(dt.date(int(m.group(1)), 12, 31), "estimate")
        return None
    return DateFound(*found) if found else None


def as_of_in(text: object) -> dt.date | None:
    """The as-of date a text states ('Tính đến ngày 31/10/2017', 'hết Quý III/2019' …), or None: see date_in."""
    found = date_in(text)
    return found.date if found else None


# --- years ---------------------------------------------------------------------------------------------------

_YEAR = re.compile(r"\bnam\s+(\d{4})\b")


def year_in(text: object) -> int | None:
    """The report year a title states ('KẾ HOẠCH VỐN NĂM 2017', '… năm 2017 …'), or None. Never from a span
    ('giai đoạn 2016-2020'), a document's number or date ('Số: 215/BC-UBND', 'Quyết định số 123/2017/QĐ-UBND
    ngày 15/3/2017') or a signing date ('Lai Châu, ngày 05 tháng 10 năm 2017'). Only "năm YYYY": the year of a
    date without "năm" ('Quý III/2019') is the date's (see date_in)."""
    m = _YEAR.search(_text_key(text))
    return int(m.group(1)) if m else None


_NAME_RANGE = re.compile(r"(?<!\d)(20[0-3]\d)\s*(?:[-–—_~]|den|to)?\s*(20[0-3]\d)(?!\d)")
_NAME_YEAR = re.compile(r"(?<!\d)(20[0-3]\d)(?!\d)")


def year_in_name(name: str) -> int | None:
    """The year 2000–2039 a sheet or file name states ('Năm 2018', 'KH 2018', 'BC_giai_ngan_2018_v2'), or None:
    none, or two different years ('2016-2020', 'BC 2017 2018'). Digits within a longer number are not a year."""
    plain = _plain(name)
    rest = _NAME_RANGE.sub(lambda m: " " if m.group(1) != m.group(2) else m.group(1), plain)
    years = {int(y) for y in _NAME_YEAR.findall(rest)}
    return years.pop() if len(years) == 1 else None


def province_in(text: object) -> str | None:
    """The province an issuing-body line names ('UBND TỈNH ĐIỆN BIÊN', 'SỞ LĐ-TB&XH TỈNH LAI CHÂU'), or None."""
    key = fold(text)
    if not key or key.replace(" ", "").isdigit() or _SIGNED.search(key):
        return None  # a number, or "Lai Châu, ngày … tháng …": the place a report was signed
    return match_province(text)


# --- the block -----------------------------------------------------------------------------------------------

@dataclass
class TitleBlock:
    """What the lines above a table say, each with the cell it came from."""

    year: int | None = None
    year_cell: str | None = None
    as_of: dt.date | None = None
    as_of_cell: str | None = None
    # how the as-of date was stated: a DateFound kind ("day", "month_end", "quarter_end", "months_end",
    # "estimate"), or "date_cell_labelled" (a date cell after "Tính đến:", "Số liệu", "Thời điểm" …) or
    # "date_cell" (a date cell with no such label: taken, to confirm)
    as_of_kind: str | None = None
    as_of_inherited: bool = False  # the date is the sheet's first table's, not stated above this table
    unit: str | None = None
    unit_factor: float | None = None
    unit_cell: str | None = None
    dataset_hint: str | None = None
    province: str | None = None  # GSO code of the province named ("UBND TỈNH ĐIỆN BIÊN" → "11")
    province_cell: str | None = None


_LABEL = re.compile(r"\b(?:den|so lieu|thoi diem|ngay bao cao)\b")
_BARE_DATE = re.compile(r"\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})\s*")
_ROW = re.compile(r"(\d+)$")
# which as-of wins when several are stated: a day before a period, an unlabelled date cell last; then row order
_RANK = {"day": 0, "date_cell_labelled": 0, "month_end": 1, "quarter_end": 1, "months_end": 1, "estimate": 1,
         "date_cell": 2}


def _row_of(address: str) -> str | None:
    m = _ROW.search(address)
    return m.group(1) if m else None


def _date_value(value: object) -> dt.date | None:
    """A date cell's date (also a cell holding only a date typed as text, '31/10/2017'), or None."""
    if isinstance(value, dt.datetime):
        d = value.date()
    elif isinstance(value, dt.date):
        d = value
    elif isinstance(value, str) and (m := _BARE_DATE.fullmatch(value)):
        try:
            d = dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError:
            return None
    else:
        return None
    return d if 2000 <= d.year <= 2039 else None  # 1900-01-00 and the like: a number formatted as a date


def read_title_block(cells: Iterable[tuple[str, object]]) -> TitleBlock:
    """Read (address, value) pairs of the non-empty cells above the header, in row order.

    Values are text, dt.date or dt.datetime (anything else is passed over). A date cell is an as-of date,
    "date_cell_labelled" when the text cell just before it on its row is a label ("Tính đến:", "Số liệu đến
    ngày", "Thời điểm", "Ngày báo cáo"), else "date_cell".
    """
    block = TitleBlock()
    rank = 99
    prev_row: str | None = None
    prev_text: str | None = None
    for address, value in cells:
        row = _row_of(address)
        label = prev_text if prev_row == row else None
        prev_row, prev_text = row, value if isinstance(value, str) else None
        if (d := _date_value(value)) is not None:
            kind = "date_cell_labelled" if label is not None and _LABEL.search(fold(label)) else "date_cell"
            if _RANK[kind] < rank:
                block.as_of, block.as_of_cell, block.as_of_kind, rank = d, address, kind, _RANK[kind]
            continue
        if not isinstance(value, str):
            continue
        text = value
        key = fold(text)
        if (found := date_in(text)) and _RANK[found.kind] < rank:
            block.as_of, block.as_of_cell, block.as_of_kind, rank = found.date, address, found.kind, _RANK[found.kind]
        if block.year is None and (y := year_in(text)):
            block.year, block.year_cell = y, address
        if block.province is None and (p := province_in(text)):
            block.province, block.province_cell = p, address
        if block.unit is None and (u := unit_in(text)):
            block.unit, block.unit_factor = u
            block.unit_cell = address
        if block.dataset_hint is None:
            if "ho ngheo" in key or "ra soat" in key or "can ngheo" in key:
                block.dataset_hint = "poverty"
            elif "giai ngan" in key or "ke hoach von" in key or "von" in key.split():
                block.dataset_hint = "funding"
    if block.year is None and block.as_of is not None:
        block.year, block.year_cell = block.as_of.year, block.as_of_cell
    return block
