"""Settings, read once from the environment: the one typed place for configuration."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = ROOT / "var" / "dashboard.sqlite"

# name → (default, what it does). The README's settings table is checked against this.
ENVIRONMENT = {
    "DASHBOARD_DATABASE_URL": (
        f"sqlite:///{DEFAULT_DB_PATH}",
        "SQLAlchemy URL of the store; e.g. postgresql+psycopg://user@host/db",
    ),
    "DASHBOARD_LOAD_SAMPLES": ("1", "1: load the illustrative samples when the store is empty at start-up"),
    "DASHBOARD_USER": ("", "name recorded on import batches while no users exist (default: the system user)"),
    "DASHBOARD_REQUIRE_LOGIN": ("0", "1: viewing needs a signed-in user too (changing data always does once users exist)"),
    "DASHBOARD_SESSION_MINUTES": ("480", "a sign-in expires after this many minutes"),
    "DASHBOARD_ADMIN_USER": ("", "with DASHBOARD_ADMIN_PASSWORD: the first admin, created at start-up when no user exists"),
    "DASHBOARD_ADMIN_PASSWORD": ("", "the first admin's password (at least 10 characters); there is no default password"),
    "DASHBOARD_SECRET_KEY": ("", "key that signs session cookies (default: one made once and kept in the store)"),
    "DASHBOARD_ALLOWED_HOSTS": ("*", "host names the server answers to, comma-separated (the proxy's); 127.0.0.1 and "
                                     "localhost always (health checks); * for any"),
}


def _env(name: str) -> str:
    return os.environ.get(name) or ENVIRONMENT[name][0]


@dataclass(frozen=True)
class Settings:
    """Everything the core needs to know about its environment."""

    database_url: str = field(default_factory=lambda: _env("DASHBOARD_DATABASE_URL"))
    load_samples: bool = field(default_factory=lambda: _env("DASHBOARD_LOAD_SAMPLES") == "1")
    user: str = field(default_factory=lambda: _env("DASHBOARD_USER") or _system_user())
    require_login: bool = field(default_factory=lambda: _env("DASHBOARD_REQUIRE_LOGIN") == "1")
    session_minutes: int = field(default_factory=lambda: int(_env("DASHBOARD_SESSION_MINUTES")))
    admin_user: str = field(default_factory=lambda: _env("DASHBOARD_ADMIN_USER"))
    admin_password: str = field(default_factory=lambda: _env("DASHBOARD_ADMIN_PASSWORD"), repr=False)
    allowed_hosts: tuple[str, ...] = field(default_factory=lambda: _allowed_hosts(_env("DASHBOARD_ALLOWED_HOSTS")))


def _allowed_hosts(text: str) -> tuple[str, ...]:
    """The host names a server answers to: those given, and always this machine's (the health checks)."""
    names = tuple(dict.fromkeys(h.strip().lower() for h in text.split(",") if h.strip()))
    return ("*",) if "*" in names or not names else (*names, "127.0.0.1", "localhost")


def _system_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers): still record something honest
        return "unknown"


def get_settings() -> Settings:
    """Settings as the environment gives them now."""
    return Settings()
