"""Accounts and assignments (administrators): create, deactivate, roles, unlock, set-password
links, and which clinicians care for which client. Administrators see no clinical content."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from care_plans.dates import show_time
from care_plans.errors import DomainError
from care_plans.models import CLINICAL_ROLES, Role
from care_plans.read import audit_trail, rosters
from care_plans.services import clients, users
from dashboard import deps
from dashboard.components.feedback import show_error

ROLES = [role.value for role in Role]  # clinician, supervisor, admin

actor = deps.current_actor()
db = deps.database()
tz = deps.settings().tz
st.title("Accounts and assignments")


flash = st.session_state.pop("admin_flash", None)
if flash:
    st.success(flash)

accounts = users.list_users(db, actor)
st.subheader("Accounts")
st.dataframe(
    pd.DataFrame(
        {
            "Username": [u.username for u in accounts],
            "Name": [u.full_name for u in accounts],
            "Role": [u.role for u in accounts],
            "Active": ["yes" if u.is_active else "no" for u in accounts],
            "Locked until": [
                show_time(u.locked_until, tz) if u.locked_until else "" for u in accounts
            ],
        }
    ),
    hide_index=True,
    width="stretch",
)

tab_new, tab_manage, tab_assign, tab_audit = st.tabs(
    ["New account", "Manage an account", "Assign clients", "Audit trail"],
    key="admin_tab",
    default="New account",
)

with tab_new, st.form("new_account", clear_on_submit=True):
    username = st.text_input("Username", help="Lower-case letters, digits, dots or hyphens")
    full_name = st.text_input("Full name")
    role = st.selectbox("Role", ROLES)
    if st.form_submit_button("Create account"):
        try:
            info = users.create_user(db, actor, username=username, full_name=full_name, role=role)
        except DomainError as exc:
            show_error(exc)
        else:
            st.session_state["admin_flash"] = (
                f"Created {info.username}. Issue a set-password link so they can choose "
                "their password (Manage an account: the new account is chosen there)."
            )
            st.session_state["manage_user"] = info.username  # not whoever was first
            st.rerun()

with tab_manage:
    names = [u.username for u in accounts]
    # No account chosen until the administrator picks one: a button below acts on it.
    chosen = (
        st.selectbox(
            "Account", names, key="manage_user", index=None, placeholder="Choose an account"
        )
        if names
        else None
    )
    target = next((u for u in accounts if u.username == chosen), None)
    if target is not None:
        c1, c2, c3, c4 = st.columns(4)
        try:
            if c1.button(
                "Reactivate" if not target.is_active else "Deactivate", key="toggle_active"
            ):
                users.set_active(db, actor, username=target.username, active=not target.is_active)
                st.session_state["admin_flash"] = (
                    f"{target.username} is now {'active' if not target.is_active else 'inactive'}"
                    + ("" if not target.is_active else "; their sign-ins were ended")
                    + "."
                )
                st.rerun()
            if c2.button(
                "Unlock",
                key="unlock",
                disabled=target.locked_until is None and target.failed_signin_count == 0,
            ):
                users.unlock(db, actor, username=target.username)
                st.session_state["admin_flash"] = f"Unlocked {target.username}."
                st.rerun()
            if c3.button("Set-password link", key="issue_link"):
                token = users.issue_password_link(db, actor, username=target.username)
                st.session_state["issued_link"] = (
                    target.username,
                    f"{deps.settings().base_url}/?set_password={token}",
                )
            new_role = c4.selectbox(
                "Role",
                ROLES,
                index=ROLES.index(target.role),
                key="new_role",
                label_visibility="collapsed",
            )
            if new_role != target.role and c4.button("Change role", key="change_role"):
                users.change_role(db, actor, username=target.username, role=new_role)
                st.session_state["admin_flash"] = f"{target.username} is now a {new_role}."
                st.rerun()
        except DomainError as exc:
            show_error(exc)
        issued = st.session_state.get("issued_link")
        if issued and issued[0] == target.username:
            st.info(
                f"Send this link to {issued[0]} through a trusted channel. It works once and "
                "expires in 24 hours; you never see their password."
            )
            st.code(issued[1], language=None)
            if deps.settings().link_warning:
                st.warning(deps.settings().link_warning, icon=":material/phonelink_off:")

with tab_assign:
    roster = rosters.assignment_roster(db, actor)
    clinicians = [u.username for u in accounts if u.is_active and u.role in CLINICAL_ROLES]
    if not roster:
        st.info("There are no clients yet.")
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    "Ref": [r.ref for r in roster],
                    "Name": [r.name for r in roster],
                    "Status": [r.status for r in roster],
                    "Primary clinician": [r.primary or "" for r in roster],
                    "Care team": [", ".join(r.clinicians) for r in roster],
                }
            ),
            hide_index=True,
            width="stretch",
        )
        with st.form("assign"):
            ref = st.selectbox("Client", [r.ref for r in roster])
            who = st.selectbox("Clinician", clinicians)
            primary = st.checkbox("Make primary clinician")
            remove = st.checkbox("Remove from the care team instead")
            if st.form_submit_button("Save assignment"):
                row = next(r for r in roster if r.ref == ref)
                try:
                    if remove:
                        clients.unassign_clinician(db, actor, client_id=row.client_id, username=who)
                    else:
                        clients.assign_clinician(
                            db, actor, client_id=row.client_id, username=who, primary=primary
                        )
                except DomainError as exc:
                    show_error(exc)
                else:
                    st.session_state["admin_flash"] = f"Care team of {ref} updated."
                    st.rerun()

with tab_audit:
    st.caption(
        "Who did what to which record, and when: ids and field names, never clinical "
        "text. `care-plans verify-audit` proves no event was changed or removed."
    )
    f1, f2, f3, f4, f5 = st.columns(5)
    trail_filter = audit_trail.AuditFilter(
        user=f1.selectbox(
            "User",
            [""] + sorted({u.username for u in accounts} | {"cli"}),
            key="audit_user",
            format_func=lambda v: v or "Anyone",
        ),
        client_ref=f2.text_input("Client ref", key="audit_ref"),
        action=f3.selectbox(
            "Action",
            [""] + audit_trail.actions(db, actor),
            key="audit_action",
            format_func=lambda v: v or "Any action",
        ),
        since=f4.date_input("From", value=None, key="audit_since", format="DD/MM/YYYY"),
        until=f5.date_input("To", value=None, key="audit_until", format="DD/MM/YYYY"),
    )
    try:
        trail = audit_trail.search(db, actor, trail_filter, tz=tz)
    except DomainError as exc:
        show_error(exc)
        trail = []
    st.caption(
        f"{len(trail)} event{'' if len(trail) == 1 else 's'}"
        + (
            f" (the newest {audit_trail.PAGE_LIMIT}; the CSV has them all)"
            if len(trail) >= audit_trail.PAGE_LIMIT
            else ""
        )
    )
    st.dataframe(
        pd.DataFrame(
            {
                "Seq": [r.seq for r in trail],
                "When": [show_time(r.at, tz, seconds=True) for r in trail],
                "User": [r.user for r in trail],
                "Action": [r.action for r in trail],
                "Record": [
                    f"{r.entity} {r.entity_id}" if r.entity_id is not None else r.entity
                    for r in trail
                ],
                "Client ref": [r.client_ref for r in trail],
                "Detail": [r.detail for r in trail],
                "Address": [r.source_address for r in trail],
            }
        ),
        hide_index=True,
        width="stretch",
    )

    def _trail_csv() -> bytes:
        return audit_trail.export_csv(db, deps.current_actor(), trail_filter, tz=tz)

    st.download_button(
        "Export as CSV",
        _trail_csv,
        file_name="audit-trail.csv",
        mime="text/csv",
        key="audit_export",
        on_click="ignore",
    )
