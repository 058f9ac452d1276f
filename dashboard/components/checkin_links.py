"""The client page's "Check-in link" tab: make a personal link (with a QR code to scan in the
room), see the client's links and when each was last used, and revoke one.

A new link's address is shown once, in the run that made it: only a fingerprint of the token is
stored, so it cannot be shown again (and it is never put in session state).
"""

from __future__ import annotations

import io
from datetime import datetime

import pandas as pd
import segno
import streamlit as st

from care_plans.dates import show_time
from care_plans.errors import DomainError
from care_plans.services import checkin_links
from dashboard import deps
from dashboard.components.feedback import flash, show_error


def qr_png(url: str) -> bytes:
    """A QR code for the address, big enough to scan from across a desk."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return show_time(moment, deps.settings().tz)


def _create(client_id: int) -> None:
    db, actor, settings = deps.database(), deps.current_actor(), deps.settings()
    with st.form("new_checkin_link"):
        narrow, _ = st.columns([1, 2])
        days = narrow.number_input(
            "Link works for (days)",
            min_value=1,
            max_value=checkin_links.MAX_LINK_DAYS,
            value=settings.checkin_link_days,
            step=1,
        )
        create = st.form_submit_button("Create a check-in link", type="primary")
    if not create:
        return
    try:
        token, info = checkin_links.create_link(db, actor, client_id, days=int(days))
    except DomainError as exc:
        show_error(exc)
        return
    url = checkin_links.link_url(settings.base_url, token)
    st.success(
        f"Link created. It works until {_when(info.expires_at)}. It is shown only now: "
        "let the client scan the code or send them the address. If it is lost, revoke "
        "it below and make a new one."
    )
    if settings.link_warning:
        st.warning(settings.link_warning, icon=":material/phonelink_off:")
    qr, address = st.columns([1, 2])
    qr.image(qr_png(url), caption="Scan with the phone's camera", width=220)
    address.code(url, language=None, wrap_lines=True)


def _revoke(links: list[checkin_links.LinkInfo]) -> None:
    active = [link for link in links if link.status() == checkin_links.LinkStatus.ACTIVE]
    if not active:
        return
    labels = {
        link.id: f"Created {_when(link.created_at)} by {link.created_by}, "
        f"works until {_when(link.expires_at)}"
        for link in active
    }
    with st.form("revoke_checkin_link"):
        chosen = st.selectbox("Link to revoke", list(labels), format_func=labels.__getitem__)
        if st.form_submit_button("Revoke link"):
            try:
                checkin_links.revoke_link(deps.database(), deps.current_actor(), chosen)
            except DomainError as exc:
                show_error(exc)
            else:
                flash("Check-in link revoked: it no longer opens the form.", "Check-in link")
                st.rerun()


def render(client_id: int, can_write: bool) -> None:
    st.write(
        "A personal link the client opens on their phone to check in, with no account. "
        "It shows only their check-in form: their first name, their active goals, their "
        "crisis contacts and the questionnaires that are due. It stops working when it "
        "expires or is revoked."
    )
    if can_write:
        _create(client_id)
    links = checkin_links.list_links(deps.database(), deps.current_actor(), client_id)
    if not links:
        st.info("No check-in links yet.")
        return
    st.dataframe(
        pd.DataFrame(
            {
                "Created": [_when(link.created_at) for link in links],
                "By": [link.created_by for link in links],
                "Works until": [_when(link.expires_at) for link in links],
                "Last used": [_when(link.last_used_at) for link in links],
                "Status": [link.status().value for link in links],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    if can_write:
        _revoke(links)
