import datetime as dt

import pytest

from loaders.values import is_blank, parse_date, parse_number, parse_year


@pytest.mark.parametrize(
    "raw, expected",
    [
        (1234.5, 1234.5),
        (7, 7.0),
        ("1.234,5", 1234.5),
        ("12.345.000", 12345000.0),
        ("1.234", 1234.0),
        ("45,3", 45.3),
        ("45.3", 45.3),
        ("0,453", 0.453),
        ("1,234,567", 1234567.0),
        ("1,234.5", 1234.5),
        (" 368 450 ", 368450.0),
        ("(250)", -250.0),
        ("12%", 12.0),
        ("-", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_number(raw, expected):
    assert parse_number(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "1,2,3x", True, "NaN", "inf", "1e999", float("inf"), float("nan"), 1e300])
def test_parse_number_rejects_text(raw):
    with pytest.raises(ValueError):
        parse_number(raw)


@pytest.mark.parametrize(
    "raw, expected",
    [
        (dt.datetime(2017, 10, 31, 0, 0), dt.date(2017, 10, 31)),
        (dt.date(2017, 10, 31), dt.date(2017, 10, 31)),
        ("31/10/2017", dt.date(2017, 10, 31)),
        ("31.10.2017", dt.date(2017, 10, 31)),
        ("2017-10-31", dt.date(2017, 10, 31)),
        (43039, dt.date(2017, 10, 31)),
    ],
)
def test_parse_date(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["31/13/2017", "hôm qua", 12])
def test_parse_date_rejects(raw):
    with pytest.raises(ValueError):
        parse_date(raw)


@pytest.mark.parametrize("raw, expected", [(2017, 2017), (2017.0, 2017), ("2017", 2017), ("Năm 2017", 2017)])
def test_parse_year(raw, expected):
    assert parse_year(raw) == expected


@pytest.mark.parametrize("raw", ["17", "20178", 2017.5, "năm nay"])
def test_parse_year_rejects(raw):
    with pytest.raises(ValueError):
        parse_year(raw)


def test_blanks():
    assert is_blank(None) and is_blank(" - ") and is_blank("") and not is_blank(0)
