"""Reading the store: current facts with their provenance, and the reduced frames the pages draw from.

The pages never load every fact. Each reads, for its scope (the whole country, a
province or a district), frames that SQL has already filtered and summed:

- ``funding_facts``: a year's funding at each district's latest report on or before a
  date, summed in SQL down to the grain a metric needs (see ``store.metrics``);
- ``target_facts`` and ``poverty_facts``: targets and household counts, small by nature;
- ``batch_files``: which file each batch came from, for provenance notes.

The frames keep the columns of ``current_facts`` that metrics use, plus ``batch_id``, so
``store.metrics`` works on them unchanged and every figure keeps its batches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Engine, Select, Table, and_, case, func, literal, select, union_all

from loaders.records import Dataset
from loaders.reference import communes, districts, province_level_code, provinces

from .schema import BY_COMMUNE, CURRENT, FACT_KEY, OWN, batches, commune_totals, coverage, facts

FACT_COLUMNS = [
    "dataset", "district_code", "province_code", "year", "as_of", "component", "source", "measure", "value",
    "batch_id", "file_name", "sha256", "sheet", "cell", "imported_at", "user_name", "commune_code",
]
# Where a frame sums over a dimension, that column holds this instead of a code (and '' stays ''),
# so the metrics still see which grain each sum comes from.
SUMMED = "*"



def _frame(rows: Sequence[Any], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    if "as_of" in frame:  # few distinct dates in many rows: each converted once
        frame["as_of"] = frame["as_of"].map({v: pd.Timestamp(v).date() for v in frame["as_of"].unique()})
    if "year" in frame:
        frame["year"] = frame["year"].astype("int64")
    if "value" in frame:
        frame["value"] = frame["value"].astype("float64")
    return frame


def _scoped(query: Select, province: str | None, district: str | None,  # type: ignore[type-arg]
            table: Table = facts) -> Select:  # type: ignore[type-arg]
    """Limit a query on facts (or coverage) to a province or a district ('' or None: no limit)."""
    if province:
        query = query.where(table.c.province_code == province)
    if district:
        query = query.where(table.c.district_code == district)
    return query


def _covered(query: Select, province: str | None, district: str | None) -> Select:  # type: ignore[type-arg]
    """_scoped for a query on coverage."""
    return _scoped(query, province, district, coverage)


def is_empty(engine: Engine) -> bool:
    """True when the store holds no current fact."""
    with engine.connect() as conn:
        return conn.execute(select(facts.c.id).where(CURRENT).limit(1)).first() is None


def current_facts(
    engine: Engine,
    *,
    dataset: str | None = None,
    year: int | None = None,
    district_codes: list[str] | None = None,
    province: str | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Current facts with batch, file, sheet and cell, filtered in SQL (at most ``limit`` rows)."""
    return fact_rows(engine, province=province, limit=limit, dataset=[dataset] if dataset else (),
                     year=[year] if year is not None else (), district_code=district_codes or ())


def count_facts(engine: Engine, *, province: str | None = None, **equal: Sequence[Any]) -> int:
    """How many current facts match: a province, and for each column given, one of its values.

    Counted from coverage where the filters allow (dataset, district, year), else from facts.
    """
    chosen = {column: list(values) for column, values in equal.items() if values}
    table, scoped = (coverage, _covered) if set(chosen) <= {"dataset", "district_code", "year"} else (facts, _scoped)
    query = select(func.coalesce(func.sum(coverage.c.facts), 0)) if table is coverage else \
        select(func.count()).select_from(facts).where(CURRENT)
    query = scoped(query, province, None)
    for column, values in chosen.items():
        query = query.where(table.c[column].in_(values))
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def fact_rows(engine: Engine, *, province: str | None = None, limit: int | None = None,
              **equal: Sequence[Any]) -> pd.DataFrame:
    """Current facts with provenance, filtered like count_facts, in key order, at most ``limit``."""
    query = (
        select(
            facts.c.dataset, facts.c.district_code, facts.c.province_code, facts.c.year, facts.c.as_of,
            facts.c.component, facts.c.source, facts.c.measure, facts.c.value, facts.c.batch_id,
            batches.c.file_name, batches.c.sha256, facts.c.sheet, facts.c.cell, batches.c.imported_at,
            batches.c.user_name, facts.c.commune_code,
        )
        .join(batches, batches.c.id == facts.c.batch_id)
        .where(CURRENT)
        # the order of the current-key index: a limited read stops early
        .order_by(*(facts.c[k] for k in FACT_KEY))
    )
    # every dataset named when none is chosen: the key index (dataset, district_code …) then serves a
    # district filter by lookups instead of a scan in key order (3 s → 0.1 s for one district of 713)
    equal = {"dataset": [d.value for d in Dataset], **{k: v for k, v in equal.items() if v}}
    query = _scoped(query, province, None)
    for column, values in equal.items():
        if values:
            query = query.where(facts.c[column].in_(list(values)))
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        return _frame(conn.execute(query).fetchall(), FACT_COLUMNS)


def provinces_present(engine: Engine) -> list[str]:
    """Province codes that have current facts, in code order."""
    query = select(coverage.c.province_code).distinct().order_by(coverage.c.province_code)
    with engine.connect() as conn:
        return [p for (p,) in conn.execute(query) if p]


def province_levels_present(engine: Engine, *, province: str | None = None) -> list[str]:
    """Codes of the provinces' own levels ('T12': their agencies) that have current facts in a scope."""
    query = select(coverage.c.district_code).distinct().where(
        coverage.c.district_code.in_([province_level_code(p) for p in ([province] if province else provinces())]))
    with engine.connect() as conn:
        return sorted(c for (c,) in conn.execute(query))


def commune_facts(engine: Engine, district: str) -> pd.DataFrame:
    """A district's current values reported by commune (every year), with provenance; none read of the
    district's own values, which at national scale are many more."""
    query = (
        select(*(facts.c[k] for k in FACT_COLUMNS if k in facts.c), batches.c.file_name, batches.c.sha256,
               batches.c.imported_at, batches.c.user_name)
        .join(batches, batches.c.id == facts.c.batch_id)
        .where(CURRENT, facts.c.district_code == district, BY_COMMUNE)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).fetchall()
    columns = [k for k in FACT_COLUMNS if k in facts.c] + ["file_name", "sha256", "imported_at", "user_name"]
    return _frame(rows, columns)[FACT_COLUMNS]


def communes_present(engine: Engine, *, province: str | None = None) -> list[str]:
    """Codes of the communes with current facts in a scope, in code order (none: no value by commune).

    The province's districts are named rather than its code: ix_facts_communes then answers alone."""
    query = select(facts.c.commune_code).distinct().where(CURRENT, BY_COMMUNE)
    if province:
        query = query.where(facts.c.district_code.in_(sorted(districts(province))))
    with engine.connect() as conn:
        return sorted(c for (c,) in conn.execute(query) if c in communes())  # a provincial agency is no commune


def years_present(engine: Engine, dataset: str | None = "funding", *, province: str | None = None,
                  district: str | None = None) -> list[int]:
    """Years that have current facts of a dataset (None: any) in a scope, ascending."""
    query = select(coverage.c.year).distinct()
    if dataset:
        query = query.where(coverage.c.dataset == dataset)
    query = _covered(query, province, district).order_by(coverage.c.year)
    with engine.connect() as conn:
        return [int(y) for (y,) in conn.execute(query)]


def reporting_dates(engine: Engine, year: int, *, province: str | None = None) -> list[dt.date]:
    """Funding report dates of a budget year in a scope, ascending."""
    query = _covered(
        select(coverage.c.as_of).distinct().where(coverage.c.dataset == "funding", coverage.c.year == year),
        province, None,
    ).order_by(coverage.c.as_of)
    with engine.connect() as conn:
        return [pd.Timestamp(d).date() for (d,) in conn.execute(query)]


FUNDING_COLUMNS = ["dataset", "district_code", "province_code", "year", "as_of", "component", "source", "measure",
                   "value", "batch_id", "facts", "by_commune"]


def funding_facts(
    engine: Engine,
    year: int | None = None,
    as_of: dt.date | None = None,
    *,
    province: str | None = None,
    district: str | None = None,
    keep: str | None = None,
    latest: bool = True,
) -> pd.DataFrame:
    """Funding summed in SQL: per district, report date, batch, grain and measure.

    ``keep`` ('source', 'component', 'both' or None) is the dimension kept as codes; the other
    is summed and shows SUMMED (or '' where the facts had none), so the metrics can
    still tell a breakdown by source from one by project. 'both' keeps both: one read serves
    totals and both breakdowns (store.metrics picks the grain each needs). With ``latest`` only each
    district's latest report on or before ``as_of`` within ``year`` is read;
    otherwise every report date (of ``year`` if given). ``facts`` counts the values
    summed in each row; ``by_commune`` is True where the row sums a district's communes' values
    (schema.commune_totals), False where it is the district's own.
    """
    if latest and year is None:
        raise ValueError("latest funding needs a year")
    dates = None
    if latest:
        dates = _covered(
            select(coverage.c.district_code.label("d"), func.max(coverage.c.as_of).label("latest")).where(
                coverage.c.dataset == "funding", coverage.c.year == year,
                *([coverage.c.as_of <= as_of] if as_of is not None else [])),
            province, district,
        ).group_by(coverage.c.district_code).subquery()
    # a district's own values from facts, its communes' already summed per district (schema.commune_totals): the
    # country's funding at a date reported by commune would otherwise be a sum over a million commune values
    # one statement, so both parts come from one snapshot on every engine (PostgreSQL at READ COMMITTED
    # could otherwise see an import commit between two statements and mix its figures with older ones)
    query = union_all(*(_funding_sums(table, year, as_of, province, district, keep, dates)
                        for table in (facts, commune_totals)))
    with engine.connect() as conn:
        rows = [("funding", *row) for row in conn.execute(query)]
    frame = _frame(rows, FUNDING_COLUMNS)
    frame["by_commune"] = frame["by_commune"].astype(bool)
    return frame.sort_values(["district_code", "as_of", "component", "source", "measure"], ignore_index=True)


def _funding_sums(table: Table, year: int | None, as_of: dt.date | None, province: str | None, district: str | None,
                  keep: str | None, dates: Any) -> Select:  # type: ignore[type-arg]
    """funding_facts' query on the districts' own facts or on commune_totals (the same columns from either)."""
    c = table.c
    component = c.component if keep in ("component", "project", "both") else case(
        (c.component == "", literal("")), else_=literal(SUMMED))
    source = c.source if keep in ("source", "both") else case((c.source == "", literal("")), else_=literal(SUMMED))
    if table is facts:
        where: list[Any] = [CURRENT, c.dataset == "funding", OWN]
        count: Any = func.count()
    else:
        where, count = [c.dataset == "funding"], func.sum(c.facts)
    if year is not None:
        where.append(c.year == year)
    if as_of is not None:
        where.append(c.as_of <= as_of)
    query = select(c.district_code, c.province_code, c.year, c.as_of, component.label("component"),
                   source.label("source"), c.measure, func.sum(c.value), c.batch_id, count,
                   literal(table is commune_totals).label("by_commune")).where(*where)
    if dates is not None:
        query = query.join(dates, and_(c.district_code == dates.c.d, c.as_of == dates.c.latest))
    return _scoped(query, province, district, table).group_by(
        c.district_code, c.province_code, c.year, c.as_of, component, source, c.measure, c.batch_id)


SMALL_COLUMNS = ["dataset", "district_code", "province_code", "year", "as_of", "component", "source", "measure",
                 "value", "batch_id"]


def _small(engine: Engine, datasets: tuple[str, ...], *, year: int | None, as_of: dt.date | None,
           province: str | None, district: str | None, measures: tuple[str, ...] = ()) -> pd.DataFrame:
    query = select(
        facts.c.dataset, facts.c.district_code, facts.c.province_code, facts.c.year, facts.c.as_of,
        facts.c.component, facts.c.source, facts.c.measure, facts.c.value, facts.c.batch_id,
    ).where(CURRENT, facts.c.dataset.in_(datasets))
    if year is not None:
        query = query.where(facts.c.year == year)
    if as_of is not None:
        query = query.where(facts.c.as_of <= as_of)
    if measures:
        query = query.where(facts.c.measure.in_(measures))
    query = _scoped(query, province, district).order_by(facts.c.district_code, facts.c.year, facts.c.as_of,
                                                        facts.c.measure)
    with engine.connect() as conn:
        return _frame(conn.execute(query).fetchall(), SMALL_COLUMNS)


def target_facts(engine: Engine, year: int | None = None, as_of: dt.date | None = None, *,
                 province: str | None = None, district: str | None = None) -> pd.DataFrame:
    """Disbursement targets (of a year, dated on or before as_of) in a scope."""
    return _small(engine, ("target",), year=year, as_of=as_of, province=province, district=district,
                  measures=("target_disbursement_rate",))


def poverty_facts(engine: Engine, *, province: str | None = None, district: str | None = None) -> pd.DataFrame:
    """Household counts of every review and the poverty-rate targets, in a scope."""
    counts = _small(engine, ("poverty",), year=None, as_of=None, province=province, district=district)
    targets = _small(engine, ("target",), year=None, as_of=None, province=province, district=district,
                     measures=("target_poor_rate",))
    return pd.concat([counts, targets], ignore_index=True) if not targets.empty else counts


def batch_files(engine: Engine) -> pd.DataFrame:
    """Batch id, file name and importing user of every batch: what a figure's batches say of its source."""
    query = select(batches.c.id, batches.c.file_name, batches.c.user_name).order_by(batches.c.id)
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(query).fetchall(), columns=["batch_id", "file_name", "user_name"])


def batch_list(engine: Engine) -> pd.DataFrame:
    """All import batches, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(batches).order_by(batches.c.id.desc())).fetchall()
    return pd.DataFrame(rows, columns=[c.name for c in batches.columns])
