"""A client's session records, newest first, each readable in full with its addenda; a signed
record takes addenda here too, since what needs adding often comes to light days later.

Also the two pieces the session review page shares: a record shown read-only, and the addendum
box. Every piece of text the clinician or client wrote is shown with plain text widgets.
"""

from __future__ import annotations

from datetime import tzinfo

import pandas as pd
import streamlit as st

from care_plans.dates import show_day, show_time
from care_plans.errors import DomainError
from care_plans.read import sessions as read_sessions
from care_plans.services import sessions
from dashboard import deps
from dashboard.components.feedback import flash, show_error, show_flash
from dashboard.components.signin import DRAFT_PREFIX
from dashboard.components.text import plain

FIELD_TITLES = {
    "summary": "Summary",
    "progress_acknowledged": "Progress acknowledged",
    "plan_changes": "Plan changes agreed",
    "next_steps": "Next steps",
}


def status_label(record: read_sessions.SessionView) -> str:
    return "signed off" if record.is_signed else "draft"


def show_record(record: read_sessions.SessionView, tz: tzinfo) -> None:
    """The record's fields and addenda, read-only."""
    facts = [
        show_day(record.session_date),
        record.attendance,
        f"by {plain(record.clinician_name)}",
    ]
    if record.signed_at is not None:
        facts.append(f"signed off {show_time(record.signed_at, tz)}")
    else:
        facts.append("draft, not signed off yet")
    st.caption(" · ".join(facts))
    for field, title in FIELD_TITLES.items():
        st.markdown(f"**{title}**")
        st.text(getattr(record, field) or "—")
    if record.plan_revision_number is not None:
        st.caption(
            f"Plan revision made in this session: revision "
            f"{record.plan_revision_number} ({record.plan_revision_reason}). "
            "See it on the client page, History tab."
        )
    if record.next_session_date is not None:
        st.caption(f"Next session: {show_day(record.next_session_date)}")
    for addendum in record.addenda:
        st.markdown(
            f"**Addendum** by {plain(addendum.author_name)}, {show_time(addendum.created_at, tz)}"
        )
        st.text(addendum.text)


def addendum_key(session_id: int) -> str:
    return f"{DRAFT_PREFIX}addendum:{session_id}"


def _add_addendum(session_id: int) -> None:
    """Button callback: runs before the page, so it may empty the box it owns."""
    error_key = f"addendum_error:{session_id}"
    st.session_state.pop(error_key, None)
    try:
        sessions.add_addendum(
            deps.database(),
            deps.current_actor(),
            session_id,
            text=st.session_state.get(addendum_key(session_id), ""),
        )
    except DomainError as exc:
        st.session_state[error_key] = exc
        return
    st.session_state[addendum_key(session_id)] = ""
    flash("Addendum added to the signed-off record.", f"addendum:{session_id}")


def addendum_form(record: read_sessions.SessionView) -> None:
    """An addendum box and button for a signed record (callers check the user may write)."""
    st.text_area(
        "Add an addendum (dated and in your name; the record itself stays as signed)",
        key=addendum_key(record.id),
        height=90,
    )
    error = st.session_state.get(f"addendum_error:{record.id}")
    if error is not None:
        show_error(error)
    st.button(
        "Add addendum", key=f"addendum_save:{record.id}", on_click=_add_addendum, args=(record.id,)
    )
    show_flash(f"addendum:{record.id}")  # beside the button, on the client page and the review


def render(client_id: int, client_ref: str, can_write: bool) -> None:
    db, actor, tz = deps.database(), deps.current_actor(), deps.settings().tz
    st.page_link(
        deps.page("review"),
        label="Open the session review",
        icon=":material/forum:",
        query_params={"client": client_ref},
    )
    records = read_sessions.list_sessions(db, actor, client_id)
    if not records:
        st.info("No sessions recorded yet. Record one from the session review.")
        return
    st.dataframe(
        pd.DataFrame(
            {
                "Date": [show_day(r.session_date) for r in records],
                "Attendance": [r.attendance for r in records],
                "Record": [status_label(r) for r in records],
                "Clinician": [r.clinician_name for r in records],
                "Summary": [r.summary[:120] for r in records],
                "Addenda": [len(r.addenda) for r in records],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    labels = {
        r.id: f"{show_day(r.session_date)} · {r.attendance} · {status_label(r)}" for r in records
    }
    chosen = st.selectbox(
        "Read a session record",
        list(labels),
        format_func=labels.__getitem__,
        key=f"sessions_list_pick:{client_id}",
    )
    record = next(r for r in records if r.id == chosen)
    with st.container(border=True):
        show_record(record, tz)
        if record.is_signed and can_write:
            addendum_form(record)
        elif not record.is_signed:
            st.caption("Finish and sign off this draft on the session review page.")
