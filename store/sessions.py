"""Sign-ins bound to a browser: a signed, HttpOnly, expiring cookie, kept server-side.

Why not Streamlit's session state: a Streamlit session is found again by its id alone, and that
id travels in upload URLs; whoever presents it is handed the session, sign-in included. A sign-in
here is a row of ``sessions`` that only the browser holding its cookie can name, checked on every
script run, so a copied session id signs nobody in.

The flow (the web routes are in serve.py; the page side in pages/_auth_ui.py):

1. the sign-in form checks the password (store/auth.py) and ``start`` makes a one-time *ticket*,
   valid for a minute, sent only to the browser that signed in;
2. that browser posts the ticket to ``/lcpr/session``; ``exchange`` turns it into a session of its
   own token and the response sets the cookie (HttpOnly, SameSite=Strict), which no script can read;
3. every run, ``user_for`` checks the cookie's signature, the row (not ended, not expired) and the
   user (still active, role as the store says now);
4. sign-out ends the row at once, for every server; the cookie is cleared too.

The store keeps only each token's SHA-256. The signing key is DASHBOARD_SECRET_KEY, or one made
once and kept in the store (so every server of a deployment shares it).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import secrets

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from .auth import User, current_user
from .schema import meta, sessions

COOKIE = "lcpr_session"
TICKET_SECONDS = 60
_SECRET_KEY = "session_secret"


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def signing_key(engine: Engine) -> bytes:
    """DASHBOARD_SECRET_KEY, else the key kept in the store (made by the first server that asks)."""
    configured = os.environ.get("DASHBOARD_SECRET_KEY", "")
    if configured:
        return configured.encode()
    url = engine.url.render_as_string(hide_password=False)
    if url not in _kept_keys:
        _kept_keys[url] = _kept_key(engine)
    return _kept_keys[url]


_kept_keys: dict[str, bytes] = {}  # by store: read once per process, it never changes


def _kept_key(engine: Engine) -> bytes:
    with engine.connect() as conn:
        kept = conn.execute(select(meta.c.value).where(meta.c.key == _SECRET_KEY)).scalar()
    if kept is None:
        try:
            with engine.begin() as conn:
                conn.execute(insert(meta).values(key=_SECRET_KEY, value=secrets.token_urlsafe(48)))
        except IntegrityError:
            pass  # another server made it first: use theirs
        with engine.connect() as conn:
            kept = conn.execute(select(meta.c.value).where(meta.c.key == _SECRET_KEY)).scalar_one()
    return str(kept).encode()


def _sign(key: bytes, token: str) -> str:
    mac = hmac.new(key, token.encode(), hashlib.sha256).digest()
    return f"{token}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def _unsign(key: bytes, value: str) -> str | None:
    token = value.rpartition(".")[0] if isinstance(value, str) else ""
    if not token or len(value) > 200:
        return None
    return token if hmac.compare_digest(_sign(key, token), value) else None


def start(engine: Engine, username: str) -> str:
    """A one-time ticket for a user whose password was just checked; valid for TICKET_SECONDS."""
    ticket = secrets.token_urlsafe(32)
    now = _now()
    with engine.begin() as conn:
        # tickets and sessions past their time are of no use to anyone: tidy as we go
        conn.execute(delete(sessions).where(sessions.c.expires_at < now - dt.timedelta(days=1)))
        conn.execute(insert(sessions).values(token_hash=_hash(ticket), username=username.lower(), created_at=now,
                                             expires_at=now + dt.timedelta(seconds=TICKET_SECONDS), state="ticket"))
    return ticket


def exchange(engine: Engine, ticket: str, minutes: int) -> str | None:
    """The signed cookie value for a valid, unused ticket (which is spent), or None."""
    if not ticket or len(ticket) > 100:
        return None
    now = _now()
    token = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        # one UPDATE both checks and spends the ticket: two requests with it cannot both win
        spent = conn.execute(update(sessions)
                             .where(sessions.c.token_hash == _hash(ticket), sessions.c.state == "ticket",
                                    sessions.c.expires_at >= now)
                             .values(state="ended", expires_at=now)
                             .returning(sessions.c.username)).first()
        if spent is None:
            return None
        conn.execute(insert(sessions).values(token_hash=_hash(token), username=spent.username, created_at=now,
                                             expires_at=now + dt.timedelta(minutes=minutes), state="active"))
    return _sign(signing_key(engine), token)


def _active(conn: Connection, token: str, now: dt.datetime) -> str | None:
    return conn.execute(select(sessions.c.username).where(
        sessions.c.token_hash == _hash(token), sessions.c.state == "active", sessions.c.expires_at > now)).scalar()


def user_for(engine: Engine, cookie: str | None) -> User | None:
    """The signed-in user a cookie names: signature right, session active and unexpired, user active."""
    if not cookie:
        return None
    token = _unsign(signing_key(engine), cookie)
    if token is None:
        return None
    with engine.connect() as conn:
        username = _active(conn, token, _now())
    return current_user(engine, username) if username else None


def end(engine: Engine, cookie: str | None) -> bool:
    """Sign out the session a cookie names, on every server; False when there was none."""
    token = _unsign(signing_key(engine), cookie) if cookie else None
    if token is None:
        return False
    with engine.begin() as conn:
        return conn.execute(update(sessions).where(sessions.c.token_hash == _hash(token), sessions.c.state == "active")
                            .values(state="ended", expires_at=_now())).rowcount > 0

