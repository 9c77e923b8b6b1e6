"""loaders.i18n: numbers, rates and moments in messages written the way each language expects."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from loaders import inspect_file
from loaders.i18n import catalogue, date, number, rate, t, timestamp
from loaders.reference import all_districts
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


def test_english_counts_take_the_singular_for_one() -> None:
    assert t("common.source_note", "en", n=1) == "Source: data imported from 1 file"
    assert t("common.source_note", "en", n=3) == "Source: data imported from 3 files"
    assert t("overview.no_target", "en", n=1).startswith("1 district has no")
    assert t("report.n_targeted_met", "en", n=4, item="x").startswith("All 4 districts with a target meet their")
    assert t("common.issue_summary", "en", errors=1, warnings=2).startswith("The file has 1 error and 2 warnings.")
    # a count the page has already written (thousands separated) is read back by its digits
    assert t("auth.audit_count", "en", n="1") == "1 entry" and t("auth.audit_count", "en", n="1,234") == "1,234 entries"
    # Vietnamese nouns do not change with the count
    assert t("overview.lagging", "vi", n=1, date="d").replace("1", "3", 1) == t("overview.lagging", "vi", n=3, date="d")


def test_no_english_text_hedges_its_plural() -> None:
    hedged = [key for key, text in catalogue("en").items() if "(s)" in text or "(es)" in text]
    assert not hedged


def test_english_texts_write_place_names_as_the_reference_does() -> None:
    """English pages name places as districts.csv's English names do (without diacritics): the catalogue too."""
    names = {u.short_vi for u in all_districts().values() if u.province_code == "12"} | {"Lai Châu"}
    written = {key: name for key, text in catalogue("en").items() for name in names if name in text}
    assert not written, written
