"""Sign-in throttling holds under parallel guesses, tells nothing by its timing, and cannot be turned
against an account's owner: store.auth.authenticate with per-account and per-client counters."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import statistics
import threading
import time

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, select, update

import store.auth as auth
from store.auth import (
    CLIENT_FREE_FAILURES,
    FREE_FAILURES,
    MAX_LOCK_SECONDS,
    Role,
    add_user,
    authenticate,
    set_user,
)
from store.schema import login_clients, users

PASSWORD = "mật khẩu dài 123"
WRONG = "không phải mật khẩu"
# Cheaper than the real settings (64 MiB, 3 passes) so that 20 guesses at once fit a shared 2-core
# machine, yet slow enough (tens of ms) that they overlap: the race the atomic counter closes.
MIDDLE = dict(time_cost=1, memory_cost=16_384, parallelism=1)
CHEAP = dict(time_cost=1, memory_cost=8, parallelism=1)


class CountingHasher(PasswordHasher):
    """A PasswordHasher that remembers which hash each verification was against."""

    def __init__(self, **params: int) -> None:
        super().__init__(**params)
        self.verified: list[str] = []
        self.hashed = 0

    def verify(self, hash, password):  # type: ignore[no-untyped-def]
        self.verified.append(hash if isinstance(hash, str) else hash.decode())
        return super().verify(hash, password)

    def hash(self, password, *, salt=None):  # type: ignore[no-untyped-def]
        self.hashed += 1
        return super().hash(password, salt=salt)


def _hasher(monkeypatch, **params: int) -> CountingHasher:
    hasher = CountingHasher(**params)
    monkeypatch.setattr(auth, "_HASHER", hasher)
    if hasattr(auth, "_stand_in_hash"):
        auth._stand_in_hash(hasher)  # made once per hasher, before anything is counted
    hasher.verified.clear()
    hasher.hashed = 0
    return hasher


def _row(engine, name: str):
    with engine.connect() as conn:
        return conn.execute(select(users).where(users.c.username == name)).one()


def _at_once(n: int, attempt) -> None:  # type: ignore[no-untyped-def]
    """Run attempt(i) in n threads released together; re-raise the first failure."""
    barrier, errors = threading.Barrier(n), []

    def run(i: int) -> None:
        barrier.wait()
        try:
            attempt(i)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def test_twenty_parallel_guesses_are_all_counted_and_only_the_free_ones_checked(engine, monkeypatch):
    hasher = _hasher(monkeypatch, **MIDDLE)
    add_user(engine, "admin", PASSWORD, Role.ADMIN)
    real = _row(engine, "admin").password_hash
    hasher.verified.clear()
    _at_once(20, lambda i: authenticate(engine, "admin", WRONG))
    row = _row(engine, "admin")
    checked = sum(h == real for h in hasher.verified)
    assert row.failed_logins == 20  # not one lost: the count is one atomic UPDATE … RETURNING
    assert checked == FREE_FAILURES  # the third locks the account before the others are checked
    assert len(hasher.verified) == 20  # the refused ones still cost one argon2 verification each
    assert row.locked_until is not None


def test_one_client_cannot_guess_many_accounts_at_once(engine, monkeypatch):
    hasher = _hasher(monkeypatch, **CHEAP)
    add_user(engine, "admin", PASSWORD, Role.ADMIN)
    admin = authenticate(engine, "admin", PASSWORD)
    for i in range(20):
        add_user(engine, f"u{i}", PASSWORD, Role.VIEWER, by=admin)
    real = {_row(engine, f"u{i}").password_hash for i in range(20)}
    hasher.verified.clear()
    _at_once(20, lambda i: authenticate(engine, f"u{i}", WRONG, client="203.0.113.9"))
    with engine.connect() as conn:
        failures = conn.execute(select(login_clients.c.failed_logins)).scalar_one()
    assert failures == 20
    assert sum(h in real for h in hasher.verified) == CLIENT_FREE_FAILURES  # one address: ten checked, then it waits


def test_right_and_wrong_passwords_from_one_address_at_once_never_deadlock(engine, monkeypatch):
    _hasher(monkeypatch, **CHEAP)
    add_user(engine, "admin", PASSWORD, Role.ADMIN)
    for _ in range(10):  # each round: successes resetting the counters while failures claim them
        _at_once(16, lambda i: authenticate(engine, "admin", PASSWORD if i % 2 else WRONG, client="192.0.2.1"))
        with engine.begin() as conn:  # a fresh start for the next round
            conn.execute(update(users).values(failed_logins=0, locked_until=None))
            conn.execute(update(login_clients).values(failed_logins=0, locked_until=None))


def _guess_in_process(url: str, name: str, client: str, params: dict, barrier, out) -> None:  # type: ignore[no-untyped-def]
    hasher = CountingHasher(**params)
    auth._HASHER = hasher
    if hasattr(auth, "_stand_in_hash"):
        auth._stand_in_hash(hasher)
    engine = create_engine(url)
    with engine.connect():
        pass  # connected before the start
    try:
        barrier.wait()
        try:
            authenticate(engine, name, WRONG, client=client)
        except Exception as exc:  # noqa: BLE001 - the parent asserts on it
            out.put(("error", repr(exc)))
            return
        out.put(("verified", hasher.verified))
    finally:
        engine.dispose()


def test_ten_processes_from_ten_addresses_are_counted_and_limited(engine, monkeypatch):
    _hasher(monkeypatch, **MIDDLE)
    add_user(engine, "admin", PASSWORD, Role.ADMIN)
    real = _row(engine, "admin").password_hash
    # separate interpreters (no shared Python state), forked from one that has imported the code once
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    barrier, out = ctx.Barrier(10), ctx.Queue()
    url = engine.url.render_as_string(hide_password=False)
    procs = [ctx.Process(target=_guess_in_process, args=(url, "admin", f"198.51.100.{i}", MIDDLE, barrier, out))
             for i in range(10)]
    for p in procs:
        p.start()
    results = [out.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert [r for r in results if r[0] == "error"] == []
    verified = [h for _, hashes in results for h in hashes]
    assert len(verified) == 10 and sum(h == real for h in verified) == FREE_FAILURES
    assert _row(engine, "admin").failed_logins == 10


def _attempt_kinds(engine):  # type: ignore[no-untyped-def]
    """One sign-in of each kind that must look alike: (label, username); the locked one is locked far ahead."""
    add_user(engine, "admin", PASSWORD, Role.ADMIN)
    admin = authenticate(engine, "admin", PASSWORD)
    for name in ("open", "locked", "disabled"):
        add_user(engine, name, PASSWORD, Role.VIEWER, by=admin)
    add_user(engine, "oidc", None, Role.VIEWER, email="o@example.org", by=admin)
    set_user(engine, "disabled", by=admin, active=False)
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.username == "locked")
                     .values(failed_logins=40, locked_until=dt.datetime(2100, 1, 1)))
    return [("wrong password", "open"), ("locked account", "locked"), ("unknown user", "nobody"),
            ("disabled user", "disabled"), ("no password (OpenID Connect only)", "oidc")]


def test_every_refusal_does_the_same_argon2_work(engine, monkeypatch):
    hasher = _hasher(monkeypatch, **CHEAP)
    kinds = _attempt_kinds(engine)
    work = {}
    for label, name in kinds:
        before = (len(hasher.verified), hasher.hashed)
        # far apart in time: the open account's own lock never turns its wrong passwords into locked ones
        assert authenticate(engine, name, WRONG, now=dt.datetime(2030, 1, 1)) is None
        work[label] = (len(hasher.verified) - before[0], hasher.hashed - before[1])
    assert work == {label: (1, 0) for label, _ in kinds}  # one verification each, nothing else


def _medians(engine, kinds: dict[str, str], rounds: int, start: dt.datetime) -> dict[str, float]:
    times: dict[str, list[float]] = {label: [] for label in kinds}
    for i in range(rounds):  # interleaved, so that the machine's load falls on every kind alike
        now = start + dt.timedelta(seconds=(MAX_LOCK_SECONDS + 1) * i)  # the open account's lock has ended
        for label, name in kinds.items():
            t0 = time.perf_counter()
            authenticate(engine, name, WRONG, now=now)
            times[label].append(time.perf_counter() - t0)
    return {label: statistics.median(ts) for label, ts in times.items()}


def test_a_locked_account_answers_as_slowly_as_a_wrong_password(engine):
    # the real argon2 settings, what an attacker would time; on a loaded machine a burst of other work can
    # skew one measurement, so up to three are made (a locked account answering without hashing is ~100× faster)
    all_kinds = dict(_attempt_kinds(engine))
    kinds = {label: all_kinds[label] for label in ("wrong password", "locked account", "unknown user")}
    tries = []
    for attempt in range(3):
        medians = _medians(engine, kinds, 5, dt.datetime(2030 + attempt, 1, 1))
        tries.append(medians)
        wrong = medians["wrong password"]
        if all(abs(m - wrong) <= 0.3 * wrong for m in medians.values()):
            return
    pytest.fail(f"median seconds per kind, three measurements: {tries}")


def _locks(engine):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        account = conn.execute(select(users.c.locked_until).where(users.c.username == "admin")).scalar_one()
        client = conn.execute(select(login_clients.c.locked_until).where(login_clients.c.client == "203.0.113.9")).scalar()
    return account, client


@pytest.mark.parametrize("owner_signs_in", [True, False])
def test_one_address_cannot_keep_the_owner_out(engine, monkeypatch, owner_signs_in):
    """An attacker at 203.0.113.9 who knows every lock and guesses the moment both end, for a day."""
    _hasher(monkeypatch, **CHEAP)
    add_user(engine, "admin", PASSWORD, Role.ADMIN)
    start = t = dt.datetime(2026, 1, 1)
    end = start + dt.timedelta(hours=24)
    guesses, locks = 0, []
    while True:
        account, client = _locks(engine)
        t = max([t] + [x for x in (account, client) if x is not None])
        if t >= end:
            break
        assert authenticate(engine, "admin", WRONG, now=t, client="203.0.113.9") is None
        guesses += 1
        account, _ = _locks(engine)
        if account is not None and account > t:
            locks.append((t, account))
            if owner_signs_in:  # from another address, the moment the lock ends: never kept out
                assert authenticate(engine, "admin", PASSWORD, now=account, client="198.51.100.7") is not None
        t += dt.timedelta(seconds=1)
    locked = sum((until - at).total_seconds() for at, until in locks)
    assert all((until - at).total_seconds() <= MAX_LOCK_SECONDS for at, until in locks)
    # after each lock the address waits three times as long again: the owner's window
    assert all(later - until >= 3 * (until - at) for (at, until), (later, _) in zip(locks, locks[1:]))
    assert guesses <= 30 and locked <= 4 * 3600, (guesses, locked)
    # by the end of the day its own wait after a guess is far longer than any lock it can cause
    with engine.connect() as conn:
        last, until = conn.execute(select(login_clients.c.last_failed_at, login_clients.c.locked_until)
                                   .where(login_clients.c.client == "203.0.113.9")).one()
    assert (until - last).total_seconds() > 10 * MAX_LOCK_SECONDS


def test_a_burst_from_one_address_locks_the_account_briefly_and_the_address_for_hours(engine, monkeypatch):
    _hasher(monkeypatch, **CHEAP)
    add_user(engine, "admin", PASSWORD, Role.ADMIN)
    now = dt.datetime(2026, 1, 1)
    for i in range(60):  # a guess a second for a minute, refused or not
        authenticate(engine, "admin", WRONG, now=now + dt.timedelta(seconds=i), client="203.0.113.9")
    account, client = _locks(engine)
    last = now + dt.timedelta(seconds=59)
    assert account is not None and account <= last + dt.timedelta(seconds=MAX_LOCK_SECONDS)
    assert client is not None and client > last + dt.timedelta(hours=3)
    assert authenticate(engine, "admin", PASSWORD, now=account, client="203.0.113.9") is None  # that address waits
    assert authenticate(engine, "admin", PASSWORD, now=account, client="198.51.100.7") is not None
    assert _row(engine, "admin").failed_logins == 0
