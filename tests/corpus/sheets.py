"""Low-level writing for the corpus builders: legacy-text encoders, one cell interface over openpyxl,
xlwt and a plain grid (CSV), title and signature blocks, merged headers, tables and expected totals."""

from __future__ import annotations

import csv
import datetime as dt
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from loaders.reference import REFERENCE_DIR

Totals = dict[tuple[str, str, str], float]


# --- legacy encodings ---------------------------------------------------------------------------

def _legacy_rows(name: str) -> list[tuple[str, str]]:
    with open(REFERENCE_DIR / name, encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.reader(fh) if r and not r[0].startswith("#")]
    return [(legacy, uni) for legacy, uni in rows[1:]]


@cache
def _from_unicode(name: str) -> dict[str, str]:
    return {uni: legacy for legacy, uni in _legacy_rows(name)}


def to_tcvn3(text: str, caps: bool = False) -> str:
    """Text as typed in a TCVN3 (ABC) font; capitals need ``caps`` (a .VnTimeH font draws them)."""
    table = _from_unicode("legacy_tcvn3.csv")
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in table:
            out.append(table[ch])
        elif caps and ch.lower() in table:
            out.append(table[ch.lower()])  # VN3 has no toned capitals: the H font draws lowercase codes big
        elif ch.isascii():
            out.append(ch)
        else:
            raise ValueError(f"{ch!r} has no TCVN3 code outside a capitals font")
    return "".join(out)


def to_vni(text: str, caps: bool = False) -> str:
    """Text as typed in a VNI font: base letters followed by shape and tone characters."""
    table = _from_unicode("legacy_vni.csv")
    return "".join(table.get(ch, ch) for ch in unicodedata.normalize("NFC", text))


def to_nfd(text: str, caps: bool = False) -> str:
    """Text in decomposed Unicode (NFD), as some Mac and web tools write it."""
    return unicodedata.normalize("NFD", text)


# --- writing cells: one interface over openpyxl, xlwt and a plain grid (CSV) --------------------

@dataclass(frozen=True)
class Style:
    bold: bool = False
    italic: bool = False
    align: str = "general"
    wrap: bool = False
    border: bool = False
    number_format: str | None = None
    caps: bool = False  # all-capitals text: TCVN3 writes it in the capitals font


PLAIN = Style()
TEXT = Style(border=True)
NUM = Style(border=True, align="right")
HEAD = Style(bold=True, align="center", wrap=True, border=True)
NUMBERING = Style(italic=True, align="center", border=True)
CAPS = Style(align="center", caps=True)
CAPS_BOLD = Style(bold=True, align="center", caps=True)
CENTER_BOLD = Style(bold=True, align="center")
CENTER_ITALIC = Style(italic=True, align="center")
RIGHT_ITALIC = Style(italic=True, align="right")
LEFT_ITALIC = Style(italic=True, align="left")

Encode = Callable[[str, bool], str]


class Sheet(Protocol):
    def put(self, row: int, col: int, value: object, style: Style = PLAIN) -> str: ...

    def merge(self, row: int, col: int, value: object, height: int = 1, width: int = 1,
              style: Style = PLAIN) -> str: ...

    def width(self, col: int, chars: float) -> None: ...


def ref(row: int, col: int) -> str:
    """A1-style address of a cell."""
    return f"{get_column_letter(col)}{row}"


_THIN = Side(style="thin")


class XlsxSheet:
    """Cells of an openpyxl worksheet; text goes through ``encode`` and is set in ``font``."""

    def __init__(self, ws: Any, encode: Encode | None = None, font: str = "Times New Roman",
                 caps_font: str | None = None) -> None:
        self.ws, self.encode, self.font, self.caps_font = ws, encode, font, caps_font

    def put(self, row: int, col: int, value: object, style: Style = PLAIN) -> str:
        cell = self.ws.cell(row=row, column=col)
        if isinstance(value, str) and self.encode:
            value = self.encode(value, style.caps)
        cell.value = value
        name = self.caps_font if style.caps and self.caps_font else self.font
        cell.font = Font(name=name, bold=style.bold, italic=style.italic)
        cell.alignment = Alignment(horizontal=style.align, vertical="center", wrap_text=style.wrap)
        if style.border:
            cell.border = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
        if style.number_format and isinstance(value, int | float):
            cell.number_format = style.number_format
        return str(cell.coordinate)

    def merge(self, row: int, col: int, value: object, height: int = 1, width: int = 1,
              style: Style = PLAIN) -> str:
        address = self.put(row, col, value, style)
        if height > 1 or width > 1:
            self.ws.merge_cells(start_row=row, start_column=col, end_row=row + height - 1,
                                end_column=col + width - 1)
        return address

    def width(self, col: int, chars: float) -> None:
        self.ws.column_dimensions[get_column_letter(col)].width = chars


class XlsSheet:
    """Cells of an xlwt (Excel 97–2003) worksheet."""

    _ALIGN = {"general": "general", "left": "left", "center": "centre", "right": "right"}

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self._styles: dict[Style, Any] = {}

    def _xf(self, style: Style) -> Any:
        import xlwt

        if style not in self._styles:
            parts = [
                "font: name Times New Roman" + (", bold on" if style.bold else "") + (", italic on" if style.italic else ""),
                f"align: vert centre, horiz {self._ALIGN[style.align]}" + (", wrap on" if style.wrap else ""),
            ]
            if style.border:
                parts.append("borders: left thin, right thin, top thin, bottom thin")
            self._styles[style] = xlwt.easyxf("; ".join(parts), num_format_str=style.number_format or "General")
        return self._styles[style]

    def put(self, row: int, col: int, value: object, style: Style = PLAIN) -> str:
        self.ws.write(row - 1, col - 1, value, self._xf(style))
        return ref(row, col)

    def merge(self, row: int, col: int, value: object, height: int = 1, width: int = 1,
              style: Style = PLAIN) -> str:
        if height == width == 1:
            return self.put(row, col, value, style)
        self.ws.write_merge(row - 1, row + height - 2, col - 1, col + width - 2, value, self._xf(style))
        return ref(row, col)

    def width(self, col: int, chars: float) -> None:
        self.ws.col(col - 1).width = int(256 * chars)


class GridSheet:
    """A plain grid of values, for CSV files: merges keep only their top-left value."""

    def __init__(self, encode: Encode | None = None) -> None:
        self.encode = encode
        self.cells: dict[tuple[int, int], object] = {}

    def put(self, row: int, col: int, value: object, style: Style = PLAIN) -> str:
        if isinstance(value, str) and self.encode:
            value = self.encode(value, style.caps)
        self.cells[row, col] = value
        return ref(row, col)

    def merge(self, row: int, col: int, value: object, height: int = 1, width: int = 1,
              style: Style = PLAIN) -> str:
        return self.put(row, col, value, style)

    def width(self, col: int, chars: float) -> None:
        pass

    def rows(self) -> list[list[object]]:
        last_row = max(r for r, _ in self.cells)
        last_col = max(c for _, c in self.cells)
        return [[self.cells.get((r, c)) for c in range(1, last_col + 1)] for r in range(1, last_row + 1)]


def xlsx_book(*names: str, **writer: Any) -> tuple[Workbook, list[XlsxSheet]]:
    """A new workbook with the named sheets, each wrapped in an XlsxSheet."""
    wb = Workbook()
    wb.active.title = names[0]
    sheets = [wb.active] + [wb.create_sheet(n) for n in names[1:]]
    return wb, [XlsxSheet(ws, **writer) for ws in sheets]


def save_xlsx(wb: Workbook, out_dir: Path, name: str) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.xlsx"
    wb.save(path)
    return path


def save_csv(rows: list[list[object]], path: Path, *, delimiter: str = ",", encoding: str = "utf-8",
             number: Callable[[float], str] = repr) -> Path:
    """Write rows as CSV; numbers through ``number``, blanks as empty fields."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as fh:
        out = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
        for row in rows:
            out.writerow(["" if v is None else number(v) if isinstance(v, int | float) else v for v in row])
    return path


# --- title block, header, signature -------------------------------------------------------------

ORG = "UBND TỈNH LAI CHÂU"
DEPT = "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"
NATION = "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
UNIT_MILLION = "Đơn vị tính: triệu đồng"


def funding_title(year: int) -> str:
    return f"BÁO CÁO TÌNH HÌNH GIẢI NGÂN VỐN CHƯƠNG TRÌNH MTQG GIẢM NGHÈO BỀN VỮNG NĂM {year}"


def poverty_title(year: int) -> str:
    return f"KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM {year}"


def as_of_line(day: dt.date) -> str:
    return f"(Tính đến ngày {day:%d/%m/%Y})"


def _halves(width: int) -> tuple[int, int]:
    left = max(2, min(3, width // 2))
    return left, width - left


@dataclass(frozen=True)
class TitleBlock:
    title_cell: str
    next_row: int


def write_title_block(w: Sheet, width: int, title: str, as_of: str | None, unit: str | None, *,
                      number: str | None = None) -> TitleBlock:
    """Issuing body and national motto, report name, as-of line and unit, right-aligned; rows 1–6."""
    left, right = _halves(width)
    w.merge(1, 1, ORG, 1, left, CAPS)
    w.merge(1, left + 1, NATION, 1, right, CAPS_BOLD)
    w.merge(2, 1, DEPT, 1, left, CAPS_BOLD)
    w.merge(2, left + 1, MOTTO, 1, right, CENTER_BOLD)
    if number:
        w.merge(3, 1, number, 1, left, CAPS)
    title_cell = w.merge(4, 1, title, 1, width, replace(CAPS_BOLD, wrap=True))
    if as_of:
        w.merge(5, 1, as_of, 1, width, CENTER_ITALIC)
    if unit:
        unit_width = min(3, width)
        w.merge(6, width - unit_width + 1, unit, 1, unit_width, RIGHT_ITALIC)
    return TitleBlock(title_cell, 7)


def write_signature(w: Sheet, row: int, width: int, *, date_line: str | None = None,
                    recipients: bool = False) -> int:
    """Preparer and director, their names, optionally a place-and-date line and recipients; last row."""
    left, right = _halves(width)
    if date_line:
        w.merge(row, left + 1, date_line, 1, right, CENTER_ITALIC)
        row += 1
    w.merge(row, 1, "NGƯỜI LẬP BIỂU", 1, left, CAPS_BOLD)
    w.merge(row, left + 1, "GIÁM ĐỐC", 1, right, CAPS_BOLD)
    w.merge(row + 1, 1, "(Ký, ghi rõ họ tên)", 1, left, CENTER_ITALIC)
    w.merge(row + 1, left + 1, "(Ký tên, đóng dấu)", 1, right, CENTER_ITALIC)
    w.merge(row + 5, 1, "Nguyễn Thị Hoa", 1, left, CENTER_BOLD)
    w.merge(row + 5, left + 1, "Lò Văn Minh", 1, right, CENTER_BOLD)
    row += 5
    if recipients:
        for text in ("Nơi nhận:", "- UBND tỉnh (b/c);", "- Sở Tài chính, Sở Kế hoạch và Đầu tư;", "- Lưu: VT, BTXH."):
            row += 1
            w.put(row, 1, text, LEFT_ITALIC)
    return row


@dataclass(frozen=True)
class Col:
    """A header cell: a leaf column with a key, or a group over child columns."""

    text: str
    key: Any = None
    children: tuple[Col, ...] = ()


def leaf(text: str, key: Any) -> Col:
    return Col(text, key)


def group(text: str, *children: Col) -> Col:
    return Col(text, None, children)


def _depth(col: Col) -> int:
    return 1 + max((_depth(c) for c in col.children), default=0)


def _leaves(col: Col) -> Iterator[Col]:
    if not col.children:
        yield col
    for child in col.children:
        yield from _leaves(child)


def leaf_count(tree: tuple[Col, ...]) -> int:
    return sum(1 for c in tree for _ in _leaves(c))


def write_header(w: Sheet, top: int, tree: tuple[Col, ...]) -> tuple[int, list[tuple[Any, int]]]:
    """Merged header rows from a tree of columns: (first row below them, [(leaf key, column)])."""
    depth = max(_depth(c) for c in tree)
    leaves: list[tuple[Any, int]] = []

    def place(col: Col, level: int, at: int) -> int:
        if not col.children:
            w.merge(top + level, at, col.text, depth - level, 1, HEAD)
            leaves.append((col.key, at))
            return at + 1
        w.merge(top + level, at, col.text, 1, sum(1 for _ in _leaves(col)), HEAD)
        for child in col.children:
            at = place(child, level + 1, at)
        return at

    at = 1
    for col in tree:
        at = place(col, 0, at)
    return top + depth, leaves


# --- tables: rows of values, computed totals and rates ------------------------------------------

TOTAL = "*"  # key part of a total column: ("plan", TOTAL) = Tổng số of the plan
RATE = "rate"


@dataclass(frozen=True)
class Raw:
    """A cell written as text; ``value`` is what it means (None: not a number, or nothing)."""

    text: str
    value: float | None


Value = float | int | Raw | None


@dataclass(eq=False)
class Row:
    """A table row: values by column key; a group row's values are the sums of its children's."""

    label: str
    values: dict[Any, Value] = field(default_factory=dict)
    stt: object = None
    code: str | None = None  # district (or component) the row is about; None for an unknown unit
    children: list[Row] = field(default_factory=list)


Derived = dict[Any, Callable[[Callable[[Any], float | None]], float | None]]
Formatter = Callable[[Any, float], object]


def is_check(key: Any) -> bool:
    """Total and rate columns check the others; they never make records."""
    return isinstance(key, tuple) and (TOTAL in key or RATE in key)


def num(value: Value) -> float | None:
    return value.value if isinstance(value, Raw) else None if value is None else float(value)


def add(values: Any) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def pct(part: float | None, whole: float | None) -> float | None:
    return None if part is None or not whole else part / whole * 100


def leaf_rows(rows: list[Row]) -> Iterator[Row]:
    for row in rows:
        if row.children:
            yield from leaf_rows(row.children)
        else:
            yield row


def plain(key: Any, x: float) -> object:
    """Numbers as Excel holds them: rates to 0.1, amounts without float noise."""
    if isinstance(key, tuple) and key[0] == RATE:
        return round(x, 1)
    x = round(x, 6)
    return int(x) if x.is_integer() else x


def vn_text(x: float, decimals: int) -> str:
    """A number as Vietnamese text: '.' groups thousands, ',' marks decimals."""
    text = f"{abs(x):,.{decimals}f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return ("-" if x < 0 else "") + text


@dataclass
class Table:
    """Where a written table's rows and columns are, for naming cells in expected issues."""

    cols: dict[Any, int]
    rows: dict[Row, int]
    total_row: int | None
    end_row: int

    def at(self, row: Row, key: Any) -> str:
        return ref(self.rows[row], self.cols[key])

    def total_at(self, key: Any) -> str:
        assert self.total_row is not None
        return ref(self.total_row, self.cols[key])


def write_table(w: Sheet, top: int, tree: tuple[Col, ...], rows: list[Row], *, derived: Derived,
                total: str | None = None, total_on_top: bool = False, numbering: bool = False,
                fmt: Formatter = plain, number_format: str = "#,##0.0",
                formats: dict[Any, str] | None = None) -> Table:
    """Header, optional numbering row, rows (groups before their children) and a total row."""
    row_no, leaves = write_header(w, top, tree)
    cols = dict(leaves)
    for key, col in leaves:
        w.width(col, 6 if key == "stt" else 30 if key == "name" else 14)
    if numbering:
        for (_, col), label in zip(leaves, numbering_labels(leaves)):
            w.put(row_no, col, label, NUMBERING)
        row_no += 1

    def number(row: Row, key: Any) -> float | None:
        if key in row.values:
            return num(row.values[key])
        if key in derived:
            return derived[key](lambda k: number(row, k))
        if row.children:
            return add(number(r, key) for r in leaf_rows(row.children))
        return None

    def style_for(key: Any, bold: bool) -> Style:
        if key in ("stt", "name"):
            return replace(TEXT, bold=bold, align="center" if key == "stt" else "left")
        default = "0.0" if isinstance(key, tuple) and key[0] == RATE else number_format
        return replace(NUM, bold=bold, number_format=(formats or {}).get(key, default))

    positions: dict[Row, int] = {}

    def write(row: Row, bold: bool, at: int | None = None, children: bool = True) -> None:
        nonlocal row_no
        if at is None:
            at, row_no = row_no, row_no + 1
        positions[row] = at
        for key, col in leaves:
            if key == "stt":
                value: object = row.stt
            elif key == "name":
                value = row.label
            elif isinstance(raw := row.values.get(key), Raw):
                value = raw.text
            else:
                x = number(row, key)
                value = None if x is None else fmt(key, x)
            w.put(at, col, value, style_for(key, bold))
        for child in row.children if children else ():
            write(child, bold=bool(child.children))

    total_at = None
    if total and total_on_top:
        total_at, row_no = row_no, row_no + 1
    for r in rows:
        write(r, bold=bool(r.children))
    if total:
        if total_at is None:
            total_at, row_no = row_no, row_no + 1
        write(Row(total, children=list(rows)), bold=True, at=total_at, children=False)
    return Table(cols, positions, total_at, row_no - 1)


def numbering_labels(leaves: list[tuple[Any, int]]) -> list[str]:
    """The column-numbering row: (1) (2) (3)=(4)+(5) … (9)=(6)/(3)."""
    index = {key: i for i, (key, _) in enumerate(leaves, 1)}
    labels = []
    for i, (key, _) in enumerate(leaves, 1):
        label = f"({i})"
        if isinstance(key, tuple) and key[1] == TOTAL:
            parts = [n for k, n in index.items() if isinstance(k, tuple) and k[0] == key[0] and not is_check(k)]
            label += "=" + "+".join(f"({n})" for n in parts)
        elif key == (RATE, "disbursed") and ("plan", TOTAL) in index and ("disbursed", TOTAL) in index:
            label += f"=({index['disbursed', TOTAL]})/({index['plan', TOTAL]})"
        labels.append(label)
    return labels


def totals(rows: list[Row], dataset: str, *, scale: float = 1.0,
           district: Callable[[Row, Any], str | None] = lambda row, key: row.code,
           measure: Callable[[Any], str] = lambda key: key[0]) -> Totals:
    """Expected totals from the rows as written: data cells only, first of duplicate rows, times scale."""
    out: dict[tuple[str, str, str], float] = {}
    seen: set[tuple[str | None, Any]] = set()
    for row in leaf_rows(rows):
        for key, value in row.values.items():
            x = num(value)
            code = district(row, key)
            if is_check(key) or x is None or code is None or (row.code, key) in seen:
                continue
            seen.add((row.code, key))
            k = (dataset, code, measure(key))
            out[k] = out.get(k, 0.0) + x * scale
    return {k: round(v, 6) for k, v in out.items()}


def merge_totals(*parts: Totals) -> Totals:
    out: dict[tuple[str, str, str], float] = {}
    for part in parts:
        for k, v in part.items():
            out[k] = round(out.get(k, 0.0) + v, 6)
    return out
