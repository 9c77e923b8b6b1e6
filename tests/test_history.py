"""Preview before writing, history and undo, on SQLite and PostgreSQL."""

import json

import pytest

from loaders import StoreError, import_files, inspect_file
from store.history import history, preview, preview_by_district, undo
from store.metrics import summary_rows
from store.queries import current_facts
from tests.conftest import funding_row
from tests.test_cli import run


def test_preview_tells_new_changed_unchanged_and_writes_nothing(engine, make_workbook):
    import_files([make_workbook(funding=[funding_row(plan=1000, disbursed=400)])], engine, user="a")
    report = inspect_file(make_workbook(funding=[funding_row(plan=1000, disbursed=450), funding_row(district="108")]))
    frame = preview(engine, [report])
    got = {(r.district_code, r.measure): (r.status, r.old, r.new) for r in frame.itertuples()}
    assert got[("107", "plan")] == ("unchanged", 1000, 1000)
    assert got[("107", "disbursed")] == ("changed", 400, 450)
    assert got[("108", "plan")][0] == "new"
    counts = preview_by_district(frame).set_index("district_code")
    assert counts.loc["107", "changed"] == 1 and counts.loc["108", "new"] == 2
    assert len(current_facts(engine)) == 2


def test_preview_of_a_file_already_imported(engine, make_workbook):
    path = make_workbook(funding=[funding_row()])
    import_files([path], engine, user="a")
    assert set(preview(engine, [inspect_file(path)])["status"]) == {"already_imported"}


def test_undo_brings_back_what_the_batch_replaced(engine, make_workbook):
    import_files([make_workbook(funding=[funding_row(plan=1000, disbursed=400)])], engine, user="a")
    before = summary_rows(current_facts(engine))
    _, results = import_files([make_workbook(funding=[funding_row(plan=1200, disbursed=450), funding_row(district="108")])],
                              engine, user="b")
    assert summary_rows(current_facts(engine)) != before
    result = undo(engine, results[0].batch_id)
    assert (result.removed, result.restored) == (4, 2)
    assert summary_rows(current_facts(engine)) == before
    assert [b["undone"] for b in history(engine)] == [True, False]
    with pytest.raises(StoreError, match="already undone"):
        undo(engine, results[0].batch_id)


def test_undo_refuses_out_of_order(engine, make_workbook):
    _, first = import_files([make_workbook(funding=[funding_row(disbursed=400)])], engine, user="a")
    _, second = import_files([make_workbook(funding=[funding_row(disbursed=500)])], engine, user="a")
    with pytest.raises(StoreError) as exc:
        undo(engine, first[0].batch_id)
    assert exc.value.code == "undo_order"
    undo(engine, second[0].batch_id)
    undo(engine, first[0].batch_id)
    assert current_facts(engine).empty


def test_an_undone_file_can_be_imported_again(engine, make_workbook):
    path = make_workbook(funding=[funding_row()])
    _, results = import_files([path], engine, user="a")
    undo(engine, results[0].batch_id)
    _, again = import_files([path], engine, user="a")
    assert not again[0].already_imported and again[0].facts_new == 2


def test_unknown_batch(engine):
    with pytest.raises(StoreError) as exc:
        undo(engine, 999)
    assert exc.value.code == "unknown_batch"


def test_history_and_undo_on_the_command_line(tmp_path, make_workbook):
    db = f"sqlite:///{tmp_path / 'h.sqlite'}"
    run("import", make_workbook(funding=[funding_row()]), "--db", db, "--user", "analyst", check_rc=0)
    batches = json.loads(run("history", "--db", db, "--json", check_rc=0).stdout)["batches"]
    assert len(batches) == 1
    b = batches[0]
    assert set(b) >= {"id", "file", "sha256", "user", "imported_at", "facts_new", "facts_changed", "undone"}
    assert (b["user"], b["facts_new"], b["undone"]) == ("analyst", 2, False)
    assert json.loads(run("undo", str(b["id"]), "--db", db, "--json", check_rc=0).stdout)["removed"] == 2
    assert json.loads(run("history", "--db", db, "--json", check_rc=0).stdout)["batches"][0]["undone"] is True
    failed = run("undo", str(b["id"]), "--db", db)
    assert failed.returncode == 2 and "already undone" in failed.stderr
