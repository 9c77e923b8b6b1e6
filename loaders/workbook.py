"""Opening spreadsheet files into plain grids of cell values, with Excel addresses."""

from __future__ import annotations

import codecs
import csv
import gc
import io
import json
import pickle
import re
import subprocess
import sys
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from ._zip_check import Limits, short
from .errors import UnreadableFile
from .i18n import t, thousands

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
SUFFIXES = SPREADSHEET_SUFFIXES + (".csv",)
# A sheet wider or longer than this is not a district report; stop before memory goes.
MAX_ROWS = 2_000_000
MAX_COLUMNS = 500
# calamine makes a dense grid from a sheet's first to its last used cell (32 bytes a cell) and
# aborts the whole process when that cannot be allocated (A1 and XFD1048576: 550 GB). A sheet
# spanning more cells than this is refused, for .xlsx before calamine sees it (_zip_check.py).
MAX_CELLS = 6_000_000
# What the parts of a zip-based spreadsheet may inflate to, together: a zip bomb stops here.
MAX_UNZIPPED_BYTES = 200 << 20
# Excel's own limit on one cell's text. calamine copies a shared string into every cell that refers to it, so a
# longer one (only a crafted file has it) is refused before calamine reads the file.
MAX_CELL_CHARS = 32_767
# Text in all the cells of a workbook: 7 times the 6.8 million characters of the 108,000-row benchmark workbook
# (3.5 MB; the largest upload, 20 MB, holds about 40 million). More is refused before it reaches the server.
MAX_TEXT_CHARS = 50_000_000
# Characters in one line of a CSV; a longer line is not a table (and would be parsed whole).
MAX_LINE_CHARS = 1_000_000
# Spreadsheets are read in a child process (loaders/_read_child.py) with this much address space: ample for any
# real report (the benchmark workbook takes about 250 MB there), and a file that needs more only ends the child.
CHILD_MEMORY_BYTES = 1 << 30
CHILD_SECONDS = 120


_letter = lru_cache(maxsize=1024)(get_column_letter)


def column_letter(index: int) -> str:
    """Excel's letters of a 1-based column index (6 → 'F')."""
    return _letter(index)


@dataclass
class Grid:
    """A sheet's values as rows, and where the first of them sits in Excel."""

    name: str
    rows: list[list[Any]]
    first_row: int = 0  # 0-based Excel row of rows[0]
    first_col: int = 0  # 0-based Excel column of rows[r][0]
    # merged ranges as ((row0, col0), (row1, col1)), inclusive, relative to rows[0][0]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    # addresses ('G4') of cells with a formula but no value computed when the file was saved
    formulas_without_value: set[str] = field(default_factory=set)
    # rows and columns hidden in Excel, as indexes into rows like merged (.xlsx/.xlsm only), and a hidden sheet:
    # loaders/hidden.py drop_hidden blanks and drops them before anything reads the grid
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    hidden: bool = False
    # the text encoding a CSV was decoded from when it was not UTF-8 ('Windows-1258', 'UTF-16' …), else None
    text_encoding: str | None = None

    def cell(self, r: int, c: int) -> str:
        """Excel address ('D12') of rows[r][c]."""
        return f"{_letter(self.first_col + c + 1)}{self.first_row + r + 1}"


def read_grids(path: Path, lang: str = "vi") -> list[Grid]:
    """Every sheet of a file as a Grid; UnreadableFile when it cannot be opened."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UnreadableFile(t("issue.unsupported_type", lang, suffix=suffix or "?"), code="unsupported_type")
    try:
        if path.stat().st_size == 0:
            raise UnreadableFile(t("issue.empty_file", lang), code="empty_file")
    except OSError as exc:
        raise UnreadableFile(t("issue.unreadable_file", lang, detail=exc.strerror or exc)) from exc
    if suffix == ".csv":
        return [_read_csv(path, lang)]
    return _read_spreadsheet(path, lang)


def _read_csv(path: Path, lang: str) -> Grid:
    text, encoding = _decode_csv(path.read_bytes(), lang)
    # csv parses a whole line at once: a 50 MB line of short fields would be millions of strings
    longest = _longest_line(text)
    if longest > MAX_LINE_CHARS:
        raise UnreadableFile(t("issue.unreadable_file", lang, detail=f"a line of {longest:,} characters"))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    rows: list[list[Any]] = []
    cells = 0
    try:
        for row in csv.reader(io.StringIO(text), dialect):
            cells += len(row)
            if len(row) > MAX_COLUMNS or len(rows) >= MAX_ROWS or cells > MAX_CELLS:
                raise UnreadableFile(t("issue.unreadable_file", lang, detail=f"more than {MAX_COLUMNS} columns, "
                                       f"{MAX_ROWS:,} rows or {MAX_CELLS:,} cells"))
            rows.append(row)
    except csv.Error as exc:  # a field over csv.field_size_limit(), a stray quote …
        raise UnreadableFile(t("issue.unreadable_file", lang, detail=short(exc))) from exc
    return Grid(path.stem, rows, text_encoding=encoding)


# What a CSV that is not UTF-8 may be, by charset-normalizer's name: what Excel writes as "Unicode Text"
# (UTF-16) and as "CSV" on a Vietnamese or a Western Windows (Windows-1258, -1252), with the name told to the
# user. No other code page is offered: Western text would read as well as Central European cp1250 ('naïve' as
# 'naďve'), and Vietnamese fits none of them.
CSV_ENCODINGS = {"utf_16": "UTF-16", "utf_16_le": "UTF-16LE", "utf_16_be": "UTF-16BE",
                 "cp1258": "Windows-1258", "cp1252": "Windows-1252"}
# charset-normalizer's "chaos" of the text read (0: nothing odd; 1: gibberish) above which it is not trusted
MAX_CHAOS = 0.15
# bytes of a CSV whose distinct words (at most SAMPLE_WORDS) decide between Windows-1258 and -1252 (_single_byte)
SYLLABLE_SAMPLE_BYTES = 100_000
SAMPLE_WORDS = 3000
_SEPARATORS = re.compile(r"[\s,;|\"]+")
# Vietnamese syllables a single-byte reading needs when charset-normalizer trusts none (legacy-font text)
MIN_SYLLABLES = 5


def _decode_csv(raw: bytes, lang: str) -> tuple[str, str | None]:
    """A CSV's text and, when it is not UTF-8, the name of the encoding it was read in (NFC Unicode either way).

    UTF-8 (with or without a BOM) is tried first and is most files: nothing more is done for it. Otherwise
    charset-normalizer chooses among CSV_ENCODINGS (and the words, between Windows-1258 and -1252); a text
    that is UTF-8 but for a few bytes, or that no encoding reads well, is refused (an UnreadableFile).
    """
    try:
        text = raw.decode("utf-8-sig")
        # UTF-16 of ASCII text is valid UTF-8 too, every other byte NUL (one NUL in a name is only a stray)
        if b"\x00" not in raw or raw.count(b"\x00") * 4 < len(raw):
            return text, None
    except UnicodeDecodeError as exc:
        _refuse_damaged_utf8(raw, exc, lang)
    from charset_normalizer import from_bytes  # only here: most CSVs are UTF-8

    chosen: str | None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        chosen = "utf_16"
    else:
        chaos = {m.encoding: m.chaos for m in from_bytes(raw, cp_isolation=list(CSV_ENCODINGS), threshold=MAX_CHAOS)
                 if m.encoding in CSV_ENCODINGS}
        wide = min((e for e in chaos if e.startswith("utf_16")), key=chaos.__getitem__, default=None)
        narrow = min((chaos[e] for e in chaos if not e.startswith("utf_16")), default=1.0)
        chosen = wide if wide is not None and chaos[wide] <= narrow else _single_byte(raw, chaos)
    if chosen is None:
        raise UnreadableFile(t("issue.csv_encoding_unknown", lang))
    try:
        text = raw.decode(chosen)
    except UnicodeDecodeError as exc:  # a byte the code page leaves undefined: not text in it
        raise UnreadableFile(t("issue.csv_encoding_unknown", lang)) from exc
    # a byte-order mark in front of binary data decodes "as UTF-16" into NULs and controls: that is no text
    controls = sum(1 for ch in text[:SYLLABLE_SAMPLE_BYTES] if ch < " " and ch not in "\t\r\n\f")
    if controls * 100 > min(len(text), SYLLABLE_SAMPLE_BYTES):
        raise UnreadableFile(t("issue.csv_encoding_unknown", lang))
    # Windows-1258 writes a tone as a combining mark after its letter ('ê' + U+0323): made one character, as
    # everywhere else, before a district name is compared
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text, CSV_ENCODINGS[chosen]


def _single_byte(raw: bytes, chaos: dict[str, float]) -> str | None:
    """Windows-1258 or -1252 for a CSV that is neither UTF-8 nor UTF-16 (chaos: charset-normalizer's readings
    it trusts), or None.

    Both code pages read any Vietnamese text without an error, so the words decide: the reading with the most
    Vietnamese syllables wins. Windows-1258's tone marks follow their vowel ('Sìn' is 'Si' + U+0300 + 'n'); in
    Windows-1252 the same bytes read 'SiÌn', and a Latin-1 'Sìn' read as Windows-1258 is 'Śn'. Vietnamese
    typed in a legacy font (TCVN3, VNI) and saved by a Western Windows is Windows-1252 whose words are
    syllables in that font; charset-normalizer finds it too odd to trust, normalise_grids makes it Unicode.
    Ties go to Windows-1258; text with no Vietnamese at all to charset-normalizer's reading (Windows-1252 first).
    """
    from .legacy_fonts import Encoding, encoding_scores

    sample = raw[:SYLLABLE_SAMPLE_BYTES]
    vietnamese = encoding_scores(_distinct_words(unicodedata.normalize("NFC", sample.decode("cp1258", "replace"))))
    western = encoding_scores(_distinct_words(sample.decode("cp1252", "replace")))
    legacy = max(western[Encoding.TCVN3], western[Encoding.VNI])
    vietnamese_words = vietnamese[Encoding.UNICODE]
    most = max(vietnamese_words, western[Encoding.UNICODE], legacy)
    if not chaos and (most < MIN_SYLLABLES or most != legacy):
        return None  # nothing trusted but legacy-font text
    if most and vietnamese_words == most:  # a tie with a legacy font's reading too: Unicode is far the more common
        return "cp1258"
    if most:
        return "cp1252"
    return next((e for e in ("cp1252", "cp1258") if e in chaos), None)


def _distinct_words(text: str) -> list[str]:
    """The distinct non-ASCII words of a text (at most SAMPLE_WORDS): what encoding_scores counts."""
    words = dict.fromkeys(w for w in _SEPARATORS.split(text) if not w.isascii())
    return list(words)[:SAMPLE_WORDS]


def _refuse_damaged_utf8(raw: bytes, exc: UnicodeDecodeError, lang: str) -> None:
    """Raise UnreadableFile for a text that is UTF-8 but for a few bytes (files joined, a cut-off copy): read in
    another encoding, each of its accented letters would be two wrong ones. Return for any other text."""
    text = raw.decode("utf-8", "replace")
    damaged = text.count("\ufffd")
    accented = len(text) - len(text.encode("ascii", "ignore")) - damaged  # non-ASCII characters read as UTF-8
    if accented > 3 * damaged:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise UnreadableFile(t("issue.csv_utf8_damaged", lang, line=thousands(line, lang)))


def _longest_line(text: str) -> int:
    """Characters in the longest line (lines end at \\n, or at \\r in a file without \\n)."""
    end_of_line = "\n" if "\n" in text else "\r"
    longest = start = 0
    while (end := text.find(end_of_line, start)) >= 0:
        longest, start = max(longest, end - start), end + 1
    return max(longest, len(text) - start)


def limits() -> Limits:
    """The bounds a spreadsheet is read within (this module's constants, read when called)."""
    return Limits(MAX_CELLS, MAX_UNZIPPED_BYTES, MAX_CELL_CHARS, MAX_TEXT_CHARS)


def _read_spreadsheet(path: Path, lang: str) -> list[Grid]:
    """Check and read a spreadsheet in a memory- and time-limited child; a crash there is an unreadable file here."""
    def refuse(key: str = "unreadable_file", **params: Any) -> UnreadableFile:
        if "chars" in params:
            params = {**params, "chars": thousands(params["chars"], lang), "limit": thousands(params["limit"], lang)}
        return UnreadableFile(t(f"issue.{key}", lang, **params))

    script = Path(__file__).with_name("_read_child.py")
    command = [sys.executable, str(script), str(path), json.dumps(limits()._asdict()), str(CHILD_MEMORY_BYTES)]
    try:
        proc = subprocess.run(command, capture_output=True, timeout=CHILD_SECONDS, check=False)
    except subprocess.TimeoutExpired as exc:
        raise refuse(detail=f"reading took more than {CHILD_SECONDS} s") from exc
    answer: tuple[Any, ...] = ("crashed",)
    if proc.returncode == 0:
        collecting = gc.isenabled()
        gc.disable()  # hundreds of thousands of lists and values, none in a cycle: the collector would only rescan them
        try:
            answer = pickle.loads(proc.stdout)  # our own child's output
        except Exception:  # noqa: BLE001 - a child that printed something else has failed too
            pass
        finally:
            if collecting:
                gc.enable()
    if answer[0] == "crashed":
        raise refuse(detail="the file needs more memory than any report could, or is damaged")
    if answer[0] == "password":
        raise UnreadableFile(t("issue.password_protected", lang), code="password_protected")
    if answer[0] == "error":
        raise refuse(detail=answer[1])
    if answer[0] == "refused":
        raise refuse(answer[1], **answer[2])
    _, sheets, formulas = answer
    grids = []
    for name, rows, (r, c), merged, hidden_rows, hidden_cols, hidden in sheets:
        if len(rows) > MAX_ROWS or max((len(x) for x in rows), default=0) > MAX_COLUMNS:
            raise refuse(detail=f"sheet '{name}' is {len(rows)}×{max(len(x) for x in rows)} cells")
        grids.append(Grid(name, rows, r, c, [((r0 - r, c0 - c), (r1 - r, c1 - c)) for (r0, c0), (r1, c1) in merged],
                          formulas.get(name, set()), hidden_rows, hidden_cols, hidden))
    return grids
