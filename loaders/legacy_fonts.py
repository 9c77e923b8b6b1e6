"""Vietnamese typed in legacy 8-bit fonts (TCVN3/ABC, VNI) turned into Unicode NFC."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from enum import Enum
from functools import cache

from .reference import REFERENCE_DIR


class Encoding(Enum):
    """How the Vietnamese in a cell was typed."""

    UNICODE = "unicode"
    TCVN3 = "tcvn3"
    VNI = "vni"


_TABLE_FILES = {Encoding.TCVN3: "legacy_tcvn3.csv", Encoding.VNI: "legacy_vni.csv"}

# Letters and marks that a cp1252-decoded legacy byte can never produce: their presence proves Unicode.
_UNICODE_ONLY = re.compile(
    "[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169\u01a0\u01a1\u01af\u01b0\u0300-\u036f\u1ea0-\u1ef9]"
)
# A word is a run of anything but spaces, ASCII digits/punctuation and typographic punctuation;
# Latin-1 symbols stay inside words because TCVN3 uses them as letters ('§' Đ, '¸' á, '\xad' ư).
_WORD = re.compile(r"[^\s!-@\[-`{-~\u2010-\u206f]+")
_ASCII_LETTER = re.compile("[A-Za-z]")

# Vietnamese syllable shape (tones removed): initial consonant, vowel nucleus, final consonant.
_INITIALS = "ngh ng nh ch gh gi kh ph qu th tr b c d đ g h k l m n p q r s t v x".split()
_NUCLEI = (
    "a ă â e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iê iu oa oă oe oi ôi ơi ua uâ uê ui uô uơ ưa ưi ươ ưu uy yê "
    "iêu yêu oai oay oao oeo uây uôi ươi ươu uya uyê uyu"
).split()
_FINALS = "ch ng nh c m n p t".split()


def _alternation(words: list[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_SYLLABLE = re.compile(f"(?:{_alternation(_INITIALS)})?(?:{_alternation(_NUCLEI)})(?:{_alternation(_FINALS)})?")
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


@cache
def legacy_table(encoding: Encoding) -> dict[str, str]:
    """Legacy string → Unicode letter for TCVN3 or VNI, read once from data/reference."""
    with open(REFERENCE_DIR / _TABLE_FILES[encoding], encoding="utf-8", newline="") as fh:
        return {r["legacy"]: r["unicode"] for r in csv.DictReader(fh) if not r["legacy"].startswith("#")}


@cache
def _legacy_pattern(encoding: Encoding) -> re.Pattern[str]:
    # Longest first, so VNI 'oâ' (ô) wins over 'ô' (ơ) and 'ôù' (ớ) over 'ô'.
    return re.compile(_alternation([re.escape(k) for k in legacy_table(encoding)]))


def encoding_from_font(font_name: str | None) -> Encoding | None:
    """Encoding implied by a font name: '.Vn…' is TCVN3, 'VNI-…' is VNI, anything else unknown."""
    name = (font_name or "").strip().lower()
    if name.startswith(("vni-", "vni ", "vni_")):
        return Encoding.VNI
    if name.lstrip(".").startswith("vn"):
        return Encoding.TCVN3
    return None


def is_uppercase_font(font_name: str | None) -> bool:
    """Whether the font is a TCVN3 capitals font (.VnTimeH …) that shows lowercase codes as capitals."""
    return encoding_from_font(font_name) is Encoding.TCVN3 and (font_name or "").strip().endswith("H")


def to_unicode(text: str, encoding: Encoding, uppercase_font: bool = False) -> str:
    """Text typed in the given encoding as Unicode NFC (upper-cased for TCVN3 capitals fonts)."""
    if encoding is not Encoding.UNICODE:
        table = legacy_table(encoding)
        text = _legacy_pattern(encoding).sub(lambda m: table[m.group()], text)
        if uppercase_font:
            text = text.upper()
    return unicodedata.normalize("NFC", text)


def _is_syllable(word: str) -> bool:
    # Lower, Title or UPPER case only: 'phÝ' is TCVN3 'phí', not a Unicode word.
    if not (word.islower() or word.isupper() or word.istitle()):
        return False
    decomposed = unicodedata.normalize("NFD", word.lower())
    if sum(ch in _TONE_MARKS for ch in decomposed) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONE_MARKS))
    return _SYLLABLE.fullmatch(bare) is not None


def encoding_scores(texts: Iterable[str]) -> dict[Encoding, int]:
    """Per encoding, how many non-ASCII words read as a valid Vietnamese syllable in that encoding."""
    scores = dict.fromkeys(Encoding, 0)
    for text in texts:
        for word in _WORD.findall(text):
            if word.isascii():
                continue
            if _is_syllable(unicodedata.normalize("NFC", word)):
                scores[Encoding.UNICODE] += 1
            # Legacy words are cp1252 and, in practice, mix ASCII letters with the legacy ones;
            # lone symbols ('×', '·', 'µ') would otherwise read as whole syllables.
            if _UNICODE_ONLY.search(word) or not _ASCII_LETTER.search(word):
                continue
            for encoding in (Encoding.TCVN3, Encoding.VNI):
                converted = to_unicode(word, encoding)
                if converted != word and (_is_syllable(converted) or _is_syllable(converted.upper())):
                    scores[encoding] += 1
    return scores


def detect_encoding(texts: Iterable[str]) -> Encoding:
    """Encoding of texts without font information: a legacy one only if it explains more words than Unicode."""
    scores = encoding_scores(texts)
    best = max((Encoding.TCVN3, Encoding.VNI), key=scores.__getitem__)
    # Ties go to Unicode: 'Tè' is a Unicode word and TCVN3 'Tố' alike, and most files are Unicode.
    return best if scores[best] > scores[Encoding.UNICODE] else Encoding.UNICODE


def _looks_capitals(text: str) -> bool:
    # Without a font name, TCVN3 text whose ASCII letters are all capitals was typed in an H font.
    return not re.search("[a-z]", text) and re.search("[A-Z]", text) is not None


def fix_text(text: str, font_name: str | None = None) -> tuple[str, Encoding]:
    """Text as Unicode NFC, with the encoding used: from the font name if it tells, else from the text."""
    if _UNICODE_ONLY.search(text):
        # Whatever the font says, legacy bytes cannot produce these: someone typed Unicode into a .Vn cell.
        return to_unicode(text, Encoding.UNICODE), Encoding.UNICODE
    encoding = encoding_from_font(font_name)
    if encoding is not None:
        return to_unicode(text, encoding, is_uppercase_font(font_name)), encoding
    encoding = detect_encoding([text])
    return to_unicode(text, encoding, encoding is Encoding.TCVN3 and _looks_capitals(text)), encoding
