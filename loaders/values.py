"""Cell values to numbers, years and dates: Vietnamese separators, dashes, Excel serials."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from .i18n import number, t
from .records import Severity
from .reference import measures

BLANKS = frozenset({"", "-", "–", "—", "x", "..."})
# No cell of a report holds more than this, whatever its unit (the whole national programme is
# about 4.8e13 đồng); above it, a typo or an attack. Finite sums of such values cannot overflow.
MAX_ABS_VALUE = 1e15
_DATE_TEXT = re.compile(r"^\s*(\d{1,2})\s*[/\.\-]\s*(\d{1,2})\s*[/\.\-]\s*(\d{4})\s*$")
_ISO_TEXT = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def is_blank(value: object) -> bool:
    """True for empty cells and the dashes reports use for 'nothing'."""
    return value is None or (isinstance(value, str) and value.strip().lower() in BLANKS)


def parse_number(value: object) -> float | None:
    """A finite, plausible number from a cell: None when blank; ValueError otherwise.

    Text follows Vietnamese usage: '.' groups thousands and ',' marks decimals
    ("1.234,5", "12.345.000"); a single '.' followed by other than three digits
    is a decimal point ("45.3").
    """
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        return _plausible(float(value))
    if is_blank(value):
        return None
    text = str(value).strip().replace("\u00a0", "").replace(" ", "").rstrip("%")
    negative = text.startswith("(") and text.endswith(")")
    text = text.strip("()")
    if "," in text and "." in text:
        # whichever comes last is the decimal mark
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        parts = text.split(",")
        if len(parts) > 2 or (len(parts) == 2 and len(parts[1]) == 3 and len(parts[0]) <= 3 and parts[0] not in ("0", "-0")):
            text = text.replace(",", "")  # 1,234 or 1,234,567: English grouping
        else:
            text = text.replace(",", ".")
    elif text.count(".") > 1 or re.fullmatch(r"-?\d{1,3}\.\d{3}", text):
        text = text.replace(".", "")  # 12.345.000 or 1.234: Vietnamese grouping
    number = _plausible(float(text))
    return -number if negative else number


def _plausible(number: float) -> float:
    """The number, or ValueError for inf, NaN and amounts beyond MAX_ABS_VALUE."""
    if not math.isfinite(number) or abs(number) > MAX_ABS_VALUE:
        raise ValueError(number)
    return number


def implausible(measure: str, value: float, lang: str = "vi") -> tuple[Severity, str, dict[str, Any]] | None:
    """(severity, issue code, message parameters) for a value too large for its measure; None when plausible.

    parse_number only refuses what no cell can hold; this knows what one district's cell can: the
    bounds are rows of data/reference/measures.csv (warn_above, error_above, in the measure's unit).
    """
    m = measures().get(measure)
    if m is None:
        return None
    if m.error_above is not None and value > m.error_above:
        severity, code, bound = Severity.ERROR, "value_too_large", m.error_above
    elif m.warn_above is not None and value > m.warn_above:
        severity, code, bound = Severity.WARNING, "implausible_value", m.warn_above
    else:
        return None
    return severity, code, dict(value=number(value, lang), bound=number(bound, lang), measure=m.label(lang),
                                unit=t(f"data.unit_{m.unit}", lang))


def parse_year(value: object) -> int:
    """A year from a cell (2017, 2017.0, '2017', 'Năm 2017'); ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    match = re.search(r"(19|20)\d{2}", str(value))
    if not match or len(re.sub(r"\D", "", str(value))) != 4:
        raise ValueError(value)
    return int(match.group(0))


def parse_date(value: object) -> dt.date:
    """A date from a cell: a real date, an Excel serial, dd/mm/yyyy or ISO text."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 20000 < value < 80000:
        return _EXCEL_EPOCH + dt.timedelta(days=int(value))
    text = str(value)
    if m := _DATE_TEXT.match(text):
        day, month, year = (int(g) for g in m.groups())
        return dt.date(year, month, day)
    if m := _ISO_TEXT.match(text):
        year, month, day = (int(g) for g in m.groups())
        return dt.date(year, month, day)
    raise ValueError(value)


_VI_EVIDENCE = (re.compile(r"^-?\d{1,3}(\.\d{3}){2,}(,\d+)?$"), re.compile(r"^-?[\d.]*\d,\d+$"))
_EN_EVIDENCE = (re.compile(r"^-?\d{1,3}(,\d{3}){2,}(\.\d+)?$"), re.compile(r"^-?[\d,]*\d\.(\d{1,2}|\d{4,})$"))
_ONE_DOT_THREE = re.compile(r"^-?\d{1,3}\.\d{3}$")
_ONE_COMMA_THREE = re.compile(r"^-?\d{1,3},\d{3}$")


def _evidence(text: str) -> int:
    """+1 when a text shows Vietnamese separators, -1 when English, 0 when it cannot tell."""
    t = text.strip().replace(" ", "").replace("\u00a0", "").rstrip("%")
    if any(p.match(t) for p in _VI_EVIDENCE):
        return 1
    if any(p.match(t) for p in _EN_EVIDENCE):
        return -1
    return 0


def parse_column(values: list[object]) -> list[tuple[float | None, str | None]]:
    """Parse a column of cells, deciding ambiguous text from the rest of the column.

    Returns (value, problem) per cell; problem is None, 'bad_number' or
    'ambiguous_number' (parsed, but the column could not settle how).
    "1.234" is 1234 where the column writes Vietnamese ("2.345,6"), 1.234 where
    it writes English ("2,345.6"); with no evidence Vietnamese is assumed.
    """
    evidence = [_evidence(v) if isinstance(v, str) else 0 for v in values]
    # Many cells like "12.345" and none otherwise: 3-digit decimals everywhere are unlikely, so grouping.
    dotted = sum(1 for v in values if isinstance(v, str) and _ONE_DOT_THREE.match(v.strip()))
    if dotted >= 3 and not any(evidence):
        evidence = [1 if isinstance(v, str) and _ONE_DOT_THREE.match(v.strip()) else 0 for v in values]
    total = sum(evidence)
    out: list[tuple[float | None, str | None]] = []
    for value, own in zip(values, evidence):
        if not isinstance(value, str):
            try:
                out.append((parse_number(value), None))
            except ValueError:
                out.append((None, "bad_number"))
            continue
        others = total - own  # what the rest of the column says
        text = value.strip().replace(" ", "").replace("\u00a0", "")
        try:
            if _ONE_DOT_THREE.match(text):
                out.append((float(text.replace(".", "")) if others >= 0 else float(text), "ambiguous_number" if others == 0 else None))
            elif _ONE_COMMA_THREE.match(text):
                out.append((float(text.replace(",", ".")) if others > 0 else float(text.replace(",", "")), "ambiguous_number" if others == 0 else None))
            elif own == -1 and others >= 0 and "," not in text:
                out.append((parse_number(text), "ambiguous_number"))  # "1.5" where the column is not English
            else:
                out.append((parse_number(value), None))
        except ValueError:
            out.append((None, "bad_number"))
    return out
