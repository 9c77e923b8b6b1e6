"""In Chromium against a real ``streamlit run serve.py``: a sign-in belongs to the browser that made it.

- a stolen Streamlit session id (it travels in upload URLs) gives another browser the session's
  state but not its sign-in;
- the sign-in survives a reload, and sign-out ends it;
- the audit log's download is served to the admin's browser only;
- Streamlit's upload endpoint refuses anyone who may not import, and floods.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from loaders.i18n import t
from pages import _routes
from store import sessions
from store.auth import Role, add_user, authenticate
from store.db import get_engine
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, SHOTS, serve, settle

ADMIN, ANALYST, VIEWER, PASSWORD = "chief", "mt", "xem", "mật khẩu dài 123"


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('sessions') / 'store.sqlite'}"
    engine = get_engine(url)
    add_user(engine, ADMIN, PASSWORD, Role.ADMIN)
    admin = authenticate(engine, ADMIN, PASSWORD)
    add_user(engine, ANALYST, PASSWORD, Role.ANALYST, by=admin)
    add_user(engine, VIEWER, PASSWORD, Role.VIEWER, by=admin)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, store_url: str) -> Iterator[str]:
    yield from serve(tmp_path_factory, DASHBOARD_DATABASE_URL=store_url)


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def new_page(browser, init_script: str | None = None):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    page.set_default_timeout(60_000)
    return page


def nav(page) -> list[str]:  # type: ignore[no-untyped-def]
    links = page.locator('[data-testid="stSidebarNavLink"]')
    return [links.nth(i).inner_text().strip().splitlines()[-1] for i in range(links.count())]


def sign_in(page, app_url: str, name: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):  # the first session of a fresh server drops its first widget values (issue 13, point 6)
        page.goto(app_url)
        page.locator('[data-testid="stMetric"]').first.wait_for()
        settle(page)
    page.locator("summary", has_text=t("auth.sign_in", "vi")).click()
    page.get_by_label(t("auth.username", "vi")).fill(name)
    page.get_by_label(t("auth.password", "vi")).fill(PASSWORD)
    page.get_by_role("button", name=t("auth.login", "vi")).click()
    page.get_by_text(t("auth.logout", "vi")).wait_for()
    settle(page)


def cookie_of(page) -> dict:  # type: ignore[no-untyped-def]
    return next(c for c in page.context.cookies() if c["name"] == sessions.COOKIE)


def http(url: str, method: str = "GET", cookie: str | None = None, data: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(url, method=method, data=data, headers=headers or {})
    if cookie:
        request.add_header("Cookie", f"{sessions.COOKIE}={cookie}")
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def test_the_cookie_is_httponly_strict_and_survives_a_reload(app_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = new_page(browser)
    sign_in(page, app_url, ADMIN)
    cookie = cookie_of(page)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["expires"] > 0
    assert page.evaluate("document.cookie").find(sessions.COOKIE) == -1  # no script can read it
    page.reload()
    settle(page)
    assert t("auth.nav_audit", "vi") in nav(page)  # still signed in after a reload
    page.get_by_role("button", name=t("auth.logout", "vi")).click()
    page.locator("summary", has_text=t("auth.sign_in", "vi")).wait_for()
    settle(page)
    assert t("auth.nav_audit", "vi") not in nav(page)
    # ended on the server, whatever the browser keeps: the old value signs nobody in
    assert http(f"{app_url}/lcpr/auth/upload", cookie=cookie["value"])[0] == 401
    page.reload()
    settle(page)
    assert t("auth.nav_audit", "vi") not in nav(page)
    page.context.close()


def test_a_stolen_session_id_does_not_carry_the_sign_in(app_url: str, browser, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                        tmp_path_factory: pytest.TempPathFactory) -> None:
    victim = new_page(browser)
    sign_in(victim, app_url, ADMIN)
    victim.get_by_text("English").click()  # state of the Streamlit session, to tell it apart
    settle(victim)
    victim.locator('[data-testid="stSidebarNavLink"]', has_text=t("nav.upload", "en")).click()
    settle(victim)
    urls: list[str] = []
    victim.on("request", lambda r: urls.append(r.url) if "/_stcore/upload_file/" in r.url else None)
    book = tmp_path / "bao_cao.csv"
    book.write_text("a,b\n1,2\n", encoding="utf-8")
    victim.locator('input[type="file"]').set_input_files(str(book))
    victim.wait_for_timeout(3000)
    assert urls, "the upload went nowhere"
    session_id = re.search(r"/_stcore/upload_file/([^/]+)/", urls[0]).group(1)  # what a proxy log shows

    # the attacker's browser presents that id when it connects, as Streamlit's reconnect does
    attacker = new_page(browser, """
      (() => {
        const Original = window.WebSocket;
        function Patched(url, protocols) {
          const p = Array.isArray(protocols) ? protocols.slice() : [protocols || "streamlit"];
          while (p.length < 2) p.push("");
          p[2] = "SESSION_ID";
          return new Original(url, p);
        }
        Patched.prototype = Original.prototype;
        for (const k of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) Patched[k] = Original[k];
        window.WebSocket = Patched;
      })();
    """.replace("SESSION_ID", session_id))
    attacker.goto(f"{app_url}/upload")
    settle(attacker)
    SHOTS.mkdir(parents=True, exist_ok=True)
    attacker.screenshot(path=str(SHOTS / "session_hijack_attempt.png"))
    shown = attacker.locator('[data-testid="stSidebar"]').inner_text()
    # it did join the victim's Streamlit session (the server says so in its log) …
    logs = [p.read_text(encoding="utf-8") for p in tmp_path_factory.getbasetemp().glob("log*/streamlit.log")]
    assert any(f"Session with id {session_id} is already connected" in log for log in logs)
    # … but not its sign-in
    for lang in ("vi", "en"):
        assert t("nav.upload", lang) not in nav(attacker) and t("auth.nav_audit", lang) not in nav(attacker)
        assert t("auth.signed_in_as", lang, user=ADMIN, role=t("auth.role_admin", lang)).replace("**", "") not in shown
    assert attacker.locator('[data-testid="stFileUploader"]').count() == 0
    victim.context.close()
    attacker.context.close()


def test_the_audit_download_is_served_to_the_admin_browser_only(app_url: str, browser, store_url: str) -> None:  # type: ignore[no-untyped-def]
    page = new_page(browser)
    sign_in(page, app_url, ADMIN)
    page.locator('[data-testid="stSidebarNavLink"]', has_text=t("auth.nav_audit", "vi")).click()
    settle(page)
    link = page.get_by_role("link", name=t("auth.download", "vi"))
    href = link.get_attribute("href")
    assert href and href.startswith(f"{_routes.PREFIX}/download/") and "/media/" not in href
    answer = page.request.get(app_url + href)  # the admin's own browser, with its cookie
    # the audit in words, as on the page ("Thêm người dùng" is the user_add action)
    assert answer.status == 200 and "Thêm người dùng".encode() in answer.body()
    assert "attachment" in answer.headers["content-disposition"]
    assert http(app_url + href)[0] == 403  # nobody's browser
    engine = get_engine(store_url)
    analyst = sessions.exchange(engine, sessions.start(engine, ANALYST), 60)
    engine.dispose()
    assert http(app_url + href, cookie=analyst)[0] == 403  # another user's
    assert http(app_url + href, cookie=cookie_of(page)["value"])[0] == 200  # the same cookie anywhere: its user
    page.context.close()


def test_uploads_need_an_importer_and_are_limited(app_url: str, store_url: str) -> None:
    engine = get_engine(store_url)
    analyst = sessions.exchange(engine, sessions.start(engine, ANALYST), 60)
    viewer = sessions.exchange(engine, sessions.start(engine, VIEWER), 60)
    engine.dispose()
    body = b"x" * 1000
    for cookie in (None, viewer, "forged.value"):
        status, text, _ = http(f"{app_url}/_stcore/upload_file/some-session/some-file", "PUT", cookie, body)
        assert status == 403 and "Sign in as an analyst" in text.decode()
        assert http(f"{app_url}/lcpr/auth/upload", cookie=cookie)[0] == 401
    assert http(f"{app_url}/lcpr/auth/upload", cookie=analyst)[0] == 204
    # past the gate Streamlit's own checks answer (no XSRF token here): the gate only counts
    statuses = [http(f"{app_url}/_stcore/upload_file/s/f{i}", "PUT", analyst, body)[0]
                for i in range(_routes.UPLOADS_PER_WINDOW + 1)]
    assert 429 not in statuses[:-1] and statuses[-1] == 429


def test_a_ticket_cannot_be_posted_from_another_site(app_url: str, store_url: str) -> None:
    engine = get_engine(store_url)
    ticket = sessions.start(engine, ADMIN)
    engine.dispose()
    assert http(f"{app_url}/lcpr/session", "POST", data=ticket.encode(),
                headers={"Origin": "http://evil.example"})[0] == 403
    status, _, headers = http(f"{app_url}/lcpr/session", "POST", data=ticket.encode())
    assert status == 204 and "HttpOnly" in headers["set-cookie"] and "SameSite=Strict" in headers["set-cookie"]
    assert http(f"{app_url}/lcpr/session", "POST", data=ticket.encode())[0] == 403  # spent
