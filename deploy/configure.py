#!/usr/bin/env python3
"""Write the files that run the dashboard on N servers behind nginx: the proxy's site, the systemd units and
(once, with new secrets) the settings file. Standard library only: an operator runs it before any install.

    python3 deploy/configure.py --servers 3 --first-port 8501 --listen 80 --server-name dashboard.laichau.gov.vn \
        --app-dir /opt/lcpr-dashboard --user lcpr --out /tmp/lcpr-config [--env /etc/lcpr-dashboard/dashboard.env]

It writes into --out:
  nginx.conf                     the proxy's site (include it in nginx's http block)
  lcpr-dashboard@.service        one server; the instance is its port (lcpr-dashboard@8501)
  lcpr-dashboard-prepare.service migrations and the first admin, once before any server starts
  lcpr-dashboard.target          starts and stops every server at once
  lcpr-dashboard-health.service  a health check of every server (restarts one that stops answering) …
  lcpr-dashboard-health.timer    … every minute
With --env it also writes the settings file (mode 0600) with fresh secrets, unless that file exists: secrets
are never overwritten (every server must keep the ones it shares with the others).

deploy/nginx.conf and deploy/systemd/ in the repository are this script's output for its defaults
(tests/test_deploy.py checks that they match).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

ROUTE_COOKIE = "lcpr_route"
UNIT = "lcpr-dashboard"


def nginx_site(ports: list[int], listen: str, server_name: str) -> str:
    """The proxy's site: sticky sessions by a cookie the proxy sets, never by the client's address."""
    servers = "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in ports)
    pinned = "\n".join(f"    s{p} 127.0.0.1:{p};" for p in ports)
    answered = "\n".join(
        f'    ~(^|\\s)127\\.0\\.0\\.1:{p}$ "{ROUTE_COOKIE}=s{p}; Path=/; HttpOnly; SameSite=Lax";' for p in ports)
    return f"""# nginx site for the dashboard on several servers: one address, {len(ports)} `streamlit run` processes behind it.
# Written by deploy/configure.py (do not edit by hand: run it again with other options). Goes in nginx's http
# block (e.g. /etc/nginx/sites-enabled/); the processes run as systemd units (lcpr-dashboard@PORT).

upstream lcpr_dashboard {{
    # A browser without a route cookie, or whose server is down, goes to the least busy server.
    least_conn;
{servers}
    keepalive 16;
}}

# Sticky sessions. A Streamlit session (its websocket, its uploads, its media files) lives in the memory of one
# process, so every request of a browser must reach the same one. The proxy names the server that answered in a
# cookie ({ROUTE_COOKIE}) and sends the browser's next requests there: never keyed by address (ip_hash put a
# whole office behind one NAT address, or everyone behind a front proxy, on one server). A cookie naming no
# server of this list is ignored (it cannot send a request anywhere else).
map $cookie_{ROUTE_COOKIE} $lcpr_backend {{
    default lcpr_dashboard;
{pinned}
}}
# The cookie for the server that answered: the last address tried, when a server was down and the request went
# on to another. After a failover the browser stays on the new server, also once the old one is back, so its
# uploads reach the server that holds its session.
map $upstream_addr $lcpr_route_cookie {{
    default "";
{answered}
}}

# Uploads: at most 20 a minute per address, in bursts of 20 (a district's reports at once); beyond, 429.
limit_req_zone $binary_remote_addr zone=lcpr_upload:10m rate=20r/m;

# "Connection: upgrade" for a websocket handshake, keep-alive to the upstream otherwise.
map $http_upgrade $lcpr_connection {{
    default upgrade;
    ''      '';
}}

server {{
    listen {listen};  # behind the network's TLS terminator; for TLS here: listen 443 ssl + ssl_certificate lines
    server_name {server_name};

    # No request but an upload has a body worth more than this (sign-in tickets are 50 bytes).
    client_max_body_size 1m;

    # Streamlit's scripts and styles compressed for slow district lines (7.7 MB → about 2 MB on a first visit);
    # the servers compress too (serve.py), and nginx does not compress twice.
    gzip on;
    gzip_proxied any;
    gzip_comp_level 6;
    gzip_min_length 1024;
    gzip_types text/css application/javascript text/javascript application/json image/svg+xml;

    proxy_http_version 1.1;
    proxy_set_header Host $http_host;  # with its port, as the browser wrote it (origin checks compare it)
    proxy_set_header X-Real-IP $remote_addr;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $lcpr_connection;
    proxy_connect_timeout 5s;
    proxy_send_timeout 300s;  # a 20 MB upload on a slow district line
    proxy_read_timeout 300s;  # an import or a PDF report is answered when it is done
    add_header Set-Cookie $lcpr_route_cookie always;  # empty (no header) when no server answered
    # The browser's server is down: the request goes to another, which names itself in the cookie.
    error_page 502 504 = @lcpr_failover;

    # The websocket that carries every script run. Streamlit pings it every 30 s; an hour covers a quiet tab.
    location /_stcore/stream {{
        proxy_pass http://$lcpr_backend;
        proxy_read_timeout 3600s;
        proxy_send_timeout 3600s;
        proxy_buffering off;
        error_page 502 504 = @lcpr_failover_stream;
    }}

    # Streamlit's upload endpoint keeps every file in a server's memory: only for browsers whose session
    # cookie may import (asked of the app, /lcpr/auth/upload), not too often, not too large. The app
    # refuses the same requests itself (pages/_routes.py); here they stop before reaching it.
    location /_stcore/upload_file/ {{
        auth_request /lcpr/auth/upload;
        limit_req zone=lcpr_upload burst=20 nodelay;
        limit_req_status 429;
        limit_req_log_level info;  # below the error log's level: a refusal line would hold the path
        # server.maxUploadSize in .streamlit/config.toml (20 MB) plus the 1 MB Streamlit allows for the framing.
        client_max_body_size 21m;
        # the path holds the Streamlit session id: never write it to a log (whoever reads the log could
        # join that session; sign-in would not follow, but the session's state would)
        access_log off;
        proxy_pass http://$lcpr_backend;
    }}

    location = /lcpr/auth/upload {{
        internal;
        proxy_pass http://$lcpr_backend;
        proxy_pass_request_body off;
        proxy_set_header Content-Length "";
        access_log off;
    }}

    location / {{
        proxy_pass http://$lcpr_backend;
    }}

    location @lcpr_failover {{
        access_log off;  # the request may be an upload, whose path holds the session id
        proxy_pass http://lcpr_dashboard;
    }}

    location @lcpr_failover_stream {{
        proxy_pass http://lcpr_dashboard;
        proxy_read_timeout 3600s;
        proxy_send_timeout 3600s;
        proxy_buffering off;
    }}
}}
"""


def server_unit(app_dir: str, user: str, env_file: str) -> str:
    return f"""# One dashboard server; the instance is its port: systemctl start {UNIT}@8501. Written by deploy/configure.py.
[Unit]
Description=Lai Chau poverty-reduction dashboard, server on port %i
Requires={UNIT}-prepare.service
After=network-online.target postgresql.service {UNIT}-prepare.service
PartOf={UNIT}.target

[Service]
Type=simple
User={user}
WorkingDirectory={app_dir}
# The settings every server shares: the database, the secrets (STREAMLIT_SERVER_COOKIE_SECRET,
# DASHBOARD_SECRET_KEY), the allowed host names. Mode 0600, owned by root.
EnvironmentFile={env_file}
ExecStart={app_dir}/.venv/bin/python -m streamlit run serve.py --server.headless true \\
    --server.address 127.0.0.1 --server.port %i --browser.gatherUsageStats false --server.fileWatcherType none
# A server that crashes or is killed starts again; its browsers reconnect to another meanwhile (the proxy).
Restart=on-failure
RestartSec=2
# Logs go to the journal (journalctl -u {UNIT}@8501), which rotates them (journald.conf: SystemMaxUse).
StandardOutput=journal
StandardError=journal
SyslogIdentifier={UNIT}-%i
NoNewPrivileges=true
PrivateTmp=true
ProtectSystem=full
ProtectHome=true

[Install]
WantedBy={UNIT}.target
"""


def prepare_unit(app_dir: str, user: str, env_file: str) -> str:
    return f"""# Migrations and the first admin, once before any server starts. Written by deploy/configure.py.
[Unit]
Description=Lai Chau poverty-reduction dashboard: prepare the store
After=network-online.target postgresql.service

[Service]
Type=oneshot
RemainAfterExit=true
User={user}
WorkingDirectory={app_dir}
EnvironmentFile={env_file}
# Fails (and no server starts) while the store has no user and no first admin is set: the dashboard would
# otherwise let anyone import and undo.
ExecStart={app_dir}/.venv/bin/python -m loaders prepare
StandardOutput=journal
StandardError=journal
"""


def target_unit(ports: list[int]) -> str:
    wants = " ".join(f"{UNIT}@{p}.service" for p in ports)
    return f"""# Every dashboard server: systemctl start|stop|restart {UNIT}.target. Written by deploy/configure.py.
[Unit]
Description=Lai Chau poverty-reduction dashboard (all servers)
Wants={wants}

[Install]
WantedBy=multi-user.target
"""


def health_units(app_dir: str, ports: list[int]) -> tuple[str, str]:
    checks = " ".join(str(p) for p in ports)
    service = f"""# Every server answers /_stcore/health, or is restarted. Written by deploy/configure.py.
[Unit]
Description=Lai Chau poverty-reduction dashboard: health check

[Service]
Type=oneshot
ExecStart={app_dir}/deploy/check-health.sh {checks}
"""
    timer = """# The health check every minute. Written by deploy/configure.py.
[Unit]
Description=Lai Chau poverty-reduction dashboard: health check every minute

[Timer]
OnBootSec=2min
OnUnitActiveSec=1min

[Install]
WantedBy=timers.target
"""
    return service, timer


def settings_file(database_url: str, allowed_hosts: str) -> str:
    return f"""# Settings every dashboard server shares (read by systemd: KEY=value, no quotes). Keep this file
# mode 0600: it holds the secrets. Written by deploy/configure.py.
DASHBOARD_DATABASE_URL={database_url}
# An empty store stays empty (no illustrative figures) in production.
DASHBOARD_LOAD_SAMPLES=0
# The first admin, created by lcpr-dashboard-prepare when the store has no user. Set both, start, sign in, then
# remove the password from this file (the admin changes it on the Users page).
DASHBOARD_ADMIN_USER=
DASHBOARD_ADMIN_PASSWORD=
# Signs the session cookies: the same on every server, so a browser stays signed in when it moves to another.
DASHBOARD_SECRET_KEY={secrets.token_urlsafe(32)}
# Streamlit's own cookie secret (server.cookieSecret), the same on every server.
STREAMLIT_SERVER_COOKIE_SECRET={secrets.token_urlsafe(32)}
# Host names the servers answer to (the proxy's), comma-separated; anything else gets 400.
DASHBOARD_ALLOWED_HOSTS={allowed_hosts}
"""


def write(out: Path, args: argparse.Namespace) -> list[Path]:
    """Write every file for these options into out; returns the paths written."""
    ports = _ports(args)
    health_service, health_timer = health_units(args.app_dir, ports)
    files = {
        "nginx.conf": nginx_site(ports, args.listen, args.server_name),
        f"{UNIT}@.service": server_unit(args.app_dir, args.user, args.env_file),
        f"{UNIT}-prepare.service": prepare_unit(args.app_dir, args.user, args.env_file),
        f"{UNIT}.target": target_unit(ports),
        f"{UNIT}-health.service": health_service,
        f"{UNIT}-health.timer": health_timer,
    }
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _ports(args: argparse.Namespace) -> list[int]:
    if args.ports:
        return [int(p) for p in args.ports.split(",") if p.strip()]
    return list(range(args.first_port, args.first_port + args.servers))


def write_settings(path: Path, args: argparse.Namespace) -> bool:
    """The settings file with fresh secrets, mode 0600; False (and nothing written) when it exists."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(settings_file(args.database_url, args.server_name if args.server_name != "_" else "localhost"))
    return True


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--servers", type=int, default=2, help="how many streamlit processes (default 2)")
    p.add_argument("--first-port", type=int, default=8501, help="the first server's port (default 8501)")
    p.add_argument("--ports", help="the servers' ports, comma-separated, instead of --servers and --first-port")
    p.add_argument("--listen", default="8080", help="nginx's listen directive (default 8080)")
    p.add_argument("--server-name", default="_", help="nginx's server_name and the allowed host (default _: any)")
    p.add_argument("--app-dir", default="/opt/lcpr-dashboard", help="the clone, with its .venv")
    p.add_argument("--user", default="lcpr", help="the system user the servers run as")
    p.add_argument("--env-file", default="/etc/lcpr-dashboard/dashboard.env", help="the settings file the units read")
    p.add_argument("--database-url", default="postgresql+psycopg://lcpr@/lai_chau",
                   help="for a new settings file (default: the local PostgreSQL over its socket, role lcpr)")
    p.add_argument("--env", type=Path, help="also write a new settings file here (never overwritten)")
    p.add_argument("--out", type=Path, required=True, help="directory for the proxy site and the units")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        ports = _ports(args)
    except ValueError:
        ports = []
    if not 1 <= len(ports) <= 64 or len(set(ports)) != len(ports) or not all(1024 <= p <= 65535 for p in ports):
        print("error: 1 to 64 servers, on distinct ports from 1024 to 65535", file=sys.stderr)
        return 2
    for path in write(args.out, args):
        print(f"wrote {path}")
    if args.env is not None:
        if write_settings(args.env, args):
            print(f"wrote {args.env} (mode 0600, new secrets): fill in DASHBOARD_ADMIN_USER and _PASSWORD")
        else:
            print(f"kept {args.env}: it exists (its secrets are shared by running servers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
