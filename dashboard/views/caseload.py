"""Caseload: the signed-in clinician's clients (a supervisor sees everyone)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from care_plans import queries
from dashboard import deps

actor = deps.current_actor()
st.title("Caseload")
rows = queries.client_roster(deps.database(), actor)
if not rows:
    st.info("You have no clients assigned yet. An administrator assigns clients to you.")
else:
    tz = deps.settings().tz
    frame = pd.DataFrame(
        {
            "Ref": [r.ref for r in rows],
            "Name": [r.name for r in rows],
            "Clinician": [r.clinician or "" for r in rows],
            "Status": [r.status for r in rows],
            "Check-ins": [r.checkins for r in rows],
            "Last check-in": [
                r.last_checkin.astimezone(tz).strftime("%d %b %Y %H:%M") if r.last_checkin
                else "none" for r in rows
            ],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch")
