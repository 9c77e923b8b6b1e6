"""loaders.i18n: numbers, rates and moments in messages written the way each language expects."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from loaders import inspect_file
from loaders.i18n import date, number, rate, timestamp
from loaders.values import implausible
from tests.corpus.builders import build_checks, build_poverty_review, build_total_mismatch


@pytest.mark.parametrize(("write", "value", "vi", "en"), [
    (number, 294619, "294.619", "294,619"),
    (number, 368452.5, "368.452,5", "368,452.5"),
    (number, 1234.56789, "1.234,568", "1,234.568"),
    (number, -50.0, "-50", "-50"),
    (number, -0.0001, "0", "0"),
    (rate, 103.138, "103,1", "103.1"),
    (rate, 40.0, "40", "40"),
    (date, dt.date(2017, 10, 31), "31/10/2017", "31 Oct 2017"),
    (timestamp, dt.datetime(2017, 9, 3, 14, 5, 59), "03/09/2017 14:05", "3 Sep 2017, 14:05"),
    (timestamp, "2017-09-03 14:05:00", "03/09/2017 14:05", "3 Sep 2017, 14:05"),
])
def test_message_values_in_each_language(write, value, vi, en):
    assert (write(value, "vi"), write(value, "en")) == (vi, en)


@pytest.mark.parametrize(("lang", "value", "bound"), [("vi", "600.000", "500.000"), ("en", "600,000", "500,000")])
def test_an_implausible_value_is_named_with_separators(lang, value, bound):
    found = implausible("households", 600_000.0, lang)
    assert found is not None and (found[2]["value"], found[2]["bound"]) == (value, bound)


# a number as a message writes it: digits with the language's marks, e.g. 239.291,6 (vi) or 239,291.6 (en)
FORMATTED = {"vi": re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d+)?$"), "en": re.compile(r"^-?\d{1,3}(,\d{3})*(\.\d+)?$")}
NUMERIC_CODES = {"total_mismatch", "disbursed_above_plan", "negative_value", "rate_mismatch", "adjustment_mismatch",
                 "poor_above_households", "implausible_value", "value_too_large", "cumulative_decrease"}


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("build", [build_checks, build_total_mismatch, build_poverty_review])
def test_numbers_in_issue_messages_follow_the_language(tmp_path: Path, build, lang: str) -> None:
    report = inspect_file(build(tmp_path).path, lang=lang)
    messages = [i.message for i in report.issues if i.code in NUMERIC_CODES]
    assert messages
    numbers = [n.rstrip(".,") for m in messages for n in re.findall(r"(?<![A-Za-z\d])-?\d[\d.,]*", m)]
    assert numbers and [n for n in numbers if not FORMATTED[lang].match(n)] == [], messages
    if build is not build_poverty_review:  # its rates are below a thousand
        assert any(("." if lang == "vi" else ",") in n for n in numbers)  # thousands are marked, not '239291.6'
