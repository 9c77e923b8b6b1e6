"""CSVs that are not UTF-8 (issue 12): Windows-1258, UTF-16 with or without a BOM, Windows-1252 — read, NFC, and
named in a warning csv_encoding; a text no encoding reads well is refused."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from loaders import inspect_file
from loaders.encoding import normalise_grids
from loaders.errors import UnreadableFile
from loaders.i18n import t
from loaders.legacy_fonts import Encoding
from loaders.workbook import read_grids
from tests.corpus.sheets import to_tcvn3
from tests.hostile.builders import AS_OF, template_csv, template_texts

TONES = "\u0300\u0301\u0303\u0309\u0323"
ROWS = [["STT", "Đơn vị", "Kế hoạch vốn", "Giải ngân", "Ghi chú"],
        ["1", "Huyện Sìn Hồ", "1.000", "400", "Đã giải ngân"],
        ["2", "Huyện Mường Tè", "2.500", "1.250", "Nguồn vốn sự nghiệp"],
        ["3", "Thành phố Lai Châu", "3000", "1500", "Chưa hoàn thành"]]


def cp1258(text: str) -> bytes:
    """Text as Windows-1258 writes it: letters with their shape (â, ơ, đ …) precomposed, tone marks combining."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        shape = unicodedata.normalize("NFC", "".join(p for p in parts if p not in TONES))
        out.append(shape + "".join(p for p in parts if p in TONES))
    return "".join(out).encode("cp1258")


def _csv(rows: list[list[str]], sep: str = ",") -> str:
    return "".join(sep.join(row) + "\r\n" for row in rows)


def _write(tmp_path: Path, data: bytes, name: str = "bao_cao.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(("encode", "name"), [
    (lambda text: cp1258(text), "Windows-1258"),
    (lambda text: text.encode("utf-16"), "UTF-16"),  # with a BOM, as Excel's "Unicode text"
    (lambda text: text.encode("utf-16-le"), "UTF-16LE"),  # without
    (lambda text: text.encode("utf-16-be"), "UTF-16BE"),
], ids=["cp1258", "utf16_bom", "utf16le", "utf16be"])
def test_vietnamese_in_other_encodings_reads_as_utf8_would(tmp_path: Path, encode, name: str) -> None:  # type: ignore[no-untyped-def]
    text = _csv(ROWS, ";" if name == "Windows-1258" else "\t")
    (grid,) = read_grids(_write(tmp_path, encode(text)))
    assert grid.text_encoding == name
    assert grid.rows == ROWS
    values = [v for row in grid.rows for v in row]
    assert all(unicodedata.is_normalized("NFC", v) for v in values)  # 'ồ' one character, not 'ô' + U+0300


def test_windows_1258_is_made_nfc_before_the_reader(tmp_path: Path) -> None:
    raw = cp1258(_csv(ROWS))
    assert b"H\xf4\xcc" in raw  # 'Hồ': H, ô, then the grave accent as a byte of its own
    (grid,) = read_grids(_write(tmp_path, raw))
    assert grid.rows[1][1] == "Huyện Sìn Hồ" and len(grid.rows[1][1]) == 12
    assert normalise_grids([grid], tmp_path / "bao_cao.csv") == {grid.name: Encoding.UNICODE}


def test_utf8_is_read_as_before(tmp_path: Path) -> None:
    for data in (_csv(ROWS).encode(), _csv(ROWS).encode("utf-8-sig")):
        (grid,) = read_grids(_write(tmp_path, data))
        assert grid.text_encoding is None and grid.rows == ROWS
    assert [i.code for i in inspect_file(tmp_path / "bao_cao.csv").issues if i.code == "csv_encoding"] == []


def test_western_windows_1252(tmp_path: Path) -> None:
    (grid,) = read_grids(_write(tmp_path, "Name;Café;Straße;naïve\r\n1;2;3;4\r\n".encode("cp1252")))
    assert grid.text_encoding == "Windows-1252" and grid.rows[0] == ["Name", "Café", "Straße", "naïve"]


def test_legacy_font_text_saved_by_a_western_windows(tmp_path: Path) -> None:
    """TCVN3 glyphs as Windows-1252 bytes: read as such, then made Unicode as in a spreadsheet."""
    raw = to_tcvn3(_csv(ROWS)).encode("cp1252")
    path = _write(tmp_path, raw)
    grids = read_grids(path)
    assert grids[0].text_encoding == "Windows-1252"
    normalise_grids(grids, path)
    assert grids[0].rows[1][1] == "Huyện Sìn Hồ"


@pytest.mark.parametrize(("encoding", "name", "district"), [
    ("cp1258", "Windows-1258", "Huyện Sìn Hồ"), ("utf-16", "UTF-16", None)])
def test_inspect_file_warns_naming_the_encoding(tmp_path: Path, encoding: str, name: str, district: str | None) -> None:
    path = template_csv(tmp_path / "Giải ngân.csv", [template_texts(**({"district": district} if district else {}))],
                        encoding)
    for lang in ("vi", "en"):
        report = inspect_file(path, lang=lang)
        assert report.ok and len(report.records) == 2 and {r.as_of for r in report.records} == {AS_OF}
        warning = [i for i in report.issues if i.code == "csv_encoding"]
        assert [(i.severity.value, i.sheet, i.cell) for i in warning] == [("warning", None, None)]
        assert warning[0].message == t("issue.csv_encoding", lang, encoding=name) and name in warning[0].message
    assert "bảng mã" in inspect_file(path, lang="vi").issues[0].message


def test_text_no_encoding_reads_is_refused(tmp_path: Path) -> None:
    for data in (bytes(range(256)) * 40, b"PK\x03\x04" + bytes(range(7, 256)) * 30 + b"\x81\x8d\x8f\x90\x9d" * 20):
        with pytest.raises(UnreadableFile) as exc:
            read_grids(_write(tmp_path, data))
        assert str(exc.value) == t("issue.csv_encoding_unknown")
        report = inspect_file(tmp_path / "bao_cao.csv", lang="en")
        assert [(i.severity.value, i.code) for i in report.issues] == [("error", "unreadable_file")]
        assert "character encoding" in report.issues[0].message


def test_utf8_damaged_by_a_few_bytes_is_refused_naming_the_line(tmp_path: Path) -> None:
    good = _csv(ROWS).encode()
    with pytest.raises(UnreadableFile) as exc:
        read_grids(_write(tmp_path, good + "Huyện Tân Uyên".encode()[:-3] + b"\xff,1,2\r\n" + good))
    assert str(exc.value) == t("issue.csv_utf8_damaged", "vi", line="5")


def test_utf16_of_ascii_is_not_taken_for_utf8(tmp_path: Path) -> None:
    """Every other byte NUL is valid UTF-8 too; a stray NUL in a name is not UTF-16 (tests/hostile: csv_nul_byte)."""
    (grid,) = read_grids(_write(tmp_path, "a,b\r\n1,2\r\n".encode("utf-16-le")))
    assert grid.text_encoding == "UTF-16LE" and grid.rows == [["a", "b"], ["1", "2"]]
    (grid,) = read_grids(_write(tmp_path, "Huyện Mường\x00 Tè,1\r\n".encode()))
    assert grid.text_encoding is None
