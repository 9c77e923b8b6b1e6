import datetime as dt
import math
from collections import defaultdict

import openpyxl
import pytest

from loaders.reference import status_30a
from loaders.samples import (
    generate_samples,
    poor_rate,
    report_dates,
    sample_name,
    sample_rows,
)
from loaders.template_spec import FUNDING


@pytest.fixture(scope="module")
def rows():
    return sample_rows()


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    return generate_samples(tmp_path_factory.mktemp("samples"))


def _province_rate(rows, year, field="poor_households"):
    review = rows[year]["poverty"]
    return 100 * sum(r[field] for r in review) / sum(r["households"] for r in review)


def _cells(path):
    wb = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb}


def test_file_names(written):
    assert [p.name for p in written] == [
        "lai_chau_2015_baseline.xlsx", *(f"lai_chau_{y}.xlsx" for y in range(2016, 2021))
    ]


def test_generation_is_deterministic(written, tmp_path):
    again = generate_samples(tmp_path)
    for first, second in zip(written, again):
        assert _cells(first) == _cells(second)
        assert first.read_bytes() == second.read_bytes()


def test_2017_plan_total_from_cells(written):
    ws = openpyxl.load_workbook(written[2])[FUNDING.name]
    first_report = dt.datetime(2017, 3, 31)  # the plan repeats on every report; take one date
    total = math.fsum(row[5] for row in ws.iter_rows(min_row=4, values_only=True) if row[2] == first_report)
    assert 368_450 <= total <= 368_460


@pytest.mark.parametrize("year, field, low, high", [
    (2015, "poor_households", 40.2, 40.6),
    (2019, "poor_households", 19.97, 20.27),
    (2019, "near_poor_households", 10.0, 10.15),
    (2020, "poor_households", 16.28, 16.38),
])
def test_province_rates_hit_anchors(rows, year, field, low, high):
    assert low <= _province_rate(rows, year, field) <= high


def test_muong_te_2020(rows):
    muong_te = next(r for r in rows[2020]["poverty"] if r["district_code"] == "107")
    assert poor_rate(muong_te) > 36
    assert 3_500 <= muong_te["poor_households"] <= 4_000


def test_poverty_counts_are_consistent(rows):
    escaped = 0
    for year, data in rows.items():
        for r in data["poverty"]:
            assert r["poor_households"] + r["near_poor_households"] <= r["households"]
            if year > 2015:
                escaped += r["escaped_poverty"]
                assert min(r["escaped_poverty"], r["newly_poor"], r["fallen_back"]) >= 0
    assert escaped > 23_000


def test_city_is_least_poor_and_has_no_30a_or_135_money(rows):
    for year in range(2016, 2021):
        by_code = {r["district_code"]: poor_rate(r) for r in rows[year]["poverty"]}
        assert min(by_code, key=by_code.__getitem__) == "105"
        city = {r["component"] for r in rows[year]["funding"] if r["district_code"] == "105"}
        assert city and city <= {"3", "4", "5"}


def test_project_1_only_in_30a_districts(rows):
    for year in range(2016, 2021):
        for r in rows[year]["funding"]:
            if r["component"].startswith("1."):
                assert status_30a()[(r["district_code"], year)]


def test_disbursed_is_cumulative_and_within_plan(rows):
    for year in range(2016, 2021):
        series = defaultdict(list)
        for r in sorted(rows[year]["funding"], key=lambda r: r["as_of"]):
            assert 0 <= r["disbursed"] <= r["plan"]
            series[(r["district_code"], r["component"], r["source"])].append(r)
        for reports in series.values():
            assert len({r["plan"] for r in reports}) == 1
            assert [r["disbursed"] for r in reports] == sorted(r["disbursed"] for r in reports)
            close = reports[-1]
            assert close["as_of"] == dt.date(year + 1, 1, 31)
            assert close["disbursed"] >= 0.85 * close["plan"]


def test_30a_districts_disburse_more_slowly(rows):
    for year in range(2016, 2021):
        rates = defaultdict(list)
        for r in rows[year]["funding"]:
            if r["as_of"] == dt.date(year, 10, 31):
                rates[status_30a()[(r["district_code"], year)]].append(r["disbursed"] / r["plan"])
        assert sum(rates[True]) / len(rates[True]) < sum(rates[False]) / len(rates[False])


def test_muong_te_misses_the_31_10_2017_report(rows):
    dates = {r["as_of"] for r in rows[2017]["funding"] if r["district_code"] == "107"}
    assert dt.date(2017, 10, 31) not in dates
    assert set(report_dates(2017)) - dates == {dt.date(2017, 10, 31)}


def test_targets(rows):
    for year in range(2016, 2021):
        previous = {r["district_code"]: poor_rate(r) for r in rows[year - 1]["poverty"]}
        for t in rows[year]["targets"]:
            if t["measure"] == "target_poor_rate":
                fall = 4 if status_30a()[(t["district_code"], year)] else 2
                assert t["value"] == max(1.0, round(previous[t["district_code"]] - fall, 2))
        disbursement = [t for t in rows[year]["targets"] if t["measure"] == "target_disbursement_rate"]
        assert len(disbursement) == 8 * 6
        assert {t["as_of"] for t in disbursement} == set(report_dates(year))


def test_sample_name():
    assert sample_name(2015) == "lai_chau_2015_baseline.xlsx"
    assert sample_name(2018) == "lai_chau_2018.xlsx"
