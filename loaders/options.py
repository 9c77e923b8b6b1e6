"""Reader options an analyst sets by hand: which rows are the header, what each column is, which province."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from .synonyms import Meaning

# What a column can be made to mean (the data model's fields).
KINDS = ("value", "total", "rate", "label", "stt", "year", "as_of", "ignore")


@dataclass(frozen=True)
class ColumnChoice:
    """The meaning of one column, chosen by a person instead of guessed from its header."""

    kind: str  # one of KINDS
    measure: str | None = None  # plan, disbursed, households … for value, total and rate
    source: str | None = None
    district: str | None = None

    def meaning(self) -> Meaning:
        """The same choice in the reader's terms."""
        if self.kind in ("label", "stt", "year", "as_of", "ignore"):
            return Meaning(role=self.kind)
        return Meaning(measure=self.measure, source=self.source, is_rate=self.kind == "rate",
                       is_total=self.kind == "total")


@dataclass(frozen=True)
class ReaderOptions:
    """How to read one sheet: header rows (Excel numbers, inclusive), column choices by letter, and
    the province (GSO code) whose districts the rows name, when not the one the title block says."""

    header_rows: tuple[int, int] | None = None
    columns: dict[str, ColumnChoice] = field(default_factory=dict)
    province_code: str | None = None

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
        )
