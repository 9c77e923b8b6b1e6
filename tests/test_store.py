"""Writing to the store, on SQLite and PostgreSQL: batches, history, atomicity."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from loaders import StoreError, import_files, inspect_file
from store.db import data_version
from store.metrics import summary_rows
from store.queries import batch_list, current_facts, is_empty
from store.schema import batches, coverage, facts
from store.writes import write_reports
from tests.conftest import funding_row, poverty_row


def _count(engine, *where):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(facts).where(*where)).scalar_one()


def test_import_writes_every_record_with_provenance(engine, make_workbook):
    path = make_workbook(funding=[funding_row()], poverty=[poverty_row()], name="huyen_muong_te.xlsx")
    reports, results = import_files([path], engine, user="analyst1")
    assert results[0].facts_new == 5 and results[0].facts_changed == 0
    frame = current_facts(engine)
    assert len(frame) == 5
    row = frame[frame["measure"] == "plan"].iloc[0]
    assert (row["file_name"], row["sheet"], row["cell"], row["user_name"]) == ("huyen_muong_te.xlsx", "Giải ngân", "F4", "analyst1")
    assert row["sha256"] == reports[0].sha256 and row["as_of"] == dt.date(2017, 10, 31)


def test_same_file_twice_changes_nothing(engine, make_workbook):
    path = make_workbook(funding=[funding_row()])
    import_files([path], engine, user="a")
    version = data_version(engine)
    _, results = import_files([path], engine, user="a")
    assert results[0].already_imported and results[0].facts_new == 0
    assert _count(engine) == 2 and len(batch_list(engine)) == 1
    assert data_version(engine) == version


def test_a_stored_file_is_recognised_by_its_bytes_before_it_is_read(engine, make_workbook, monkeypatch):
    from loaders import api
    from store.history import undo

    path = make_workbook(funding=[funding_row()])
    other = make_workbook(funding=[funding_row(plan=2000, disbursed=900)], name="other.xlsx")
    _, (first,) = import_files([path], engine, user="a")
    read = []
    real = api.inspect_file
    monkeypatch.setattr(api, "inspect_file", lambda p, **kw: read.append(p) or real(p, **kw))
    reports, results = import_files([path, other], engine, user="a")
    assert read == [other]  # only the new file was read
    assert reports[0].already_imported == first.batch_id and reports[0].records == []
    assert results[0].already_imported and results[0].batch_id == first.batch_id and not results[1].already_imported
    undo(engine, results[1].batch_id, user="a")
    undo(engine, first.batch_id, user="a")  # an undone batch no longer holds the file: it is read and written again
    reports, results = import_files([path], engine, user="a")
    assert reports[0].already_imported is None and len(reports[0].records) == 2 and results[0].facts_new == 2


def test_corrected_file_updates_values_and_keeps_history(engine, make_workbook):
    import_files([make_workbook(funding=[funding_row(plan=1000, disbursed=400)])], engine, user="a")
    _, results = import_files([make_workbook(funding=[funding_row(plan=1000, disbursed=450)])], engine, user="a")
    r = results[0]
    assert (r.facts_new, r.facts_changed, r.facts_unchanged) == (0, 1, 1)
    current = current_facts(engine).set_index("measure")["value"]
    assert current["disbursed"] == 450 and current["plan"] == 1000
    with engine.connect() as conn:
        old = conn.execute(select(facts.c.value, facts.c.replaced_by).where(facts.c.current.is_(False))).all()
    assert [(v, b) for v, b in old] == [(400.0, r.batch_id)]


def test_every_fact_names_batches_that_exist(engine, make_workbook):
    # batch_id and replaced_by are not declared foreign keys (see store/schema.py): the writer keeps them true
    from store.history import undo

    import_files([make_workbook(funding=[funding_row(plan=1000, disbursed=400)])], engine, user="a")
    _, results = import_files([make_workbook(funding=[funding_row(plan=1000, disbursed=450)])], engine, user="a")
    import_files([make_workbook(poverty=[poverty_row()])], engine, user="a")
    undo(engine, results[0].batch_id, user="a")
    with engine.connect() as conn:
        known = set(conn.execute(select(batches.c.id)).scalars())
        used = conn.execute(select(facts.c.batch_id, facts.c.replaced_by)).all()
    assert used and {b for b, _ in used} <= known and {r for _, r in used if r is not None} <= known
    assert {b for b, _ in used} == known  # and no batch lost its facts
    # coverage, recounted by every import and undo, says what a count of the current facts says
    with engine.connect() as conn:
        keys = (facts.c.dataset, facts.c.district_code, facts.c.year, facts.c.as_of)
        counted = set(conn.execute(select(*keys, func.count()).where(facts.c.current.is_(True)).group_by(*keys)))
        stored = set(conn.execute(select(coverage.c.dataset, coverage.c.district_code, coverage.c.year,
                                         coverage.c.as_of, coverage.c.facts)))
    assert counted and stored == counted


def test_files_with_errors_are_refused_and_others_written(engine, make_workbook):
    good = make_workbook(funding=[funding_row()])
    bad = make_workbook(funding=[funding_row(district="108")], edit=lambda wb: wb["Giải ngân"].__setitem__("A4", "Atlantis"))
    reports, results = import_files([bad, good], engine, user="a")
    assert [r.ok for r in reports] == [False, True]
    assert len(results) == 1 and results[0].facts_new == 2
    assert set(current_facts(engine)["district_code"]) == {"107"}


def test_a_failed_write_leaves_the_store_as_it_was(engine, make_workbook, monkeypatch):
    import_files([make_workbook(funding=[funding_row()])], engine, user="a")
    before = current_facts(engine)
    first = inspect_file(make_workbook(funding=[funding_row(district="108")]))
    second = inspect_file(make_workbook(funding=[funding_row(district="109")]))
    import store.writes as writes

    real = writes._write_one
    calls = {"n": 0}

    def fail_on_second(conn, report, **kw):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(conn, report, **kw)

    monkeypatch.setattr(writes, "_write_one", fail_on_second)
    with pytest.raises(RuntimeError):
        write_reports(engine, [first, second], user="a")
    after = current_facts(engine)
    assert len(after) == len(before) == 2
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(batches)).scalar_one() == 1


def test_reports_with_errors_cannot_be_written(engine, make_workbook):
    bad = inspect_file(make_workbook(funding=[funding_row(plan=-1)]))
    with pytest.raises(StoreError):
        write_reports(engine, [bad], user="a")
    assert is_empty(engine)


def test_importing_twice_gives_the_same_summary(engine, make_workbook):
    paths = [
        make_workbook(funding=[funding_row(), funding_row(district="105", component="3", source="local")]),
        make_workbook(poverty=[poverty_row(), poverty_row(district="105", households=5000, poor=300, near_poor=200)]),
    ]
    import_files(paths, engine, user="a")
    first = summary_rows(current_facts(engine))
    import_files(paths, engine, user="a")
    assert summary_rows(current_facts(engine)) == first
    row = next(r for r in first if r["district_code"] == "107" and r["year"] == 2017)
    assert row["plan"] == 1000 and row["disbursed"] == 400 and row["disbursement_rate"] == 40.0
    assert row["poor_rate"] == 40.0 and row["as_of"] == "2017-10-31"


def test_a_bulk_import_leaves_the_planner_statistics_on_each_engine(engine, make_workbook):
    from store.db import _has_statistics

    with engine.connect() as conn:
        assert not _has_statistics(conn)  # an empty store: nothing analysed yet
    _, results = import_files([make_workbook(funding=[funding_row()])], engine, user="a")
    assert results[0].facts_new == 2
    with engine.connect() as conn:
        assert _has_statistics(conn)


def test_statistics_are_renewed_once_the_table_has_grown_by_half(engine):
    from loaders.records import Dataset, FileReport, Record
    from store.db import analyze_if_grown
    from store.schema import meta

    def write(name: str, districts: list[str]) -> None:
        records = [Record(Dataset.FUNDING, d, 2017, dt.date(2017, 10, 31), None, "local", "plan", 1.0, "S", "C5")
                   for d in districts]
        write_reports(engine, [FileReport(path=name, records=records, sha256=name.ljust(64, "0"))], user="a")

    def analyzed() -> int:
        with engine.connect() as conn:
            return int(conn.execute(select(meta.c.value).where(meta.c.key == "analyzed_rows")).scalar() or 0)

    write("a", ["105", "106", "107", "108"])  # the first import: statistics made (none before)
    assert analyzed() == 4
    write("b", ["109"])  # 5 rows: less than half as many again as 4
    assert analyzed() == 4
    write("c", ["110"])  # 6 rows: half as many again
    assert analyzed() == 6
    with engine.begin() as conn:
        assert not analyze_if_grown(conn)  # nothing grew since


def test_a_large_store_never_analysed_is_analysed_once_at_start(tmp_path, make_workbook):
    from sqlalchemy import text

    from store.db import _has_statistics, get_engine

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = get_engine(url)
    import_files([make_workbook(funding=[funding_row()])], engine, user="a")
    with engine.begin() as conn:  # as a store made before statistics were kept
        conn.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
        conn.execute(text("DELETE FROM meta WHERE key = 'analyzed_rows'"))
    engine.dispose()
    engine = get_engine(url)
    with engine.connect() as conn:
        assert _has_statistics(conn)
    engine.dispose()
