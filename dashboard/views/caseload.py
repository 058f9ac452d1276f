"""Caseload: the signed-in clinician's clients (a supervisor: everyone), with the flags that
need attention first. Self-harm answers are pinned above the table until followed up."""

from __future__ import annotations

from datetime import date, tzinfo
from typing import Any
from urllib.parse import quote

import pandas as pd
import streamlit as st

from care_plans import versions
from care_plans.dates import show_day, show_time
from care_plans.errors import DomainError
from care_plans.models import Role
from care_plans.read import caseload
from care_plans.services import clients, risk
from dashboard import deps
from dashboard.components import client_details, exports
from dashboard.components.feedback import flash, show_error, show_flash
from dashboard.components.signin import DRAFT_PREFIX
from dashboard.components.text import plain

db, actor, tz = deps.database(), deps.current_actor(), deps.settings().tz
today = deps.today()  # the clinic's date, which the flags are about
PAGE_SIZE = 50
TREND = {"up": "↑", "down": "↓", "steady": "→", None: ""}


ALL_CLIENTS = "all clients"
EVERYONE = "(everyone)"  # brackets: never a username
SHOWN_REFS = "caseload_shown_refs"  # the refs of the rows on screen, top to bottom
OPEN_CLIENT = "caseload_open_client"


def first_page() -> None:
    """A new search, filter or sort starts from its first page."""
    st.session_state.pop("caseload_page", None)


def go_to_page(number: int) -> None:
    """Button callback: the next run draws that page (once: no st.rerun after computing)."""
    st.session_state["caseload_page"] = number


def open_selected() -> None:
    """Row-selection callback: open the client before the caseload is computed again."""
    picked = st.session_state.get("caseload_table")
    rows = picked.selection.rows if picked else []
    shown = st.session_state.get(SHOWN_REFS, [])
    if rows and rows[0] < len(shown):
        st.session_state[OPEN_CLIENT] = shown[rows[0]]


if (chosen := st.session_state.pop(OPEN_CLIENT, None)) is not None:
    st.switch_page(deps.page("client"), query_params={"client": chosen})


@st.cache_data(ttl=15 * 60, max_entries=256, show_spinner=False)
def _caseload_page(
    database: str,
    user_id: int | None,
    role: str,
    version: int,
    tz_name: str,
    *,
    today: date,
    search: str,
    flag: str | None,
    clinician: str | None,
    sort: str,
    descending: bool,
    page: int,
    page_size: int,
    _db: Any,
    _actor: Any,
    _tz: tzinfo,
) -> caseload.CaseloadPage:
    """One view of the caseload (filters, sort, page and the clinic's day in the key), worked
    out once per clinic data version (the newest audit id, read in this run with the access
    check): a rerun that changes nothing (a tick, a row chosen) reads one number, and any write,
    on any app server, is shown on the next rerun. Self-harm alerts are never cached."""
    del database, user_id, role, version, tz_name  # the cache key only
    return caseload.caseload_page(
        _db,
        _actor,
        today=today,
        search=search,
        flag=flag,
        clinician=clinician,
        sort=sort,
        descending=descending,
        page=page,
        page_size=page_size,
        tz=_tz,
    )


st.title("Caseload")
show_flash()

# Self-harm answers come first, whatever the filters, until a clinician records a follow-up.
for alert in caseload.risk_alerts(db, actor, today=today):
    with st.container(border=True):
        st.error(
            f"⚠️ {plain(alert.name)} ({alert.ref}) answered “{alert.answer_wording}” to the "
            f"PHQ-9 self-harm question on {show_time(alert.administered_at, tz)} "
            f"({'total ' + str(alert.total) if alert.total is not None else alert.completeness})."
            " Follow up and record what was done."
        )
        c1, c2 = st.columns([0.75, 0.25])
        note = c1.text_input(
            "Follow-up (who was contacted, what was agreed)",
            key=f"{DRAFT_PREFIX}followup:{alert.measure_response_id}",
        )
        if c2.button("Record follow-up", key=f"followup:{alert.measure_response_id}"):
            try:
                risk.record_risk_follow_up(
                    db, actor, measure_response_id=alert.measure_response_id, note=note
                )
            except DomainError as exc:
                show_error(exc)
            else:
                flash(f"Follow-up recorded for {alert.ref}.")
                st.rerun()

c1, c2, c3, c4 = st.columns([0.35, 0.25, 0.2, 0.2])
search = c1.text_input("Search by name or ref", key="caseload_search", on_change=first_page)
# "All" is an option of its own, never None: a None value reads to Streamlit as nothing chosen
# (the box then offered to clear itself and could show "Choose an option").
flag_choice = c2.selectbox(
    "Only clients flagged",
    [ALL_CLIENTS, *caseload.FLAGS],
    key="caseload_flag",
    on_change=first_page,
)
flag = None if flag_choice == ALL_CLIENTS else flag_choice
clinician = None
if actor.role == Role.SUPERVISOR:
    team = dict(caseload.clinician_choices(db, actor))
    picked = c3.selectbox(
        "Clinician",
        [EVERYONE, *team],
        key="caseload_clinician",
        format_func=lambda u: "everyone" if u == EVERYONE else f"{team[u]} ({u})",
        on_change=first_page,
    )
    clinician = None if picked == EVERYONE else picked
sort = c4.selectbox(
    "Sort by",
    list(caseload.SORT_KEYS),
    key="caseload_sort",
    format_func=lambda s: s.replace("_", " "),
    on_change=first_page,
)
page_no = st.session_state.get("caseload_page", 1)
try:
    result = _caseload_page(
        str(db.engine.url),
        actor.user_id,
        actor.role,
        versions.clinic_data_version(db, actor),
        str(tz),
        today=today,
        search=search,
        flag=flag,
        clinician=clinician,
        sort=sort,
        descending=sort in caseload.DESCENDING_FIRST,
        page=page_no,
        page_size=PAGE_SIZE,
        _db=db,
        _actor=actor,
        _tz=tz,
    )
except DomainError as exc:
    show_error(exc)
    st.stop()

if result.total == 0:
    if search or flag or clinician:
        st.info("No clients match these filters.")
    else:
        st.info(
            "You have no clients yet. Add one below, or ask an administrator to assign "
            "clients to you."
        )
else:
    year = deps.today().year  # dates of this year are shown without it: the table is narrow
    frame = pd.DataFrame(
        {
            "Ref": [r.ref for r in result.rows],
            "Name": [r.name for r in result.rows],
            "Flags": [", ".join(r.flags) for r in result.rows],
            "Review": [f"review?client={quote(r.ref)}" for r in result.rows],
            "Last check-in": [
                show_day(r.last_checkin.astimezone(tz).date(), this_year=year)
                if r.last_checkin
                else "none"
                for r in result.rows
            ],
            "Mood": [
                " ".join(
                    part
                    for part in (
                        "" if r.latest_mood is None else str(r.latest_mood),
                        TREND[r.mood_trend],
                    )
                    if part
                )
                for r in result.rows
            ],
            "Mood, last 14": [list(r.mood_recent) for r in result.rows],
            "PHQ-9": [
                f"{r.latest_phq9} {r.phq9_severity}" if r.latest_phq9 is not None else ""
                for r in result.rows
            ],
            "GAD-7": [
                f"{r.latest_gad7} {r.gad7_severity}" if r.latest_gad7 is not None else ""
                for r in result.rows
            ],
            "Paired": [r.paired_recovery or "" for r in result.rows],
            "Next review": [
                show_day(r.next_review_date, this_year=year) if r.next_review_date else ""
                for r in result.rows
            ],
            "Clinician": [r.primary_clinician or "" for r in result.rows],
        }
    )
    if actor.role != Role.SUPERVISOR:
        # A clinician's own caseload: the column would mostly repeat their own name, and the
        # table must fit a 1440 px screen without scrolling sideways.
        frame = frame.drop(columns=["Clinician"])
    st.session_state[SHOWN_REFS] = [r.ref for r in result.rows]
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        key="caseload_table",
        on_select=open_selected,
        selection_mode="single-row",
        column_config={
            "Ref": st.column_config.TextColumn("Ref", width=64),
            "Mood": st.column_config.TextColumn(
                "Mood",
                width=52,
                help="The latest mood (0–10) and its trend over the last week: "
                "↑ better, ↓ worse, → steady",
            ),
            "Mood, last 14": st.column_config.LineChartColumn(
                "14 days",
                y_min=0,
                y_max=10,
                width=75,
                help="Daily mood over the last 14 days, oldest to newest",
            ),
            "Paired": st.column_config.TextColumn(
                "Paired",
                help="PHQ-9 and GAD-7 together (NHS Talking Therapies paired "
                "recovery), from each one's baseline since the plan began to its latest; "
                "empty until both have a later response",
            ),
            "Review": st.column_config.LinkColumn(
                "Review",
                display_text="Open",
                width=62,
                help="The session review: everything since the last session, for the hour "
                "with the client",
            ),
        },
    )
    clients_shown = "1 client" if result.total == 1 else f"{result.total} clients"
    st.caption(
        f"{clients_shown} · page {result.page} of {result.pages} · select a row to open the client"
    )
    if result.pages > 1:
        p1, p2, _ = st.columns([0.15, 0.15, 0.7])
        p1.button(
            "Previous page", disabled=result.page <= 1, on_click=go_to_page, args=(result.page - 1,)
        )
        p2.button(
            "Next page",
            disabled=result.page >= result.pages,
            on_click=go_to_page,
            args=(result.page + 1,),
        )

with st.expander("Add a client"):
    ref = st.text_input("Ref (e.g. CP-0042)", key=f"{DRAFT_PREFIX}new_client_ref")
    name = st.text_input("Name", key=f"{DRAFT_PREFIX}new_client_name")
    dob = st.date_input(
        "Date of birth (optional)",
        value=None,
        format="DD/MM/YYYY",
        min_value=date(1900, 1, 1),
        max_value=today,
        key=f"{DRAFT_PREFIX}new_client_dob",
    )
    details = client_details.inputs(f"{DRAFT_PREFIX}new_client_")
    if st.button("Add client", key="add_client"):
        try:
            info = clients.create_client(
                db,
                actor,
                ref=ref,
                full_name=name,
                date_of_birth=dob,
                today=today,
                details=details,
                measure_interval_days=deps.settings().measure_interval_days,
            )
        except DomainError as exc:
            show_error(exc)
        else:
            for k in ("new_client_ref", "new_client_name", "new_client_dob"):
                st.session_state.pop(f"{DRAFT_PREFIX}{k}", None)
            client_details.clear(f"{DRAFT_PREFIX}new_client_")
            st.switch_page(deps.page("client"), query_params={"client": info.ref})

if result.total:
    with st.expander("Export session summaries (zip)"):
        exports.render_batch({r.client_id: f"{r.ref} · {r.name}" for r in result.rows})
