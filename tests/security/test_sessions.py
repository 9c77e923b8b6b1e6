"""Sign-ins are bound to a signed, server-side session named by an HttpOnly cookie (store/sessions.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select, update

from store import sessions
from store.auth import Role, add_user, authenticate, set_user
from store.schema import sessions as sessions_table

PASSWORD = "mật khẩu dài 123"


@pytest.fixture
def people(engine: Engine) -> Engine:
    add_user(engine, "boss", PASSWORD, Role.ADMIN)
    boss = authenticate(engine, "boss", PASSWORD)
    assert boss is not None
    add_user(engine, "mt", PASSWORD, Role.ANALYST, districts=["107"], by=boss)
    return engine


def cookie_for(engine: Engine, name: str) -> str:
    value = sessions.exchange(engine, sessions.start(engine, name), 60)
    assert value is not None
    return value


def test_a_ticket_is_spent_once_and_names_its_user(people: Engine) -> None:
    ticket = sessions.start(people, "mt")
    assert sessions.user_for(people, ticket) is None  # a ticket is not a session
    cookie = sessions.exchange(people, ticket, 60)
    assert cookie is not None and sessions.exchange(people, ticket, 60) is None
    user = sessions.user_for(people, cookie)
    assert user is not None and user.username == "mt" and user.role == Role.ANALYST
    assert user.districts == frozenset({"107"})


def test_the_store_keeps_no_token_a_thief_could_use(people: Engine) -> None:
    cookie = cookie_for(people, "boss")
    token = cookie.rpartition(".")[0]
    with people.connect() as conn:
        kept = conn.execute(select(sessions_table.c.token_hash)).scalars().all()
    assert token not in kept and all(len(h) == 64 for h in kept)


@pytest.mark.parametrize("tamper", [
    lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"),  # signature changed
    lambda c: "x" + c,  # token changed
    lambda c: c.rpartition(".")[0],  # signature dropped
    lambda c: "",
    lambda c: "." * 300,
])
def test_a_forged_or_altered_cookie_names_nobody(people: Engine, tamper) -> None:  # type: ignore[no-untyped-def]
    assert sessions.user_for(people, tamper(cookie_for(people, "boss"))) is None


def test_a_ticket_expires_within_a_minute(people: Engine) -> None:
    ticket = sessions.start(people, "boss")
    with people.begin() as conn:
        conn.execute(update(sessions_table).values(expires_at=dt.datetime.now() - dt.timedelta(seconds=1)))
    assert sessions.exchange(people, ticket, 60) is None


def test_a_session_expires(people: Engine) -> None:
    cookie = cookie_for(people, "boss")
    with people.begin() as conn:
        conn.execute(update(sessions_table).where(sessions_table.c.state == "active")
                     .values(expires_at=dt.datetime.now() - dt.timedelta(seconds=1)))
    assert sessions.user_for(people, cookie) is None


def test_sign_out_ends_the_session_for_every_server(people: Engine) -> None:
    cookie = cookie_for(people, "boss")
    other = cookie_for(people, "boss")  # the same user in another browser
    assert sessions.end(people, cookie)
    assert sessions.user_for(people, cookie) is None
    assert sessions.user_for(people, other) is not None  # only the browser that signed out


def test_a_disabled_user_or_a_changed_role_takes_effect_at_once(people: Engine) -> None:
    boss = authenticate(people, "boss", PASSWORD)
    cookie = cookie_for(people, "mt")
    set_user(people, "mt", by=boss, role=Role.VIEWER)
    user = sessions.user_for(people, cookie)
    assert user is not None and user.role == Role.VIEWER
    set_user(people, "mt", by=boss, active=False)
    assert sessions.user_for(people, cookie) is None


def test_the_signing_key_is_shared_through_the_store(people: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Several servers on one database sign and check with one key; DASHBOARD_SECRET_KEY overrides it."""
    cookie = cookie_for(people, "boss")
    sessions._kept_keys.clear()  # another process: it reads the key the first one made
    assert sessions.user_for(people, cookie) is not None
    monkeypatch.setenv("DASHBOARD_SECRET_KEY", "another key, set by the operator")
    assert sessions.user_for(people, cookie) is None  # signed with the old key
    assert sessions.user_for(people, cookie_for(people, "boss")) is not None


def test_a_password_reset_or_disabling_ends_the_users_sessions(people: Engine) -> None:
    boss = authenticate(people, "boss", PASSWORD)
    cookie = cookie_for(people, "mt")
    set_user(people, "mt", by=boss, password="một mật khẩu mới hẳn")
    assert sessions.user_for(people, cookie) is None
    cookie = cookie_for(people, "mt")
    set_user(people, "mt", by=boss, active=False)
    set_user(people, "mt", by=boss, active=True)
    assert sessions.user_for(people, cookie) is None  # enabling again does not revive an old sign-in
    assert sessions.user_for(people, cookie_for(people, "mt")) is not None
