"""Who may do what: users with argon2 password hashes, roles, district scopes, audit records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, func, insert, select, update

from loaders.errors import LoaderError

from .schema import audit, users

_HASHER = PasswordHasher()
MIN_PASSWORD = 10
FREE_FAILURES = 3  # failed logins before each further attempt waits longer
MAX_LOCK_SECONDS = 900


class Role(IntEnum):
    """Roles in rising order of rights."""

    VIEWER = 1  # sees the dashboard
    ANALYST = 2  # also uploads, maps columns, undoes imports
    ADMIN = 3  # also manages users and reads the audit log


# What each action needs.
ACTIONS = {"import": Role.ANALYST, "undo": Role.ANALYST, "profile": Role.ANALYST, "users": Role.ADMIN, "audit": Role.ADMIN}


class PermissionDenied(LoaderError):
    """The signed-in user may not do this; the message says why."""

    code = "permission_denied"


@dataclass(frozen=True)
class User:
    """A signed-in person (or the system itself, for the sample data)."""

    username: str
    role: Role
    districts: frozenset[str] = frozenset()  # empty: every district

    def may(self, action: str) -> bool:
        """Whether the role allows an action (district scope aside)."""
        return self.role >= ACTIONS[action]

    def outside_scope(self, codes: Iterable[str]) -> list[str]:
        """The district codes this user may not change, sorted."""
        return sorted(set(codes) - self.districts) if self.districts else []


# Loads the illustrative samples into an empty store; never reachable from the UI or the CLI.
SYSTEM = User("samples (illustrative)", Role.ADMIN)


def auth_enabled(engine: Engine) -> bool:
    """True once any user exists: from then on every change needs a permitted user."""
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(users)).scalar_one() > 0


def authorize(engine_or_conn: Engine | Connection, actor: User | str, action: str, districts: Iterable[str] = ()) -> str:
    """The name to record for a change, or PermissionDenied.

    With no users in the store (a fresh install) anyone may act under a plain
    name; once users exist, only a User whose role and district scope allow it.
    """
    if isinstance(actor, User):
        if not actor.may(action):
            raise PermissionDenied(
                f"Tài khoản {actor.username} ({actor.role.name.lower()}) không có quyền này. "
                f"/ {actor.username} ({actor.role.name.lower()}) may not {action}."
            )
        outside = actor.outside_scope(districts)
        if outside:
            raise PermissionDenied(
                f"Tài khoản {actor.username} chỉ được nhập số liệu của huyện {', '.join(sorted(actor.districts))}; "
                f"tệp có số liệu của {', '.join(outside)}. / {actor.username} may not change districts {', '.join(outside)}."
            )
        return actor.username
    conn = engine_or_conn if isinstance(engine_or_conn, Connection) else None
    count_query = select(func.count()).select_from(users)
    if conn is not None:
        enabled = conn.execute(count_query).scalar_one() > 0
    else:
        with engine_or_conn.connect() as c:  # type: ignore[union-attr]
            enabled = c.execute(count_query).scalar_one() > 0
    if enabled:
        raise PermissionDenied("Cần đăng nhập để thay đổi số liệu. / Sign in to change data.")
    return actor


def record(conn: Connection, user_name: str, action: str, target: str = "", values_count: int = 0, detail: str = "") -> None:
    """Write one audit row, inside the transaction of the change it describes."""
    conn.execute(insert(audit).values(at=_now(), user_name=user_name, action=action, target=target[:300],
                                      values_count=values_count, detail=detail[:2000]))


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise LoaderError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự. / The password needs at least {MIN_PASSWORD} characters.",
                          code="weak_password")


def _districts(codes: Iterable[str]) -> str:
    from loaders.reference import all_districts

    codes = sorted(set(codes))
    unknown = [c for c in codes if c not in all_districts()]
    if unknown:
        raise LoaderError(f"Mã huyện không có: {', '.join(unknown)} / unknown district codes", code="unknown_district")
    return ",".join(codes)


def add_user(engine: Engine, username: str, password: str | None, role: Role, *, districts: Iterable[str] = (),
             email: str | None = None, by: User | str = "setup") -> None:
    """Create a user (password hashed with argon2; None for OpenID Connect sign-in only)."""
    if password is not None:
        _check_password(password)
    with engine.begin() as conn:
        actor = authorize(conn, by, "users") if _has_users(conn) else (by.username if isinstance(by, User) else by)
        if conn.execute(select(users.c.id).where(users.c.username == username.lower())).first():
            raise LoaderError(f"Đã có tài khoản {username} / user {username} exists", code="user_exists")
        conn.execute(insert(users).values(
            username=username.lower(), password_hash=_HASHER.hash(password) if password else None, email=email,
            role=role.name.lower(), districts=_districts(districts), active=True, created_at=_now(), failed_logins=0,
        ))
        record(conn, actor, "user_add", username.lower(), detail=f"role={role.name.lower()} districts={','.join(districts)}")


def _has_users(conn: Connection) -> bool:
    return conn.execute(select(func.count()).select_from(users)).scalar_one() > 0


def set_user(engine: Engine, username: str, *, by: User | str, active: bool | None = None, password: str | None = None,
             role: Role | None = None, districts: Iterable[str] | None = None) -> None:
    """Disable or enable a user, reset the password, change role or district scope (admins only)."""
    changes: dict[str, Any] = {}
    if active is not None:
        changes["active"] = active
    if password is not None:
        _check_password(password)
        changes.update(password_hash=_HASHER.hash(password), failed_logins=0, locked_until=None)
    if role is not None:
        changes["role"] = role.name.lower()
    if districts is not None:
        changes["districts"] = _districts(districts)
    with engine.begin() as conn:
        actor = authorize(conn, by, "users")
        done = conn.execute(update(users).where(users.c.username == username.lower()).values(**changes)).rowcount
        if not done:
            raise LoaderError(f"Không có tài khoản {username} / no user {username}", code="unknown_user")
        shown = {k: ("***" if k == "password_hash" else v) for k, v in changes.items() if k not in ("failed_logins", "locked_until")}
        record(conn, actor, "user_change", username.lower(), detail=str(shown))


def authenticate(engine: Engine, username: str, password: str, now: dt.datetime | None = None) -> User | None:
    """The user when the password is right and the account active and not locked; else None.

    After FREE_FAILURES failed attempts each further failure locks the account for
    twice as long as the last (5 s, 10 s, 20 s … up to 15 min), which slows guessing.
    """
    now = now or _now()
    with engine.begin() as conn:
        row = conn.execute(select(users).where(users.c.username == username.lower())).first()
        if row is None or not row.active or row.password_hash is None:
            _HASHER.hash("x" * MIN_PASSWORD)  # same work either way: no telling which names exist
            return None
        if row.locked_until is not None and row.locked_until > now:
            return None
        try:
            _HASHER.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            failures = row.failed_logins + 1
            lock = None
            if failures >= FREE_FAILURES:
                lock = now + dt.timedelta(seconds=min(MAX_LOCK_SECONDS, 5 * 2 ** (failures - FREE_FAILURES)))
            conn.execute(update(users).where(users.c.id == row.id).values(failed_logins=failures, locked_until=lock))
            record(conn, row.username, "login_failed", row.username, detail=f"failures={failures}")
            return None
        conn.execute(update(users).where(users.c.id == row.id).values(failed_logins=0, locked_until=None))
    return _user(row)


def user_by_email(engine: Engine, email: str) -> User | None:
    """The active user an OpenID Connect identity maps to (by e-mail), or None."""
    with engine.connect() as conn:
        row = conn.execute(select(users).where(func.lower(users.c.email) == email.lower())).first()
    return _user(row) if row is not None and row.active else None


def current_user(engine: Engine, username: str) -> User | None:
    """A signed-in user as the store says now (role changes and disabling take effect at once)."""
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == username.lower())).first()
    return _user(row) if row is not None and row.active else None


def _user(row: Any) -> User:
    return User(row.username, Role[row.role.upper()], frozenset(filter(None, row.districts.split(","))))


def list_users(engine: Engine) -> list[dict[str, Any]]:
    """Every user without the password hash."""
    with engine.connect() as conn:
        rows = conn.execute(select(users).order_by(users.c.username)).all()
    return [{"username": r.username, "email": r.email, "role": r.role, "districts": r.districts, "active": bool(r.active),
             "created_at": r.created_at.isoformat(sep=" "), "failed_logins": r.failed_logins} for r in rows]


def audit_log(engine: Engine) -> list[dict[str, Any]]:
    """Every audit row, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(audit).order_by(audit.c.id.desc())).all()
    return [{"id": r.id, "at": r.at.isoformat(sep=" "), "user": r.user_name, "action": r.action, "target": r.target,
             "values": r.values_count, "detail": r.detail} for r in rows]
