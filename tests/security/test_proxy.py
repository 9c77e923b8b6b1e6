"""The shipped nginx site (deploy/nginx.conf) in front of a real ``streamlit run serve.py``.

Uploads reach a server only from a browser whose session cookie may import, at a bounded rate and
size, and their paths (which hold the Streamlit session id) are never written to the access log.
"""

from __future__ import annotations

import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from store import sessions
from store.auth import Role, add_user, authenticate
from store.db import get_engine
from tests.browser_support import serve
from tests.proxy_support import need_nginx, start_nginx, stop_nginx
from tests.security.test_browser_sessions import http

UPSTREAM: dict[str, str] = {}  # the address of the server behind the proxy (set by the proxy fixture)
PASSWORD = "mật khẩu dài 123"


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('proxy') / 'store.sqlite'}"
    engine = get_engine(url)
    add_user(engine, "chief", PASSWORD, Role.ADMIN)
    add_user(engine, "mt", PASSWORD, Role.ANALYST, by=authenticate(engine, "chief", PASSWORD))
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory, store_url: str) -> Iterator[tuple[str, Path]]:
    """nginx with the site deploy/configure.py writes, its upstream the test server; yields (proxy URL, access log)."""
    need_nginx()
    with_server = serve(tmp_path_factory, DASHBOARD_DATABASE_URL=store_url)
    app_url = next(with_server)
    UPSTREAM["url"] = app_url
    nginx = start_nginx(tmp_path_factory.mktemp("nginx"), [int(urlsplit(app_url).port or 0)])
    try:
        yield nginx.url, nginx.access_log
    finally:
        stop_nginx(nginx)
        with_server.close()


def cookie(store_url: str, name: str) -> str:
    engine = get_engine(store_url)
    value = sessions.exchange(engine, sessions.start(engine, name), 60)
    engine.dispose()
    assert value is not None
    return value


def test_the_proxy_asks_the_app_before_an_upload_reaches_it(proxy: tuple[str, Path], store_url: str) -> None:
    url, _ = proxy
    path = f"{url}/_stcore/upload_file/0123abcd-session/file-1"
    assert http(path, "PUT", None, b"x" * 100)[0] == 401
    assert http(path, "PUT", "forged.cookie", b"x" * 100)[0] == 401
    assert http(path, "PUT", cookie(store_url, "chief"), b"x" * 100)[0] not in (401, 429)  # on to Streamlit


def test_bodies_are_bounded(proxy: tuple[str, Path], store_url: str) -> None:
    url, _ = proxy
    assert http(f"{url}/lcpr/session", "POST", None, b"x" * (2 << 20))[0] == 413
    big = b"x" * (22 << 20)
    assert http(f"{url}/_stcore/upload_file/s/f", "PUT", cookie(store_url, "mt"), big)[0] == 413


def test_uploads_are_rate_limited(proxy: tuple[str, Path], store_url: str) -> None:
    url, _ = proxy
    analyst = cookie(store_url, "mt")
    statuses = [http(f"{url}/_stcore/upload_file/s/r{i}", "PUT", analyst, b"x")[0] for i in range(30)]
    assert 429 in statuses and statuses.index(429) >= 15  # a burst of a district's files passes first


def test_upload_paths_never_reach_the_access_log(proxy: tuple[str, Path], store_url: str) -> None:
    url, log = proxy
    http(f"{url}/_stcore/upload_file/SECRET-SESSION-ID/file", "PUT", cookie(store_url, "chief"), b"x")
    http(f"{url}/_stcore/health")
    time.sleep(0.5)  # nginx writes its log as each request ends
    text = log.read_text(encoding="utf-8")
    assert "/_stcore/health" in text  # the log works …
    assert "SECRET-SESSION-ID" not in text and "upload_file" not in text  # … and holds no upload path


def test_sign_in_through_the_proxy_sets_the_cookie(proxy: tuple[str, Path], store_url: str) -> None:
    """The browser posts its ticket through the proxy, with the proxy's address as its Origin."""
    url, _ = proxy
    engine = get_engine(store_url)
    ticket = sessions.start(engine, "chief")
    engine.dispose()
    assert http(f"{url}/lcpr/session", "POST", data=b"x", headers={"Origin": "http://evil.example"})[0] == 403
    request = urllib.request.Request(f"{url}/lcpr/session", method="POST", data=ticket.encode(), headers={"Origin": url})
    with urllib.request.urlopen(request, timeout=30) as resp:  # every Set-Cookie: the proxy adds its route's
        status, cookies = resp.status, resp.headers.get_all("Set-Cookie") or []
    assert status == 204 and any(c.startswith(f"{sessions.COOKIE}=") and "HttpOnly" in c for c in cookies), cookies


def test_scripts_are_sent_compressed_by_the_server_and_through_the_proxy(proxy: tuple[str, Path]) -> None:
    """A first visit loads 7.7 MB of Streamlit's scripts; gzip cuts what a slow district line carries."""
    url, _ = proxy
    page = http(f"{UPSTREAM['url']}/")[1].decode()
    script = re.search(r'src="\.?/?(static/js/[^"]+\.js)"', page)
    assert script, page[:500]
    for base in (UPSTREAM["url"], url):
        plain = http(f"{base}/{script.group(1)}")
        packed = http(f"{base}/{script.group(1)}", headers={"Accept-Encoding": "gzip"})
        assert plain[0] == packed[0] == 200
        headers = {k.lower(): v for k, v in packed[2].items()}
        assert headers.get("content-encoding") == "gzip", (base, packed[2])
        import gzip

        assert gzip.decompress(packed[1]) == plain[1] and len(packed[1]) < len(plain[1]) / 2
