"""A visitor never sees a traceback, SQL or a server path; the server's log keeps them under a reference."""

from __future__ import annotations

import logging
import tomllib

import pytest

from loaders.reference import ROOT
from store import queries
from tests import test_pages
from tests.test_pages import open_page

sample_db, db_url = test_pages.sample_db, test_pages.db_url
SECRET = "SELECT password_hash FROM users -- /srv/lcpr/var/dashboard.sqlite"


def test_the_shipped_config_hides_error_details() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"


def test_an_unexpected_store_error_shows_a_reference_not_the_traceback(
        db_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError(SECRET)

    monkeypatch.setattr(queries, "years_present", broken)
    with caplog.at_level(logging.ERROR, logger="lcpr.pages"):
        at = open_page("overview")
    shown = "\n".join(str(e.value) for kind in (at.error, at.warning, at.info, at.markdown, at.caption, at.code)
                      for e in kind)
    assert "RuntimeError" in shown and "SELECT" not in shown and "/srv/" not in shown and not at.code
    reference = [r for r in caplog.records if r.name == "lcpr.pages"][-1].args[0]
    assert reference in shown  # the visitor can quote it; the log has the rest
    assert any(SECRET in (r.exc_text or "") or (r.exc_info and SECRET in str(r.exc_info[1])) for r in caplog.records)
