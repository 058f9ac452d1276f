"""The client a page is about, from its address (?client=REF), for pages with their own URL.

One place decides what a page shows for a missing, unknown or someone else's ref: the same words
whether the ref exists or not (so a page never tells which refs exist), the ref as plain text.
"""

from __future__ import annotations

import streamlit as st

from care_plans.errors import AccessDenied, NotFound
from care_plans.services import clients, record_views
from dashboard import deps

VIEWED = "viewed_clients"


def _audit_view(client_id: int, page_title: str) -> None:
    """Audit the first view of this client in this sign-in; reruns ask the database nothing."""
    signin_id = st.session_state.get("signin_id")
    seen: set[tuple[object, int]] = st.session_state.setdefault(VIEWED, set())
    if (signin_id, client_id) in seen:
        return
    record_views.record_view(
        deps.database(), deps.current_actor(), client_id, signin_id, page=page_title
    )
    seen.add((signin_id, client_id))


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
        client = clients.get_client(db, actor, clients.find_client_id(db, actor, ref))
        _audit_view(client.id, page_title)
        return client
    except (NotFound, AccessDenied):
        st.title(page_title)
        st.warning("No client with this ref in your caseload.")
        st.text(f"Ref: {clients.normalise_ref(ref)}")
        st.page_link(deps.page("caseload"), label="Back to the caseload", icon=":material/groups:")
        st.stop()
