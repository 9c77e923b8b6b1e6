"""Text normalisation shared by every matcher: accents, case and spacing."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[\.,;:_\-–—/\\()\[\]\"'`]+")


def nfc(text: str) -> str:
    """Composed Unicode (NFC), trimmed, with runs of white space made one space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: object) -> str:
    """Accent-, case-, punctuation- and spacing-insensitive key for matching."""
    s = unicodedata.normalize("NFD", str(text))
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = s.replace("đ", "d").replace("Đ", "D").lower()
    s = _PUNCT.sub(" ", s)
    return _SPACES.sub(" ", s).strip()
