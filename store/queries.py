"""Reading the store: current facts with their provenance, batches, emptiness."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, func, select

from .schema import batches, facts

FACT_COLUMNS = [
    "dataset", "district_code", "year", "as_of", "component", "source", "measure", "value",
    "batch_id", "file_name", "sha256", "sheet", "cell", "imported_at", "user_name",
]


def is_empty(engine: Engine) -> bool:
    """True when the store holds no current fact."""
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(facts).where(facts.c.current.is_(True))).scalar_one() == 0


def current_facts(
    engine: Engine,
    *,
    dataset: str | None = None,
    year: int | None = None,
    district_codes: list[str] | None = None,
) -> pd.DataFrame:
    """Current facts with batch, file, sheet and cell, filtered in SQL."""
    query = (
        select(
            facts.c.dataset, facts.c.district_code, facts.c.year, facts.c.as_of, facts.c.component,
            facts.c.source, facts.c.measure, facts.c.value, facts.c.batch_id, batches.c.file_name,
            batches.c.sha256, facts.c.sheet, facts.c.cell, batches.c.imported_at, batches.c.user_name,
        )
        .join(batches, batches.c.id == facts.c.batch_id)
        .where(facts.c.current.is_(True))
        .order_by(facts.c.dataset, facts.c.district_code, facts.c.year, facts.c.as_of, facts.c.component,
                  facts.c.source, facts.c.measure)
    )
    if dataset:
        query = query.where(facts.c.dataset == dataset)
    if year is not None:
        query = query.where(facts.c.year == year)
    if district_codes:
        query = query.where(facts.c.district_code.in_(district_codes))
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).fetchall(), columns=FACT_COLUMNS)
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    frame["year"] = frame["year"].astype("int64")
    frame["value"] = frame["value"].astype("float64")
    return frame


def batch_list(engine: Engine) -> pd.DataFrame:
    """All import batches, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(batches).order_by(batches.c.id.desc())).fetchall()
    return pd.DataFrame(rows, columns=[c.name for c in batches.columns])
