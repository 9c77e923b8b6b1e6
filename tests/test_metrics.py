"""Indicators from facts: latest report per district, rates, targets, flags."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from store import metrics

D = dt.date


def facts(*rows):
    cols = ["dataset", "district_code", "year", "as_of", "component", "source", "measure", "value"]
    return pd.DataFrame([dict(zip(cols, r)) for r in rows], columns=cols)


F = facts(
    # Mường Tè reports at 30/09 only; Sìn Hồ at 30/09 and 31/10
    ("funding", "107", 2017, D(2017, 9, 30), "1.1", "local", "plan", 1000.0),
    ("funding", "107", 2017, D(2017, 9, 30), "1.1", "local", "disbursed", 300.0),
    ("funding", "108", 2017, D(2017, 9, 30), "1.1", "local", "plan", 2000.0),
    ("funding", "108", 2017, D(2017, 9, 30), "1.1", "local", "disbursed", 1000.0),
    ("funding", "108", 2017, D(2017, 10, 31), "1.1", "local", "plan", 2000.0),
    ("funding", "108", 2017, D(2017, 10, 31), "1.1", "local", "disbursed", 1500.0),
    ("funding", "108", 2017, D(2017, 10, 31), "2.1", "mobilised", "plan", 500.0),
    ("funding", "108", 2017, D(2017, 10, 31), "2.1", "mobilised", "disbursed", 100.0),
    ("target", "107", 2017, D(2017, 9, 30), "", "", "target_disbursement_rate", 65.0),
    ("target", "108", 2017, D(2017, 9, 30), "", "", "target_disbursement_rate", 65.0),
    ("target", "107", 2017, D(2017, 10, 31), "", "", "target_disbursement_rate", 75.0),
    ("target", "108", 2017, D(2017, 10, 31), "", "", "target_disbursement_rate", 75.0),
    ("poverty", "107", 2017, D(2017, 12, 31), "", "", "households", 10000.0),
    ("poverty", "107", 2017, D(2017, 12, 31), "", "", "poor_households", 4000.0),
    ("poverty", "107", 2017, D(2017, 12, 31), "", "", "near_poor_households", 1000.0),
    ("poverty", "108", 2017, D(2017, 12, 31), "", "", "households", 30000.0),
    ("poverty", "108", 2017, D(2017, 12, 31), "", "", "poor_households", 6000.0),
    ("poverty", "108", 2017, D(2017, 12, 31), "", "", "near_poor_households", 3000.0),
    ("target", "107", 2017, D(2017, 12, 31), "", "", "target_poor_rate", 38.0),
    ("target", "108", 2017, D(2017, 12, 31), "", "", "target_poor_rate", 22.0),
)


def test_latest_report_on_or_before_the_date():
    frame = metrics.funding_by_district(F, 2017, D(2017, 10, 31)).set_index("district_code")
    assert list(frame.index) == [str(c) for c in range(105, 113)]
    mt, sh = frame.loc["107"], frame.loc["108"]
    assert (mt["plan"], mt["disbursed"], mt["report_as_of"], mt["reported"]) == (1000, 300, D(2017, 9, 30), False)
    assert (sh["plan"], sh["disbursed"], sh["reported"]) == (2500, 1600, True)
    assert sh["disbursement_rate"] == pytest.approx(64.0)
    assert mt["target_rate"] == 75 and bool(mt["lagging"]) and bool(sh["lagging"])
    assert np.isnan(frame.loc["105", "plan"]) and not frame.loc["105", "reported"]


def test_earlier_date_uses_earlier_reports_and_targets():
    frame = metrics.funding_by_district(F, 2017, D(2017, 9, 30)).set_index("district_code")
    assert frame.loc["108", "disbursed"] == 1000 and frame.loc["108", "target_rate"] == 65
    assert frame.loc["108", "disbursement_rate"] == 50 and frame.loc["108", "lagging"]


def test_province_totals():
    totals = metrics.province_funding(metrics.funding_by_district(F, 2017, D(2017, 10, 31)))
    assert totals["plan"] == 3500 and totals["disbursed"] == 1900
    assert totals["disbursement_rate"] == pytest.approx(1900 / 3500 * 100)


def test_breakdown_by_project_sums_sub_projects():
    by = metrics.funding_breakdown(F, 2017, D(2017, 10, 31), "project").set_index(["district_code", "project"])
    assert by.loc[("108", "1"), "plan"] == 2000 and by.loc[("108", "2"), "disbursed"] == 100
    assert by["plan"].sum() == 3500


def test_poverty_rates_and_province_target():
    pov = metrics.poverty_by_district(F).set_index("district_code")
    assert pov.loc["107", "poor_rate"] == 40 and pov.loc["108", "near_poor_rate"] == 10
    assert pov.loc["107", "on_track"] == 0 and pov.loc["108", "on_track"] == 1
    prov = metrics.province_poverty(metrics.poverty_by_district(F)).set_index("year")
    assert prov.loc[2017, "poor_rate"] == pytest.approx(25.0)
    # if each district met its target: (0.38*10000 + 0.22*30000) / 40000
    assert prov.loc[2017, "target_poor_rate"] == pytest.approx(26.0)


def test_reporting_dates_and_curves():
    assert metrics.reporting_dates(F, 2017) == [D(2017, 9, 30), D(2017, 10, 31)]
    curve = metrics.disbursement_curves(F, "108")
    assert list(curve["disbursed"]) == [1000, 1600] and list(curve["target_rate"]) == [65, 75]


def test_summary_rows_are_plain_and_rounded():
    rows = metrics.summary_rows(F)
    assert [(r["district_code"], r["year"]) for r in rows] == [("107", 2017), ("108", 2017)]
    r = rows[1]
    assert r["as_of"] == "2017-10-31" and r["disbursement_rate"] == 64.0 and r["poor_rate"] == 20.0
    assert r["target_poor_rate"] == 22.0 and r["target_disbursement_rate"] == 75.0


def test_money_at_two_grains_is_not_added_twice():
    """A by-source report and a by-project report of the same district and date: the finer one counts."""
    two = facts(
        ("funding", "109", 2017, D(2017, 10, 31), "", "local", "plan", 700.0),
        ("funding", "109", 2017, D(2017, 10, 31), "", "central_investment", "plan", 300.0),
        ("funding", "109", 2017, D(2017, 10, 31), "1.1", "", "plan", 600.0),
        ("funding", "109", 2017, D(2017, 10, 31), "3", "", "plan", 400.0),
        ("funding", "109", 2017, D(2017, 10, 31), "", "", "plan", 1000.0),
    )
    frame = metrics.funding_by_district(two, 2017, D(2017, 10, 31)).set_index("district_code")
    assert frame.loc["109", "plan"] == 1000
    by_source = metrics.funding_breakdown(two, 2017, D(2017, 10, 31), "source")
    assert dict(zip(by_source["source"], by_source["plan"])) == {"central_investment": 300, "local": 700}
    by_project = metrics.funding_breakdown(two, 2017, D(2017, 10, 31), "project")
    assert dict(zip(by_project["project"], by_project["plan"])) == {"1": 600, "3": 400}


def test_poverty_rolls_up_per_province_as_each_province_alone():
    rows = []
    for code, households, poor, target in (("107", 10000, 4000, 38.0), ("108", 30000, 6000, 22.0),
                                           ("062", 5000, 1000, 15.0), ("063", 5000, 500, None)):
        rows.append({"district_code": code, "year": 2017, "households": households, "poor_households": poor,
                     "near_poor_households": poor / 4, "escaped_poverty": np.nan, "target_poor_rate": target})
    frame = pd.DataFrame(rows)
    rolled = metrics.poverty_roll_up(frame).set_index("province_code")
    assert list(rolled.index) == ["06", "12"]
    for province, codes in (("12", ["107", "108"]), ("06", ["062", "063"])):
        alone = metrics.province_poverty(frame[frame["district_code"].isin(codes)]).iloc[0]
        for column in ("households", "poor_households", "poor_rate", "target_poor_rate"):
            assert rolled.loc[province, column] == pytest.approx(alone[column])
        assert np.isnan(rolled.loc[province, "escaped_poverty"])  # none reported: no total, not 0
    assert rolled.loc["12", "poor_rate"] == pytest.approx(25.0)
    assert rolled.loc["06", "target_poor_rate"] == pytest.approx(7.5)  # 15% of 5,000 over 10,000 households
