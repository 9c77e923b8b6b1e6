"""Canonical records and validation issues: what every reader produces."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple


class Dataset(StrEnum):
    """The three kinds of fact the store holds."""

    FUNDING = "funding"
    POVERTY = "poverty"
    TARGET = "target"


class Severity(StrEnum):
    """An error blocks a file from import; a warning does not."""

    ERROR = "error"
    WARNING = "warning"


class Record(NamedTuple):  # the first seven fields and the last are the fact's key
    """One value read from a spreadsheet cell, in canonical form.

    Funding values are in million VND, poverty values are household counts,
    target values are percentages. A NamedTuple: a large file makes hundreds of
    thousands of these, and tuples are the cheapest immutable records Python has. ``component`` and ``source`` are None where
    the dataset has no such dimension. ``commune_code`` is a commune's GSO code (5 digits) for a value of one
    commune of ``district_code``, or a provincial agency's code (reference.agencies) under a province's own
    level (``district_code`` 'T12': reference.province_level_code); '' for the unit's own value.
    """

    dataset: Dataset
    district_code: str
    year: int
    as_of: dt.date
    component: str | None
    source: str | None
    measure: str
    value: float
    sheet: str
    cell: str
    commune_code: str = ""

    @property
    def key(self) -> tuple[str, str, int, dt.date, str, str, str, str]:
        """The identity of the fact: two records with one key are the same fact."""
        return (
            self.dataset._value_,
            self.district_code,
            self.year,
            self.as_of,
            self.component or "",
            self.source or "",
            self.measure,
            self.commune_code,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as printed by ``inspect --json``."""
        d = self._asdict()
        d["dataset"] = self.dataset.value
        d["as_of"] = self.as_of.isoformat()
        return d


@dataclass(frozen=True)
class Issue:
    """A problem found in a file, with where a person can find it."""

    severity: Severity
    code: str
    message: str
    sheet: str | None = None
    cell: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as printed by ``inspect --json``."""
        return {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "sheet": self.sheet,
            "cell": self.cell,
        }


@dataclass
class FileReport:
    """What one file yielded: its records and the issues found on the way."""

    path: str
    records: list[Record] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    sha256: str = ""
    # what was understood of each sheet (layout, header rows, columns …), for people to check
    sheets: list[dict[str, Any]] = field(default_factory=list)
    # the batch that already holds these exact bytes, when an import found it before reading (nothing read)
    already_imported: int | None = None

    @property
    def ok(self) -> bool:
        """True when no issue is an error."""
        return not any(i.severity is Severity.ERROR for i in self.issues)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.WARNING]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as printed by ``inspect --json``."""
        return {
            "path": self.path,
            "ok": self.ok,
            "sha256": self.sha256,
            "records": [r.to_dict() for r in self.records],
            "issues": [i.to_dict() for i in self.issues],
            "sheets": self.sheets,
            **({"already_imported": self.already_imported} if self.already_imported is not None else {}),
        }
