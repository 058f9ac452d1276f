"""One client: the care plan written together, goals and steps, support network, check-ins,
history. Its address (?client=REF) survives reload and can be bookmarked."""

from __future__ import annotations

import streamlit as st

from care_plans.errors import DomainError
from care_plans.services import clients, plans
from dashboard import deps
from dashboard.components import (
    checkin_links,
    checkins_list,
    client_link_status,
    contacts_editor,
    exports,
    goals_editor,
    history,
    plan_sections,
    progress,
    sessions_list,
)
from dashboard.components.client_ref import client_from_address
from dashboard.components.feedback import flash, show_error, show_flash
from dashboard.components.text import plain

db, actor, tz = deps.database(), deps.current_actor(), deps.settings().tz
client = client_from_address("Client", "Choose a client from your caseload.")
client_id = client.id
plan = plans.get_plan(db, actor, client_id)
st.session_state["client_id"] = client_id
can_write = clients.can_edit(db, actor, client_id)

st.title(plain(client.full_name))
facts = [client.ref, f"client {client.status}", f"plan {plan.status}",
         f"started {plan.start_date:%d %b %Y}"]
if plan.next_review_date:
    overdue = " (overdue)" if plan.next_review_date < deps.today() else ""
    facts.append(f"review {plan.next_review_date:%d %b %Y}{overdue}")
if client.date_of_birth:
    facts.append(f"born {client.date_of_birth:%d %b %Y}")
st.caption(" · ".join(facts))
st.caption("Care team: " + ", ".join(
    f"{u} (primary)" if u == client.primary_clinician else u for u in client.clinicians))
client_link_status.agreement_caption(client_id)
if not can_write:
    st.info("You can read this record; only the client's assigned clinicians can change it.")
st.page_link(deps.page("review"), label="Session review", icon=":material/forum:",
             query_params={"client": client.ref})
show_flash()

(tab_progress, tab_plan, tab_goals, tab_network, tab_checkins, tab_link, tab_sessions,
 tab_history, tab_export, tab_status) = st.tabs(["Progress", "Care plan", "Goals and steps",
                                                 "Support network", "Check-ins",
                                                 "Check-in link", "Sessions", "History",
                                                 "Export", "Status"])
with tab_progress:
    progress.render(client_id)
with tab_plan:
    plan_sections.render(plan, client.ref, can_write)
    client_link_status.sharing(plan.id, client_id, can_write)
with tab_goals:
    goals_editor.render(plan, can_write)
    client_link_status.actions(client_id)
with tab_network:
    contacts_editor.render(plan, client_id, can_write)
with tab_checkins:
    checkins_list.render(client_id, can_write)
with tab_link:
    checkin_links.render(client_id, can_write)
with tab_sessions:
    sessions_list.render(client_id, client.ref, can_write)
with tab_history:
    history.render(plan, can_write)
with tab_export:
    exports.render(client_id, client.ref)
with tab_status:
    if client.status == "discharged":
        st.write("This client is discharged. Their record stays readable.")
        if can_write and st.button("Re-open", key="reopen"):
            try:
                clients.reopen(db, actor, client_id=client_id)
            except DomainError as exc:
                show_error(exc)
            else:
                flash("Client re-opened: back on the caseload, plan active again.")
                st.rerun()
    elif can_write:
        with st.form("discharge"):
            reason = st.text_input("Reason for discharge (required)")
            on = st.date_input("Discharge date", value=deps.today(), format="DD/MM/YYYY")
            if st.form_submit_button("Discharge"):
                try:
                    clients.discharge(db, actor, client_id=client_id, reason=reason, on=on,
                                      today=deps.today())
                except DomainError as exc:
                    show_error(exc)
                else:
                    flash("Client discharged. The plan is completed and stays readable.")
                    st.rerun()
