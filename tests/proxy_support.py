"""nginx with the proxy site deploy/configure.py writes, in front of test servers (tests/security/test_proxy.py,
tests/test_deploy.py). Each runs in its own prefix; the system's nginx is never touched."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from loaders.reference import ROOT
from tests.browser_support import free_port

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def configure() -> ModuleType:
    """deploy/configure.py as a module (deploy/ is no package: operators run the file)."""
    spec = importlib.util.spec_from_file_location("lcpr_deploy_configure", ROOT / "deploy" / "configure.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def need_nginx() -> None:
    if NGINX is None and os.environ.get("DASHBOARD_TEST_REQUIRE_NGINX") == "1":
        pytest.fail("DASHBOARD_TEST_REQUIRE_NGINX=1 but there is no nginx (apt-get install nginx-light)")
    if NGINX is None:
        pytest.skip("PROXY TESTS SKIPPED: no nginx on this machine (apt-get install nginx-light)")


@dataclass(frozen=True)
class Nginx:
    proc: subprocess.Popen[bytes]
    url: str
    access_log: Path


def start_nginx(tmp: Path, upstream_ports: list[int]) -> Nginx:
    """nginx on a free port with the site configure.py writes for these servers; ready when this returns."""
    need_nginx()
    assert NGINX is not None
    port = free_port()
    site = configure().nginx_site(upstream_ports, f"127.0.0.1:{port}", "_")
    (tmp / "site.conf").write_text(site, encoding="utf-8")
    temp_paths = "\n".join(f"    {kind}_temp_path {tmp}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    # as root, nginx's workers would run as nobody, who cannot write request bodies into pytest's private tmp
    user = "user root;\n" if os.geteuid() == 0 else ""
    (tmp / "nginx.conf").write_text(f"""daemon off;
{user}pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/access.log;
{temp_paths}
    include {tmp}/site.conf;
}}
""", encoding="utf-8")
    check = subprocess.run([NGINX, "-t", "-p", str(tmp), "-c", str(tmp / "nginx.conf")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf")], stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"nginx did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
            time.sleep(0.2)
    return Nginx(proc, url, tmp / "access.log")


def stop_nginx(nginx: Nginx) -> None:
    nginx.proc.terminate()
    nginx.proc.wait(timeout=10)
