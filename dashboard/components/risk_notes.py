"""Self-harm answers on the client's record: open ones first, followed-up ones with who, when
and the note, so the two never read the same. Reads `care_plans.read.safety` (access-checked)."""

from __future__ import annotations

import streamlit as st

from care_plans import measures
from care_plans.dates import show_time
from care_plans.read import safety
from dashboard import deps


def render(client_id: int) -> None:
    db, actor, tz = deps.database(), deps.current_actor(), deps.settings().tz
    risk = safety.safety_summary(db, actor, client_id, today=deps.today(), tz=tz)
    for answer in risk.open_self_harm:
        partial = "" if answer.completeness == measures.COMPLETE else f" ({answer.completeness})"
        st.error(
            f"Not yet followed up: on {show_time(answer.administered_at, tz)}"
            f" the {answer.instrument} self-harm question was answered "
            f"“{answer.answer_wording}”{partial}. Record the follow-up on the caseload.",
            icon=":material/warning:",
        )
    if not risk.followed_up:
        return
    with st.expander(f"Self-harm answers followed up ({len(risk.followed_up)})"):
        for answer in risk.followed_up:
            assert answer.followed_up_at is not None
            st.text(
                f"{show_time(answer.administered_at, tz)}: "
                f"{answer.instrument} self-harm question answered "
                f"“{answer.answer_wording}”; followed up by "
                f"{answer.followed_up_by or 'a clinician'} on "
                f"{show_time(answer.followed_up_at, tz)}:\n"
                f"“{answer.follow_up_note or ''}”"
            )
