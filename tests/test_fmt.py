"""figures.fmt: Vietnamese and English number, money, rate and date formats; exports; catalogues."""

from __future__ import annotations

import datetime as dt
import io
import math
import tomllib

import openpyxl
import pandas as pd
import pytest

from figures import fmt
from loaders.i18n import I18N_DIR, LANGUAGES


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (368450.7, "vi", "368.451 triệu đồng"),
        (368450.7, "en", "368,451 million VND"),
        (368450.5, "vi", "368.451 triệu đồng"),  # half up, not Babel's half even
        (0, "vi", "0 triệu đồng"),
        (None, "vi", "–"),
        (float("nan"), "en", "–"),
    ],
)
def test_money(value, lang, expected) -> None:  # type: ignore[no-untyped-def]
    assert fmt.money(value, lang) == expected


@pytest.mark.parametrize(
    ("values", "lang", "expected"),
    [
        ([6050.5, 1387.3], "vi", ["6.050,5", "1.387,3"]),  # the data's decimal stays
        ([6050.5, 1387.0], "en", ["6,050.5", "1,387.0"]),  # one column, one number of decimals
        ([6050.0, None, 1387.0], "vi", ["6.050", "–", "1.387"]),  # whole numbers stay whole
        ([6050.04, 12.0], "vi", ["6.050", "12"]),  # what rounds away at one decimal is not shown
        ([], "vi", []),
    ],
)
def test_numbers_keep_the_decimal_the_data_have(values, lang, expected) -> None:  # type: ignore[no-untyped-def]
    assert fmt.numbers(values, lang) == expected


@pytest.mark.parametrize(
    ("value", "lang", "digits", "expected"),
    [
        (1234567.891, "vi", 0, "1.234.568"),
        (1234567.891, "en", 0, "1,234,568"),
        (1234.5, "vi", 1, "1.234,5"),
        (1234.5, "en", 2, "1,234.50"),
        (-22.94, "vi", 1, "-22,9"),
        (-0.01, "vi", 1, "0,0"),
        (math.inf, "vi", 0, "–"),
        (pd.NA, "vi", 0, "–"),
    ],
)
def test_number(value, lang, digits, expected) -> None:  # type: ignore[no-untyped-def]
    assert fmt.number(value, lang, digits) == expected


@pytest.mark.parametrize(
    ("value", "lang", "digits", "expected"),
    [
        (45.25, "vi", 1, "45,3%"),
        (45.25, "en", 1, "45.3%"),
        (20.12, "vi", 2, "20,12%"),
        (100, "vi", 1, "100,0%"),
        (None, "en", 1, "–"),
    ],
)
def test_percent(value, lang, digits, expected) -> None:  # type: ignore[no-untyped-def]
    assert fmt.percent(value, lang, digits) == expected


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [(-22.94, "vi", "-22,9 điểm %"), (1.75, "en", "+1.8 pp"), (0.01, "vi", "0,0 điểm %")],
)
def test_points(value, lang, expected) -> None:  # type: ignore[no-untyped-def]
    assert fmt.points(value, lang) == expected


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (dt.date(2017, 10, 31), "vi", "31/10/2017"),
        (dt.date(2017, 10, 31), "en", "31 Oct 2017"),
        (dt.date(2017, 9, 1), "vi", "01/09/2017"),
        (dt.date(2017, 9, 30), "en", "30 Sep 2017"),
        (dt.datetime(2018, 1, 31, 14, 5), "vi", "31/01/2018"),
        (pd.Timestamp("2018-01-31"), "vi", "31/01/2018"),
        ("2017-10-31", "vi", "31/10/2017"),
        (None, "vi", "–"),
        (pd.NaT, "en", "–"),
    ],
)
def test_date(value, lang, expected) -> None:  # type: ignore[no-untyped-def]
    assert fmt.date(value, lang) == expected


def test_plotly_separators() -> None:
    # Plotly wants the decimal mark first, then the thousands mark.
    assert fmt.plotly_separators("vi") == ",."
    assert fmt.plotly_separators("en") == ".,"


def test_neutralise_formulas_touches_text_only() -> None:
    frame = pd.DataFrame({
        "text": ["=SUM(A1)", "+1", "-x", "@cmd", "Mường Tè", ""],
        "number": [-5.0, 1.0, 2.0, 3.0, 4.0, 5.0],
    })
    out = fmt.neutralise_formulas(frame)
    assert out["text"].tolist() == ["'=SUM(A1)", "'+1", "'-x", "'@cmd", "Mường Tè", ""]
    pd.testing.assert_series_equal(out["number"], frame["number"])
    assert frame["text"].iloc[0] == "=SUM(A1)", "the input frame is left alone"


def test_csv_has_a_bom_and_vietnamese_text() -> None:
    data = fmt.csv_bytes(pd.DataFrame({"Huyện": ["Mường Tè", "=1+1"], "Giá trị": [1.5, -2.0]}))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "Mường Tè" in text and "'=1+1" in text and "-2.0" in text


def test_xlsx_round_trip() -> None:
    data = fmt.xlsx_bytes(pd.DataFrame({"Huyện": ["Sìn Hồ", "@x"], "Giá trị": [1.5, 2.0]}), sheet="Dữ liệu")
    ws = openpyxl.load_workbook(io.BytesIO(data))["Dữ liệu"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [["Huyện", "Giá trị"], ["Sìn Hồ", 1.5], ["'@x", 2]]


def _keys(table: dict, prefix: str = "") -> set[str]:
    out: set[str] = set()
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        out |= _keys(value, name) if isinstance(value, dict) else {name}
    return out


def test_catalogues_have_the_same_keys() -> None:
    keys = {}
    for lang in LANGUAGES:
        with open(I18N_DIR / f"{lang}.toml", "rb") as fh:
            keys[lang] = _keys(tomllib.load(fh))
    assert keys["vi"] == keys["en"], {"only vi": keys["vi"] - keys["en"], "only en": keys["en"] - keys["vi"]}
