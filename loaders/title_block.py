"""The title block above a report's table: issuing province, year, as-of date and money unit."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .reference import match_province
from .synonyms import unit_in
from .text import fold

# "Tính đến ngày 31/10/2017", "đến ngày 30/9/2017", "đến 31-10-2017", "tính đến 31 tháng 10 năm 2017"
# (after folding, "/", "." and "-" are spaces)
_AS_OF = re.compile(
    r"(?:den|tai|thoi diem|ngay chot|chot so lieu)\s*(?:ngay\s*)?(\d{1,2})\s+(?:thang\s+)?(\d{1,2})\s+(?:nam\s+)?(\d{4})"
)
_YEAR = re.compile(r"\bnam\s+(\d{4})\b")
# A place-and-date line of a signature block: "Lai Châu, ngày 05 tháng 10 năm 2017"
_SIGNED = re.compile(r"ngay\s+\d{1,2}\s+thang\s+\d{1,2}\s+nam\s+\d{4}")


@dataclass
class TitleBlock:
    """What the lines above a table say, each with the cell it came from."""

    year: int | None = None
    year_cell: str | None = None
    as_of: dt.date | None = None
    as_of_cell: str | None = None
    unit: str | None = None
    unit_factor: float | None = None
    unit_cell: str | None = None
    dataset_hint: str | None = None
    province: str | None = None  # GSO code of the province named ("UBND TỈNH ĐIỆN BIÊN" → "11")
    province_cell: str | None = None


def as_of_in(text: object) -> dt.date | None:
    """The as-of date a text states ('Tính đến ngày 31/10/2017'), or None."""
    key = fold(text)
    if _SIGNED.search(key) and "den" not in key:
        return None  # "Lai Châu, ngày … tháng …": when the report was signed, not its as-of date
    m = _AS_OF.search(key)
    if not m:
        return None
    day, month, year = (int(g) for g in m.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def year_in(text: object) -> int | None:
    """The report year a title states ('… NĂM 2017'), or None."""
    key = fold(text)
    if _SIGNED.search(key):
        return None
    m = _YEAR.search(key)
    return int(m.group(1)) if m else None


def province_in(text: object) -> str | None:
    """The province an issuing-body line names ('UBND TỈNH ĐIỆN BIÊN', 'SỞ LĐ-TB&XH TỈNH LAI CHÂU'), or None."""
    key = fold(text)
    if not key or key.replace(" ", "").isdigit() or _SIGNED.search(key):
        return None  # a number, or "Lai Châu, ngày … tháng …": the place a report was signed
    return match_province(text)


def read_title_block(cells: list[tuple[str, str]]) -> TitleBlock:
    """Read (address, text) pairs from the rows above the header, top to bottom."""
    block = TitleBlock()
    for address, text in cells:
        key = fold(text)
        if block.as_of is None and (d := as_of_in(text)):
            block.as_of, block.as_of_cell = d, address
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
