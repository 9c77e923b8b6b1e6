"""Saved column mappings (profiles), keyed by a header's signature: shared, or one user's own.

A shared profile (owner '') is applied to everyone's uploads; only analysts and admins of every
district save, rename or delete one. An analyst scoped to some districts saves profiles of their own
(owner: their user name), applied to their own uploads alone, first; they cannot change a shared
profile or another user's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from loaders.options import ReaderOptions

from .auth import PermissionDenied, User, authorize, record
from .schema import mapping_profiles

SHARED = ""  # the owner of a profile that applies to everyone's files


def _name(user: User | str | None) -> str | None:
    return user.username if isinstance(user, User) else user


def _check_owner(user: User | str, who: str, owner: str) -> None:
    """PermissionDenied unless the user may change a profile of this owner."""
    if isinstance(user, User) and user.districts and owner != who:
        whose = "dùng chung" if owner == SHARED else f"của {owner}"
        whose_en = "a shared profile" if owner == SHARED else f"{owner}'s profile"
        raise PermissionDenied(
            f"Tài khoản {who} chỉ lo số liệu của một số huyện nên chỉ được lưu, đổi tên hay xoá mẫu của chính mình, "
            f"không được thay đổi mẫu {whose}. / {who} is limited to some districts and may change only their own "
            f"profiles, not {whose_en}."
        )


def save_profile(engine: Engine, signature: str, name: str, options: ReaderOptions, *, user: User | str,
                 shared: bool | None = None) -> None:
    """Create or replace a profile for a header signature (analysts; audited).

    ``shared`` None: shared when the user is not limited to some districts, else the user's own.
    """
    with engine.begin() as conn:
        who = authorize(conn, user, "profile")
        if shared is None:
            shared = not (isinstance(user, User) and user.districts)
        owner = SHARED if shared else who
        _check_owner(user, who, owner)
        values = dict(name=name, options=options.to_json(), created_at=dt.datetime.now().replace(microsecond=0), user_name=who)
        record(conn, who, "profile_save", name, detail=f"signature={signature} owner={owner or '(shared)'} {options.to_json()}")
        where = (mapping_profiles.c.signature == signature) & (mapping_profiles.c.owner == owner)
        if conn.execute(select(mapping_profiles.c.id).where(where)).first():
            conn.execute(update(mapping_profiles).where(where).values(**values))
        else:
            conn.execute(insert(mapping_profiles).values(signature=signature, owner=owner, **values))


def _applying(conn: Connection, user: User | str | None, signature: str | None = None) -> list[Any]:
    """The profiles that apply to a user's uploads: per signature their own, else the shared one."""
    name = _name(user)
    owners = [SHARED] if not name else [SHARED, name]
    query = select(mapping_profiles).where(mapping_profiles.c.owner.in_(owners))
    if signature is not None:
        query = query.where(mapping_profiles.c.signature == signature)
    chosen: dict[str, Any] = {}
    for row in conn.execute(query).all():
        if row.signature not in chosen or row.owner != SHARED:
            chosen[row.signature] = row
    return sorted(chosen.values(), key=lambda r: (r.name, r.signature))


def find_profile(engine: Engine, signature: str, user: User | str | None = None) -> tuple[str, ReaderOptions] | None:
    """(name, options) for a header signature: the user's own profile, else the shared one, else None.

    The reader's profile_lookup: ``lambda s: find_profile(engine, s, user)``.
    """
    with engine.connect() as conn:
        rows = _applying(conn, user, signature)
    return (rows[0].name, ReaderOptions.from_json(rows[0].options)) if rows else None


def list_profiles(engine: Engine, user: User | str | None = None) -> list[dict[str, Any]]:
    """Saved profiles: signature, name, options (JSON), created_at, user, owner ('' when shared).

    With ``user``, only those applied to that user's uploads (one per signature: their own first);
    without, every profile.
    """
    with engine.connect() as conn:
        if user is None:
            rows = conn.execute(select(mapping_profiles).order_by(mapping_profiles.c.name, mapping_profiles.c.owner)).all()
        else:
            rows = _applying(conn, user)
    return [{"signature": r.signature, "name": r.name, "options": r.options, "created_at": r.created_at.isoformat(sep=" "),
             "user": r.user_name, "owner": r.owner} for r in rows]


def delete_profile(engine: Engine, signature: str, *, user: User | str = "cli", owner: str | None = None) -> bool:
    """Delete a profile (analysts; audited); False when there was none.

    ``owner`` None: the one applied to the user's uploads (their own, else the shared one).
    """
    with engine.begin() as conn:
        who = authorize(conn, user, "profile")
        if owner is None:
            rows = _applying(conn, who, signature)
            if not rows:
                return False
            owner = rows[0].owner
        _check_owner(user, who, owner)
        done = conn.execute(delete(mapping_profiles).where(
            (mapping_profiles.c.signature == signature) & (mapping_profiles.c.owner == owner))).rowcount > 0
        if done:
            record(conn, who, "profile_delete", signature, detail=f"owner={owner or '(shared)'}")
        return done
