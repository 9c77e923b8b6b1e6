"""Saved column mappings (profiles), keyed by a header's signature."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from loaders.options import ReaderOptions

from .auth import User, authorize, record
from .schema import mapping_profiles


def save_profile(engine: Engine, signature: str, name: str, options: ReaderOptions, *, user: User | str) -> None:
    """Create or replace the profile for a header signature (analysts; audited)."""
    with engine.begin() as conn:
        who = authorize(conn, user, "profile")
        values = dict(name=name, options=options.to_json(), created_at=dt.datetime.now().replace(microsecond=0), user_name=who)
        record(conn, who, "profile_save", name, detail=f"signature={signature} {options.to_json()}")
        exists = conn.execute(select(mapping_profiles.c.id).where(mapping_profiles.c.signature == signature)).first()
        if exists:
            conn.execute(update(mapping_profiles).where(mapping_profiles.c.signature == signature).values(**values))
        else:
            conn.execute(insert(mapping_profiles).values(signature=signature, **values))


def find_profile(engine: Engine, signature: str) -> tuple[str, ReaderOptions] | None:
    """(name, options) saved for a header signature, or None; the reader's profile_lookup."""
    with engine.connect() as conn:
        row = conn.execute(select(mapping_profiles.c.name, mapping_profiles.c.options)
                           .where(mapping_profiles.c.signature == signature)).first()
    return (row.name, ReaderOptions.from_json(row.options)) if row else None


def list_profiles(engine: Engine) -> list[dict[str, Any]]:
    """Every saved profile: signature, name, options (JSON), created_at, user."""
    with engine.connect() as conn:
        rows = conn.execute(select(mapping_profiles).order_by(mapping_profiles.c.name)).all()
    return [{"signature": r.signature, "name": r.name, "options": r.options,
             "created_at": r.created_at.isoformat(sep=" "), "user": r.user_name} for r in rows]


def delete_profile(engine: Engine, signature: str, *, user: User | str = "cli") -> bool:
    """Delete a profile (analysts; audited); False when there was none."""
    with engine.begin() as conn:
        who = authorize(conn, user, "profile")
        done = conn.execute(delete(mapping_profiles).where(mapping_profiles.c.signature == signature)).rowcount > 0
        if done:
            record(conn, who, "profile_delete", signature)
        return done
