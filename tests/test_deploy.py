"""The deployment (issue 16): the files deploy/configure.py writes, the store prepared before any server, and
nginx keeping each browser on one server by a cookie, never by address, across a rolling restart."""

from __future__ import annotations

import shutil
import stat
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from loaders.cli import main as cli
from loaders.reference import ROOT
from store.auth import auth_enabled
from store.db import get_engine
from tests.browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SHOTS,
    Server,
    free_port,
    settle,
    start_server,
    start_server_on,
    stop_server,
)
from tests.proxy_support import configure, start_nginx, stop_nginx
from tests.test_upload import muong_te_october

ROUTE = "lcpr_route"


# --- the files -------------------------------------------------------------

def test_the_shipped_files_are_configure_s_output_for_its_defaults(tmp_path: Path) -> None:
    mod = configure()
    written = mod.write(tmp_path, mod.parser().parse_args(["--out", str(tmp_path)]))
    assert {p.name for p in written} == {"nginx.conf", *(p.name for p in (ROOT / "deploy" / "systemd").iterdir())}
    for path in written:
        shipped = ROOT / "deploy" / ("nginx.conf" if path.name == "nginx.conf" else f"systemd/{path.name}")
        assert path.read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8"), (
            f"{shipped} differs from deploy/configure.py's output: run python3 deploy/configure.py --out …")


def test_n_servers_give_n_upstreams_routes_and_units(tmp_path: Path) -> None:
    mod = configure()
    args = mod.parser().parse_args(["--out", str(tmp_path), "--servers", "3", "--first-port", "9601", "--listen", "80",
                                    "--server-name", "dashboard.example.vn", "--app-dir", "/srv/d", "--user", "dash"])
    mod.write(tmp_path, args)
    site = (tmp_path / "nginx.conf").read_text(encoding="utf-8")
    for port in (9601, 9602, 9603):
        assert f"server 127.0.0.1:{port} " in site and f"s{port} 127.0.0.1:{port};" in site
    assert "9604" not in site and "ip_hash;" not in site and "server_name dashboard.example.vn;" in site
    assert "listen 80;" in site
    unit = (tmp_path / "lcpr-dashboard@.service").read_text(encoding="utf-8")
    assert "Restart=on-failure" in unit and "--server.port %i" in unit and "User=dash" in unit
    assert "ExecStart=/srv/d/.venv/bin/python -m streamlit run serve.py" in unit
    assert "Requires=lcpr-dashboard-prepare.service" in unit
    target = (tmp_path / "lcpr-dashboard.target").read_text(encoding="utf-8")
    assert "lcpr-dashboard@9601.service lcpr-dashboard@9602.service lcpr-dashboard@9603.service" in target
    assert "9601 9602 9603" in (tmp_path / "lcpr-dashboard-health.service").read_text(encoding="utf-8")
    assert mod.main(["--out", str(tmp_path), "--ports", "9601,9601"]) == 2  # one port twice is refused


def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    """systemd-analyze verify reads the units as systemd would (paths, directives, dependencies)."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("UNIT CHECK SKIPPED: no systemd-analyze on this machine (apt-get install systemd)")
    mod = configure()
    env = tmp_path / "dashboard.env"
    env.write_text("DASHBOARD_LOAD_SAMPLES=0\n")
    mod.write(tmp_path, mod.parser().parse_args(["--out", str(tmp_path), "--app-dir", str(ROOT), "--user", "root",
                                                 "--env-file", str(env), "--ports", "8501,8502"]))
    shutil.copy(tmp_path / "lcpr-dashboard@.service", tmp_path / "lcpr-dashboard@8501.service")
    units = [str(tmp_path / n) for n in ("lcpr-dashboard@8501.service", "lcpr-dashboard-prepare.service",
                                        "lcpr-dashboard.target", "lcpr-dashboard-health.service",
                                        "lcpr-dashboard-health.timer")]
    done = subprocess.run([analyze, "verify", "--man=no", *units], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "lcpr-dashboard" not in done.stderr, done.stderr  # no complaint about our units, not even a warning


def test_the_settings_file_gets_fresh_secrets_once(tmp_path: Path) -> None:
    mod = configure()
    first, second = tmp_path / "a" / "dashboard.env", tmp_path / "b" / "dashboard.env"
    for path in (first, second):
        assert mod.main(["--out", str(tmp_path / "out"), "--env", str(path), "--server-name", "d.example.vn"]) == 0
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    settings = [dict(line.split("=", 1) for line in p.read_text().splitlines() if line and not line.startswith("#"))
                for p in (first, second)]
    for key in ("DASHBOARD_SECRET_KEY", "STREAMLIT_SERVER_COOKIE_SECRET"):
        assert len(settings[0][key]) >= 40 and settings[0][key] != settings[1][key]
    assert settings[0]["DASHBOARD_LOAD_SAMPLES"] == "0" and settings[0]["DASHBOARD_ALLOWED_HOSTS"] == "d.example.vn"
    before = first.read_text()
    assert mod.main(["--out", str(tmp_path / "out"), "--env", str(first)]) == 0
    assert first.read_text() == before  # never overwritten: running servers share its secrets


def test_prepare_refuses_a_store_without_users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    monkeypatch.setenv("DASHBOARD_LOAD_SAMPLES", "0")
    monkeypatch.delenv("DASHBOARD_ADMIN_USER", raising=False)
    assert cli(["prepare", "--db", url]) == 2
    assert "DASHBOARD_ADMIN_USER" in capsys.readouterr().err
    assert cli(["prepare", "--db", url, "--allow-no-users"]) == 0
    monkeypatch.setenv("DASHBOARD_ADMIN_USER", "chief")
    monkeypatch.setenv("DASHBOARD_ADMIN_PASSWORD", "mật khẩu dài 123")
    assert cli(["prepare", "--db", url]) == 0
    assert auth_enabled(get_engine(url))


def test_a_request_for_another_host_is_refused(tmp_path: Path) -> None:
    server = start_server(tmp_path / "store.sqlite", tmp_path / "log.txt", DASHBOARD_LOAD_SAMPLES="0",
                          DASHBOARD_ALLOWED_HOSTS="dashboard.example.vn")
    try:
        assert fetch(f"{server.url}/_stcore/health")[0] == 200  # 127.0.0.1: the health checks
        assert fetch(f"{server.url}/_stcore/health", headers={"Host": "dashboard.example.vn"})[0] == 200
        assert fetch(f"{server.url}/_stcore/health", headers={"Host": "evil.example"})[0] == 400
    finally:
        stop_server(server)


# --- stickiness behind nginx -----------------------------------------------

def fetch(url: str, route: str | None = None, headers: dict[str, str] | None = None) -> tuple[int, str | None]:
    """(status, the route the proxy's Set-Cookie names or None)."""
    request = urllib.request.Request(url, headers=headers or {})
    if route:
        request.add_header("Cookie", f"{ROUTE}={route}")
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            status, cookies = resp.status, resp.headers.get_all("Set-Cookie") or []
    except urllib.error.HTTPError as exc:
        status, cookies = exc.code, exc.headers.get_all("Set-Cookie") or []
    named = [c.split(";")[0].split("=", 1)[1] for c in cookies if c.startswith(f"{ROUTE}=")]
    return status, (named[-1] if named else None)


class Cluster:
    """Two servers (each its own store: stickiness needs no shared data) behind the generated proxy site."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.ports = [free_port(), free_port()]
        self.servers: dict[int, Server] = {}
        for port in self.ports:
            self.start(port)
        self.nginx = start_nginx(tmp / "nginx", self.ports)

    def start(self, port: int) -> None:
        self.servers[port] = start_server_on(port, self.tmp / f"store-{port}.sqlite",
                                             self.tmp / f"log-{port}-{time.time()}.txt", DASHBOARD_LOAD_SAMPLES="0")

    def stop(self, port: int) -> None:
        stop_server(self.servers.pop(port))

    def close(self) -> None:
        stop_nginx(self.nginx)
        for port in list(self.servers):
            self.stop(port)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    (tmp_path / "nginx").mkdir()
    c = Cluster(tmp_path)
    try:
        yield c
    finally:
        c.close()


def test_browsers_from_one_address_reach_every_server_and_each_stays_on_its_own(cluster: Cluster) -> None:
    url = cluster.nginx.url
    first_visits = [fetch(f"{url}/_stcore/health") for _ in range(8)]  # eight browsers, all from 127.0.0.1
    assert all(status == 200 for status, _ in first_visits)
    routes = {route for _, route in first_visits}
    assert routes == {f"s{p}" for p in cluster.ports}  # spread over both servers, not pinned by address
    for route in routes:  # and each browser then stays where it landed
        assert {fetch(f"{url}/_stcore/health", route)[1] for _ in range(5)} == {route}
    # a cookie naming no server of the site sends nothing elsewhere: the request goes to the group
    assert fetch(f"{url}/_stcore/health", "127.0.0.1:22")[1] in routes
    assert fetch(f"{url}/_stcore/health", "s1")[1] in routes


def test_after_a_failover_a_browser_stays_on_its_new_server(cluster: Cluster) -> None:
    url = cluster.nginx.url
    a, b = cluster.ports
    assert fetch(f"{url}/_stcore/health", f"s{a}") == (200, f"s{a}")
    cluster.stop(a)
    assert fetch(f"{url}/_stcore/health", f"s{a}") == (200, f"s{b}")  # served by b, which names itself
    cluster.start(a)
    assert fetch(f"{url}/_stcore/health", f"s{a}") == (200, f"s{a}")
    assert fetch(f"{url}/_stcore/health", f"s{b}") == (200, f"s{b}")  # b's browsers stay on b: their session is there


def test_an_upload_lands_after_a_rolling_restart(cluster: Cluster, tmp_path: Path) -> None:
    """In Chromium through the proxy: the browser's server restarts under it; it reconnects to the other, and the
    upload afterwards reaches the server that holds its session (with ip_hash: 400, "AxiosError")."""
    from playwright.sync_api import sync_playwright

    report = tmp_path / "muong_te_31_10_2017.xlsx"
    report.write_bytes(muong_te_october())
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        uploads: list[int] = []
        page.on("response", lambda r: uploads.append(r.status) if "/_stcore/upload_file/" in r.url else None)
        page.goto(f"{cluster.nginx.url}/upload")
        page.locator('[data-testid="stFileUploader"]').wait_for()
        settle(page)
        first = next(c["value"] for c in page.context.cookies() if c["name"] == ROUTE)
        port = int(first[1:])
        cluster.stop(port)  # a rolling restart: this browser's server goes down …
        deadline = time.monotonic() + 60
        while next(c["value"] for c in page.context.cookies() if c["name"] == ROUTE) == first:
            assert time.monotonic() < deadline, "the page did not reconnect to the other server"
            page.wait_for_timeout(250)
        page.locator('[data-testid="stFileUploader"]').wait_for()
        settle(page)
        cluster.start(port)  # … and comes back before the official uploads
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(report))
        SHOTS.mkdir(parents=True, exist_ok=True)
        try:
            page.get_by_text("Xem trước khi nhập").wait_for()
        finally:
            page.screenshot(path=str(SHOTS / "deploy_upload_after_restart.png"))
        settle(page)
        text = page.locator('[data-testid="stMain"]').inner_text()
        assert report.name in text and "AxiosError" not in text
        assert uploads == [204], uploads  # one PUT, accepted by the server that holds the session
        browser.close()
