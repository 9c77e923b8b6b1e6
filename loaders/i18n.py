"""Text catalogues, one per language (data/i18n/<lang>.toml); Vietnamese first."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from typing import Any

from babel.numbers import format_decimal

from .reference import ROOT

I18N_DIR = ROOT / "data" / "i18n"
LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
# Babel's locale for each language: numbers and dates the Vietnamese way (368.450) or the British one
LOCALES = {"vi": "vi_VN", "en": "en_GB"}


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(name, value, out)
        else:
            out[name] = str(value)


@lru_cache(maxsize=len(LANGUAGES))
def catalogue(lang: str) -> dict[str, str]:
    """All texts of one language, keyed 'section.key'."""
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    with open(I18N_DIR / f"{lang}.toml", "rb") as fh:
        out: dict[str, str] = {}
        _flatten("", tomllib.load(fh), out)
    return out


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """The text for key in lang, with {params} filled in; the key itself if missing."""
    text = catalogue(lang).get(key) or catalogue(DEFAULT_LANGUAGE).get(key) or key
    return text.format(**params) if params else text


def thousands(n: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """A count with the language's thousands separator, for messages: 100.000.000 (vi), 100,000,000 (en)."""
    return format_decimal(n, format="#,##0", locale=LOCALES.get(lang, LOCALES[DEFAULT_LANGUAGE]))
