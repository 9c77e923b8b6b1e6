"""Text catalogues, one per language (data/i18n/<lang>.toml); Vietnamese first."""

from __future__ import annotations

import datetime as dt
import string
import tomllib
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from .reference import ROOT

I18N_DIR = ROOT / "data" / "i18n"
LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
# Babel's locale for each language: numbers and dates the Vietnamese way (368.450) or the British one
LOCALES = {"vi": "vi_VN", "en": "en_GB"}
# A date in a message, as figures.fmt.date writes it: 31/10/2017 (vi), 31 Oct 2017 (en)
DATE_PATTERNS = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}
# A moment (an audit row, a sign-in): 31/10/2017 14:05 in Vietnamese, 31 Oct 2017, 14:05 in English
TIMESTAMP_PATTERNS = {"vi": "dd/MM/yyyy HH:mm", "en": "d MMM yyyy, HH:mm"}
# Plain "en" writes "Sep"; en_GB's CLDR data writes "Sept" (as figures.fmt.date).
TIMESTAMP_LOCALES = {"vi": "vi_VN", "en": "en"}


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


class _PluralFormatter(string.Formatter):
    """str.format, where a field ``{n:file|files}`` writes the form of the word that the count n takes in the
    language (Babel's CLDR plural rules: English 'one' takes the first form; Vietnamese has none)."""

    def __init__(self, lang: str) -> None:
        self.locale = Locale.parse(LOCALES.get(lang, LOCALES[DEFAULT_LANGUAGE]))

    def format_field(self, value: Any, format_spec: str) -> str:
        if "|" not in format_spec:
            return super().format_field(value, format_spec)
        one, other = format_spec.split("|", 1)
        if isinstance(value, str):  # a count already written for the page ('1.234', '1,234'): its digits
            digits = "".join(ch for ch in value if ch.isdigit())
            value = int(digits) if digits else 0
        return one if self.locale.plural_form(abs(value)) == "one" else other


@lru_cache(maxsize=len(LANGUAGES))
def _plural_formatter(lang: str) -> _PluralFormatter:
    return _PluralFormatter(lang)


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """The text for key in lang, with {params} filled in; the key itself if missing.

    A field {n:district|districts} is the word in the form the count n asks for ('1 district', '2 districts').
    """
    text = catalogue(lang).get(key) or catalogue(DEFAULT_LANGUAGE).get(key) or key
    if not params:
        return text
    return _plural_formatter(lang).format(text, **params) if "|" in text else text.format(**params)


def thousands(n: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """A count with the language's thousands separator, for messages: 100.000.000 (vi), 100,000,000 (en)."""
    return format_decimal(n, format="#,##0", locale=LOCALES.get(lang, LOCALES[DEFAULT_LANGUAGE]))


def number(value: float, lang: str = DEFAULT_LANGUAGE, digits: int = 3) -> str:
    """A number in a message, rounded half up to at most digits decimals: 294.619 / 368.452,5 (vi), 294,619 (en)."""
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
    # -0.0001 rounds to -0: show it as 0
    return format_decimal(rounded if rounded != 0 else abs(rounded), format=pattern,
                          locale=LOCALES.get(lang, LOCALES[DEFAULT_LANGUAGE]))


def rate(value: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """A rate given in percent, for messages, to one decimal: 103,1 (vi), 103.1 (en); the template adds '%'."""
    return number(value, lang, digits=1)


def date(day: dt.date, lang: str = DEFAULT_LANGUAGE) -> str:
    """A date in a message: '31/10/2017' (vi), '31 Oct 2017' (en)."""
    return format_date(day, DATE_PATTERNS.get(lang, DATE_PATTERNS[DEFAULT_LANGUAGE]),
                       locale=TIMESTAMP_LOCALES.get(lang, TIMESTAMP_LOCALES[DEFAULT_LANGUAGE]))


def timestamp(moment: dt.datetime | str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A moment to the minute: '31/10/2017 14:05' (vi), '31 Oct 2017, 14:05' (en)."""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return format_datetime(moment, TIMESTAMP_PATTERNS.get(lang, TIMESTAMP_PATTERNS[DEFAULT_LANGUAGE]),
                           locale=TIMESTAMP_LOCALES.get(lang, TIMESTAMP_LOCALES[DEFAULT_LANGUAGE]))
