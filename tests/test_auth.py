"""Who may do what: roles, district scopes, sign-in throttling and the audit trail, through API and CLI."""

import datetime as dt
import json

import pytest
from sqlalchemy import select

from loaders import import_files, inspect_file
from loaders.options import ReaderOptions
from store.auth import PermissionDenied, Role, add_user, audit_log, authenticate, list_users, set_user
from store.bootstrap import create_first_admin
from store.history import undo
from store.profiles import save_profile
from store.queries import current_facts, is_empty
from store.schema import users
from tests.conftest import funding_row
from tests.test_cli import run

PASSWORD = "mật khẩu dài 123"


@pytest.fixture
def people(engine):
    add_user(engine, "admin", PASSWORD, Role.ADMIN)
    admin = authenticate(engine, "admin", PASSWORD)
    add_user(engine, "viewer", PASSWORD, Role.VIEWER, by=admin)
    add_user(engine, "mt", PASSWORD, Role.ANALYST, districts=["107"], by=admin)
    add_user(engine, "all", PASSWORD, Role.ANALYST, by=admin)
    return {name: authenticate(engine, name, PASSWORD) for name in ("admin", "viewer", "mt", "all")}


def test_passwords_are_argon2_hashes(engine, people):
    with engine.connect() as conn:
        hashes = conn.execute(select(users.c.password_hash)).scalars().all()
    assert all(h.startswith("$argon2") and PASSWORD not in h for h in hashes)
    assert people["mt"].districts == {"107"} and people["viewer"].role is Role.VIEWER


def test_a_viewer_cannot_import_undo_or_map(engine, people, make_workbook):
    path = make_workbook(funding=[funding_row()])
    with pytest.raises(PermissionDenied):
        import_files([path], engine, user=people["viewer"])
    with pytest.raises(PermissionDenied):
        import_files([path], engine, user="anyone")  # a plain name once users exist
    with pytest.raises(PermissionDenied):
        save_profile(engine, "sig", "x", ReaderOptions(), user=people["viewer"])
    _, results = import_files([path], engine, user=people["all"])
    with pytest.raises(PermissionDenied):
        undo(engine, results[0].batch_id, user=people["viewer"])
    assert len(current_facts(engine)) == 2


def test_an_analyst_scoped_to_a_district_is_refused_other_districts(engine, people, make_workbook):
    mixed = make_workbook(funding=[funding_row(district="107"), funding_row(district="108")])
    with pytest.raises(PermissionDenied, match="108"):
        import_files([mixed], engine, user=people["mt"])
    assert is_empty(engine)
    import_files([make_workbook(funding=[funding_row(district="107")])], engine, user=people["mt"])
    assert set(current_facts(engine)["district_code"]) == {"107"}


def test_repeated_failed_sign_ins_are_slowed_down(engine, people):
    now = dt.datetime(2026, 1, 1, 8, 0, 0)
    for _ in range(3):
        assert authenticate(engine, "mt", "wrong password!", now=now) is None
    # locked now: even the right password is refused until the lock ends
    assert authenticate(engine, "mt", PASSWORD, now=now + dt.timedelta(seconds=2)) is None
    assert authenticate(engine, "mt", PASSWORD, now=now + dt.timedelta(seconds=6)) is not None
    assert authenticate(engine, "nobody", PASSWORD) is None


def test_disabled_users_cannot_sign_in(engine, people):
    set_user(engine, "mt", by=people["admin"], active=False)
    assert authenticate(engine, "mt", PASSWORD) is None
    with pytest.raises(PermissionDenied):
        set_user(engine, "viewer", by=people["all"], active=False)  # only admins manage users


def test_every_change_is_audited(engine, people, make_workbook):
    path = make_workbook(funding=[funding_row()])
    _, results = import_files([path], engine, user=people["all"])
    undo(engine, results[0].batch_id, user=people["all"])
    save_profile(engine, "sig", "mẫu A", ReaderOptions(), user=people["mt"])
    authenticate(engine, "viewer", "wrong password!")
    actions = [(r["user"], r["action"], r["values"]) for r in audit_log(engine)]
    assert ("all", "import", 2) in actions and ("all", "undo", 2) in actions
    assert ("mt", "profile_save", 0) in actions and ("viewer", "login_failed", 0) in actions
    assert sum(1 for _, a, _ in actions if a == "user_add") == 4


def test_first_admin_from_the_environment(engine, monkeypatch):
    monkeypatch.setenv("DASHBOARD_ADMIN_USER", "chief")
    monkeypatch.setenv("DASHBOARD_ADMIN_PASSWORD", PASSWORD)
    assert create_first_admin(engine) and not create_first_admin(engine)
    assert [(u["username"], u["role"]) for u in list_users(engine)] == [("chief", "admin")]


def test_the_command_line_enforces_the_same_rules(tmp_path, make_workbook, monkeypatch):
    db = f"sqlite:///{tmp_path / 'auth.sqlite'}"
    monkeypatch.setenv("DASHBOARD_NEW_PASSWORD", PASSWORD)
    assert run("users", "add", "first", "--role", "viewer", "--db", db).returncode == 2  # first must be admin
    run("users", "add", "boss", "--role", "admin", "--db", db, check_rc=0)
    monkeypatch.setenv("DASHBOARD_PASSWORD", PASSWORD)  # the --as / --user password
    run("users", "add", "xem", "--role", "viewer", "--as", "boss", "--db", db, check_rc=0)
    run("users", "add", "mt", "--role", "analyst", "--districts", "107", "--as", "boss", "--db", db, check_rc=0)
    path = make_workbook(funding=[funding_row(district="107"), funding_row(district="108")])
    for who in (None, "xem", "mt"):
        args = ["import", path, "--db", db] + (["--user", who] if who else [])
        proc = run(*args)
        assert proc.returncode == 2 and "error" in proc.stderr, who
    run("import", make_workbook(funding=[funding_row(district="107")]), "--db", db, "--user", "mt", check_rc=0)
    assert run("audit", "--db", db, "--json").returncode == 2
    audit_rows = json.loads(run("audit", "--as", "boss", "--db", db, "--json", check_rc=0).stdout)["audit"]
    assert [r["action"] for r in audit_rows][:1] == ["import"]
    listed = json.loads(run("users", "list", "--db", db, "--json", check_rc=0).stdout)["users"]
    assert {u["username"] for u in listed} == {"boss", "xem", "mt"} and all("password" not in str(u) for u in listed)
    assert inspect_file(path).ok  # inspecting writes nothing and needs no sign-in
