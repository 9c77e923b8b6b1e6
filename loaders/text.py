"""Text normalisation shared by every matcher: accents, case and spacing."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[\.,;:_\-–—/\\()\[\]\"'`]+")


@lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    s = unicodedata.normalize("NFD", text)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = s.replace("đ", "d").replace("Đ", "D").lower()
    s = _PUNCT.sub(" ", s)
    return _SPACES.sub(" ", s).strip()


def fold(text: object) -> str:
    """Accent-, case-, punctuation- and spacing-insensitive key for matching (cached: labels repeat)."""
    return _fold(text if isinstance(text, str) else str(text))
