"""Numbers, money, rates and dates written the way each language expects (Babel).

Vietnamese writes 368.450 and 45,3%; English 368,450 and 45.3%. Every figure
the dashboard shows goes through here, so a format is decided in one place.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd
from babel.dates import format_date
from babel.numbers import format_decimal

from loaders.i18n import LOCALES, t
from loaders.text import FORMULA_PREFIXES

MISSING = "–"
DATE_PATTERNS = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}
# Plain "en" writes "Sep"; en_GB's CLDR data writes "Sept".
DATE_LOCALES = {"vi": "vi_VN", "en": "en"}


def _locale(lang: str) -> str:
    return LOCALES.get(lang, LOCALES["vi"])


def _missing(x: Any) -> bool:
    if x is None or x is pd.NaT:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _round(x: float, digits: int) -> Decimal:
    # Babel rounds half to even (368.450,5 → 368.450); reports round half up.
    return Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def number(x: Any, lang: str = "vi", digits: int = 0) -> str:
    """A number with the language's separators, rounded half up to digits; '–' when missing."""
    if _missing(x) or (isinstance(x, float) and math.isinf(x)):
        return MISSING
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    rounded = _round(x, digits)
    # -0.01 rounds to -0.0: show it as 0
    return format_decimal(rounded if rounded != 0 else abs(rounded), format=pattern, locale=_locale(lang))


def decimals(values: Any, most: int = 1) -> int:
    """The decimals a column of figures needs to show what the data hold: 0 for whole numbers, up to most."""
    for digits in range(most):
        if all(_missing(v) or _round(v, digits) == _round(v, most) for v in values):
            return digits
    return most


def numbers(values: Any, lang: str = "vi", most: int = 1) -> list[str]:
    """A column of figures with one number of decimals, as many as the data have up to most (6.050,5 stays 6.050,5)."""
    values = list(values)
    digits = decimals(values, most)
    return [number(v, lang, digits) for v in values]


def money(x: Any, lang: str = "vi", digits: int = 0) -> str:
    """An amount in million VND with its unit: '368.450 triệu đồng' / '368,450 million VND'."""
    if _missing(x):
        return MISSING
    return f"{number(x, lang, digits)} {t('common.million_vnd', lang)}"


def percent(x: Any, lang: str = "vi", digits: int = 1) -> str:
    """A percentage (given as 45.3, not 0.453): '45,3%' / '45.3%'."""
    if _missing(x):
        return MISSING
    return f"{number(x, lang, digits)}%"


def points(x: Any, lang: str = "vi", digits: int = 1) -> str:
    """A signed difference of two rates, in percentage points: '-22,9 điểm %' / '-22.9 pp'."""
    if _missing(x):
        return MISSING
    sign = "+" if _round(x, digits) > 0 else ""
    return f"{sign}{number(x, lang, digits)} {t('common.points', lang)}"


def date(d: Any, lang: str = "vi") -> str:
    """A date: '31/10/2017' (vi) / '31 Oct 2017' (en); '–' when missing."""
    if _missing(d):
        return MISSING
    if isinstance(d, str):
        d = dt.date.fromisoformat(d[:10])
    if isinstance(d, (pd.Timestamp, dt.datetime)):
        d = d.date()
    return format_date(d, DATE_PATTERNS.get(lang, DATE_PATTERNS["vi"]), locale=DATE_LOCALES.get(lang, "vi_VN"))


def plotly_separators(lang: str = "vi") -> str:
    """Plotly's layout.separators: decimal mark then thousands mark."""
    return ".," if lang == "en" else ",."


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy where text cells starting with a formula prefix (= + - @ tab CR) get a leading apostrophe (CSV/Excel injection)."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
            continue
        out[column] = series.map(
            lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v
        )
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV in UTF-8 with a BOM (so Excel reads Vietnamese), formulas neutralised."""
    return neutralise_formulas(frame).to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    """An .xlsx workbook of one sheet (openpyxl), formulas neutralised."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        neutralise_formulas(frame).to_excel(writer, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()
