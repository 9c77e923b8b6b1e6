"""Who may do what: users with argon2 password hashes, roles, district scopes, audit records."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, and_, case, false, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from loaders.errors import LoaderError

from .schema import audit, login_clients, sessions, users

_HASHER = PasswordHasher()
MIN_PASSWORD = 10
# Sign-in throttling (see authenticate). Per account: short, so that nobody can keep its owner out.
FREE_FAILURES = 3  # failed attempts on an account before each further one locks it for a while
MAX_LOCK_SECONDS = 900  # an account is never locked longer than this after a failure
# Per client (address): more free attempts (an office shares one address), then much longer waits.
CLIENT_FREE_FAILURES = 10
CLIENT_MAX_LOCK_SECONDS = 86_400
CLIENT_FORGET_SECONDS = 86_400  # a client's failures count from 1 again a day after its last one and its lock
# A client whose failure locks an account waits this many times that lock before it may try again: one
# address keeps an account locked at most a quarter of the time, never more than MAX_LOCK_SECONDS at once.
CLIENT_LOCK_FACTOR = 4


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
        admins_before = _lock_admins(conn)
        actor = authorize(conn, by, "users")
        done = conn.execute(update(users).where(users.c.username == username.lower()).values(**changes)).rowcount
        if not done:
            raise LoaderError(f"Không có tài khoản {username} / no user {username}", code="unknown_user")
        if admins_before and not _active_admins(conn):  # raising rolls the change back
            raise LoaderError(
                f"Không thể tắt hoặc đổi vai trò của {username.lower()}: đây là quản trị viên cuối cùng đang hoạt động. "
                f"Hãy thêm hoặc bật một quản trị viên khác trước. / {username.lower()} is the last active admin: "
                f"add or enable another admin first.", code="last_admin")
        if active is False or password is not None:  # whoever holds an old sign-in is out, on every server
            conn.execute(update(sessions).where(sessions.c.username == username.lower(),
                                                sessions.c.state.in_(("active", "ticket")))
                         .values(state="ended", expires_at=_now()))
        shown = {k: ("***" if k == "password_hash" else v) for k, v in changes.items() if k not in ("failed_logins", "locked_until")}
        record(conn, actor, "user_change", username.lower(), detail=str(shown))


def _active_admins(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(users)
                        .where(users.c.role == Role.ADMIN.name.lower(), users.c.active.is_(True))).scalar_one()


def _lock_admins(conn: Connection) -> int:
    """Hold the admins until the transaction ends, then count the active ones.

    Two admins disabling each other at once must not both see the other still active: PostgreSQL
    locks the active admins' rows (the second transaction waits, then sees the first's change);
    SQLite has one writer at a time, so a write that changes nothing takes that lock before any read.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(select(users.c.id).where(users.c.role == Role.ADMIN.name.lower(), users.c.active.is_(True))
                     .order_by(users.c.id).with_for_update())
    else:
        conn.execute(update(users).where(false()).values(role=users.c.role))
    return _active_admins(conn)


def authenticate(engine: Engine, username: str, password: str, now: dt.datetime | None = None, *,
                 client: str | None = None) -> User | None:
    """The user when the password is right, the account active and neither it nor the client locked; else None.

    ``client`` is who is asking (the page passes the browser's address; the command line, run on the
    server itself, passes None). Every attempt is first counted as a failure, atomically, and whether
    it may be checked at all is decided from that count, so parallel guesses cannot slip past:

    - per client: after CLIENT_FREE_FAILURES failed attempts each further one locks the client for
      twice as long (5 s, 10 s … up to a day); a locked client is refused at once, whatever the account;
    - per account: after FREE_FAILURES failed attempts each checked one locks the account for twice as
      long (5 s, 10 s … up to MAX_LOCK_SECONDS), and the client that made it waits CLIENT_LOCK_FACTOR
      times that lock, so no address can renew an account's lock before its owner had three times as
      long to sign in from elsewhere.

    A locked, unknown, disabled or password-less account costs the same argon2 verification as a wrong
    password: the answer and its time tell nothing about which names exist or are locked.
    """
    now = now or _now()
    key = _client_key(client) if client is not None else None
    _stand_in_hash(_HASHER)  # made on the first attempt of any kind, so that no kind alone pays for it
    with engine.begin() as conn:  # short: the claim, not the hashing, holds the row (SQLite: the store)
        client_failures = 0
        if key is not None:
            client_failures, client_lock = _count_client_failure(conn, key, now)
            if client_lock is not None and client_lock > now:
                return None  # this client waits; refused at once, before any account is looked at
        row = conn.execute(
            update(users).where(users.c.username == username.lower())
            .values(failed_logins=users.c.failed_logins + 1)
            .returning(users.c.id, users.c.username, users.c.role, users.c.districts, users.c.active,
                       users.c.password_hash, users.c.failed_logins, users.c.locked_until)
        ).first()
        # the account whose password is checked: active, with a password, not locked
        checked = row if (row is not None and row.active and row.password_hash is not None
                          and (row.locked_until is None or row.locked_until <= now)) else None
        account_wait = _lock_seconds(checked.failed_logins, FREE_FAILURES, MAX_LOCK_SECONDS) if checked else 0
        if checked and account_wait:  # locked before the check: the attempts racing this one are refused
            conn.execute(update(users).where(users.c.id == checked.id)
                         .values(locked_until=now + dt.timedelta(seconds=account_wait)))
        client_lock_set = None
        if key is not None:
            client_wait = max(_lock_seconds(client_failures, CLIENT_FREE_FAILURES, CLIENT_MAX_LOCK_SECONDS),
                              CLIENT_LOCK_FACTOR * account_wait)
            if client_wait:
                client_lock_set = now + dt.timedelta(seconds=client_wait)
                conn.execute(update(login_clients).where(login_clients.c.client == key)
                             .values(locked_until=client_lock_set))
    right = _verify(checked.password_hash if checked else None, password)
    with engine.begin() as conn:
        if checked and right:
            # the client's row before the user's, as in the claim: two attempts never wait on each other in turn
            if key is not None:  # not a failure after all; a lock this attempt set goes too
                lock = login_clients.c.locked_until
                conn.execute(update(login_clients).where(login_clients.c.client == key).values(
                    failed_logins=0, locked_until=case((lock == client_lock_set, None), else_=lock)))
            conn.execute(update(users).where(users.c.id == checked.id).values(failed_logins=0, locked_until=None))
            return _user(checked)
        if row is not None:
            detail = f"failures={row.failed_logins}" + ("" if checked else " not checked")
            detail += f" client={key}" if key else ""
            record(conn, row.username, "login_failed", row.username, detail=detail)
    return None


def _lock_seconds(failures: int, free: int, cap: int) -> int:
    """How long the failure numbered ``failures`` locks: 0 within the free ones, then 5 s doubling up to cap."""
    return 0 if failures < free else min(cap, 5 * 2 ** min(failures - free, 20))


def _client_key(client: str) -> str:
    key = client.strip().lower()
    return key if len(key) <= 100 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _count_client_failure(conn: Connection, key: str, now: dt.datetime) -> tuple[int, dt.datetime | None]:
    """Count one more failed attempt for a client, atomically: (its failures now, its lock as it stands)."""
    forget = now - dt.timedelta(seconds=CLIENT_FORGET_SECONDS)
    c = login_clients.c
    insert_ = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = insert_(login_clients).values(client=key, failed_logins=1, locked_until=None, last_failed_at=now)
    stmt = stmt.on_conflict_do_update(index_elements=[c.client], set_={
        "failed_logins": case(
            (and_(c.last_failed_at < forget, or_(c.locked_until.is_(None), c.locked_until < forget)), 1),
            else_=c.failed_logins + 1),
        "last_failed_at": now,
    })
    row = conn.execute(stmt.returning(c.failed_logins, c.locked_until)).one()
    return row.failed_logins, row.locked_until


@lru_cache(maxsize=4)
def _stand_in_hash(hasher: PasswordHasher) -> str:
    """A hash of a random secret, made with the hasher's own settings: verifying it costs what a real one does."""
    return hasher.hash(secrets.token_urlsafe(24))


def _verify(password_hash: str | None, password: str) -> bool:
    """One argon2 verification, against a stand-in hash when there is no account to check."""
    try:
        _HASHER.verify(password_hash or _stand_in_hash(_HASHER), password)
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


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
