"""The server: Streamlit's app (dashboard.py) with the dashboard's own routes and upload gate.

Run it with ``streamlit run serve.py`` (the same options as for any Streamlit app). Sign-in needs
these routes: the session cookie is set by one of them (pages/_routes.py).
"""

import os

import streamlit as st
from starlette.middleware import Middleware

from pages._routes import UploadGate, routes

os.environ["LCPR_ROUTES"] = "1"  # the pages check it: sign-in needs the routes
app = st.App("dashboard.py", routes=routes, middleware=[Middleware(UploadGate)])
