"""An analyst's column mapping: applied by hand, saved as a profile, found again by header signature."""

from openpyxl import Workbook

from loaders import inspect_file
from loaders.options import ColumnChoice, ReaderOptions
from store.profiles import delete_profile, find_profile, list_profiles, save_profile


def _odd_report(path):
    """Headers the synonyms table does not know: 'Vốn A' and 'Vốn B'."""
    wb = Workbook()
    ws = wb.active
    ws.title = "BC"
    ws.append(["BÁO CÁO GIẢI NGÂN NĂM 2017"])
    ws.append(["(Tính đến ngày 31/10/2017)"])
    ws.append(["Đơn vị", "Cột lạ 1", "Cột lạ 2", "Ghi chép"])
    ws.append(["Huyện Mường Tè", 1000.0, 400.0, "x"])
    ws.append(["Huyện Sìn Hồ", 2000.0, 900.0, "y"])
    wb.save(path)
    return path


MAPPING = ReaderOptions(
    header_rows=(3, 3),
    columns={"B": ColumnChoice("value", "plan", "local"), "C": ColumnChoice("value", "disbursed", "local"),
             "D": ColumnChoice("ignore")},
)


def test_unknown_headers_read_with_an_explicit_mapping(tmp_path):
    path = _odd_report(tmp_path / "odd.xlsx")
    assert not inspect_file(path).ok  # nothing understood: no table
    report = inspect_file(path, options={"BC": MAPPING})
    assert report.ok, report.issues
    got = sorted((r.district_code, r.measure, r.source, r.value, r.cell) for r in report.records)
    assert got == [("107", "disbursed", "local", 400.0, "C4"), ("107", "plan", "local", 1000.0, "B4"),
                   ("108", "disbursed", "local", 900.0, "C5"), ("108", "plan", "local", 2000.0, "B5")]


def test_options_round_trip_as_json():
    assert ReaderOptions.from_json(MAPPING.to_json()) == MAPPING


def test_saved_profile_applies_by_itself_next_time(engine, tmp_path):
    path = _odd_report(tmp_path / "odd.xlsx")
    signature = inspect_file(path, options={"BC": MAPPING}).sheets[0]["signature"]
    save_profile(engine, signature, "Mường Tè kiểu cũ", MAPPING, user="analyst")
    again = inspect_file(_odd_report(tmp_path / "odd2.xlsx"), profile_lookup=lambda s: find_profile(engine, s))
    assert again.ok and len(again.records) == 4
    assert again.sheets[0]["profile"] == "Mường Tè kiểu cũ"
    assert [p["name"] for p in list_profiles(engine)] == ["Mường Tè kiểu cũ"]
    save_profile(engine, signature, "đổi tên", MAPPING, user="analyst")  # edit = save again
    assert [p["name"] for p in list_profiles(engine)] == ["đổi tên"]
    assert delete_profile(engine, signature) and not delete_profile(engine, signature)
    assert find_profile(engine, signature) is None


def test_round_two_options_round_trip_and_a_profile_keeps_the_layout_only():
    from pages._upload_ui import layout_of

    given = ReaderOptions(header_rows=(4, 5), columns={"C": ColumnChoice("value", "poor_households", None, "107", "start"),
                                                       "D": ColumnChoice("before", "plan"), "E": ColumnChoice("of_which")},
                          last_row=12, year=2018, as_of="2018-09-30")
    assert ReaderOptions.from_json(given.to_json()) == given
    kept = layout_of(given)  # what the Upload page saves: the year, date and last row are the file's, not the layout's
    assert kept == ReaderOptions(header_rows=(4, 5), columns=given.columns)
    assert layout_of(ReaderOptions(year=2018, as_of="2018-09-30", last_row=9)) is None
