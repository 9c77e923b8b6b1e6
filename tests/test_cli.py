"""The command line, run as a user runs it: ``python -m loaders``."""

import json
import subprocess
import sys

import openpyxl
import pytest

from loaders.reference import ROOT, districts
from loaders.template import build_province_workbook
from loaders.template_spec import LISTS_SHEET
from store.bootstrap import sample_files
from tests.conftest import funding_row
from tests.test_provinces import DIEN_BIEN_ROWS, report_workbook


def run(*args, check_rc=None):
    proc = subprocess.run([sys.executable, "-m", "loaders", *map(str, args)], capture_output=True, text=True, cwd=ROOT)
    if check_rc is not None:
        assert proc.returncode == check_rc, proc.stderr + proc.stdout
    return proc


def test_inspect_samples_exits_0_with_records_and_cells():
    proc = run("inspect", *sample_files(), "--json", check_rc=0)
    files = json.loads(proc.stdout)["files"]
    assert len(files) == 6 and all(f["ok"] for f in files)
    rec = files[2]["records"][0]
    assert set(rec) == {"dataset", "district_code", "year", "as_of", "component", "source", "measure", "value", "sheet",
                        "cell", "commune_code"}
    assert rec["commune_code"] == ""  # the samples give districts' own figures
    assert rec["sheet"] and rec["cell"][0].isalpha()


def test_inspect_exits_1_when_a_file_has_errors(make_workbook):
    bad = make_workbook(funding=[funding_row(plan=-3)])
    proc = run("inspect", bad, "--json", check_rc=1)
    issue = json.loads(proc.stdout)["files"][0]["issues"][0]
    assert set(issue) == {"severity", "code", "message", "sheet", "cell"}
    assert (issue["severity"], issue["code"], issue["cell"]) == ("error", "negative_value", "F4")


def test_bad_usage_exits_2():
    assert run("inspect").returncode == 2
    assert run("frobnicate").returncode == 2
    assert run("summary", "--db", "nosuchdb://x").returncode == 2
    unreachable = run("summary", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert unreachable.returncode == 2 and "cannot reach the database" in unreachable.stderr


def test_template_then_inspect(tmp_path):
    out = tmp_path / "mau.xlsx"
    run("template", out, check_rc=0)
    proc = run("inspect", out, "--json", check_rc=0)
    assert json.loads(proc.stdout)["files"][0]["records"] == []


def test_import_twice_gives_the_same_summary(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    run("import", *sample_files(), "--db", db, "--user", "ci", check_rc=0)
    first = run("summary", "--db", db, "--json", check_rc=0).stdout
    second_import = run("import", *sample_files(), "--db", db, "--json", check_rc=0)
    files = json.loads(second_import.stdout)["files"]
    assert all(f["batch"]["already_imported"] for f in files)
    # recognised by their bytes before reading: no records, the batch that holds them named
    assert all(f["records"] == [] and f["already_imported"] == f["batch"]["batch_id"] for f in files)
    assert run("summary", "--db", db, "--json", check_rc=0).stdout == first
    rows = json.loads(first)["rows"]
    assert {r["district_code"] for r in rows} == {str(c) for c in range(105, 113)}
    assert {r["year"] for r in rows} == set(range(2015, 2021))
    plan_2017 = sum(r["plan"] for r in rows if r["year"] == 2017)
    assert 368_450 <= plan_2017 <= 368_460


def test_import_refuses_files_with_errors_and_writes_the_rest(tmp_path, make_workbook):
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    good, bad = make_workbook(funding=[funding_row()]), make_workbook(funding=[funding_row(plan=-1)])
    proc = run("import", bad, good, "--db", db, "--json", check_rc=1)
    files = json.loads(proc.stdout)["files"]
    assert files[0]["batch"] is None and files[1]["batch"]["facts_new"] == 2
    rows = json.loads(run("summary", "--db", db, "--json", check_rc=0).stdout)["rows"]
    assert [(r["district_code"], r["plan"]) for r in rows] == [("107", 1000.0)]


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "data" / "samples").glob("*.xlsx")))
def test_every_sample_is_clean(name):
    proc = run("inspect", ROOT / "data" / "samples" / name, "--json", check_rc=0)
    issues = json.loads(proc.stdout)["files"][0]["issues"]
    assert [i for i in issues if i["severity"] == "error"] == []


def test_samples_are_what_the_generator_writes(tmp_path):
    """The committed samples hold the records the deterministic generator produces now."""
    from loaders import inspect_file
    from loaders.samples import generate_samples

    fresh = {p.name: p for p in generate_samples(tmp_path)}
    for committed in sample_files():
        a = sorted(r.to_dict().items() for r in inspect_file(committed).records)
        b = sorted(r.to_dict().items() for r in inspect_file(fresh[committed.name]).records)
        assert a == b, committed.name
    assert set(fresh) == {p.name for p in sample_files()}


@pytest.mark.parametrize("province", ["11", "Điện Biên", "tỉnh dien bien"])
def test_template_for_a_province_lists_its_districts(tmp_path, province):
    out = tmp_path / "mau.xlsx"
    run("template", out, "--province", province, check_rc=0)
    lists = openpyxl.load_workbook(out)[LISTS_SHEET]
    names = [c.value for c in lists["A"][1:] if c.value]
    assert names == [d.name_vi for d in districts("11").values()]


def test_inspect_reads_names_in_the_province_given(tmp_path):
    path = report_workbook(tmp_path / "db.xlsx", [(name, 100.0, 40.0) for name, _ in DIEN_BIEN_ROWS])
    run("inspect", path, "--json", check_rc=1)  # Lai Châu by default: none of these is one of its districts
    proc = run("inspect", path, "--province", "Điện Biên", "--json", check_rc=0)
    records = json.loads(proc.stdout)["files"][0]["records"]
    assert {r["district_code"] for r in records} == {code for _, code in DIEN_BIEN_ROWS}


@pytest.mark.parametrize("verb", [("template", "x.xlsx"), ("inspect", "x.xlsx"), ("import", "x.xlsx"), ("summary",),
                                  ("report", "--year", "2017", "--out", "x.xlsx")], ids=lambda v: v[0])
def test_an_unknown_province_is_bad_usage(tmp_path, verb):
    db = ["--db", f"sqlite:///{tmp_path / 'x.sqlite'}"] if verb[0] in ("import", "summary", "report") else []
    proc = run(*verb, "--province", "Hà Nam Ninh", *db)
    assert proc.returncode == 2
    assert "unknown province 'Hà Nam Ninh'" in proc.stderr and "không rõ tỉnh" in proc.stderr
    assert not (tmp_path / "x.sqlite").exists()


@pytest.fixture
def two_provinces(tmp_path, make_workbook):
    """A store holding one Lai Châu value pair (Mường Tè) and one Điện Biên pair (Mường Nhé, imported by name)."""
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    dien_bien = tmp_path / "dien_bien.xlsx"
    build_province_workbook("11", funding=[funding_row(district="096", plan=2000.0)]).save(dien_bien)
    run("import", make_workbook(funding=[funding_row()]), "--db", db, check_rc=0)
    run("import", dien_bien, "--db", db, "--province", "11", check_rc=0)
    return db


@pytest.mark.parametrize("province, codes", [(None, ["096", "107"]), ("12", ["107"]), ("Lai Châu", ["107"]),
                                             ("11", ["096"])])
def test_summary_of_one_province(two_provinces, province, codes):
    flag = ["--province", province] if province else []
    rows = json.loads(run("summary", "--db", two_provinces, "--json", *flag, check_rc=0).stdout)["rows"]
    assert [(r["district_code"], r["year"]) for r in rows] == [(code, 2017) for code in codes]
    if "107" in codes:
        assert next(r["plan"] for r in rows if r["district_code"] == "107") == 1000.0


def test_summary_of_another_province_has_its_funding(two_provinces):
    rows = json.loads(run("summary", "--db", two_provinces, "--json", "--province", "11", check_rc=0).stdout)["rows"]
    assert [(r["district_code"], r["plan"]) for r in rows] == [("096", 2000.0)]


def test_report_of_one_province(two_provinces, tmp_path):
    out = tmp_path / "bc.xlsx"
    run("report", "--year", "2017", "--province", "Điện Biên", "--db", two_provinces, "--out", out, check_rc=0)
    text = " ".join(str(c.value) for ws in openpyxl.load_workbook(out) for row in ws.iter_rows() for c in row if c.value)
    assert "Mường Nhé" in text and "Mường Tè" not in text
    wrong = run("report", "--year", "2017", "--province", "11", "--district", "107", "--db", two_provinces,
                "--out", tmp_path / "p.pdf")
    assert wrong.returncode == 2 and "is not in Dien Bien Province" in wrong.stderr


def _report_without_date(tmp_path, title: str = "BÁO CÁO GIẢI NGÂN VỐN CHƯƠNG TRÌNH NĂM 2018"):  # type: ignore[no-untyped-def]
    import openpyxl

    wb = openpyxl.Workbook()
    for row in ([title], ["Đơn vị tính: triệu đồng"], ["STT", "Đơn vị", "Kế hoạch vốn", "Giải ngân"],
                [1, "Mường Tè", 1200, 300], [2, "Sìn Hồ", 900, 450]):
        wb.active.append(row)
    path = tmp_path / "bc.xlsx"
    wb.save(path)
    return path


def test_a_funding_report_without_date_is_an_error_until_as_of_is_given(tmp_path):
    """The date is asked for, never assumed: --as-of sets it (and --year the year) for every sheet."""
    path = _report_without_date(tmp_path)
    proc = run("inspect", path, "--json", check_rc=1)
    (report,) = json.loads(proc.stdout)["files"]
    assert [(i["code"], i["cell"]) for i in report["issues"] if i["severity"] == "error"] == [("as_of_unknown", "A1")]
    assert {r["as_of"] for r in report["records"]} == {"2018-12-31"}  # the date proposed, shown before it is confirmed
    proc = run("inspect", path, "--json", "--as-of", "2018-09-30", check_rc=0)
    (report,) = json.loads(proc.stdout)["files"]
    assert {(r["year"], r["as_of"]) for r in report["records"]} == {(2018, "2018-09-30")}
    assert report["sheets"][0]["as_of_from"] == "options"


def test_year_given_on_the_command_line_settles_a_conflict(tmp_path):
    path = _report_without_date(tmp_path, "BÁO CÁO GIẢI NGÂN NĂM 2017, tính đến ngày 30/9/2018")
    proc = run("inspect", path, "--json", check_rc=1)
    (report,) = json.loads(proc.stdout)["files"]
    assert "context_conflict" in {i["code"] for i in report["issues"] if i["severity"] == "error"}
    proc = run("inspect", path, "--json", "--year", "2018", "--as-of", "2018-09-30", check_rc=0)
    (report,) = json.loads(proc.stdout)["files"]
    assert {(r["year"], r["as_of"]) for r in report["records"]} == {(2018, "2018-09-30")}


def test_a_date_given_outside_the_year_given_is_an_error(tmp_path):
    path = _report_without_date(tmp_path)
    proc = run("inspect", path, "--json", "--year", "2018", "--as-of", "2016-09-30", check_rc=1)
    (report,) = json.loads(proc.stdout)["files"]
    assert [i["code"] for i in report["issues"] if i["severity"] == "error"] == ["date_outside_year"]


def test_summary_by_commune(tmp_path):
    from tests.test_communes_reader import _workbook

    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    report = _workbook(tmp_path / "mt.xlsx", ["UBND HUYỆN MƯỜNG TÈ"], [[1, "Xã Bum Tở", 100, 90],
                                                                     [2, "Thị trấn Mường Tè", 300, 200]])
    run("import", report, "--db", db, check_rc=0)
    rows = json.loads(run("summary", "--db", db, "--json", "--level", "commune", check_rc=0).stdout)["rows"]
    assert [(r["district_code"], r["commune_code"], r["plan"], r["disbursed"]) for r in rows] == [
        ("107", "03433", 300.0, 200.0), ("107", "03454", 100.0, 90.0)]
    (district,) = json.loads(run("summary", "--db", db, "--json", check_rc=0).stdout)["rows"]
    assert (district["district_code"], district["plan"], district["disbursed"]) == ("107", 400.0, 290.0)
