"""The client a page is about, from its address (?client=REF), for pages with their own URL.

One place decides what a page shows for a missing, unknown or someone else's ref: the same words
whether the ref exists or not (so a page never tells which refs exist), the ref as plain text.
"""

from __future__ import annotations

import streamlit as st

from care_plans.errors import AccessDenied, NotFound
from care_plans.services import clients
from dashboard import deps


def client_from_address(page_title: str, empty_hint: str) -> clients.ClientInfo:
    """The client named in the address, readable by the signed-in user; otherwise stop here."""
    ref = st.query_params.get("client", "")
    if not ref:
        st.title(page_title)
        st.info(empty_hint)
        st.page_link(deps.page("caseload"), label="Go to the caseload", icon=":material/groups:")
        st.stop()
    db, actor = deps.database(), deps.current_actor()
    try:
        return clients.get_client(db, actor, clients.find_client_id(db, actor, ref))
    except (NotFound, AccessDenied):
        st.title(page_title)
        st.warning("No client with this ref in your caseload.")
        st.text(f"Ref: {clients.normalise_ref(ref)}")
        st.stop()
