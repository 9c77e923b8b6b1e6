"""For a district and report date the newest import wins, whatever the grain of older figures (issue 13, point 2)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

from openpyxl import Workbook

from figures import fmt
from loaders.i18n import t
from loaders.records import Dataset, FileReport, Record
from store.db import get_engine
from store.history import preview, preview_by_district, undo
from store.metrics import funding_by_district
from store.queries import current_facts, funding_facts
from store.writes import write_reports
from tests import test_pages
from tests.test_pages import open_page
from tests.test_upload import upload

# the page tests' store fixtures: a private copy of the sample store per test
sample_db, db_url = test_pages.sample_db, test_pages.db_url

OCT, NOV = dt.date(2017, 10, 31), dt.date(2017, 11, 30)


def _report(name: str, rows: list[tuple[str, dt.date, str, str, float, float]]) -> FileReport:
    """A checked file of funding rows (district, as_of, component, source, plan, disbursed); '' is no breakdown."""
    records = [
        Record(Dataset.FUNDING, district, 2017, as_of, component, source, measure, value, "Biểu 01", f"C{i}")
        for i, (district, as_of, component, source, plan, disbursed) in enumerate(rows, start=5)
        for measure, value in (("plan", plan), ("disbursed", disbursed))
    ]
    return FileReport(path=name, records=records, sha256=hashlib.sha256(repr(rows).encode()).hexdigest())


# the samples: by project and source
SAMPLE = _report("sample.xlsx", [
    (d, OCT, c, s, p, x) for d in ("107", "108")
    for c, s, p, x in (("1.1", "central_investment", 1000, 400), ("1.1", "local", 100, 10), ("3.1", "central_recurrent", 50, 5))
])
# the real report: by source only, the same date
REAL = _report("bao_cao_10_thang.xlsx", [
    (d, OCT, "", s, p, x) for d in ("107", "108")
    for s, p, x in (("central_investment", 900, 380), ("central_recurrent", 60, 6), ("local", 120, 12))
])


def _totals(engine, as_of: dt.date = OCT) -> dict[str, tuple[float, float]]:  # type: ignore[no-untyped-def]
    """Plan and disbursed per district, read both ways the pages read them (all facts, and SQL-reduced)."""
    out = []
    for facts in (current_facts(engine), funding_facts(engine, 2017, as_of)):
        frame = funding_by_district(facts, 2017, as_of, codes=["107", "108"]).set_index("district_code")
        out.append({d: (float(r["plan"]), float(r["disbursed"])) for d, r in frame.iterrows() if r["plan"] == r["plan"]})
    assert out[0] == out[1]
    return out[0]


def test_a_newer_coarser_report_wins_over_older_finer_figures_and_undo_brings_them_back(engine):
    write_reports(engine, [SAMPLE], user="a")
    assert _totals(engine) == {"107": (1150, 415), "108": (1150, 415)}
    [result] = write_reports(engine, [REAL], user="b")
    assert _totals(engine) == {"107": (1080, 398), "108": (1080, 398)}
    assert (result.facts_new, result.facts_changed) == (12, 0)
    assert set(current_facts(engine)["batch_id"]) == {result.batch_id}  # the sample's figures are hidden, not summed
    undo(engine, result.batch_id, user="a")
    assert _totals(engine) == {"107": (1150, 415), "108": (1150, 415)}
    assert len(current_facts(engine)) == 12


def test_a_newer_finer_report_hides_the_older_coarser_one(engine):
    write_reports(engine, [REAL], user="a")
    [result] = write_reports(engine, [SAMPLE], user="b")
    assert _totals(engine) == {"107": (1150, 415), "108": (1150, 415)}
    assert set(current_facts(engine)["batch_id"]) == {result.batch_id}


def test_only_the_districts_and_dates_the_newer_report_gives_change(engine):
    write_reports(engine, [SAMPLE], user="a")
    write_reports(engine, [_report("muong_te.xlsx", [("107", OCT, "", "central_investment", 900, 380)])], user="b")
    assert _totals(engine) == {"107": (900, 380), "108": (1150, 415)}
    write_reports(engine, [_report("thang_11.xlsx", [(d, NOV, "", "local", 130, 20) for d in ("107", "108")])], user="b")
    assert _totals(engine) == {"107": (900, 380), "108": (1150, 415)}  # 31/10 as it was
    assert _totals(engine, NOV) == {"107": (130, 20), "108": (130, 20)}
    facts = current_facts(engine)
    assert len(facts[facts["as_of"] == OCT]) == 2 + 6


def test_same_grain_values_from_an_older_file_stay_beside_the_newer_ones(engine):
    write_reports(engine, [_report("a.xlsx", [("107", OCT, "", "central_investment", 900, 380)])], user="a")
    write_reports(engine, [_report("b.xlsx", [("107", OCT, "", "local", 100, 10)])], user="a")
    assert _totals(engine)["107"] == (1000, 390)  # one report per source: they add up


def test_the_preview_lists_the_values_a_report_hides(engine):
    write_reports(engine, [SAMPLE], user="a")
    frame = preview(engine, [REAL])
    hidden = frame[frame["status"] == "hidden"]
    assert len(hidden) == 12 and hidden["new"].isna().all()
    got = {(r.district_code, r.component, r.source, r.measure): r.old for r in hidden.itertuples()}
    assert got[("107", "1.1", "central_investment", "plan")] == 1000
    assert got[("108", "3.1", "central_recurrent", "disbursed")] == 5
    assert set(frame.loc[frame["status"] != "hidden", "status"]) == {"new"}
    counts = preview_by_district(frame).set_index("district_code")
    assert counts.loc["107", "hidden"] == 6 and counts.loc["107", "new"] == 6
    assert len(current_facts(engine)) == 12  # nothing written


def test_the_preview_lists_values_of_another_source_level(engine):
    split = [("107", OCT, "", "central_investment", 700, 300), ("107", OCT, "", "central_recurrent", 350, 120)]
    write_reports(engine, [_report("split.xlsx", split)], user="a")
    frame = preview(engine, [_report("unsplit.xlsx", [("107", OCT, "", "central", 1100, 500)])])
    assert sorted(frame.loc[frame["status"] == "hidden", "old"]) == [120, 300, 350, 700]


def test_the_upload_page_shows_the_values_a_report_hides(db_url: str) -> None:
    """The samples are by project and source; a report by source for 31/10/2017 hides Tam Đường's."""
    engine = get_engine(db_url)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in (["BÁO CÁO GIẢI NGÂN NĂM 2017, tính đến ngày 31/10/2017"], ["Đơn vị", "Kế hoạch vốn NSTW"],
                ["Tam Đường", 80]):
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    old = current_facts(engine, dataset="funding", district_codes=["106"])  # Tam Đường
    old = old[old["as_of"] == OCT]  # plan and disbursed: the district's figures for the date are the newer file's
    assert len(old) > 0 and (old["component"] != "").all()
    at = upload(open_page("upload"), ("bao_cao_nstw.xlsx", buffer.getvalue()))
    assert t("upload.preview_hidden", "vi", hidden=str(len(old))) in [w.value for w in at.warning]
    changed = next(d.value for d in at.dataframe if "Giá trị cũ" in d.value.columns)
    assert set(changed["Tình trạng"]) == {"Bị ẩn"}
    assert sorted(changed["Giá trị cũ"]) == sorted(fmt.number(v, "vi", 1) for v in old["value"])
