"""The project's own input template: sheet names and columns, shared by writer and reader."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .records import Dataset


@dataclass(frozen=True)
class Column:
    """One template column: its field in the data model and its Vietnamese header."""

    field: str  # district | year | as_of | component | source | indicator | <measure code>
    header: str
    header_en: str
    required: bool = True
    width: float = 14.0


@dataclass(frozen=True)
class SheetSpec:
    """One data sheet of the template."""

    dataset: Dataset
    name: str
    title: str
    columns: tuple[Column, ...]

    @property
    def measure_columns(self) -> tuple[Column, ...]:
        """Columns whose values are facts (one fact per filled cell)."""
        return tuple(c for c in self.columns if c.field not in KEY_FIELDS)


KEY_FIELDS = frozenset({"district", "commune", "year", "as_of", "component", "source", "indicator"})

FUNDING = SheetSpec(
    Dataset.FUNDING,
    "Giải ngân",
    "BÁO CÁO KẾ HOẠCH VỐN VÀ GIẢI NGÂN CHƯƠNG TRÌNH MTQG GIẢM NGHÈO BỀN VỮNG",
    (
        Column("district", "Huyện", "District", width=22),
        Column("year", "Năm kế hoạch", "Budget year", width=10),
        Column("as_of", "Số liệu đến ngày", "As of date", width=14),
        Column("component", "Dự án / Tiểu dự án", "Project / sub-project", width=40),
        Column("source", "Nguồn vốn", "Funding source", width=24),
        Column("plan", "Kế hoạch vốn năm (triệu đồng)", "Capital plan (million VND)", width=18),
        Column("disbursed", "Giải ngân lũy kế (triệu đồng)", "Disbursed to date (million VND)", required=False, width=18),
    ),
)

# Programme 135 and the district offices' own reports: funding of one district's communes. Written in the
# blank template only (the samples have none); read wherever a workbook has it.
FUNDING_BY_COMMUNE = SheetSpec(
    Dataset.FUNDING,
    "Giải ngân theo xã",
    "KẾ HOẠCH VỐN VÀ GIẢI NGÂN THEO XÃ, PHƯỜNG, THỊ TRẤN",
    # the funding sheet's columns with the commune after the district
    (FUNDING.columns[0], Column("commune", "Xã, phường, thị trấn", "Commune, ward or township", width=30),
     *FUNDING.columns[1:]),
)

POVERTY = SheetSpec(
    Dataset.POVERTY,
    "Kết quả giảm nghèo",
    "KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO",
    (
        Column("district", "Huyện", "District", width=22),
        Column("year", "Năm rà soát", "Review year", width=10),
        Column("as_of", "Ngày chốt số liệu", "Review date", width=14),
        Column("households", "Tổng số hộ", "Total households"),
        Column("poor_households", "Số hộ nghèo", "Poor households"),
        Column("near_poor_households", "Số hộ cận nghèo", "Near-poor households"),
        Column("escaped_poverty", "Số hộ thoát nghèo", "Escaped poverty", required=False),
        Column("newly_poor", "Số hộ nghèo phát sinh", "Newly poor", required=False),
        Column("fallen_back", "Số hộ tái nghèo", "Fallen back into poverty", required=False),
    ),
)

# the poverty review of one district's communes: the same columns with the commune after the district
POVERTY_BY_COMMUNE = SheetSpec(
    Dataset.POVERTY,
    "Hộ nghèo theo xã",
    "KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO THEO XÃ, PHƯỜNG, THỊ TRẤN",
    (POVERTY.columns[0], FUNDING_BY_COMMUNE.columns[1], *POVERTY.columns[1:]),
)

TARGETS = SheetSpec(
    Dataset.TARGET,
    "Chỉ tiêu",
    "CHỈ TIÊU GIẢM NGHÈO VÀ TIẾN ĐỘ GIẢI NGÂN",
    (
        Column("district", "Huyện", "District", width=22),
        Column("year", "Năm", "Year", width=10),
        Column("as_of", "Đến ngày", "By date", width=14),
        Column("indicator", "Chỉ tiêu", "Indicator", width=40),
        Column("value", "Giá trị (%)", "Value (%)"),
    ),
)

DATA_SHEETS = (FUNDING, POVERTY, TARGETS)
# every sheet the reader knows (the commune sheet is optional: a workbook without it is a template all the same)
COMMUNE_SHEETS = (FUNDING_BY_COMMUNE, POVERTY_BY_COMMUNE)
READ_SHEETS = (*DATA_SHEETS, *COMMUNE_SHEETS)
INSTRUCTIONS_SHEET = "Hướng dẫn"
LISTS_SHEET = "Danh mục"

# Years the programme covers; poverty also has the end-2015 baseline review.
PROGRAMME_YEARS = range(2016, 2021)
POVERTY_YEARS = range(2015, 2021)


def date_in_year(as_of: dt.date, year: int) -> bool:
    """Whether a reporting date belongs to a budget year: within it, or its close up to 31/03 of the next."""
    return dt.date(year, 1, 1) <= as_of <= dt.date(year + 1, 3, 31)
