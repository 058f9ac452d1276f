"""The plan's history: who saved what and when, the differences between two revisions, and
restore (which saves the old snapshot as a new revision; nothing is lost)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from care_plans.dates import show_time
from care_plans.errors import DomainError
from care_plans.read import plan_views
from care_plans.read import plans as read_plans
from care_plans.services import plans
from dashboard import deps
from dashboard.components.feedback import flash, show_error
from dashboard.components.text import plain


def render(plan: plan_views.PlanView, can_write: bool) -> None:
    db, actor, tz = deps.database(), deps.current_actor(), deps.settings().tz
    revisions = read_plans.list_revisions(db, actor, plan.id)
    if not revisions:
        st.info("No revisions yet: the first save of the plan starts its history.")
        return
    st.dataframe(
        pd.DataFrame(
            {
                "Revision": [r.number for r in revisions],
                "Saved": [show_time(r.created_at, tz) for r in revisions],
                "By": [r.created_by_name for r in revisions],
                "What": [r.reason for r in revisions],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    numbers = [r.number for r in revisions]
    if len(numbers) >= 2:
        c1, c2 = st.columns(2)
        older = c1.selectbox("Compare revision", numbers, index=1, key="diff_a")
        newer = c2.selectbox("with revision", numbers, index=0, key="diff_b")
        changes = read_plans.diff_revisions(db, actor, plan.id, older, newer)
        if not changes:
            st.caption("These two revisions are the same.")
        for change in changes:
            st.markdown(f"**{plain(change.where)}**")
            c1, c2 = st.columns(2)
            c1.text(change.before or "—")
            c2.text(change.after or "—")
    if can_write:
        chosen = st.selectbox("Restore revision", numbers, key="restore_number")
        if st.button("Restore it as a new revision", key="restore"):
            try:
                saved = plans.restore_revision(
                    db, actor, plan.id, chosen, expected_version=plan.version, tz=tz
                )
            except DomainError as exc:
                show_error(exc)
            else:
                if saved.revision is None:  # the plan already held that content
                    flash(
                        f"Nothing to restore: the plan is already as it was in revision {chosen}.",
                        "History",
                    )
                else:
                    for key in [
                        k
                        for k in st.session_state
                        if isinstance(k, str) and k.startswith(("plan_base:", "draft:plan:"))
                    ]:
                        del st.session_state[key]
                    flash(f"Revision {chosen} restored as revision {saved.revision}.", "History")
                st.rerun()
