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


# Text starting with one of these is run as a formula by a spreadsheet (OWASP's CSV injection list): it is
# never a name, and every file the product writes stores it as text. The one definition for the product.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# Markdown (as Streamlit renders it: CommonMark, GFM autolinks, :directives[], $math$) is made of ASCII
# punctuation, and CommonMark lets a backslash make any of it a plain character.
_MARKDOWN_SPECIAL = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")


def escape_markdown(text: object) -> str:
    """Text from a file or a user, shown literally where Markdown is rendered: no link, image, emphasis or icon."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text if isinstance(text, str) else str(text))

