"""The two PDFs a clinician hands over: the session summary and the client's crisis-plan page.

Why: a summary is read away from the screen, by the client, a GP or a colleague, so it holds the
whole plan in full (long text wraps onto the next page, never cut), the progress charts the
pages draw (the same builders, from `care_plans.charts`), and signature lines. The crisis-plan
page is for the client to keep on the fridge or in a wallet: one page, large type. Both take
plain data (`care_plans.read.export_data`) and a generation time, and nothing else, so the same
data and time always give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import altair as alt

from care_plans import charts, measures
from care_plans.dates import show_day
from care_plans.export.document import (
    FONT,
    Document,
    chart_png,
    show_time,
    unbroken,
)
from care_plans.models import PLAN_SECTION_TITLES, PLAN_SECTIONS
from care_plans.read import progress
from care_plans.read.export_data import SummaryData
from care_plans.read.plan_views import ContactView

DONE_MARK = "✓"
OPEN_MARK = "○"
#: Body type sizes of the crisis-plan page (points), largest first: the largest that fits one
#: page is used.
CRISIS_SIZES = tuple(x / 2 for x in range(30, 17, -1))


@dataclass(frozen=True)
class Printed:
    """A PDF and how many characters in it no font has (printed as a replacement mark)."""

    content: bytes
    replaced_glyphs: int


def _identity(data: SummaryData) -> str:
    parts = [data.client.full_name, data.client.ref]
    if data.client.date_of_birth is not None:
        parts.append(f"born {show_day(data.client.date_of_birth)}")
    return " · ".join(parts)


def _local(data: SummaryData, moment: datetime) -> str:
    return f"{show_time(moment.astimezone(data.tz))} ({data.tz})"


def _document(data: SummaryData, generated_at: datetime, what: str) -> Document:
    clinic = f"{data.clinic_name} · " if data.clinic_name else ""
    footer = f"{clinic}{what} · generated {show_time(generated_at.astimezone(data.tz))}"
    return Document(
        identity=_identity(data),
        footer_text=footer,
        generated_at=generated_at,
        title=f"{what}: {data.client.ref}",
        author=data.clinic_name or "care-plans",
    )


# --- Charts ---------------------------------------------------------------------------------------


def ratings_png(data: SummaryData) -> bytes | None:
    p = data.progress
    chart = charts.ratings_chart(p.ratings, p.notes, p.events, x_domain=p.x_domain, for_print=True)
    return chart_png(chart) if chart is not None else None


def measures_png(data: SummaryData) -> bytes | None:
    """Every instrument's chart stacked in one picture (the PHQ-9 / GAD-7 chart)."""
    p = data.progress
    parts = []
    for code in measures.INSTRUMENTS:
        baseline = p.baselines.get(code)
        chart = charts.measures_chart(
            p.measures,
            code,
            baseline=baseline.total if baseline else None,
            baseline_time=baseline.time if baseline else None,
            x_domain=p.x_domain,
        )
        if chart is not None:
            # Sizing belongs to the stack as a whole; keep the plot as wide as the ratings one.
            # (The chart was built for this picture alone: set in place, not on a deep copy.)
            chart.autosize = alt.Undefined
            chart.width = charts.WIDTH - 150
            chart.height = 200
            parts.append(chart)
    if not parts:
        return None
    return chart_png(alt.vconcat(*parts, spacing=24))


# --- The session summary -------------------------------------------------------------------------


def session_summary_pdf(
    data: SummaryData,
    generated_at: datetime,
    images: tuple[bytes | None, bytes | None] | None = None,
) -> bytes:
    """The session summary of `data`, generated at `generated_at` (an aware datetime).

    `images` (ratings PNG, measures PNG) may be given when already rendered; by default they
    are drawn here from `data.progress`.
    """
    return print_session_summary(data, generated_at, images).content


def print_session_summary(
    data: SummaryData,
    generated_at: datetime,
    images: tuple[bytes | None, bytes | None] | None = None,
) -> Printed:
    """`session_summary_pdf` with the count of characters no font has."""
    if images is None:
        images = (ratings_png(data), None if data.client_copy else measures_png(data))
    pdf = _document(data, generated_at, "Session summary")
    pdf.add_page()
    pdf.title_block(
        "Session summary",
        "Client copy: measures and clinician-only notes are left out" if data.client_copy else "",
    )
    rows = [("Client", f"{data.client.full_name} ({data.client.ref})")]
    if data.client.date_of_birth is not None:
        rows.append(("Date of birth", show_day(data.client.date_of_birth)))
    rows += [("Clinician", data.clinician_name)]
    if data.clinic_name:
        rows.append(("Clinic", data.clinic_name))
    rows.append(("Period covered", data.period.describe()))
    made = _local(data, generated_at)
    if data.prepared_by != data.clinician_name:
        made += f", by {data.prepared_by}"
    rows.append(("Generated", made))
    pdf.facts(rows)
    _risk_and_safety(pdf, data)

    _plan(pdf, data)
    _goals(pdf, data)
    _network(pdf, data)
    _crisis(pdf, data)
    _progress(pdf, data, *images)
    _session(pdf, data)

    pdf.heading("Signatures")
    pdf.keep_room(40)
    pdf.paragraph("Signed to confirm that we went through this summary together.", muted=True)
    pdf.signature_line("Clinician", data.clinician_name)
    pdf.signature_line("Client", data.client.full_name)
    return Printed(pdf.to_bytes(), pdf.replaced_glyphs)


def risk_lines(data: SummaryData) -> list[tuple[str, str]]:
    """The "Risk and safety" box's lines, open risk first: (style, text) for Document.risk_box.

    Open self-harm answers (date and the answer's published wording), reliable deterioration
    and no check-in for 14 days; "No open safety alerts" when there is none. Followed-up
    answers come after, marked as followed up with who, when and the note, so that open and
    closed never read the same.
    """
    risk = data.safety
    assert risk is not None
    lines: list[tuple[str, str]] = []
    for answer in risk.open_self_harm:
        partial = "" if answer.completeness == "complete" else f" ({answer.completeness})"
        lines.append(
            (
                "B",
                f"OPEN, not yet followed up: on {_local(data, answer.administered_at)} "
                f'the {answer.instrument} self-harm question ("thoughts that you '
                f'would be better off dead or of hurting yourself") was answered '
                f"“{answer.answer_wording}”{partial}.",
            )
        )
    for worse in risk.deteriorations:
        lines.append(
            (
                "B",
                f"Reliable deterioration on the {worse.instrument}: "
                f"{worse.baseline_total} at baseline "
                f"({show_day(worse.baseline_at.astimezone(data.tz))}) to "
                f"{worse.latest_total} "
                f"({show_day(worse.latest_at.astimezone(data.tz))}).",
            )
        )
    if risk.no_recent_checkin:
        last = (
            "last check-in " + show_day(risk.last_checkin.astimezone(data.tz))
            if risk.last_checkin is not None
            else "no check-in since the plan started"
        )
        lines.append(("B", f"No check-in for 14 days: {last}."))
    if not risk.has_open_alerts:
        lines.append(("B", "No open safety alerts."))
    for answer in risk.followed_up:
        assert answer.followed_up_at is not None
        partial = "" if answer.completeness == "complete" else f" ({answer.completeness})"
        lines.append(
            (
                "",
                f"Followed up: {answer.instrument} self-harm question answered "
                f"“{answer.answer_wording}”{partial} on "
                f"{_local(data, answer.administered_at)}; followed up by "
                f"{answer.followed_up_by or 'a clinician'} on "
                f"{_local(data, answer.followed_up_at)}: "
                f"“{answer.follow_up_note or ''}”",
            )
        )
    return lines


def _risk_and_safety(pdf: Document, data: SummaryData) -> None:
    if data.safety is None:  # a client copy: measures and risk stay in the clinic
        return
    pdf.risk_box("Risk and safety", risk_lines(data), alert=data.safety.has_open_alerts)


def _plan(pdf: Document, data: SummaryData) -> None:
    pdf.heading("Care plan")
    plan = data.plan
    if plan is None:
        pdf.paragraph("This client has no care plan yet.", muted=True)
        return
    rows = [("Status", plan.status), ("Started", show_day(plan.start_date))]
    if plan.next_review_date is not None:
        late = " (overdue)" if plan.next_review_date < data.period.until else ""
        rows.append(("Next review", show_day(plan.next_review_date) + late))
    if plan.last_saved_at is not None:
        rows.append(("Last changed", _local(data, plan.last_saved_at)))
    if data.client_link is not None:
        rows.append(("Client's agreement", agreement_line(data)))
    pdf.facts(rows)
    for name in PLAN_SECTIONS:
        if name == "crisis_plan":
            continue  # has a heading of its own, next to the crisis contacts
        pdf.subheading(PLAN_SECTION_TITLES[name])
        pdf.paragraph(plan.sections.get(name, ""), empty="Not written yet.")


def _goals(pdf: Document, data: SummaryData) -> None:
    pdf.heading("Goals and steps")
    goals = data.plan.goals if data.plan else ()
    if not goals:
        pdf.paragraph("No goals yet.", muted=True)
        return
    for number, goal in enumerate(goals, start=1):
        pdf.subheading(f"{number}. {goal.description}")
        status = f"{goal.domain} · {goal.lifecycle_status}, {goal.achievement_status}"
        if goal.target_date is not None:
            status += f" · target {show_day(goal.target_date)}"
        pdf.paragraph(status, size=9, muted=True)
        pdf.labelled("Why it matters:", goal.why_it_matters)
        if not goal.steps:
            pdf.paragraph("No steps yet.", size=9.5, indent=4, muted=True)
        ticked = data.client_link.ticked_by_client if data.client_link else {}
        for step in goal.steps:
            if step.done_on is not None and step.id in ticked:
                mark, state = DONE_MARK, f"ticked by the client on {show_day(step.done_on)}"
            elif step.done_on is not None:
                mark, state = DONE_MARK, f"done {show_day(step.done_on)}"
            else:
                due = f", due {show_day(step.due_date)}" if step.due_date else ""
                mark, state = OPEN_MARK, f"open{due}"
            helper = f" · helped by {step.helper_name}" if step.helper_name else ""
            pdf.keep_room(10)  # a step and its state on the same page
            pdf.paragraph(f"{mark} {step.description}", size=9.5, indent=4)
            pdf.paragraph(f"{state}{helper}", size=8.5, indent=8.5, muted=True)
        for note in reversed(data.client_link.notes_for(goal.id) if data.client_link else ()):
            pdf.labelled(
                f"The client's note, {_local(data, note.at)}:", f"“{note.text}”", size=9.5, indent=4
            )


def agreement_line(data: SummaryData) -> str:
    """ "Agreed by the client on 2 Dec 2026 (revision 5)", and whether it changed since."""
    status = data.client_link.status if data.client_link else None
    if status is None or status.agreed_at is None:
        line = "Not yet agreed by the client on their link"
    else:
        line = (
            f"Agreed by the client on {show_day(status.agreed_at.astimezone(data.tz))} "
            f"(revision {status.agreed_revision})"
        )
        if status.changed_since:
            line += "; changed since the client agreed"
    if status is not None and status.asked_at is not None:
        line += f"; agreement asked for again on {show_day(status.asked_at.astimezone(data.tz))}"
    return line


def _contact(pdf: Document, contact: ContactView, *, size: float = 10) -> None:
    crisis = " — crisis contact" if contact.is_crisis_contact else ""
    pdf.subheading(f"{contact.name}{crisis}", size=size + 0.5)
    kind = contact.kind + (f" · {contact.role}" if contact.role else "")
    if not contact.consent_to_share:
        kind += " · no consent to share: included by the clinician"
    pdf.paragraph(kind, size=size - 1, muted=True)
    pdf.labelled("Phone:", unbroken(contact.phone), size=size)
    pdf.labelled("Email:", contact.email, size=size)
    pdf.labelled("When to reach out:", contact.when_to_contact, size=size)


def _withheld_note(data: SummaryData) -> str:
    n = data.withheld_contacts
    if not n:
        return ""
    return (
        f"{n} contact{'s' if n != 1 else ''} without consent to share "
        f"{'is' if n == 1 else 'are'} not shown."
    )


def _network(pdf: Document, data: SummaryData) -> None:
    pdf.heading("Support network")
    if not data.contacts:
        pdf.paragraph("No contacts to show.", muted=True)
    for contact in data.contacts:
        _contact(pdf, contact)
    pdf.paragraph(_withheld_note(data), size=9, muted=True)


def _crisis(pdf: Document, data: SummaryData) -> None:
    pdf.heading("Crisis plan")
    pdf.paragraph(
        data.plan.sections.get("crisis_plan", "") if data.plan else "",
        empty="No crisis plan written yet.",
    )
    crisis = data.crisis_contacts
    if crisis:
        pdf.subheading("Crisis contacts")
        for contact in crisis:
            line = contact.name + (f": {unbroken(contact.phone)}" if contact.phone else "")
            pdf.paragraph(line, indent=4, bold=True)
    if data.crisis_message:
        pdf.ln(1)
        pdf.notice("In an emergency", data.crisis_message, size=9.5)


def _progress(
    pdf: Document, data: SummaryData, ratings: bytes | None, measure_chart: bytes | None
) -> None:
    pdf.heading(f"Progress, {show_day(data.period.since)} to {show_day(data.period.until)}")
    n = data.checkin_count
    pdf.paragraph(f"{n} check-in{'s' if n != 1 else ''} in this period.")
    if ratings is None:
        pdf.subheading("Self-ratings")
        pdf.paragraph("No self-ratings, wins or setbacks in this period.", muted=True)
    else:  # the chart carries its own title
        pdf.keep_room(pdf.chart_height(ratings) + 2)
        pdf.chart(ratings, "Self-ratings over time with wins, setbacks and sessions")
    if not data.client_copy:
        _measures(pdf, data, measure_chart)
    pdf.subheading("Setbacks and wins, in the client's own words")
    if not data.notes:
        pdf.paragraph("None written in this period.", muted=True)
    for note in data.notes:
        kind = "Win" if note.kind == progress.WIN else "Setback"
        pdf.labelled(f"{kind}, {show_time(note.at)}:", f"“{note.text}”", size=9.5)


def _measures(pdf: Document, data: SummaryData, chart: bytes | None) -> None:
    pdf.keep_room(12 + (pdf.chart_height(chart) if chart else 0))
    pdf.subheading("Measures: PHQ-9 and GAD-7")
    if chart is None:
        pdf.paragraph("No PHQ-9 or GAD-7 completed in this period.", muted=True)
        return
    pdf.chart(chart, "PHQ-9 and GAD-7 totals with severity bands and reliable-change lines")
    for outcome in data.measure_outcomes:
        if outcome.baseline_at is None or outcome.change is None:
            continue  # measure_summary gives none without a baseline
        change = (
            f"{abs(outcome.change)} points {'lower' if outcome.change < 0 else 'higher'}"
            if outcome.change
            else "no change"
        )
        pdf.paragraph(
            f"{outcome.instrument}: baseline {outcome.baseline_total} on "
            f"{show_day(outcome.baseline_at)}, latest {outcome.latest_total} "
            f"({outcome.severity}) on {show_day(outcome.latest_at)}: {change}, "
            f"{outcome.recovery_status}.",
            size=9.5,
        )
    if data.paired_recovery is not None:
        pdf.paragraph(
            "PHQ-9 and GAD-7 together (NHS Talking Therapies paired recovery): "
            f"{data.paired_recovery}.",
            size=9.5,
        )
    pdf.set_font(FONT, "", 8.5)
    pdf.keep_room(20)
    with pdf.table(
        col_widths=(33, 17, 12, 28, 24, 30, 36), text_align="LEFT", line_height=4.4, padding=1
    ) as table:
        table.row(
            [
                "When",
                "Measure",
                "Total",
                "Severity",
                "Change from baseline",
                "Reliable change",
                "Self-harm item",
            ]
        )
        for row in data.measure_rows:
            definition = measures.INSTRUMENTS.get(row.instrument)
            risk = definition is not None and definition.risk_item is not None
            table.row(
                [
                    show_time(row.at),
                    row.instrument,
                    str(row.total),
                    row.severity,
                    "" if row.change is None else f"{row.change:+d}",
                    row.reliable_change or "",
                    ("answered above 0: follow up" if row.risk_flag else "0") if risk else "n/a",
                ]
            )
    pdf.ln(2)


def _session(pdf: Document, data: SummaryData) -> None:
    pdf.heading("Latest session")
    session = data.latest_session
    if session is None:
        pdf.paragraph("No session recorded yet.", muted=True)
        return
    record = (
        f"signed off {_local(data, session.signed_at)}"
        if session.signed_at
        else "draft, not signed off yet"
    )
    pdf.facts(
        [
            ("Date", show_day(session.session_date)),
            ("Clinician", session.clinician_name),
            ("Attendance", session.attendance),
            ("Record", record),
        ]
    )
    pdf.labelled("Summary:", session.summary)
    pdf.labelled("Progress acknowledged:", session.progress_acknowledged)
    pdf.labelled("Changes to the plan:", session.plan_changes)
    pdf.labelled("Next steps:", session.next_steps)
    if session.next_session_date is not None:
        pdf.labelled("Next session:", show_day(session.next_session_date))
    if session.addenda:
        pdf.subheading("Addenda")
        for addendum in session.addenda:
            pdf.paragraph(
                f"{addendum.author_name}, {_local(data, addendum.created_at)}",
                size=8.5,
                indent=4,
                muted=True,
            )
            pdf.paragraph(addendum.text, indent=4)
    if data.client_copy:
        pdf.paragraph(
            "The clinician's own notes of the session are not part of this copy.",
            size=9,
            muted=True,
        )


# --- The crisis-plan page -----------------------------------------------------------------------


def crisis_plan_pdf(data: SummaryData, generated_at: datetime) -> bytes:
    """The client's crisis plan on one page, in the largest type that fits (long plans go on
    to a second page rather than lose a word)."""
    return print_crisis_plan(data, generated_at).content


def print_crisis_plan(data: SummaryData, generated_at: datetime) -> Printed:
    """`crisis_plan_pdf` with the count of characters no font has."""
    # Smaller type never takes more pages, so a binary search over the sizes finds the largest
    # that fits in a few layouts.
    low, high = 0, len(CRISIS_SIZES) - 1  # CRISIS_SIZES runs from largest to smallest
    best = _crisis_page(data, generated_at, CRISIS_SIZES[high])
    if best.pages_count > 1:
        return Printed(best.to_bytes(), best.replaced_glyphs)
    while low < high:
        middle = (low + high) // 2
        page = _crisis_page(data, generated_at, CRISIS_SIZES[middle])
        if page.pages_count == 1:
            best, high = page, middle
        else:
            low = middle + 1
    return Printed(best.to_bytes(), best.replaced_glyphs)


def _crisis_page(data: SummaryData, generated_at: datetime, size: float) -> Document:
    pdf = _document(data, generated_at, "My crisis plan")
    pdf.add_page()
    pdf.title_block(f"My crisis plan — {data.client.full_name}", size=size + 8)
    sections = data.plan.sections if data.plan else {}
    for title, name in (
        ("Warning signs to look out for", "warning_signs"),
        ("What helps me", "what_helps"),
        ("What I will do in a crisis", "crisis_plan"),
    ):
        pdf.subheading(title, size=size + 2)
        pdf.paragraph(sections.get(name, ""), size=size, empty="Not written yet.")
    pdf.subheading("Who I can contact", size=size + 2)
    contacts = data.crisis_contacts
    if not contacts:
        pdf.paragraph("Ask your clinician to add your crisis contacts here.", size=size)
    for contact in contacts:
        role = f" ({contact.role})" if contact.role else ""
        pdf.paragraph(f"{contact.name}{role}", size=size, bold=True)
        if contact.phone:
            pdf.paragraph(unbroken(contact.phone), size=size + 3, bold=True, indent=4)
        pdf.paragraph(contact.when_to_contact, size=size - 2, indent=4)
    if data.crisis_message:
        pdf.ln(3)
        pdf.notice("In an emergency", data.crisis_message, size=size)
    return pdf
