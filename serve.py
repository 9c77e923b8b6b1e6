"""The server: Streamlit's app (dashboard.py) with the dashboard's own routes and upload gate.

Run it with ``streamlit run serve.py`` (the same options as for any Streamlit app). Sign-in needs
these routes: the session cookie is set by one of them (pages/_routes.py).
"""

import os

import streamlit as st
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from streamlit.runtime.pages_manager import PagesManager

# The libraries every page needs (pandas, plotly, the store's queries and the charts) are imported now, before
# the server answers, so the first official after a restart does not wait for them.
from pages import _ui  # noqa: F401  (imported for the side effect above)
from pages._routes import UnknownPage, UploadGate, routes
from store.settings import get_settings

os.environ["LCPR_ROUTES"] = "1"  # the pages check it: sign-in needs the routes
# A pages/ folder beside the entry file makes Streamlit run a session's first script as an old-style
# multipage app (dashboard.py as one of the pages) until st.navigation is first called. The sidebar's
# widgets then got other ids in that first run than in every later one, and the first choice a person
# made (the scope, a sign-in) was dropped. The app is navigation-only: say so before any session starts.
PagesManager.uses_pages_directory = False
# Streamlit sends its scripts uncompressed (7.7 MB on a first visit, 4.7 MB of it one file): compressed they are
# about a quarter of that, which a district office on a slow line feels. The websocket is left as it is.
# DASHBOARD_ALLOWED_HOSTS: a request naming another host (DNS rebinding, a misrouted proxy) gets 400.
app = st.App("dashboard.py", routes=routes, middleware=[
    Middleware(TrustedHostMiddleware, allowed_hosts=list(get_settings().allowed_hosts)),
    Middleware(UploadGate), Middleware(UnknownPage), Middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)])
