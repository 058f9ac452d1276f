"""Entry point of the dashboard (`streamlit run dashboard/app.py`): page config, the sign-in
gate, and the pages each role may use. Pages a role may not use are absent from its navigation
(and the services refuse anyway)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from care_plans.models import Role  # noqa: E402
from dashboard import deps  # noqa: E402
from dashboard.components import faults, signin  # noqa: E402
from dashboard.components.text import plain  # noqa: E402

st.set_page_config(page_title="Care plans", page_icon="🌱", layout="wide")
# Wide pages keep a narrower margin than Streamlit's, so that the caseload's columns fit a
# 1440 px screen beside the sidebar (tests/e2e/test_caseload_browser.py measures it).
st.html(
    "<style>[data-testid='stMainBlockContainer'] "
    "{ padding-left: 1.5rem; padding-right: 1.5rem; }</style>"
)

# Not "pages/": Streamlit treats a pages/ folder beside the entry script as its older
# multipage mode, which bypasses this script (and its sign-in gate) for those files.
PAGES = Path(__file__).parent / "views"

if "set_password" in st.query_params:
    # A one-time link from an administrator: the only page reachable without signing in.
    with faults.plain_errors():
        st.navigation(
            [st.Page(PAGES / "set_password.py", title="Set your password")], position="hidden"
        ).run()
    st.stop()

if "checkin" in st.query_params:
    # A client's personal check-in link: their form and nothing else of the app, no sign-in.
    # Whatever fails, the clinic's crisis message (from the settings) is still shown.
    with faults.plain_errors(crisis=True):
        st.navigation(
            [st.Page(PAGES / "checkin.py", title="Your check-in")], position="hidden"
        ).run()
    st.stop()

deps.checkpoint_audit_if_due()
actor, asked = None, False
with faults.plain_errors():
    actor, asked = signin.current_user(), True
if not asked:
    st.stop()  # the database could not be asked who is signed in: the message says so

CLINICAL = [
    st.Page(PAGES / "caseload.py", title="Caseload", icon=":material/groups:", default=True),
    st.Page(PAGES / "client.py", title="Client", icon=":material/person:", url_path="client"),
    st.Page(
        PAGES / "review.py", title="Session review", icon=":material/forum:", url_path="review"
    ),
    st.Page(
        PAGES / "outcomes.py", title="Outcomes", icon=":material/monitoring:", url_path="outcomes"
    ),
]
#: The addresses of each role's pages besides "/" (a default page answers "/" too).
CLINICAL_PATHS = {"client": "Client", "review": "Session review", "outcomes": "Outcomes"}
ADMIN_PATHS = {"admin": "Accounts and assignments"}
ADMIN = [
    st.Page(
        PAGES / "admin.py",
        title="Accounts and assignments",
        icon=":material/admin_panel_settings:",
        url_path="admin",
        default=True,
    ),
]

if actor is None:
    # While signed out every protected address shows the sign-in form, so a deep link lands on
    # the page asked for once signed in.
    # (a default page's url_path reads "", so the addresses are listed here, not read back)
    paths = sorted(set(CLINICAL_PATHS) | set(ADMIN_PATHS))
    aliases = [st.Page(signin.blank, title="Sign in", default=True)] + [
        st.Page(signin.blank, title="Sign in", url_path=path) for path in paths
    ]
    st.navigation(aliases, position="hidden").run()
    st.stop()

pages = ADMIN if actor.role == Role.ADMIN else CLINICAL


def _not_for_this_role(
    title: str, for_whom: str, home: StreamlitPage, role: str
) -> Callable[[], None]:
    """Another role's address, said in words (never a silent jump to the start page)."""

    def page() -> None:
        st.title(title)
        st.warning(f"This page is for {for_whom}. Your account ({role}) cannot open it.")
        st.page_link(home, label="Back to your start page", icon=":material/home:")

    return page


others = CLINICAL_PATHS if pages is ADMIN else ADMIN_PATHS
for_whom = (
    "clinicians and supervisors (administrators manage accounts and never see client records)"
    if pages is ADMIN
    else "administrators"
)
hidden = [
    st.Page(
        _not_for_this_role(title, for_whom, pages[0], actor.role),
        title=title,
        url_path=path,
        visibility="hidden",
    )
    for path, title in others.items()
]
with st.sidebar:
    st.markdown(f"**{plain(actor.full_name)}**")
    st.caption(f"{actor.role.capitalize()} · {deps.settings().clinic_name}")
    st.button("Sign out", on_click=signin.request_sign_out, key="sign_out", width="stretch")
with faults.plain_errors():
    signin.idle_warning(deps.settings().idle_timeout_seconds)
    with deps.signed_in(actor):  # the sign-in was checked once, just now: the page reads that
        st.navigation(pages + hidden).run()
