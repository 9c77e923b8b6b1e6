import csv

import pytest

from loaders.reference import (
    REFERENCE_DIR,
    components,
    districts,
    leaf_components,
    match_district,
    sources,
    status_30a,
)


def test_eight_districts_with_gso_codes():
    assert list(districts()) == [str(c) for c in range(105, 113)]
    assert districts()["107"].name_vi == "Huyện Mường Tè"


@pytest.mark.parametrize(
    "name, code",
    [
        ("TP Lai Châu", "105"),
        ("Thị xã Lai Châu", "105"),
        ("H. Tam Đường", "106"),
        ("HUYỆN MƯỜNG TÈ", "107"),
        ("huyen muong te", "107"),
        ("Sìn Hồ", "108"),
        ("Phong Tho", "109"),
        ("Than Uyên", "110"),
        ("Tân Uyên", "111"),
        ("Nậm Nhìn", "112"),
        ("112", "112"),
        (112.0, "112"),
    ],
)
def test_aliases(name, code):
    assert match_district(name)[0] == code


def test_than_uyen_and_tan_uyen_stay_apart():
    assert match_district("Than Uyen")[0] == "110"
    assert match_district("Tan Uyen")[0] == "111"


def test_unknown_name_suggests_closest():
    code, score, closest = match_district("Hà Nội")
    assert code is None and score < 88 and closest


def test_leaf_components_exclude_projects_with_sub_projects():
    leaves = leaf_components()
    assert "1" not in leaves and "2" not in leaves
    assert {"1.1", "2.3", "3", "4", "5"} <= set(leaves)
    assert all(c.parent_code in (None, "1", "2") for c in components().values())


def test_sources_and_30a_status():
    assert set(sources()) == {"central_investment", "central_recurrent", "local", "integrated", "mobilised"}
    assert status_30a()[("110", 2018)] is True and status_30a()[("110", 2019)] is False
    assert status_30a()[("105", 2017)] is False


def test_every_alias_names_a_known_district():
    with open(REFERENCE_DIR / "district_aliases.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(r["district_code"] in districts() for r in rows)
    assert all(match_district(r["alias"])[0] == r["district_code"] for r in rows)
