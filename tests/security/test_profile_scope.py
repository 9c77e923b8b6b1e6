"""Mapping profiles are owned: an analyst limited to some districts saves only their own, applied to
their own uploads alone, and can neither overwrite nor delete a shared profile or another user's."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

import store.auth as auth
from loaders import inspect_file
from loaders.options import ColumnChoice, ReaderOptions
from store.auth import PermissionDenied, Role, add_user, authenticate
from store.profiles import delete_profile, find_profile, list_profiles, save_profile
from tests.test_profiles import MAPPING, _odd_report

PASSWORD = "mật khẩu dài 123"
# Mường Tè's own reading of the same header: its columns swapped
SWAPPED = ReaderOptions(header_rows=(3, 3), columns={"B": ColumnChoice("value", "disbursed", "local"),
                                                     "C": ColumnChoice("value", "plan", "local"),
                                                     "D": ColumnChoice("ignore")})


@pytest.fixture
def people(engine, monkeypatch):
    monkeypatch.setattr(auth, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    add_user(engine, "admin", PASSWORD, Role.ADMIN)
    admin = authenticate(engine, "admin", PASSWORD)
    add_user(engine, "all", PASSWORD, Role.ANALYST, by=admin)
    add_user(engine, "mt", PASSWORD, Role.ANALYST, districts=["107"], by=admin)
    add_user(engine, "sh", PASSWORD, Role.ANALYST, districts=["108"], by=admin)
    return {name: authenticate(engine, name, PASSWORD) for name in ("admin", "all", "mt", "sh")}


@pytest.fixture
def signature(tmp_path):
    return inspect_file(_odd_report(tmp_path / "odd.xlsx"), options={"BC": MAPPING}).sheets[0]["signature"]


def test_a_scoped_analyst_saves_only_their_own_profile(engine, people, signature):
    save_profile(engine, signature, "chung", MAPPING, user=people["all"])
    save_profile(engine, signature, "của Mường Tè", SWAPPED, user=people["mt"])  # beside the shared one
    assert find_profile(engine, signature) == ("chung", MAPPING)
    assert find_profile(engine, signature, people["sh"]) == ("chung", MAPPING)
    assert find_profile(engine, signature, people["mt"]) == ("của Mường Tè", SWAPPED)
    assert sorted((p["name"], p["owner"]) for p in list_profiles(engine)) == [("chung", ""), ("của Mường Tè", "mt")]
    assert [p["name"] for p in list_profiles(engine, user=people["mt"])] == ["của Mường Tè"]
    assert [p["name"] for p in list_profiles(engine, user=people["sh"])] == ["chung"]
    with pytest.raises(PermissionDenied):
        save_profile(engine, signature, "chung bị sửa", SWAPPED, user=people["mt"], shared=True)
    assert find_profile(engine, signature) == ("chung", MAPPING)


def test_only_its_owner_reads_with_a_users_profile(engine, people, signature, tmp_path):
    save_profile(engine, signature, "chung", MAPPING, user=people["all"])
    save_profile(engine, signature, "của Mường Tè", SWAPPED, user=people["mt"])
    path = _odd_report(tmp_path / "again.xlsx")

    def plan_of_107(user):  # type: ignore[no-untyped-def]
        report = inspect_file(path, profile_lookup=lambda s: find_profile(engine, s, user))
        return report.sheets[0]["profile"], next(r.value for r in report.records if r.district_code == "107" and r.measure == "plan")

    assert plan_of_107(people["mt"]) == ("của Mường Tè", 400.0)
    assert plan_of_107(people["sh"]) == ("chung", 1000.0)
    assert plan_of_107(people["admin"]) == ("chung", 1000.0)


def test_a_scoped_analyst_cannot_delete_shared_or_others_profiles(engine, people, signature):
    save_profile(engine, signature, "chung", MAPPING, user=people["all"])
    save_profile(engine, signature, "của Mường Tè", SWAPPED, user=people["mt"])
    for owner in ("", "mt"):
        with pytest.raises(PermissionDenied):
            delete_profile(engine, signature, user=people["sh"], owner=owner)
    with pytest.raises(PermissionDenied):
        delete_profile(engine, signature, user=people["sh"])  # the one applying to sh is the shared one
    assert delete_profile(engine, signature, user=people["mt"])  # their own
    assert find_profile(engine, signature, people["mt"]) == ("chung", MAPPING)
    with pytest.raises(PermissionDenied):
        delete_profile(engine, signature, user=people["mt"])  # now the shared one applies: not theirs
    assert delete_profile(engine, signature, user=people["all"])
    assert list_profiles(engine) == []


def test_analysts_of_every_district_manage_every_profile(engine, people, signature):
    save_profile(engine, signature, "của Mường Tè", SWAPPED, user=people["mt"])
    save_profile(engine, signature, "chung", MAPPING, user=people["admin"])
    save_profile(engine, signature, "chung, đổi tên", MAPPING, user=people["all"])  # rename = save again
    assert [(p["name"], p["owner"]) for p in list_profiles(engine, user=people["all"])] == [("chung, đổi tên", "")]
    assert delete_profile(engine, signature, user=people["all"], owner="mt")
    assert find_profile(engine, signature, people["mt"]) == ("chung, đổi tên", MAPPING)
