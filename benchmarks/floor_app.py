"""The framework's floor for `make bench`: a signed-in page with only what every page pays for.

The same sign-in check, sidebar, idle timer and navigation as dashboard/app.py, and a page
with nothing on it. A real page's time minus this page's time is what the page itself costs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import deps  # noqa: E402
from dashboard.components import signin  # noqa: E402
from dashboard.components.text import plain  # noqa: E402

st.set_page_config(page_title="Care plans", page_icon="🌱", layout="wide")
actor = signin.current_user()
if actor is None:
    st.stop()


def floor() -> None:
    deps.current_actor()  # what every page starts with


with st.sidebar:
    st.markdown(f"**{plain(actor.full_name)}**")
    st.caption(f"{actor.role.capitalize()} · {deps.settings().clinic_name}")
    st.button("Sign out", on_click=signin.request_sign_out, key="sign_out", width="stretch")
signin.idle_warning(deps.settings().idle_timeout_seconds)
with deps.signed_in(actor):
    st.navigation([st.Page(floor, title="Floor", default=True)]).run()
