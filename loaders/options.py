"""Reader options an analyst sets by hand: which rows are the header, what each column is, which province."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from .synonyms import Meaning

# What a column can be made to mean (the data model's fields). of_which: a part of another column (never
# added); before / adjustment: the plan before adjustment and the change (the plan after it is the value).
KINDS = ("value", "total", "rate", "of_which", "before", "adjustment", "label", "stt", "year", "as_of", "ignore")
PERIODS = ("start", "end")  # a count at the start of the period (1 January) or at its end (the usual)


@dataclass(frozen=True)
class ColumnChoice:
    """The meaning of one column, chosen by a person instead of guessed from its header."""

    kind: str  # one of KINDS
    measure: str | None = None  # plan, disbursed, households … for value, total and rate
    source: str | None = None
    district: str | None = None
    period: str | None = None  # one of PERIODS, for counts given at two dates; None: the end

    def meaning(self) -> Meaning:
        """The same choice in the reader's terms."""
        if self.kind in ("label", "stt", "year", "as_of", "ignore"):
            return Meaning(role=self.kind)
        if self.kind in ("before", "adjustment"):
            return Meaning(measure="plan", source=self.source, stage=self.kind)
        return Meaning(measure=self.measure, source=self.source, is_rate=self.kind == "rate",
                       is_total=self.kind == "total", subgroup=self.kind == "of_which",
                       period="start" if self.period == "start" else None,
                       stage="after" if self.kind == "value" and self.measure == "plan" else None)


@dataclass(frozen=True)
class ReaderOptions:
    """How to read one sheet: header rows (Excel numbers, inclusive), column choices by letter,
    the province (GSO code) whose districts the rows name, when not the one the title block says,
    and the year and as-of date where the file does not say them."""

    header_rows: tuple[int, int] | None = None
    columns: dict[str, ColumnChoice] = field(default_factory=dict)
    province_code: str | None = None
    last_row: int | None = None  # Excel number of the table's last row, where the reader cannot tell
    year: int | None = None  # the sheet's year, where the file does not say it (or says it twice)
    as_of: str | None = None  # ISO date of the figures, where the file does not say it (or says it twice)

    def to_json(self) -> str:
        """Stable JSON, as stored in a mapping profile."""
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ReaderOptions:
        data: dict[str, Any] = json.loads(text)
        rows = data.get("header_rows")
        province = data.get("province_code")  # absent from options saved before provinces were chosen
        return cls(
            header_rows=(int(rows[0]), int(rows[1])) if rows else None,
            columns={k: ColumnChoice(**v) for k, v in (data.get("columns") or {}).items()},
            province_code=str(province) if province else None,
            last_row=int(data["last_row"]) if data.get("last_row") else None,
            year=int(data["year"]) if data.get("year") else None,
            as_of=str(data["as_of"]) if data.get("as_of") else None,
        )
