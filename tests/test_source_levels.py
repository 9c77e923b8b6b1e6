"""The central budget unsplit (NSTW) and split (ĐTPT, sự nghiệp) are one amount: it counts once."""

import openpyxl

from loaders import import_files, inspect_file
from store.history import undo
from store.metrics import funding_by_district
from store.queries import current_facts
from tests.conftest import funding_row


def _funding(facts, district: str = "107") -> tuple[float, float]:  # type: ignore[no-untyped-def]
    row = funding_by_district(facts, 2017).set_index("district_code").loc[district]
    return float(row["plan"]), float(row["disbursed"])


def test_a_newer_split_replaces_the_unsplit_amount_and_undo_brings_it_back(engine, make_workbook):
    import_files([make_workbook(funding=[funding_row(source="central", plan=1000, disbursed=400)])], engine, user="a")
    assert _funding(current_facts(engine)) == (1000, 400)
    _, results = import_files([make_workbook(funding=[
        funding_row(source="central_investment", plan=700, disbursed=300),
        funding_row(source="central_recurrent", plan=350, disbursed=120),
    ])], engine, user="b")
    facts = current_facts(engine)
    assert set(facts["source"]) == {"central_investment", "central_recurrent"}
    assert _funding(facts) == (1050, 420)  # the split, once; not 2050
    assert results[0].facts_changed == 0 and results[0].facts_new == 4
    undo(engine, results[0].batch_id, user="a")
    facts = current_facts(engine)
    assert set(facts["source"]) == {"central"} and _funding(facts) == (1000, 400)


def test_a_newer_unsplit_amount_replaces_the_split(engine, make_workbook):
    import_files([make_workbook(funding=[
        funding_row(source="central_investment", plan=700, disbursed=300),
        funding_row(source="central_recurrent", plan=350, disbursed=120),
        funding_row(source="local", plan=50, disbursed=10),
    ])], engine, user="a")
    import_files([make_workbook(funding=[funding_row(source="central", plan=1100, disbursed=500)])], engine, user="b")
    facts = current_facts(engine)
    assert set(facts["source"]) == {"central", "local"}  # another source is another amount: it stays
    assert _funding(facts) == (1150, 510)


def test_one_file_giving_both_levels_is_refused(tmp_path):
    wb = openpyxl.Workbook()
    first = wb.active
    first.title = "NSTW"
    for row in (["BÁO CÁO GIẢI NGÂN NĂM 2017, tính đến ngày 31/10/2017"], ["Đơn vị", "Kế hoạch vốn NSTW"],
                ["Mường Tè", 100], ["Tam Đường", 80]):
        first.append(row)
    second = wb.create_sheet("Chi tiết")
    for row in (["BÁO CÁO GIẢI NGÂN NĂM 2017, tính đến ngày 31/10/2017"],
                ["Đơn vị", "Kế hoạch vốn ĐTPT", "Kế hoạch vốn sự nghiệp"], ["Mường Tè", 60, 40], ["Tam Đường", 50, 30]):
        second.append(row)
    path = tmp_path / "both.xlsx"
    wb.save(path)
    report = inspect_file(path)
    mixed = sorted((i.sheet, i.cell) for i in report.issues if i.code == "source_levels_mixed")
    assert mixed == [("NSTW", "B3"), ("NSTW", "B4")]
    assert "'Chi tiết'!B3" in next(i.message for i in report.issues if i.code == "source_levels_mixed")
    assert not report.ok
