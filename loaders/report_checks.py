"""Checks on a report sheet: totals and group rows against their parts, given rates, plan vs disbursed."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from .i18n import number, rate
from .records import Severity
from .reference import communes, measures, source_parent
from .values import implausible

if TYPE_CHECKING:
    from .report_reader import Column, ReportSheetReader

RATE_TOLERANCE = 0.15  # percentage points: reports round rates
TOTAL_TOLERANCE = 0.5  # million VND or households: reports round amounts




def check_sheet(reader: ReportSheetReader, columns: list[Column], kinds: dict[int, tuple[str, str | None]],
                values: dict[tuple[int, int], float], stored_rows: list[int]) -> None:
    """Add warnings and errors for everything a sheet says about itself that does not add up."""
    grid = reader.grid
    # targets are percentages: a total row's target is no sum of the districts' (nor a group's)
    value_cols = [c for c in columns if c.kind in ("value", "total") and measures()[c.measure].dataset != "target"]

    def mismatch(r: int, c: int, expected: float, parts: str) -> None:
        reader.issue(Severity.WARNING, "total_mismatch", grid.cell(r, c), value=number(values[(r, c)], reader.lang), expected=number(expected, reader.lang), parts=parts)

    # total rows against the rows they total; the file's own totals are kept for the preview
    if stored_rows:
        for r, (kind, _) in kinds.items():
            if kind != "total":
                continue
            for col in value_cols:
                if (r, col.index) not in values:
                    continue
                parts = [values[(s, col.index)] for s in stored_rows if (s, col.index) in values]
                reader.layout.totals.append({
                    "cell": grid.cell(r, col.index), "header": col.header, "measure": col.measure,
                    "source": col.source, "district": col.district, "kind": col.kind,
                    "file_total": values[(r, col.index)], "sum_of_rows": sum(parts),
                })
                if abs(sum(parts) - values[(r, col.index)]) > TOTAL_TOLERANCE:
                    mismatch(r, col.index, sum(parts), f"{grid.cell(stored_rows[0], col.index)}:{grid.cell(stored_rows[-1], col.index)}")

    # group rows against their children: a project over its sub-projects, or "I. Các huyện …"
    # over the units below it, up to the next group or total row
    ordered = sorted(kinds)
    for r, (kind, code) in kinds.items():
        if kind not in ("group", "subtotal"):
            continue
        if kind == "subtotal":  # a district over its communes, wherever they stand
            children = [s for s in stored_rows if kinds[s][0] == "commune"
                        and communes()[kinds[s][1] or ""].district_code == code]
        elif code is not None:
            children = [s for s in stored_rows if (kinds[s][1] or "").startswith(f"{code}.")]
        else:
            later = [s for s in ordered if s > r]
            stop = next((s for s in later if kinds[s][0] in ("group", "total")), None)
            children = [s for s in stored_rows if s > r and (stop is None or s < stop)]
        for col in value_cols:
            if (r, col.index) in values and children:
                parts_sum = sum(values.get((s, col.index), 0.0) for s in children)
                if abs(parts_sum - values[(r, col.index)]) > TOTAL_TOLERANCE:
                    mismatch(r, col.index, parts_sum, ", ".join(grid.cell(s, col.index) for s in children))

    # "Tổng số" columns against their sibling source columns (an unsplit source against its parts)
    for total in (c for c in columns if c.kind == "total"):
        siblings = [c for c in columns if c.kind == "value" and c.measure == total.measure and c.district == total.district
                    and c.period == total.period and c.source
                    and (total.source is None or source_parent(c.source) == total.source)]
        for r in list(stored_rows) + [r for r, (k, _) in kinds.items() if k == "total"]:
            if (r, total.index) in values:
                s = sum(values.get((r, c.index), 0.0) for c in siblings)
                if abs(s - values[(r, total.index)]) > TOTAL_TOLERANCE:
                    mismatch(r, total.index, s, ", ".join(grid.cell(r, c.index) for c in siblings))

    for r in stored_rows:
        _check_row(reader, columns, values, r)
        _check_adjustment(reader, columns, values, r)


def _check_adjustment(reader: ReportSheetReader, columns: list[Column], values: dict[tuple[int, int], float], r: int) -> None:
    """Plan before adjustment plus the adjustment against the plan after it."""
    for district in {c.district for c in columns if c.kind in ("before", "adjustment")}:
        before = [c for c in columns if c.kind == "before" and c.district == district]
        change = [c for c in columns if c.kind == "adjustment" and c.district == district]
        after = next((c for c in columns if c.kind == "value" and c.measure == "plan" and c.district == district
                      and c.source is None), None)
        if not before or after is None or (r, after.index) not in values:
            continue
        expected = sum(values.get((r, c.index), 0.0) for c in before + change)
        if abs(expected - values[(r, after.index)]) > TOTAL_TOLERANCE:
            reader.issue(Severity.WARNING, "adjustment_mismatch", reader.grid.cell(r, after.index),
                         value=number(values[(r, after.index)], reader.lang), expected=number(expected, reader.lang))


def _row_totals(columns: list[Column], values: dict[tuple[int, int], float], r: int,
                period: str | None = None) -> dict[tuple[str, str | None], float]:
    """Per (measure, district) the row's amount at the end of the period (or at its start): the sum of value
    columns (a total column only if alone)."""
    out: dict[tuple[str, str | None], float] = defaultdict(float)
    for col in columns:
        if col.kind == "value" and col.period == period and (r, col.index) in values:
            out[(col.measure, col.district)] += values[(r, col.index)]
    return out


def _check_row(reader: ReportSheetReader, columns: list[Column], values: dict[tuple[int, int], float], r: int) -> None:
    grid = reader.grid
    # values too large for one district (in the measure's unit, after the sheet's unit factor)
    for col in columns:
        if col.kind == "value" and (r, col.index) in values:
            found = implausible(col.measure, values[(r, col.index)], reader.lang)
            if found:
                reader.issue(found[0], found[1], grid.cell(r, col.index), **found[2])
    totals = _row_totals(columns, values, r)
    at_start = _row_totals(columns, values, r, "start")
    # disbursed above plan, per source where sources are given, else per row
    plans = {(c.source, c.district): values.get((r, c.index)) for c in columns if c.kind == "value" and c.measure == "plan"}
    for col in columns:
        if col.kind == "value" and col.measure == "disbursed" and (r, col.index) in values:
            plan = plans.get((col.source, col.district))
            if plan is not None and values[(r, col.index)] > plan + 1e-6:
                reader.issue(Severity.WARNING, "disbursed_above_plan", grid.cell(r, col.index),
                             disbursed=number(values[(r, col.index)], reader.lang), plan=number(plan, reader.lang))
    # poverty counts within households
    for district in {d for (_, d) in totals}:
        households = totals.get(("households", district))
        poor = totals.get(("poor_households", district), 0.0) + totals.get(("near_poor_households", district), 0.0)
        if households is not None and poor > households:
            col = next(c for c in columns if c.measure in ("poor_households", "near_poor_households")
                       and c.district == district and c.kind == "value" and c.period is None)
            reader.issue(Severity.ERROR, "poor_above_households", grid.cell(r, col.index), poor=number(poor, reader.lang), households=number(households, reader.lang))
    # given rates against the counts or amounts they come from
    for col in columns:
        if col.kind != "rate" or (r, col.index) not in values:
            continue
        counts = at_start if col.period == "start" else totals
        if col.measure in ("plan", "disbursed") and col.source:  # "Tỷ lệ GN" under one source: that source's rate
            part, whole = _sourced(columns, values, r, "disbursed", col), _sourced(columns, values, r, "plan", col)
        elif col.measure in ("plan", "disbursed"):
            part, whole = totals.get(("disbursed", col.district)), totals.get(("plan", col.district))
        else:
            part, whole = counts.get((col.measure, col.district)), counts.get(("households", col.district))
            whole = whole if whole is not None else totals.get(("households", col.district))
        if not part and part != 0 or not whole:
            continue
        given = values[(r, col.index)]
        computed = part / whole * 100
        as_percent = given * 100 if given <= 1.0 and computed > 1.0 else given
        if abs(as_percent - computed) > RATE_TOLERANCE:
            reader.issue(Severity.WARNING, "rate_mismatch", grid.cell(r, col.index), value=rate(as_percent, reader.lang), expected=rate(computed, reader.lang))


def _sourced(columns: list[Column], values: dict[tuple[int, int], float], r: int, measure: str, rate: Column) -> float | None:
    """A row's amount of one measure from the rate's own source (its parts, for an unsplit source)."""
    found = [values[(r, c.index)] for c in columns
             if c.kind in ("value", "total") and c.measure == measure and c.district == rate.district
             and c.source == rate.source and (r, c.index) in values]
    if found:
        return found[0]
    parts = [values[(r, c.index)] for c in columns
             if c.kind == "value" and c.measure == measure and c.district == rate.district
             and source_parent(c.source) == rate.source and (r, c.index) in values]
    return sum(parts) if parts else None
