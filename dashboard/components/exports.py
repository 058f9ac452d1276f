"""Download buttons for a client's exports (session summary PDF, crisis-plan page, FHIR JSON)
and a zip of several clients' summaries for the caseload page.

Why the files are made only on a click: every generated file is an audit event, and a summary
with its charts takes a second or two. So each button passes a callable (Streamlit's deferred
download): opening the tab writes nothing and costs nothing, each click makes one file and one
audit event. The zip needs a progress bar, so it is made in the script run after its own button,
then offered for download. Session-state keys start with `export:`.
"""

from __future__ import annotations

from datetime import date
from functools import partial

import streamlit as st

from care_plans.access import Actor
from care_plans.config import Settings
from care_plans.dates import CHOSEN, Period
from care_plans.db import Database
from care_plans.errors import AccessDenied, DomainError
from care_plans.export import consent, service
from care_plans.export.consent import Mention
from care_plans.export.fonts import FontMissing, font_paths
from care_plans.services import auth
from dashboard import deps
from dashboard.components.feedback import show_error
from dashboard.components.signin import SIGNIN_ID
from dashboard.components.text import plain

UNCONSENTED_HELP = (
    "Contacts who have not agreed to their details being shared are left out "
    "unless you include them here."
)


# The deferred callables run outside the script run, on a thread of their own: they are given
# everything they use (never reading session state or Streamlit's caches themselves). A click can
# come long after the page was drawn, so each first asks whether the sign-in is still live.


def _live_actor(db: Database, settings: Settings, signin_id: int) -> Actor:
    signed = auth.resume(
        db, session_id=signin_id, touch=False, idle_seconds=settings.idle_timeout_seconds
    )
    if signed is None:
        raise AccessDenied("Your sign-in has ended. Sign in again to export.")
    return signed.actor


def _make_summary(
    db: Database,
    signin_id: int,
    settings: Settings,
    client_id: int,
    since: date,
    until: date,
    client_copy: bool,
    include_unconsented: bool,
    proceed_with: service.Acknowledged,
) -> bytes:
    return service.export_pdf(
        db,
        _live_actor(db, settings, signin_id),
        client_id,
        settings=settings,
        since=since,
        until=until,
        client_copy=client_copy,
        include_unconsented=include_unconsented,
        proceed_with=proceed_with,
    ).content


def _make_crisis(db: Database, signin_id: int, settings: Settings, client_id: int) -> bytes:
    return service.export_crisis_plan(
        db, _live_actor(db, settings, signin_id), client_id, settings=settings
    ).content


def _make_fhir(
    db: Database,
    signin_id: int,
    settings: Settings,
    client_id: int,
    include_unconsented: bool,
    proceed_with: service.Acknowledged,
) -> bytes:
    return service.export_fhir(
        db,
        _live_actor(db, settings, signin_id),
        client_id,
        settings=settings,
        include_unconsented=include_unconsented,
        proceed_with=proceed_with,
    ).content


def _mentions_choice(mentions: list[Mention], key: str) -> tuple[bool, service.Acknowledged]:
    """Show where the file's text names contacts without consent to share, before it is
    made, and ask whether to make it anyway. (May the button be used, and what it covers.)"""
    if not mentions:
        return True, frozenset()
    lines = "\n".join(f"- {plain(m.describe())}" for m in mentions)
    st.warning(
        "Before you make this file: its text names someone who has not agreed to "
        f"their details being shared.\n\n{lines}\n\nEdit the text first, or make "
        "the file anyway if the client has agreed to this.",
        icon=":material/lock:",
    )
    proceed = st.checkbox(
        "I have checked: make the file with this text anyway (recorded in the audit trail)", key=key
    )
    return proceed, consent.keys(mentions) if proceed else frozenset()


def render(client_id: int, ref: str) -> None:
    """The Export tab of the client page."""
    db, actor, settings = deps.database(), deps.current_actor(), deps.settings()
    signin_id = int(st.session_state[SIGNIN_ID])
    today = deps.today()
    try:
        default, _ = service.planned_summary(db, actor, client_id, settings=settings, today=today)
    except DomainError as exc:
        show_error(exc)
        return
    try:  # said here, on the page: a failure inside a deferred download shows no message
        font_paths()
        pdf_ready = True
    except FontMissing as exc:
        show_error(exc)
        pdf_ready = False

    st.subheader("Session summary (PDF)")
    st.caption(
        "The plan in full, goals and steps, the support network, the crisis plan, "
        "progress charts and measures for the period, the latest session record, and "
        "signature lines."
    )
    c1, c2 = st.columns(2)
    since = c1.date_input(
        "From",
        value=default.since,
        max_value=today,
        format="DD/MM/YYYY",
        key=f"export:since:{client_id}",
    )
    until = c2.date_input(
        "To",
        value=default.until,
        max_value=today,
        format="DD/MM/YYYY",
        key=f"export:until:{client_id}",
    )
    st.caption(f"Default period: {default.describe()}.")
    client_copy = st.checkbox(
        "Client copy (leaves out measures and clinician-only notes)",
        key=f"export:client_copy:{client_id}",
    )
    include_unconsented = st.checkbox(
        "Include contacts without consent to share",
        key=f"export:unconsented:{client_id}",
        help=UNCONSENTED_HELP,
    )
    if include_unconsented:
        st.warning(
            "The summary and the FHIR bundle will show contacts who have not consented "
            "to sharing. Include them only when the client has asked you to."
        )
    valid = isinstance(since, date) and isinstance(until, date) and since <= until
    pdf_allowed = True
    pdf_proceed: service.Acknowledged = frozenset()
    if not valid:
        st.error("Choose a period that starts on or before the day it ends.")
        name = f"{ref}-session-summary.pdf"
    else:
        name = service.summary_file_name(ref, Period(since, until, CHOSEN), client_copy)
        try:
            pdf_allowed, pdf_proceed = _mentions_choice(
                service.pdf_mentions(
                    db,
                    actor,
                    client_id,
                    settings=settings,
                    since=since,
                    until=until,
                    client_copy=client_copy,
                    include_unconsented=include_unconsented,
                ),
                f"export:summary_mentions:{client_id}",
            )
        except DomainError as exc:
            show_error(exc)
            pdf_allowed = False
    st.download_button(
        "Download session summary (PDF)",
        data=partial(
            _make_summary,
            db,
            signin_id,
            settings,
            client_id,
            since,
            until,
            client_copy,
            include_unconsented,
            pdf_proceed,
        ),
        file_name=name,
        mime=service.PDF,
        on_click="ignore",
        disabled=not (valid and pdf_ready and pdf_allowed),
        icon=":material/picture_as_pdf:",
        key=f"export:summary:{client_id}",
    )

    st.subheader("Crisis plan (one page, for the client)")
    st.caption(
        "Warning signs, what helps, the crisis plan and every crisis contact, in large "
        "type. It is the client's own copy, so it lists crisis contacts whatever their "
        "consent to share."
    )
    st.download_button(
        "Download crisis-plan page (PDF)",
        data=partial(_make_crisis, db, signin_id, settings, client_id),
        file_name=service.crisis_file_name(ref),
        mime=service.PDF,
        on_click="ignore",
        disabled=not pdf_ready,
        icon=":material/emergency:",
        key=f"export:crisis:{client_id}",
    )

    st.subheader("FHIR R4 (JSON)")
    st.caption("The whole record as a FHIR R4 Bundle, for another clinical system to import.")
    try:
        fhir_allowed, fhir_proceed = _mentions_choice(
            service.fhir_mentions(db, actor, client_id, include_unconsented=include_unconsented),
            f"export:fhir_mentions:{client_id}",
        )
    except DomainError as exc:
        show_error(exc)
        fhir_allowed, fhir_proceed = False, frozenset()
    st.download_button(
        "Download FHIR bundle (JSON)",
        data=partial(
            _make_fhir, db, signin_id, settings, client_id, include_unconsented, fhir_proceed
        ),
        file_name=service.fhir_file_name(ref),
        mime=service.JSON,
        on_click="ignore",
        disabled=not fhir_allowed,
        icon=":material/download:",
        key=f"export:fhir:{client_id}",
    )
    st.caption("Each download is recorded in the audit trail.")


def render_batch(choices: dict[int, str]) -> None:
    """Several clients' session summaries (each with its default period) in one zip."""
    db, actor, settings = deps.database(), deps.current_actor(), deps.settings()
    picked = st.multiselect(
        "Clients",
        list(choices),
        format_func=lambda cid: choices[cid],
        key="export:batch:clients",
        placeholder="Choose clients from this page of the caseload",
    )
    client_copy = st.checkbox(
        "Client copies (leave out measures and clinician-only notes)",
        key="export:batch:client_copy",
    )
    st.caption(
        "Each summary covers the time since the session before the client's most recent "
        "one. Contacts without consent to share are left out."
    )
    proceed = st.checkbox(
        "Make the summaries even where their text names a contact without "
        "consent to share (you are told which first; recorded in the audit "
        "trail)",
        key="export:batch:proceed",
    )
    if not st.button("Make the zip", key="export:batch:make", disabled=not picked):
        return
    bar = st.progress(0.0, text=f"0 of {len(picked)} summaries made")

    def tick(done: int, total: int) -> None:
        bar.progress(done / total, text=f"{done} of {total} summaries made")

    try:
        exported = service.export_batch_zip(
            db,
            actor,
            picked,
            settings=settings,
            client_copy=client_copy,
            progress=tick,
            proceed_despite_mentions=proceed,
        )
    except DomainError as exc:
        bar.empty()
        show_error(exc)
        return
    st.download_button(
        f"Download {len(picked)} summaries (zip)",
        data=exported.content,
        file_name=exported.file_name,
        mime=service.ZIP,
        on_click="ignore",
        icon=":material/folder_zip:",
        key="export:batch:download",
    )
