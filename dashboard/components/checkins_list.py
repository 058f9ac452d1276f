"""A client's check-ins, newest first; one entered in error is hidden from charts and counts
but kept, with who marked it and why."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from care_plans.dates import show_time
from care_plans.errors import DomainError
from care_plans.read import rosters
from care_plans.read.review import REVIEWED_INSTRUMENTS
from care_plans.rules import RATING_LABELS
from care_plans.services import checkins
from dashboard import deps
from dashboard.components.feedback import flash, show_error


def render(client_id: int, can_write: bool) -> None:
    db, actor, tz = deps.database(), deps.current_actor(), deps.settings().tz
    rows = rosters.client_checkins(db, actor, client_id)
    if not rows:
        st.info("No check-ins yet. Record one in session, or send the client a check-in link.")
        return
    counted = [r for r in rows if not r.entered_in_error]
    st.caption(
        f"{len(counted)} check-in{'' if len(counted) == 1 else 's'}"
        + (
            f" ({len(rows) - len(counted)} entered in error, not counted)"
            if len(rows) > len(counted)
            else ""
        )
    )
    frame = pd.DataFrame(
        {
            "When": [show_time(r.submitted_at, tz) for r in rows],
            "From": [r.source for r in rows],
            **{label: [r.ratings[name] for r in rows] for name, label in RATING_LABELS.items()},
            **{
                code: [_measure_cell(r.measures.get(code)) for r in rows]
                for code in REVIEWED_INSTRUMENTS
            },
            "Went well": [r.went_well for r in rows],
            "Was hard": [r.was_hard for r in rows],
            "Entered in error": [
                ("yes: " + (r.error_reason or "")) if r.entered_in_error else "" for r in rows
            ],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch")
    if not can_write or not counted:
        return
    with st.expander("Mark a check-in as entered in error"):
        labels = {r.id: f"{show_time(r.submitted_at, tz)} ({r.source})" for r in counted}
        with st.form("entered_in_error"):
            chosen = st.selectbox("Check-in", list(labels), format_func=labels.__getitem__)
            reason = st.text_input("Reason (required)")
            if st.form_submit_button("Mark as entered in error"):
                try:
                    checkins.mark_entered_in_error(db, actor, checkin_id=chosen, reason=reason)
                except DomainError as exc:
                    show_error(exc)
                else:
                    flash(
                        "Check-in marked as entered in error. It is kept but no longer "
                        "counted or charted.",
                        "Check-ins",
                    )
                    st.rerun()


def _measure_cell(measure: tuple[int | None, str, bool] | None) -> str:
    """'12 moderate', or for a partial response 'incomplete: items 2–8 not answered'."""
    if measure is None:
        return ""
    total, label, _risk = measure
    return label if total is None else f"{total} {label}"
