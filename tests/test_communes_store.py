"""A district's figure is its own or the sum of its communes, never both; the newest import wins (issue 14)."""

from __future__ import annotations

import datetime as dt
import hashlib

from loaders.records import Dataset, FileReport, Record
from store.history import undo
from store.metrics import funding_by_district, poverty_by_district
from store.queries import current_facts, funding_facts, poverty_facts
from store.writes import write_reports

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
