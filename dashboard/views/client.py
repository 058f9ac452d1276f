"""One client: the care plan written together, goals and steps, support network, check-ins,
history. Its address (?client=REF) survives reload and can be bookmarked."""

from __future__ import annotations

from datetime import date

import streamlit as st

from care_plans.dates import show_day
from care_plans.errors import DomainError
from care_plans.identifiers import NATIONAL_IDENTIFIERS
from care_plans.identifiers import display as show_identifier
from care_plans.models import ClientStatus, PlanStatus
from care_plans.read import plans as read_plans
from care_plans.services import clients, plans
from dashboard import deps
from dashboard.components import (
    checkin_links,
    checkins_list,
    client_details,
    client_link_status,
    contacts_editor,
    exports,
    goals_editor,
    history,
    plan_sections,
    progress,
    risk_notes,
    sessions_list,
)
from dashboard.components.client_ref import client_from_address
from dashboard.components.feedback import flash, show_error, show_flash
from dashboard.components.signin import DRAFT_PREFIX
from dashboard.components.text import plain

db, actor, tz = deps.database(), deps.current_actor(), deps.settings().tz
client = client_from_address("Client", "Choose a client from your caseload.")
client_id = client.id
plan = read_plans.get_plan(db, actor, client_id)
st.session_state["client_id"] = client_id
can_write = clients.can_edit(db, actor, client_id)

st.title(plain(client.full_name))
facts = [
    client.ref,
    f"client {client.status}",
    f"plan {plan.status}",
    f"started {show_day(plan.start_date)}",
]
if plan.next_review_date:
    overdue = " (overdue)" if plan.next_review_date < deps.today() else ""
    facts.append(f"review {show_day(plan.next_review_date)}{overdue}")
if client.date_of_birth:
    facts.append(f"born {show_day(client.date_of_birth)}")
if client.national_id_kind in NATIONAL_IDENTIFIERS and client.national_id:
    facts.append(
        f"{NATIONAL_IDENTIFIERS[client.national_id_kind].label} "
        f"{show_identifier(client.national_id_kind, client.national_id)}"
    )
st.caption(" · ".join(facts))
st.caption(
    "Care team: "
    + ", ".join(f"{u} (primary)" if u == client.primary_clinician else u for u in client.clinicians)
)
client_link_status.agreement_caption(client_id)
if not can_write:
    st.info("You can read this record; only the client's assigned clinicians can change it.")
st.page_link(
    deps.page("review"),
    label="Session review",
    icon=":material/forum:",
    query_params={"client": client.ref},
)
show_flash()
risk_notes.render(client_id)  # open self-harm answers first; follow-ups with their notes

TABS = [
    "Progress",
    "Care plan",
    "Goals and steps",
    "Support network",
    "Check-ins",
    "Check-in link",
    "Sessions",
    "History",
    "Export",
    "Status",
]


def _status() -> None:
    if can_write:
        with st.expander("Client details", icon=":material/badge:", key="client_details_panel"):
            prefix = f"{DRAFT_PREFIX}details:{client_id}:"
            full_name = st.text_input("Name", value=client.full_name, key=f"{prefix}name")
            born = st.date_input(
                "Date of birth (optional)",
                value=client.date_of_birth,
                format="DD/MM/YYYY",
                min_value=date(1900, 1, 1),
                max_value=deps.today(),
                key=f"{prefix}dob",
            )
            details = client_details.inputs(prefix, client)
            if st.button("Save details", key=f"details:save:{client_id}"):
                try:
                    clients.update_details(
                        db,
                        actor,
                        client_id,
                        full_name=full_name,
                        date_of_birth=born,
                        details=details,
                        today=deps.today(),
                    )
                except DomainError as exc:
                    show_error(exc)
                else:
                    client_details.clear(prefix)
                    for key in ("name", "dob"):
                        st.session_state.pop(f"{prefix}{key}", None)
                    flash("Client details saved.", "Status")
                    st.rerun()
    if plan.status == PlanStatus.DRAFT and client.status != ClientStatus.DISCHARGED:
        st.write(
            "This plan is a draft. Make it active when it has been agreed with the client: "
            "the caseload, the review and the summary PDF then show it as the current plan."
        )
        if can_write and st.button("Make the plan active", key="activate_plan", type="primary"):
            try:
                plans.activate_plan(db, actor, plan.id, expected_version=plan.version, tz=tz)
            except DomainError as exc:
                show_error(exc)
            else:
                flash("The plan is active.", "Status")
                st.rerun()
    if client.status == ClientStatus.DISCHARGED:
        st.write("This client is discharged. Their record stays readable.")
        if can_write and st.button("Re-open", key="reopen"):
            try:
                clients.reopen(db, actor, client_id=client_id)
            except DomainError as exc:
                show_error(exc)
            else:
                flash("Client re-opened: back on the caseload, plan active again.", "Status")
                st.rerun()
    elif can_write:
        with st.form("discharge"):
            reason = st.text_input("Reason for discharge (required)", max_chars=plans.MAX_NOTE_TEXT)
            on = st.date_input("Discharge date", value=deps.today(), format="DD/MM/YYYY")
            if st.form_submit_button("Discharge"):
                try:
                    clients.discharge(
                        db, actor, client_id=client_id, reason=reason, on=on, today=deps.today()
                    )
                except DomainError as exc:
                    show_error(exc)
                else:
                    flash("Client discharged. The plan is completed and stays readable.", "Status")
                    st.rerun()


def _care_plan() -> None:
    plan_sections.render(plan, client.ref, can_write)
    client_link_status.sharing(plan.id, client_id, can_write)


def _goals_and_steps() -> None:
    goals_editor.render(plan, can_write)
    client_link_status.actions(client_id)


DRAW = {
    "Progress": lambda: progress.render(client_id),
    "Care plan": _care_plan,
    "Goals and steps": _goals_and_steps,
    "Support network": lambda: contacts_editor.render(plan, client_id, can_write),
    "Check-ins": lambda: checkins_list.render(client_id, can_write),
    "Check-in link": lambda: checkin_links.render(client_id, can_write),
    "Sessions": lambda: sessions_list.render(client_id, client.ref, can_write),
    "History": lambda: history.render(plan, can_write),
    "Export": lambda: exports.render(client_id, client.ref),
    "Status": _status,
}

# Keyed and tracked: the selected tab survives every rerun (a save, a message drawn above the
# tabs), and only its content runs. One key for every client: the tab a clinician works in
# stays chosen when they open the next client.
for label, tab in zip(
    TABS, st.tabs(TABS, key="client_tab", default="Progress", on_change="rerun"), strict=True
):
    if tab.open:
        with tab:
            show_flash(label)
            DRAW[label]()
