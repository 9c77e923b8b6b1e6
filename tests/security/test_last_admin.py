"""The last active admin cannot be disabled or demoted, not even by two admins disabling each other at once."""

from __future__ import annotations

import threading
import time

import pytest
from argon2 import PasswordHasher

import store.auth as auth
from loaders.errors import LoaderError
from store.auth import Role, add_user, authenticate, list_users, set_user

PASSWORD = "mật khẩu dài 123"


@pytest.fixture
def admins(engine, monkeypatch):
    monkeypatch.setattr(auth, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    add_user(engine, "a", PASSWORD, Role.ADMIN)
    first = authenticate(engine, "a", PASSWORD)
    add_user(engine, "b", PASSWORD, Role.ADMIN, by=first)
    add_user(engine, "v", PASSWORD, Role.VIEWER, by=first)
    return first, authenticate(engine, "b", PASSWORD)


def _active_admins(engine) -> list[str]:
    return [u["username"] for u in list_users(engine) if u["role"] == "admin" and u["active"]]


@pytest.mark.parametrize("change", [dict(active=False), dict(role=Role.ANALYST), dict(role=Role.VIEWER)])
def test_the_last_admin_is_kept(engine, admins, change):
    a, b = admins
    set_user(engine, "b", by=a, **change)  # another admin remains: allowed
    with pytest.raises(LoaderError) as refused:
        set_user(engine, "a", by=a, **change)
    assert refused.value.code == "last_admin"
    assert "quản trị viên cuối cùng" in str(refused.value) and "last active admin" in str(refused.value)
    assert _active_admins(engine) == ["a"]
    set_user(engine, "v", by=a, active=False)  # other users still change freely
    set_user(engine, "a", by=a, password="mật khẩu mới 456")


def _disable_each_other(engine, a, b) -> list[str]:  # type: ignore[no-untyped-def]
    """a disables b while b disables a, released together: each outcome, 'done' or the refusal's code."""
    barrier, outcomes = threading.Barrier(2), []

    def disable(actor, target):  # type: ignore[no-untyped-def]
        barrier.wait()
        try:
            set_user(engine, target, by=actor, active=False)
            outcomes.append("done")
        except LoaderError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=disable, args=(a, "b")), threading.Thread(target=disable, args=(b, "a"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


def test_two_admins_disabling_each_other_at_once_leave_one(engine, admins, monkeypatch):
    a, b = admins
    record = auth.record

    def slow_record(*args, **kwargs):  # each change stays open after its check, so that the two overlap
        time.sleep(0.3)
        record(*args, **kwargs)

    for _ in range(3):
        monkeypatch.setattr(auth, "record", slow_record)
        assert _disable_each_other(engine, a, b) == ["done", "last_admin"]
        assert len(_active_admins(engine)) == 1
        monkeypatch.setattr(auth, "record", record)
        for name in ("a", "b"):  # both admins again for the next round
            set_user(engine, name, by=a, active=True)
