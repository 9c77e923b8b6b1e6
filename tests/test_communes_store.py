"""A district's figure is its own or the sum of its communes, never both; the newest import wins (issue 14)."""

from __future__ import annotations

import datetime as dt
import hashlib

from loaders.i18n import t
from loaders.records import Dataset, FileReport, Record
from loaders.reference import communes, communes_of, districts
from store.db import get_engine
from store.history import undo
from store.metrics import funding_by_district, poverty_by_district
from store.queries import current_facts, funding_facts, poverty_facts
from store.writes import write_reports
from tests.test_pages import db_url, open_page, sample_db  # noqa: F401 (fixtures)


def district_label(code: str) -> str:
    return districts()[code].name_vi

OCT = dt.date(2017, 10, 31)
XA, TT = "03445", "03433"  # Xã Mường Tè, Thị trấn Mường Tè (district 107)


def _report(name: str, rows: list[tuple[str, str, float, float]], dataset: Dataset = Dataset.FUNDING) -> FileReport:
    """(district, commune, plan, disbursed) funding rows, or (district, commune, households, poor) counts."""
    measures = ("plan", "disbursed") if dataset is Dataset.FUNDING else ("households", "poor_households")
    records = [
        Record(dataset, district, 2017, OCT if dataset is Dataset.FUNDING else dt.date(2017, 12, 31), None,
               "local" if dataset is Dataset.FUNDING else None, measure, value, "S", f"C{i}", commune)
        for i, (district, commune, a, b) in enumerate(rows, start=5)
        for measure, value in zip(measures, (a, b))
    ]
    return FileReport(path=name, records=records, sha256=hashlib.sha256((name + repr(rows)).encode()).hexdigest())


def _district(engine) -> dict[str, tuple[float, float]]:  # type: ignore[no-untyped-def]
    out = []
    for facts in (current_facts(engine), funding_facts(engine, 2017, OCT)):
        frame = funding_by_district(facts, 2017, OCT, codes=["106", "107"]).set_index("district_code")
        out.append({d: (float(r["plan"]), float(r["disbursed"])) for d, r in frame.iterrows() if r["plan"] == r["plan"]})
    assert out[0] == out[1]  # all facts and the SQL-reduced frame agree
    return out[0]


def test_communes_add_up_to_their_district(engine) -> None:  # type: ignore[no-untyped-def]
    write_reports(engine, [_report("xa.xlsx", [("107", XA, 400, 300), ("107", TT, 600, 500), ("106", "", 500, 450)])], user="test")
    assert _district(engine) == {"107": (1000.0, 800.0), "106": (500.0, 450.0)}
    stored = current_facts(engine)
    assert set(stored[stored["district_code"] == "107"]["commune_code"]) == {XA, TT}
    # one read says which values are the communes' (summed per district) and which the district's own
    both = funding_facts(engine, 2017, OCT, keep="both")
    assert set(both.loc[both["by_commune"], "district_code"]) == {"107"}
    assert set(both.loc[~both["by_commune"], "district_code"]) == {"106"}


def test_the_newest_grain_wins_and_undo_brings_the_other_back(engine) -> None:  # type: ignore[no-untyped-def]
    (own,) = write_reports(engine, [_report("huyen.xlsx", [("107", "", 900, 700)])], user="test")
    (by_commune,) = write_reports(engine, [_report("xa.xlsx", [("107", XA, 400, 300), ("107", TT, 600, 500)])], user="test")
    assert _district(engine) == {"107": (1000.0, 800.0)}  # the district's own figure is ended, not added
    (again,) = write_reports(engine, [_report("huyen_moi.xlsx", [("107", "", 950, 720)])], user="test")
    assert _district(engine) == {"107": (950.0, 720.0)}  # and a newer own figure ends the communes'
    undo(engine, again.batch_id, user="test")
    assert _district(engine) == {"107": (1000.0, 800.0)}
    undo(engine, by_commune.batch_id, user="test")
    assert _district(engine) == {"107": (900.0, 700.0)}
    assert own.batch_id < by_commune.batch_id


def test_household_counts_by_commune_make_the_districts_rate(engine) -> None:  # type: ignore[no-untyped-def]
    write_reports(engine, [_report("hn_huyen.xlsx", [("107", "", 9000, 5000)], Dataset.POVERTY)], user="test")
    write_reports(engine, [_report("hn_xa.xlsx", [("107", XA, 1000, 500), ("107", TT, 3000, 600)], Dataset.POVERTY)], user="test")
    row = poverty_by_district(poverty_facts(engine)).set_index("district_code").loc["107"]
    assert (row["households"], row["poor_households"]) == (4000.0, 1100.0)
    assert abs(row["poor_rate"] - 27.5) < 1e-9


def test_the_district_profile_lists_the_districts_communes(db_url: str) -> None:  # noqa: F811 (the fixture)
    """District profile: the district's communes, slowest first, judged against the district's target."""
    engine = get_engine(db_url)
    rows = [("105", c.code, 100.0 * (i + 1), 90.0 * (i + 1) - 30 * i) for i, c in enumerate(communes_of("105")[:3])]
    report = _report("tp_theo_xa.xlsx", rows)
    write_reports(engine, [report], user="test")
    engine.dispose()
    at = open_page("district_profile")
    at.selectbox(key="profile_district.vi").set_value("105").run()
    at.selectbox(key="profile_as_of_2017.vi").set_value(OCT).run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if t("data.col_commune", "vi") in d.value.columns)
    names = list(table[t("data.col_commune", "vi")])
    rates = {c: 100 * d / p for _, c, p, d in rows}
    slowest_first = sorted(rates, key=rates.get)  # type: ignore[arg-type]
    assert names == [communes()[c].label("vi") for c in slowest_first]
    assert t("profile.communes", "vi") in [h.value for h in at.subheader]


def test_a_district_without_communes_says_so(db_url: str) -> None:  # noqa: F811 (the fixture)
    at = open_page("district_profile")
    at.selectbox(key="profile_district.vi").set_value("106").run()
    assert not at.exception
    assert t("profile.no_communes", "vi", district=district_label("106")) in [c.value for c in at.caption]


def test_the_districts_page_says_what_share_its_communes_report(db_url: str) -> None:  # noqa: F811 (the fixture)
    at = open_page("districts")
    assert not at.exception
    column = t("districts.col_commune_share", "vi")
    assert column not in at.dataframe[0].value.columns  # no district reports by commune yet: no such column
    engine = get_engine(db_url)
    plan = funding_by_district(current_facts(engine), 2017, OCT, codes=["105"]).set_index("district_code")
    whole = float(plan.loc["105", "plan"])
    # the city's communes report its whole plan on the date
    rows = [("105", c.code, whole / 2, 1.0) for c in communes_of("105")[:2]]
    write_reports(engine, [_report("tp_theo_xa.xlsx", rows)], user="test")
    engine.dispose()
    at = open_page("districts")
    at.selectbox(key="districts_as_of_2017.vi").set_value(OCT).run()
    table = at.dataframe[0].value.set_index(t("common.district", "vi"))
    assert table.loc[districts()["105"].short_vi, column] == "100,0%"
    assert table.loc["Tam Đường", column] == "0,0%"


def test_the_data_page_filters_by_commune(db_url: str) -> None:  # noqa: F811 (the fixture)
    at = open_page("data")
    assert not any(m.key == "data_commune_code.vi" for m in at.multiselect)  # nothing by commune yet
    engine = get_engine(db_url)
    first, second = communes_of("105")[:2]
    write_reports(engine, [_report("tp_theo_xa.xlsx", [("105", first.code, 10, 5), ("105", second.code, 20, 10)])],
                  user="test")
    engine.dispose()
    at = open_page("data")
    at.multiselect(key="data_commune_code.vi").set_value([first.code]).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table[t("data.col_commune", "vi")]) == {first.label("vi")} and len(table) == 2


def test_the_district_profile_pdf_has_a_commune_annex(engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from figures import pdf_report
    from tests.test_reports import pdf_pages

    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")  # no charts: the annex is what is tested
    write_reports(engine, [_report("xa.xlsx", [("107", XA, 400, 100), ("107", TT, 600, 500)])], user="test")
    facts = current_facts(engine)
    annex = pdf_report.commune_annex(facts, "107", 2017, OCT, "vi")
    assert annex is not None
    assert [(label, values[0], values[1]) for _, label, values, _ in annex.rows] == [
        ("Xã Mường Tè", 400.0, 100.0), ("Thị trấn Mường Tè", 600.0, 500.0)]  # slowest first: 25 % before 83 %
    assert pdf_pages(pdf_report.build_district_pdf(facts, "107", 2017, "vi", as_of=OCT)) == 2
    assert pdf_report.commune_annex(facts, "106", 2017, OCT, "vi") is None  # nothing by commune: one page


def test_an_analyst_of_a_district_imports_its_communes_and_no_others(engine) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from store.auth import PermissionDenied, Role, add_user, authenticate

    password = "mat-khau-dai-du-12"
    add_user(engine, "admin", password, Role.ADMIN)
    add_user(engine, "mt", password, Role.ANALYST, districts=["107"], by=authenticate(engine, "admin", password))
    analyst = authenticate(engine, "mt", password)
    assert analyst is not None
    (done,) = write_reports(engine, [_report("mt_xa.xlsx", [("107", XA, 400, 300)])], user=analyst)
    assert done.facts_new == 2
    other = communes_of("106")[0].code
    with pytest.raises(PermissionDenied):
        write_reports(engine, [_report("td_xa.xlsx", [("106", other, 10, 5)])], user=analyst)


def _totals_agree(engine) -> int:  # type: ignore[no-untyped-def]
    """commune_totals holds exactly the current commune values summed per district (and the rest of the key)."""
    from sqlalchemy import select

    from store.schema import commune_totals

    stored = current_facts(engine)
    stored = stored[stored["commune_code"] != ""]
    keys = ["dataset", "district_code", "year", "as_of", "component", "source", "measure", "batch_id"]
    expected = {tuple(k): (round(v, 6), n) for k, v, n in zip(
        stored.groupby(keys)["value"].sum().index, stored.groupby(keys)["value"].sum(), stored.groupby(keys).size())}
    with engine.connect() as conn:
        rows = conn.execute(select(commune_totals)).mappings().all()
    got = {tuple(r[k] for k in keys): (round(r["value"], 6), r["facts"]) for r in rows}
    expected = {tuple(str(x) if isinstance(x, dt.date) else x for x in k): v for k, v in expected.items()}
    got = {tuple(str(x) if isinstance(x, dt.date) else x for x in k): v for k, v in got.items()}
    assert got == expected
    return len(got)


def test_the_communes_sums_follow_every_import_and_undo(engine) -> None:  # type: ignore[no-untyped-def]
    (first,) = write_reports(engine, [_report("xa.xlsx", [("107", XA, 400, 300), ("107", TT, 600, 500)])], user="test")
    assert _totals_agree(engine) == 2  # plan and disbursed of district 107
    (own,) = write_reports(engine, [_report("huyen.xlsx", [("107", "", 900, 700)])], user="test")
    assert _totals_agree(engine) == 0  # the district's own figure ended its communes'
    undo(engine, own.batch_id, user="test")
    assert _totals_agree(engine) == 2
    undo(engine, first.batch_id, user="test")
    assert _totals_agree(engine) == 0
