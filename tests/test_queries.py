"""The frames SQL reduces give the same indicators as the pandas metrics over every fact, on both engines,
and a province's or the country's figures are the sums of their districts'."""

from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd
import pytest

from loaders.records import Dataset, FileReport, Record
from loaders.reference import all_districts, districts, leaf_components, province_of, sources
from store import metrics, queries
from store.bootstrap import load_samples_if_empty
from store.writes import write_reports


@pytest.fixture
def samples(engine):
    load_samples_if_empty(engine)
    return engine


def reduced(engine, year, as_of, keep=None, **scope):
    return pd.concat([queries.funding_facts(engine, year, as_of, keep=keep, **scope),
                      queries.target_facts(engine, year, as_of, **scope)], ignore_index=True)


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False,
                                  check_exact=False, rtol=1e-9)


def test_funding_summed_in_sql_gives_the_same_indicators_for_every_year_and_date(samples):
    everything = queries.current_facts(samples)
    checked = 0
    for year in queries.years_present(samples):
        dates = queries.reporting_dates(samples, year)
        assert dates == metrics.reporting_dates(everything, year)
        for as_of in dates:
            for keep in (None, "component", "source", "both"):  # any kept dimension gives the same totals
                same(metrics.funding_by_district(reduced(samples, year, as_of, keep), year, as_of),
                     metrics.funding_by_district(everything, year, as_of))
            for by, keep in (("source", "source"), ("project", "component"), ("component", "component"),
                             ("source", "both"), ("project", "both"), ("component", "both")):
                same(metrics.funding_breakdown(reduced(samples, year, as_of, keep), year, as_of, by),
                     metrics.funding_breakdown(everything, year, as_of, by))
            checked += 1
    assert checked >= 10
    # fewer rows travel than there are facts
    assert len(queries.funding_facts(samples, 2017, dt.date(2017, 10, 31))) < len(everything) / 20


def test_poverty_and_curves_from_sql_match(samples):
    everything = queries.current_facts(samples)
    same(metrics.poverty_by_district(queries.poverty_facts(samples)), metrics.poverty_by_district(everything))
    for code in districts():
        one = pd.concat([queries.funding_facts(samples, latest=False, district=code),
                         queries.target_facts(samples, district=code)])
        same(metrics.disbursement_curves(one, code), metrics.disbursement_curves(everything, code))


def test_years_dates_and_counts_follow_the_scope(samples):
    assert queries.provinces_present(samples) == ["12"]
    assert queries.years_present(samples, province="12") == queries.years_present(samples)
    assert queries.years_present(samples, province="01") == []
    total = queries.count_facts(samples)
    assert total == len(queries.current_facts(samples)) == queries.count_facts(samples, province="12")
    assert queries.count_facts(samples, year=[2017], dataset=["funding"]) == len(
        queries.current_facts(samples, year=2017, dataset="funding"))
    rows = queries.fact_rows(samples, limit=50, district_code=["107"])
    assert len(rows) == 50 and set(rows["district_code"]) == {"107"} and rows["cell"].str.len().min() > 1


def _province_report(province: str, scale: float) -> FileReport:
    """Funding and targets for every district of a province, amounts scaled per province."""
    records = []
    leaf, source = next(iter(leaf_components())), next(iter(sources()))
    for i, code in enumerate(districts(province)):
        as_of = dt.date(2017, 10, 31) if i % 3 else dt.date(2017, 9, 30)  # a third report late
        plan, paid = scale * (100 + i), scale * (40 + 5 * i)
        for measure, value in (("plan", plan), ("disbursed", paid)):
            records.append(Record(Dataset.FUNDING, code, 2017, as_of, leaf, source, measure, value, "S", f"B{i}"))
        records.append(Record(Dataset.TARGET, code, 2017, as_of, None, None, "target_disbursement_rate", 50.0, "S", f"C{i}"))
    digest = hashlib.sha256(f"{province}{scale}".encode()).hexdigest()
    return FileReport(path=f"{province}.xlsx", sha256=digest, records=records)


def test_provinces_roll_up_to_the_country(engine):
    write_reports(engine, [_province_report("12", 1.0), _province_report("11", 2.0), _province_report("01", 3.0)],
                  user="tester")
    assert queries.provinces_present(engine) == ["01", "11", "12"]
    as_of = dt.date(2017, 10, 31)
    country = metrics.funding_by_district(reduced(engine, 2017, as_of), 2017, as_of, [
        c for p in ("01", "11", "12") for c in districts(p)])
    provinces = metrics.roll_up(country).set_index("province_code")
    for p in ("01", "11", "12"):
        alone = metrics.funding_by_district(reduced(engine, 2017, as_of, province=p), 2017, as_of, list(districts(p)))
        assert set(alone["district_code"]) == set(districts(p))
        totals = metrics.province_funding(alone)
        assert provinces.loc[p, "plan"] == pytest.approx(totals["plan"])
        assert provinces.loc[p, "disbursed"] == pytest.approx(totals["disbursed"])
        assert provinces.loc[p, "districts"] == len(districts(p))
        assert provinces.loc[p, "not_reported"] == sum(1 for i in range(len(districts(p))) if i % 3 == 0)
        assert not provinces.loc[p, "reported"]
    whole = metrics.province_funding(provinces.reset_index())
    assert whole["plan"] == pytest.approx(sum(metrics.province_funding(
        metrics.funding_by_district(reduced(engine, 2017, as_of, province=p), 2017, as_of, list(districts(p))))["plan"]
        for p in ("01", "11", "12")))
    # every stored fact carries its district's province
    stored = queries.current_facts(engine)
    assert (stored["province_code"] == stored["district_code"].map(province_of)).all()
    assert set(stored["district_code"]) <= set(all_districts())
