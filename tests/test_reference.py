import csv

import pytest

from loaders.matching import match_district, match_province
from loaders.reference import (
    DEFAULT_PROVINCE,
    REFERENCE_DIR,
    all_districts,
    components,
    district_name,
    districts,
    leaf_components,
    leaf_sources,
    province_of,
    provinces,
    source_parent,
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
    assert set(sources()) == {"central", "central_investment", "central_recurrent", "local", "integrated", "mobilised"}
    # the central budget unsplit is the parent of its two parts; money is stored at one level only
    assert set(leaf_sources()) == set(sources()) - {"central"}
    assert source_parent("central_investment") == source_parent("central_recurrent") == "central"
    assert source_parent("local") is None and source_parent("central") is None
    assert status_30a()[("110", 2018)] is True and status_30a()[("110", 2019)] is False
    assert status_30a()[("105", 2017)] is False


def test_every_alias_names_a_known_district():
    with open(REFERENCE_DIR / "district_aliases.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(r["district_code"] in districts() for r in rows)
    assert all(match_district(r["alias"])[0] == r["district_code"] for r in rows)


# --- the country: 63 provinces, every district, names matched within a province --------------------------------------

LAI_CHAU_ROWS = [  # as they were before the national list: the samples' home must not move
    ("105", "Thành phố Lai Châu", "TP Lai Châu", 7), ("106", "Huyện Tam Đường", "Tam Đường", 14),
    ("107", "Huyện Mường Tè", "Mường Tè", 14), ("108", "Huyện Sìn Hồ", "Sìn Hồ", 22),
    ("109", "Huyện Phong Thổ", "Phong Thổ", 18), ("110", "Huyện Than Uyên", "Than Uyên", 12),
    ("111", "Huyện Tân Uyên", "Tân Uyên", 10), ("112", "Huyện Nậm Nhùn", "Nậm Nhùn", 11),
]


def test_63_provinces_and_every_district():
    assert len(provinces()) == 63 and list(provinces()) == sorted(provinces())
    assert provinces()["01"].name_vi == "Thành phố Hà Nội" and provinces()["96"].short_vi == "Cà Mau"
    assert provinces()[DEFAULT_PROVINCE].name_vi == "Tỉnh Lai Châu"
    assert len({p.region for p in provinces().values()}) == 6
    assert len(all_districts()) >= 700 and list(all_districts()) == sorted(all_districts())
    assert {d.province_code for d in all_districts().values()} == set(provinces())
    with open(REFERENCE_DIR / "districts.csv", encoding="utf-8") as fh:
        codes = [r["code"] for r in csv.DictReader(fh)]
    assert len(codes) == len(set(codes)) and all(len(c) == 3 and c.isdigit() for c in codes)


def test_lai_chau_keeps_its_eight_districts():
    assert list(districts("12")) == list(districts()) == [c for c, *_ in LAI_CHAU_ROWS]
    assert [(d.code, d.name_vi, d.short_vi, d.communes_2017) for d in districts().values()] == LAI_CHAU_ROWS
    assert all(d.communes_2017 is None for d in all_districts().values() if d.province_code != "12")


def test_districts_of_another_province_and_province_of():
    dien_bien = districts("11")
    assert "102" in dien_bien and dien_bien["102"].name_vi == "Huyện Mường Ảng"
    assert all(d.province_code == "11" for d in dien_bien.values())
    assert province_of("107") == "12" and province_of("723") == "74" and province_of("999") is None


@pytest.mark.parametrize(
    "name, province, code",
    [
        ("Tân Uyên", "12", "111"),  # Lai Châu's huyện …
        ("Tân Uyên", "74", "723"),  # … and Bình Dương's thị xã of the same name
        ("Thị xã Tân Uyên", "74", "723"),
        ("Châu Thành", "82", "821"),
        ("Châu Thành", "87", "877"),
        ("Phong Điền", "92", "926"),
        ("Phong Điền", "46", "476"),
        ("Huyện Mường Ảng", "11", "102"),
        ("TP Cao Lãnh", "87", "866"),  # a city and a huyện share the name in Đồng Tháp
        ("Cao Lãnh", "87", "873"),
        ("Thành phố Sầm Sơn", "38", "382"),  # a thị xã in the list, written as the city it became
        ("Q.1", "79", "760"),
        ("107", "74", "107"),  # a GSO code matches whatever the province
        ("723", "12", "723"),
    ],
)
def test_names_match_within_the_province(name, province, code):
    assert match_district(name, province)[0] == code


def test_a_name_from_another_province_is_refused_with_that_province_suggested():
    code, _, closest = match_district("Điện Biên Đông")  # Lai Châu by default
    assert code is None and closest[0] == "101"
    assert district_name("101", "12") == "Huyện Điện Biên Đông (Tỉnh Điện Biên)"
    assert district_name("101", "11") == "Huyện Điện Biên Đông"
    # close to a Lai Châu name, but exactly another province's: not taken as Tân Uyên
    code, score, closest = match_district("Tân Yên")
    assert code is None and score >= 88 and closest[0] == "216"


def test_a_bare_number_is_no_district():
    assert match_district("1", "79")[0] is None  # a row number, not Quận 1


@pytest.mark.parametrize(
    "value, province, code",
    [
        (1, "79", "001"),  # a number from a cell lost its leading zeros: Ba Đình, whatever the province
        (1.0, "12", "001"),
        (96, "12", "096"),
        (96.0, "11", "096"),
        (107, "12", "107"),
        (107.0, "74", "107"),
        (0, "12", None),
        (999, "12", None),
        (1000, "12", None),
        (-1, "12", None),
        (1.5, "12", None),
        (True, "12", None),  # a checkbox, not district 001
        ("1", "79", None),  # text is never padded: a row number
        ("96", "11", None),
        ("001", "12", "001"),  # a code written in full matches as before
        ("096", "12", "096"),
    ],
)
def test_a_numeric_code_is_zero_padded(value, province, code):
    assert match_district(value, province)[0] == code


@pytest.mark.parametrize(
    "text, code",
    [("Tỉnh Lai Châu", "12"), ("UBND TỈNH LAI CHÂU", "12"), ("Lai Chau", "12"), ("TP Hà Nội", "01"),
     ("12", "12"), ("UBND TỈNH ĐIỆN BIÊN", "11"), ("SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI TỈNH BÌNH DƯƠNG", "74"),
     ("Ủy ban nhân dân thành phố Hồ Chí Minh", "79"), ("TP.HCM", "79"), ("Bà Rịa - Vũng Tàu", "77"),
     ("Thừa Thiên Huế", "46"), ("Dien Bien Province", "11"),
     ("Thành phố Lai Châu", None),  # a district (105), not the province
     ("Tính đến ngày 31/10/2017", None), ("1", None), ("Hà Nam Ninh", None)],
)
def test_match_province(text, code):
    assert match_province(text) == code


def test_province_labels():
    assert provinces()["12"].label() == "Lai Châu" and provinces()["12"].label(short=False) == "Tỉnh Lai Châu"
    assert provinces()["12"].label("en", short=False) == "Lai Chau Province" and provinces()["01"].label("en") == "Ha Noi"
