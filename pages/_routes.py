"""The few HTTP routes the dashboard adds beside Streamlit's own, and the gate on its upload endpoint.

Mounted by serve.py (``streamlit run serve.py``). They exist because some things cannot be done from
a script run: setting an HttpOnly cookie (sign-in, sign-out), serving a file only to the browser
that may have it (admin downloads), and refusing an upload before its bytes reach the server's memory.

- ``POST /lcpr/session``: exchanges a one-time sign-in ticket for the session cookie (store/sessions.py).
- ``POST /lcpr/logout``: ends the session named by the cookie and clears it.
- ``GET /lcpr/download/{token}``: a private download (see ``offer``), only to the user it was made for.
- ``GET /lcpr/auth/upload``: 204 when the request's cookie may upload, else 401; for a proxy's auth_request.
- An address that is no page (``/districtz``) is sent to ``/?missing=districtz`` (``UnknownPage``), so the user
  reads why in their language instead of Streamlit's English "Page not found".
- Streamlit's ``/_stcore/upload_file/…`` is refused (403) to anyone who may not import once users
  exist, and limited to UPLOADS_PER_WINDOW requests a user per window (429).

Nothing here imports Streamlit; the store is reached through the same settings as the pages.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import anyio
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from store import sessions
from store.auth import User, auth_enabled
from store.db import get_engine
from store.settings import get_settings

PREFIX = "/lcpr"
UPLOAD_PATH = "/_stcore/upload_file"
UPLOADS_PER_WINDOW = 60  # a district's reports at once fit many times over; 25 × 19 MB floods do not
UPLOAD_WINDOW_SECONDS = 300
DOWNLOAD_SECONDS = 900  # a private download link works this long after the page offered it
MAX_DOWNLOADS = 256


@cache
def _engine(url: str) -> Engine:
    return get_engine(url)


def engine() -> Engine:
    return _engine(get_settings().database_url)


def _cookie_header(request: Request, value: str, max_age: int) -> str:
    secure = request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"
    return (f"{sessions.COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict"
            + ("; Secure" if secure else ""))


def _same_origin(request: Request) -> bool:
    """A state-changing request must come from a page of this site (a cross-site form cannot post here).

    Host names are compared without ports: a proxy may pass on the Host without the port it listens on
    (nginx's $host), and a cookie is shared by every port of a host anyway.
    """
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host") or ""
    return (urlsplit(origin).hostname or "") == (urlsplit(f"//{host}").hostname or "")


def _signed_in(request: Request) -> User | None:
    return sessions.user_for(engine(), request.cookies.get(sessions.COOKIE))


async def session(request: Request) -> Response:
    """The browser that was given a ticket trades it for its cookie."""
    if not _same_origin(request):
        return Response(status_code=403)
    ticket = (await request.body())[:200].decode("ascii", "replace").strip()
    value = await anyio.to_thread.run_sync(sessions.exchange, engine(), ticket, get_settings().session_minutes)
    if value is None:
        return Response("ticket unknown, used or expired", status_code=403, media_type="text/plain")
    response = Response(status_code=204)
    response.headers["set-cookie"] = _cookie_header(request, value, get_settings().session_minutes * 60)
    response.headers["cache-control"] = "no-store"
    return response


async def logout(request: Request) -> Response:
    if not _same_origin(request):
        return Response(status_code=403)
    await anyio.to_thread.run_sync(sessions.end, engine(), request.cookies.get(sessions.COOKIE))
    response = Response(status_code=204)
    response.headers["set-cookie"] = _cookie_header(request, "", 0)
    return response


def may_upload(cookie: str | None) -> bool:
    """Whether a request with this cookie may send files: anyone before users exist, then importers only."""
    eng = engine()
    if not auth_enabled(eng):
        return True
    user = sessions.user_for(eng, cookie)
    return user is not None and user.may("import")


async def upload_check(request: Request) -> Response:
    allowed = await anyio.to_thread.run_sync(may_upload, request.cookies.get(sessions.COOKIE))
    return Response(status_code=204 if allowed else 401)


# --- private downloads ----------------------------------------------------------------------------

@dataclass
class _Download:
    username: str
    key: str
    build: Callable[[], bytes]
    file_name: str
    mime: str
    made: float


_downloads: dict[str, _Download] = {}  # token → what it serves
_downloads_lock = threading.Lock()


def offer(user: User, key: str, build: Callable[[], bytes], file_name: str, mime: str) -> str:
    """A link (path) that serves ``build()`` to ``user``'s browser only, for DOWNLOAD_SECONDS.

    Unlike st.download_button, whose /media/… address serves the file to whoever has the address
    (proxy logs, browser history), the route checks the session cookie of every request.
    ``key`` names the offer: the same user and key get the same link, with the newest builder.
    """
    now = time.monotonic()
    with _downloads_lock:
        for stale in [t for t, d in _downloads.items() if now - d.made > DOWNLOAD_SECONDS]:
            del _downloads[stale]
        token = next((t for t, d in _downloads.items() if (d.username, d.key) == (user.username, key)), None)
        if token is None:
            if len(_downloads) >= MAX_DOWNLOADS:
                del _downloads[min(_downloads, key=lambda t: _downloads[t].made)]
            token = secrets.token_urlsafe(24)
        _downloads[token] = _Download(user.username, key, build, file_name, mime, now)
    return f"{PREFIX}/download/{token}"


async def download(request: Request) -> Response:
    token = request.path_params["token"]
    with _downloads_lock:
        item = _downloads.get(token)
    user = await anyio.to_thread.run_sync(_signed_in, request)
    if item is None or user is None or user.username != item.username or time.monotonic() - item.made > DOWNLOAD_SECONDS:
        return Response("Liên kết tải xuống không còn hiệu lực hoặc không dành cho phiên này. "
                        "/ This download link has expired or is not for this session.",
                        status_code=403, media_type="text/plain; charset=utf-8")
    body = await anyio.to_thread.run_sync(item.build)
    return Response(body, media_type=item.mime, headers={
        "content-disposition": f"attachment; filename*=UTF-8''{quote(item.file_name)}",
        "cache-control": "no-store", "x-content-type-options": "nosniff"})


routes = [
    Route(f"{PREFIX}/session", session, methods=["POST"]),
    Route(f"{PREFIX}/logout", logout, methods=["POST"]),
    Route(f"{PREFIX}/download/{{token}}", download, methods=["GET"]),
    Route(f"{PREFIX}/auth/upload", upload_check, methods=["GET"]),
]


# --- the gate on Streamlit's upload endpoint --------------------------------------------------------

class UploadGate:
    """ASGI middleware: Streamlit's upload endpoint only for users who may import, and not without end.

    Streamlit keeps every uploaded file in the server's memory; without this anyone who can open the
    page could fill it (25 × 19 MB: +478 MB). The refusal comes before the body is read.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._recent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or UPLOAD_PATH not in scope["path"] or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        cookie = request.cookies.get(sessions.COOKIE)
        allowed = await anyio.to_thread.run_sync(may_upload, cookie)
        if not allowed:
            await Response("Cần đăng nhập với quyền nhập số liệu để tải tệp lên. / Sign in as an analyst to upload.",
                           status_code=403, media_type="text/plain; charset=utf-8")(scope, receive, send)
            return
        who = cookie or (request.client.host if request.client else "?")
        if scope["method"] in ("PUT", "POST") and not self._within_rate(who):
            await Response("Quá nhiều tệp tải lên trong ít phút; hãy chờ rồi thử lại. / Too many uploads; wait a few "
                           "minutes.", status_code=429, media_type="text/plain; charset=utf-8")(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _within_rate(self, who: str) -> bool:
        now = time.monotonic()
        with self._lock:
            recent = self._recent.setdefault(who, deque())
            while recent and now - recent[0] > UPLOAD_WINDOW_SECONDS:
                recent.popleft()
            if len(recent) >= UPLOADS_PER_WINDOW:
                return False
            recent.append(now)
            if len(self._recent) > 10_000:  # forget idle clients
                for idle in [k for k, v in self._recent.items() if not v]:
                    del self._recent[idle]
            return True



# The dashboard's pages, by address: each pages/<name>.py (not the helpers, whose names start with '_')
# is a page at /<name>, as st.Page names it; '' is the first page.
PAGES_DIR = Path(__file__).resolve().parent
# First path parts that are Streamlit's own (scripts, styles, media, health, components) or this module's.
RESERVED = ("_stcore", "static", "media", "component", "app", "healthz", "favicon", PREFIX.strip("/"), "~")


@cache
def page_paths() -> frozenset[str]:
    return frozenset({""} | {p.stem for p in PAGES_DIR.glob("*.py") if not p.stem.startswith("_")})


class UnknownPage:
    """ASGI middleware: a browser asking for a page that does not exist is sent to the first page, which says so.

    Streamlit serves its app for any address and then shows an English "Page not found" dialog; this
    answers the browser's request for the address instead (302 to ``/?missing=<name>``, other query
    parameters kept), and the first page tells the user in their language (pages/_ui.py, missing_page_note).
    Only page addresses are concerned: one path part, no dot (not a file), not one of Streamlit's own.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            name = scope["path"].strip("/")
            if ("/" not in name and "." not in name and name not in page_paths() and not name.startswith(RESERVED)
                    and "text/html" in Request(scope).headers.get("accept", "")):
                query = [(k, v) for k, v in parse_qsl(scope.get("query_string", b"").decode("latin-1"))
                         if k != "missing"]
                target = "/?" + urlencode([*query, ("missing", name[:80])])
                await Response(status_code=302, headers={"location": target})(scope, receive, send)
                return
        await self.app(scope, receive, send)
