"""Write the project's input template (loaders/template_spec.py), blank or filled with rows."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from io import BytesIO
from pathlib import Path
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .reference import (
    DEFAULT_PROVINCE,
    all_districts,
    communes,
    components,
    districts,
    leaf_components,
    leaf_sources,
    measures,
    provinces,
    sources,
)
from .template_spec import (
    COMMUNE_SHEETS,
    DATA_SHEETS,
    FUNDING,
    FUNDING_BY_COMMUNE,
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    POVERTY,
    POVERTY_BY_COMMUNE,
    TARGETS,
    SheetSpec,
)

HEADER_ROW = 3
FIRST_DATA_ROW = 4
LAST_VALIDATED_ROW = 2000
FIXED_TIME = dt.datetime(2020, 1, 1)  # fixed so the same rows always give the same file
CREATOR = "Lai Chau poverty dashboard"
DATE_FORMAT = "dd/mm/yyyy"
NUMBER_FORMATS = {"million_vnd": "#,##0.0", "households": "#,##0", "percent": "0.00"}

BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=13)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")

SHEET_NOTES = {
    FUNDING.name: "Đơn vị tính: triệu đồng. Mỗi dòng: một huyện × năm × ngày × tiểu dự án × nguồn vốn.",
    POVERTY.name: "Đơn vị tính: hộ. Mỗi dòng: kết quả rà soát của một huyện tại một ngày chốt số liệu.",
    TARGETS.name: "Đơn vị tính: %. Mỗi dòng: một chỉ tiêu của một huyện đến một ngày.",
    FUNDING_BY_COMMUNE.name: "Đơn vị tính: triệu đồng. Mỗi dòng: một xã × năm × ngày × tiểu dự án × nguồn vốn. Số của "
                             "huyện là tổng các xã: không ghi huyện này ở sheet “Giải ngân” cho cùng ngày.",
    POVERTY_BY_COMMUNE.name: "Đơn vị tính: hộ. Mỗi dòng: kết quả rà soát của một xã tại một ngày chốt số liệu. Số của "
                             "huyện là tổng các xã: không ghi huyện này ở sheet “Kết quả giảm nghèo” cho cùng ngày.",
}

# What each column means, for the instructions sheet.
FIELD_NOTES = {
    "district": "Chọn tên huyện/thành phố trong danh sách (ví dụ: {example}).",
    "commune": "Chọn xã, phường, thị trấn của huyện đó trong danh sách (tên huyện trong ngoặc chỉ để chọn cho dễ).",
    "year": "Năm, số nguyên (ví dụ 2017). Giải ngân: báo cáo chốt 31/01 năm sau vẫn ghi năm kế hoạch.",
    "as_of": "Ngày của số liệu, dạng dd/mm/yyyy (ví dụ 31/10/2017).",
    "component": "Chọn tiểu dự án (hoặc dự án không có tiểu dự án) trong danh sách. Không ghi dòng tổng của dự án.",
    "source": "Chọn nguồn vốn trong danh sách.",
    "plan": "Kế hoạch vốn giao cả năm, triệu đồng.",
    "disbursed": "Giải ngân lũy kế từ đầu năm đến ngày báo cáo, triệu đồng; không lớn hơn kế hoạch.",
    "households": "Tổng số hộ dân của huyện.",
    "poor_households": "Số hộ nghèo theo chuẩn nghèo đa chiều (QĐ 59/2015/QĐ-TTg).",
    "near_poor_households": "Số hộ cận nghèo.",
    "escaped_poverty": "Số hộ thoát nghèo trong năm (có thể để trống).",
    "newly_poor": "Số hộ nghèo phát sinh trong năm (có thể để trống).",
    "fallen_back": "Số hộ tái nghèo trong năm (có thể để trống).",
    "indicator": "Chọn chỉ tiêu trong danh sách.",
    "value": "Giá trị chỉ tiêu, phần trăm (ví dụ 35,2 nghĩa là 35,2%).",
}

ENGLISH_NOTE = (
    "How to fill in this template: one sheet per dataset, headers in row 3, data from row 4; "
    "money in million VND, dates dd/mm/yyyy, no total rows."
)
GENERAL_RULES = (
    "Tiền ghi bằng triệu đồng; số hộ ghi số nguyên; tỷ lệ ghi bằng phần trăm.",
    "Ngày ghi dạng dd/mm/yyyy.",
    "Mỗi dòng là một huyện × năm × ngày × dự án × nguồn vốn; không gộp nhiều huyện vào một dòng.",
    "Chỉ ghi tiền ở tiểu dự án (hoặc dự án không có tiểu dự án); không ghi tổng dự án bên cạnh các tiểu dự án.",
    "Không thêm dòng tổng cộng, dòng nhóm hay dòng chữ ký; không đổi tên sheet và tiêu đề cột.",
    "Dữ liệu bắt đầu từ dòng 4; tiêu đề cột ở dòng 3.",
)


def component_label(code: str) -> str:
    """How a component is written in the template: '1.1 – TDA 1.1: Hạ tầng huyện nghèo'."""
    return f"{code} – {components()[code].short_vi}"


# The district the instructions give as an example, where it is not the province's first huyện.
_EXAMPLE_DISTRICT = {DEFAULT_PROVINCE: "107"}  # Huyện Mường Tè


def _district_example(province_code: str) -> str:
    """The district name the instructions sheet shows as an example of the district column."""
    own = districts(province_code)
    rural = [c for c, d in own.items() if d.type_vi == "Huyện"] or list(own)
    code = _EXAMPLE_DISTRICT.get(province_code) or (rural[0] if rural else "")
    return own[code].name_vi if code in own else ""


def _lists(province_code: str = DEFAULT_PROVINCE) -> dict[str, list[str]]:
    """Dropdown choices by template field, in the order they appear on the lists sheet."""
    # Lai Châu, inland, has no coastal communes (sub-project 1.2); other provinces may.
    leaves = [c for c in leaf_components().values() if c.applies_lai_chau or province_code != DEFAULT_PROVINCE]
    own = districts(province_code)
    return {
        "district": [d.name_vi for d in own.values()],
        "component": [component_label(c.code) for c in leaves],
        # the parts, as the programme allots them; a hand-typed "NSTW" (unsplit) is still read
        "source": [s.short_vi for s in leaf_sources().values()],
        "indicator": [m.name_vi for m in measures().values() if m.dataset == "target"],
        "commune": [_commune_text(c.code) for c in communes().values() if c.district_code in own],
    }


def _commune_text(code: str) -> str:
    """A commune as the template lists it: 'Xã Bản Bo (Tam Đường)' (the reader drops the district)."""
    commune = communes()[code]
    return f"{commune.name_vi} ({all_districts()[commune.district_code].short_vi})"


def _cell_value(field: str, row: Mapping[str, Any]) -> Any:
    """The value a canonical row puts in the column of one field."""
    if field == "commune":
        return _commune_text(str(row["commune_code"]))
    if field == "district":
        return all_districts()[str(row["district_code"])].name_vi
    if field == "year":
        return int(row["year"])
    if field == "component":
        return component_label(str(row["component"]))
    if field == "source":
        return sources()[row["source"]].short_vi
    if field == "indicator":
        return measures()[row["measure"]].name_vi
    return row.get(field)


def _number_format(spec: SheetSpec, field: str) -> str | None:
    if field == "as_of":
        return DATE_FORMAT
    if field in measures():
        return NUMBER_FORMATS[measures()[field].unit]
    if spec is TARGETS and field == "value":
        return NUMBER_FORMATS["percent"]
    return None


def _write_instructions(ws: Worksheet, province_code: str = DEFAULT_PROVINCE) -> None:
    province = provinces()[province_code].name_vi.upper()
    example = _district_example(province_code)
    ws.append([f"HƯỚNG DẪN NHẬP SỐ LIỆU CHƯƠNG TRÌNH MTQG GIẢM NGHÈO BỀN VỮNG 2016–2020 – {province}"])
    ws["A1"].font = TITLE_FONT
    ws.append([ENGLISH_NOTE])
    ws.append([])
    ws.append(["Quy định chung"])
    ws.cell(ws.max_row, 1).font = BOLD
    for rule in GENERAL_RULES:
        ws.append([f"• {rule}"])
    for spec in (*DATA_SHEETS, *COMMUNE_SHEETS):
        ws.append([])
        ws.append([f"Sheet “{spec.name}”: {spec.title}"])
        ws.cell(ws.max_row, 1).font = BOLD
        ws.append([SHEET_NOTES[spec.name]])
        ws.append(["Cột", "Tiêu đề cột", "Bắt buộc", "Giải thích"])
        for cell in ws[ws.max_row]:
            cell.font = BOLD
        for index, column in enumerate(spec.columns, start=1):
            ws.append([
                get_column_letter(index),
                column.header,
                "Có" if column.required else "Không",
                FIELD_NOTES.get(column.field, column.header_en).format(example=example),
            ])
    ws.append([])
    ws.append([f"Danh mục huyện, dự án, nguồn vốn và chỉ tiêu: sheet ẩn “{LISTS_SHEET}”."])
    for letter, width in zip("ABCD", (8, 34, 10, 90)):
        ws.column_dimensions[letter].width = width


def _write_lists(ws: Worksheet, province_code: str = DEFAULT_PROVINCE) -> dict[str, str]:
    """Write the dropdown lists, one per column; return each field's range formula."""
    headers = {"district": "Huyện", "commune": "Xã, phường, thị trấn", "component": "Dự án / Tiểu dự án",
               "source": "Nguồn vốn", "indicator": "Chỉ tiêu"}
    ranges = {}
    for index, (field, values) in enumerate(_lists(province_code).items(), start=1):
        letter = get_column_letter(index)
        ws.cell(1, index, headers[field]).font = BOLD
        for offset, value in enumerate(values, start=2):
            ws.cell(offset, index, value)
        ws.column_dimensions[letter].width = 40
        ranges[field] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
    ws.sheet_state = "hidden"
    return ranges


def _write_data_sheet(
    ws: Worksheet, spec: SheetSpec, rows: Iterable[Mapping[str, Any]], ranges: dict[str, str]
) -> None:
    ws.cell(1, 1, spec.title).font = TITLE_FONT
    ws.cell(2, 1, SHEET_NOTES[spec.name]).font = Font(italic=True)
    formats = [_number_format(spec, c.field) for c in spec.columns]
    for index, column in enumerate(spec.columns, start=1):
        cell = ws.cell(HEADER_ROW, index, column.header)
        cell.font, cell.fill, cell.alignment = BOLD, HEADER_FILL, HEADER_ALIGN
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.row_dimensions[HEADER_ROW].height = 45
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    for row_index, row in enumerate(rows, start=FIRST_DATA_ROW):
        for index, column in enumerate(spec.columns, start=1):
            value = _cell_value(column.field, row)
            if value is None:
                continue  # optional values stay blank
            cell = ws.cell(row_index, index, value)
            if formats[index - 1]:
                cell.number_format = formats[index - 1]
    for index, column in enumerate(spec.columns, start=1):
        if column.field in ranges:
            _add_dropdown(ws, ranges[column.field], get_column_letter(index))


def _add_dropdown(ws: Worksheet, formula: str, letter: str) -> None:
    validation = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Giá trị không hợp lệ",
        error="Vui lòng chọn một giá trị trong danh sách (sheet Danh mục).",
    )
    validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{LAST_VALIDATED_ROW}")
    ws.add_data_validation(validation)


def build_workbook(
    funding: Iterable[Mapping[str, Any]] = (),
    poverty: Iterable[Mapping[str, Any]] = (),
    targets: Iterable[Mapping[str, Any]] = (),
) -> Workbook:
    """A workbook in the template format (Lai Châu's districts) holding the given canonical rows."""
    return build_province_workbook(DEFAULT_PROVINCE, funding, poverty, targets)


def build_province_workbook(
    province_code: str,
    funding: Iterable[Mapping[str, Any]] = (),
    poverty: Iterable[Mapping[str, Any]] = (),
    targets: Iterable[Mapping[str, Any]] = (),
    by_commune: Iterable[Mapping[str, Any]] | None = None,
    poverty_by_commune: Iterable[Mapping[str, Any]] = (),
) -> Workbook:
    """A workbook in the template format for one province (GSO code) holding the given canonical rows;
    with ``by_commune`` (funding rows with a ``commune_code``; () for none) also the two sheets by commune,
    the second holding ``poverty_by_commune``."""
    wb = Workbook()
    instructions = wb.active
    assert instructions is not None
    instructions.title = INSTRUCTIONS_SHEET
    _write_instructions(instructions, province_code)
    data_sheets = [wb.create_sheet(spec.name) for spec in DATA_SHEETS]
    ranges = _write_lists(wb.create_sheet(LISTS_SHEET), province_code)
    for ws, spec, rows in zip(data_sheets, DATA_SHEETS, (funding, poverty, targets)):
        _write_data_sheet(ws, spec, rows, ranges)
    if by_commune is not None:
        for spec, rows in zip(COMMUNE_SHEETS, (by_commune, poverty_by_commune)):
            _write_data_sheet(wb.create_sheet(spec.name, index=wb.sheetnames.index(LISTS_SHEET)), spec, rows, ranges)
    wb.properties.creator = CREATOR
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    return wb


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def save_workbook(wb: Workbook, path: str | Path) -> Path:
    """Save a workbook so that the same content always gives the same bytes."""
    # openpyxl stamps the save time into docProps/core.xml and the zip entries; pin both.
    buffer = BytesIO()
    wb.save(buffer)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with ZipFile(buffer) as src, ZipFile(path, "w", ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
            entry = ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = ZIP_DEFLATED
            dst.writestr(entry, data)
    return path


def write_template(path: str | Path, province_code: str = DEFAULT_PROVINCE) -> Path:
    """Save the blank template for one province (GSO code, default Lai Châu) to path, with its commune sheet."""
    return save_workbook(build_province_workbook(province_code, by_commune=()), path)
