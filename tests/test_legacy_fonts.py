import unicodedata

import pytest

from loaders.legacy_fonts import (
    Encoding,
    detect_encoding,
    encoding_from_font,
    fix_text,
    is_uppercase_font,
    legacy_table,
    to_unicode,
)

LETTERS = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
ALL_LETTERS = LETTERS + LETTERS.upper()
VIETNAMESE = sorted(ch for ch in ALL_LETTERS if not ch.isascii())
LEGACY = (Encoding.TCVN3, Encoding.VNI)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def legacy_form(text: str, encoding: Encoding) -> tuple[str, bool]:
    """Text written back in a legacy encoding; TCVN3 capitals use the lowercase codes of an H font."""
    inverse = {uni: leg for leg, uni in legacy_table(encoding).items()}
    if encoding is Encoding.TCVN3 and any(not ch.isascii() and ch not in inverse for ch in text):
        return "".join(inverse.get(ch, ch) for ch in text.lower()), True
    return "".join(inverse.get(ch, ch) for ch in text), False


def test_tables_are_complete_and_consistent():
    assert len(VIETNAMESE) == 134
    vni, tcvn3 = legacy_table(Encoding.VNI), legacy_table(Encoding.TCVN3)
    assert sorted(vni.values()) == VIETNAMESE
    # VN3 has the 67 lowercase letters plus the untoned capitals Ă Â Ê Ô Ơ Ư Đ.
    assert sorted(tcvn3.values()) == sorted([ch for ch in VIETNAMESE if ch.islower()] + list("ĂÂÊÔƠƯĐ"))
    for table in (vni, tcvn3):
        assert len(set(table.values())) == len(table)
        assert all(unicodedata.is_normalized("NFC", uni) for uni in table.values())
    assert all(len(leg) == 1 and 0xA1 <= ord(leg) <= 0xFE for leg in tcvn3)


@pytest.mark.parametrize(
    "encoding, legacy, expected",
    [(enc, leg, uni) for enc in LEGACY for leg, uni in legacy_table(enc).items()],
)
def test_every_table_row_converts(encoding, legacy, expected):
    assert to_unicode(legacy, encoding) == expected


@pytest.mark.parametrize("encoding", LEGACY)
@pytest.mark.parametrize("letter", ALL_LETTERS)
def test_every_letter_round_trips(encoding, letter):
    legacy, uppercase_font = legacy_form(letter, encoding)
    assert to_unicode(legacy, encoding, uppercase_font) == letter


@pytest.mark.parametrize("encoding", LEGACY)
@pytest.mark.parametrize("text", [LETTERS, LETTERS.upper(), "Uỷ ban nhân dân huyện Mường Tè"])
def test_whole_strings_round_trip(encoding, text):
    legacy, uppercase_font = legacy_form(text, encoding)
    assert to_unicode(legacy, encoding, uppercase_font) == text


PHRASES = [
    ("HuyÖn M\xadêng TÌ", Encoding.TCVN3, "Huyện Mường Tè"),
    ("Thµnh phè Lai Ch©u", Encoding.TCVN3, "Thành phố Lai Châu"),
    ("Tæng céng", Encoding.TCVN3, "Tổng cộng"),
    ("Kinh phÝ", Encoding.TCVN3, "Kinh phí"),
    ("§¬n vÞ tÝnh: triÖu ®ång", Encoding.TCVN3, "Đơn vị tính: triệu đồng"),
    ("UBND TØnh B¾c Ninh", Encoding.TCVN3, "UBND Tỉnh Bắc Ninh"),
    ("Céng hßa x· héi chñ nghÜa ViÖt Nam", Encoding.TCVN3, "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("§éc lËp - Tù do - H¹nh phóc", Encoding.TCVN3, "Độc lập - Tự do - Hạnh phúc"),
    ("Huyeän Möôøng Teø", Encoding.VNI, "Huyện Mường Tè"),
    ("Thaønh phoá Lai Chaâu", Encoding.VNI, "Thành phố Lai Châu"),
    ("UBND Tænh Baéc Ninh", Encoding.VNI, "UBND Tỉnh Bắc Ninh"),
    ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", Encoding.VNI, "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("Ñoäc laäp - Töï do - Haïnh phuùc", Encoding.VNI, "Độc lập - Tự do - Hạnh phúc"),
    ("Ñôn vò tính: trieäu ñoàng", Encoding.VNI, "Đơn vị tính: triệu đồng"),
    ("Nguyeãn Thò Mò, baùc só, Myõ, Söï", Encoding.VNI, "Nguyễn Thị Mị, bác sĩ, Mỹ, Sự"),
]


@pytest.mark.parametrize("legacy, encoding, expected", PHRASES)
def test_phrases_convert(legacy, encoding, expected):
    assert to_unicode(legacy, encoding) == expected


@pytest.mark.parametrize("legacy, encoding, expected", PHRASES)
def test_phrases_are_detected_and_fixed_without_font(legacy, encoding, expected):
    assert detect_encoding([legacy]) is encoding
    assert fix_text(legacy) == (expected, encoding)


@pytest.mark.parametrize(
    "text",
    [
        "Huyện Mường Tè",
        "Huyen Muong Te",
        "Total disbursement by district",
        "1.234.567,89",
        "2019",
        "Đơn vị tính: triệu đồng",
        "Tè",
        "Café crème brûlée, naïve, año, Noël, Müller, São Paulo",
        "5 × 3 · 10 °C, 25 m²",
        nfd("Thành phố Lai Châu"),
        "",
    ],
)
def test_unicode_and_plain_text_stay_unicode(text):
    assert detect_encoding([text]) is Encoding.UNICODE
    assert fix_text(text) == (unicodedata.normalize("NFC", text), Encoding.UNICODE)


def test_detection_weighs_many_texts():
    texts = ["Tæng céng", "Kinh phÝ", "HuyÖn M\xadêng TÌ", "Tổng số", "2020"]
    assert detect_encoding(texts) is Encoding.TCVN3
    assert detect_encoding(["Huyeän Möôøng Teø", "Thaønh phoá Lai Chaâu"]) is Encoding.VNI


def test_nfd_becomes_nfc():
    decomposed = nfd("Huyện Mường Tè")
    assert decomposed != "Huyện Mường Tè"
    assert to_unicode(decomposed, Encoding.UNICODE) == "Huyện Mường Tè"


@pytest.mark.parametrize(
    "font, expected, uppercase",
    [
        (".VnTime", Encoding.TCVN3, False),
        (".VnTimeH", Encoding.TCVN3, True),
        (".VnArialH", Encoding.TCVN3, True),
        ("VnTime", Encoding.TCVN3, False),
        (".vnarial", Encoding.TCVN3, False),
        ("VNI-Times", Encoding.VNI, False),
        ("VNI-Helve", Encoding.VNI, False),
        ("Times New Roman", None, False),
        ("Arial", None, False),
        (None, None, False),
    ],
)
def test_font_names(font, expected, uppercase):
    assert encoding_from_font(font) is expected
    assert is_uppercase_font(font) is uppercase


@pytest.mark.parametrize(
    "text, font, expected",
    [
        ("HUYÖN", ".VnTimeH", "HUYỆN"),
        ("huyÖn m\xadêng tÌ", ".VnTimeH", "HUYỆN MƯỜNG TÈ"),
        ("UBND HUYÖN M\xadêNG TÌ", ".VnArialH", "UBND HUYỆN MƯỜNG TÈ"),
        ("UBND HUYÖN M\xadêNG TÌ", None, "UBND HUYỆN MƯỜNG TÈ"),
        ("HuyÖn M\xadêng TÌ", ".VnTime", "Huyện Mường Tè"),
    ],
)
def test_tcvn3_capitals_fonts(text, font, expected):
    assert fix_text(text, font) == (expected, Encoding.TCVN3)


def test_font_wins_over_detection():
    # 'Tè' alone reads as Unicode, but a .VnTime cell says it is TCVN3 'Tố'.
    assert fix_text("Tè", ".VnTime") == ("Tố", Encoding.TCVN3)
    assert fix_text("Teø", "VNI-Times") == ("Tè", Encoding.VNI)


def test_unicode_typed_into_a_legacy_font_stays_unicode():
    assert fix_text("Huyện Mường Tè", ".VnTime") == ("Huyện Mường Tè", Encoding.UNICODE)
    assert fix_text(nfd("Tổng cộng"), "VNI-Times") == ("Tổng cộng", Encoding.UNICODE)
