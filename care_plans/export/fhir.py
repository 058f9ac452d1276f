"""A client's record as a FHIR R4 `Bundle` of type `collection`, for another system to import.

Why: a care plan outlives the software it was written in; a clinic moving records, or a GP
system receiving them, reads FHIR. The mapping is the one in the design notes (domain.md):
Patient, CarePlan with a narrative, Goals, one CareTeam holding the clinicians and the support
network (RelatedPerson / Practitioner / Organization; contacts without consent to share left
out unless included explicitly, as in the PDF), Encounters for sessions, Observations for
check-in ratings and measure totals (LOINC, `valueInteger`, category `survey`), and
QuestionnaireResponses with every item answer.

Every entry's `fullUrl` is a `urn:uuid:` derived (uuid5, a fixed namespace) from the record's
type and id, so two exports of the same record name each resource the same way and a receiver
can update rather than duplicate. References point at those fullUrls only, and
`fhir_checks.check_bundle` proves that each resolves and that codes and statuses are ones the
specification allows (the fhir.resources models check structure, not code values).
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from care_plans import measures
from care_plans.export.fhir_checks import (
    ACHIEVEMENT_SYSTEM,
    ACT_CODE_SYSTEM,
    CODE_SYSTEM,
    LOINC,
    OBSERVATION_CATEGORY,
    ROLE_CODE_SYSTEM,
    SELF_RATINGS_CODE,
    InvalidBundle,
    check_bundle,
)
from care_plans.models import PLAN_SECTION_TITLES, PLAN_SECTIONS, Attendance, ContactKind
from care_plans.read.export_data import CheckinRecord, MeasureRecord, RecordData
from care_plans.read.plan_views import ContactView, GoalView, PlanView
from care_plans.rules import RATING_LABELS

__all__ = ["NAMESPACE", "InvalidBundle", "check_bundle", "client_bundle", "full_url"]

#: Never change: every fullUrl ever exported is derived from it.
NAMESPACE = uuid.UUID("6f1d2c8e-3b7a-5e4f-9c1d-7a2b8e0f4c63")
CLIENT_REF_SYSTEM = "urn:care-plans:client-ref"
USERNAME_SYSTEM = "urn:care-plans:username"
XHTML = "http://www.w3.org/1999/xhtml"

#: LOINC panel codes of the instruments, for QuestionnaireResponse.questionnaire.
LOINC_PANELS = {"PHQ-9": "44249-1", "GAD-7": "69737-5"}
ACHIEVEMENT_DISPLAY = {
    "in-progress": "In Progress", "improving": "Improving", "worsening": "Worsening",
    "no-change": "No Change", "achieved": "Achieved", "not-achieved": "Not Achieved",
}
RELATED_PERSON_CODES = {ContactKind.FAMILY.value: ("FAMMEMB", "family member"),
                        ContactKind.FRIEND.value: ("FRND", "unrelated friend")}
ORGANISATION_KINDS = {ContactKind.PEER_GROUP.value, ContactKind.CRISIS_SERVICE.value}


def full_url(resource_type: str, entity: str, record_id: int) -> str:
    """The stable `urn:uuid:` of one record as one resource type."""
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{resource_type}/{entity}/{record_id}')}"


def _ref(url: str, display: str | None = None) -> dict[str, str]:
    return {"reference": url, **({"display": display} if display else {})}


def _instant(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _day(day: date) -> str:
    return day.isoformat()


def _narrative(blocks: Iterable[str]) -> dict[str, str]:
    return {"status": "generated", "div": f'<div xmlns="{XHTML}">{"".join(blocks)}</div>'}


def _p(text: str, bold: str = "") -> str:
    body = html.escape(text.strip()).replace("\n", "<br/>")
    return f"<p>{'<b>' + html.escape(bold) + '</b> ' if bold else ''}{body}</p>"


class _Bundle:
    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def add(self, resource_type: str, entity: str, record_id: int,
            resource: dict[str, Any]) -> str:
        url = full_url(resource_type, entity, record_id)
        self.entries.append({"fullUrl": url, "resource": {
            "resourceType": resource_type, "id": url.removeprefix("urn:uuid:"), **resource}})
        return url


def client_bundle(data: RecordData, *, generated_at: datetime | None = None) -> dict[str, Any]:
    """The client's record as a FHIR R4 collection Bundle (a JSON-ready dict), checked."""
    b = _Bundle()
    client = data.client
    patient_resource: dict[str, Any] = {
        "identifier": [{"system": CLIENT_REF_SYSTEM, "value": client.ref}],
        "active": client.status == "active",
        "name": [{"text": client.full_name}],
    }
    if client.date_of_birth is not None:
        patient_resource["birthDate"] = _day(client.date_of_birth)
    patient = b.add("Patient", "client", client.id, patient_resource)
    subject = _ref(patient, client.full_name)

    practitioners: dict[int, str] = {}

    def practitioner(user_id: int, username: str | None, name: str) -> str:
        if user_id not in practitioners:
            resource: dict[str, Any] = {"name": [{"text": name}]}
            if username:
                resource["identifier"] = [{"system": USERNAME_SYSTEM, "value": username}]
            practitioners[user_id] = b.add("Practitioner", "user", user_id, resource)
        return practitioners[user_id]

    participants: list[dict[str, Any]] = []
    for clinician in data.clinicians:
        url = practitioner(clinician.id, clinician.username, clinician.full_name)
        role = "primary clinician" if clinician.is_primary else "clinician"
        participants.append({"role": [{"text": role}], "member": _ref(url, clinician.full_name)})
    contact_urls: dict[int, str] = {}
    notes = []
    for contact in data.contacts:
        contact_urls[contact.id] = url = _contact(b, contact, patient)
        roles = [{"text": contact.role or contact.kind}]
        if contact.is_crisis_contact:
            roles.append({"text": "crisis contact"})
        participants.append({"role": roles, "member": _ref(url, contact.name)})
        if contact.when_to_contact:
            notes.append({"text": f"{contact.name}: when to reach out: {contact.when_to_contact}"})
    team: dict[str, Any] = {
        "status": "active" if client.status == "active" else "inactive",
        "name": f"Care team and support network of {client.ref}",
        "subject": subject, "participant": participants,
    }
    if notes:
        team["note"] = notes
    care_team = b.add("CareTeam", "client", client.id, team)

    if data.plan is not None:
        goal_urls = {goal.id: _goal(b, goal, subject) for goal in data.plan.goals}
        _care_plan(b, data, data.plan, subject, care_team, goal_urls, contact_urls)

    for session in data.sessions:
        clinician = practitioner(session.clinician_id, None, session.clinician_name)
        attended = session.attendance == Attendance.ATTENDED.value
        blocks = [_p(f"{session.attendance}; record "
                     f"{'signed off' if session.is_signed else 'draft, not signed off'}.",
                     "Session:")]
        for label, text in (("Summary:", session.summary),
                            ("Progress acknowledged:", session.progress_acknowledged),
                            ("Changes to the plan:", session.plan_changes),
                            ("Next steps:", session.next_steps)):
            if text.strip():
                blocks.append(_p(text, label))
        blocks += [_p(a.text, f"Addendum by {a.author_name}, {_instant(a.created_at)}:")
                   for a in session.addenda]
        b.add("Encounter", "session", session.id, {
            "text": _narrative(blocks),
            "status": "finished" if attended else "cancelled",
            "class": {"system": ACT_CODE_SYSTEM, "code": "AMB", "display": "ambulatory"},
            "type": [{"text": "Care-plan session"}],
            "subject": subject,
            "participant": [{"individual": _ref(clinician, session.clinician_name)}],
            "period": {"start": _day(session.session_date), "end": _day(session.session_date)},
        })

    for checkin in data.checkins:
        _checkin(b, checkin, subject)
    for response in data.measures:
        _measure(b, response, subject)

    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(NAMESPACE, f"Bundle/client/{client.id}")),
        "type": "collection",
    }
    if generated_at is not None:
        bundle["timestamp"] = _instant(generated_at)
    bundle["entry"] = b.entries
    problems = check_bundle(bundle)
    if problems:
        raise InvalidBundle(problems)
    return bundle


def _telecom(contact: ContactView) -> list[dict[str, str]]:
    telecom = []
    if contact.phone:
        telecom.append({"system": "phone", "value": contact.phone})
    if contact.email:
        telecom.append({"system": "email", "value": contact.email})
    return telecom


def _contact(b: _Bundle, contact: ContactView, patient: str) -> str:
    """A support contact as a RelatedPerson (people close to the client), a Practitioner
    (professionals) or an Organization (groups and services)."""
    resource: dict[str, Any] = {}
    if contact.kind in ORGANISATION_KINDS:
        resource = {"active": True, "type": [{"text": contact.kind}], "name": contact.name}
        kind = "Organization"
    elif contact.kind == ContactKind.PROFESSIONAL.value:
        resource = {"active": True, "name": [{"text": contact.name}]}
        kind = "Practitioner"
    else:
        relationship: dict[str, Any] = {"text": contact.role or contact.kind}
        if contact.kind in RELATED_PERSON_CODES:
            code, display = RELATED_PERSON_CODES[contact.kind]
            relationship["coding"] = [{"system": ROLE_CODE_SYSTEM, "code": code,
                                       "display": display}]
        resource = {"active": True, "patient": _ref(patient), "relationship": [relationship],
                    "name": [{"text": contact.name}]}
        kind = "RelatedPerson"
    if telecom := _telecom(contact):
        resource["telecom"] = telecom
    return b.add(kind, "contact", contact.id, resource)


def _goal(b: _Bundle, goal: GoalView, subject: dict[str, str]) -> str:
    resource: dict[str, Any] = {
        "lifecycleStatus": goal.lifecycle_status,
        "achievementStatus": {"coding": [{
            "system": ACHIEVEMENT_SYSTEM, "code": goal.achievement_status,
            "display": ACHIEVEMENT_DISPLAY[goal.achievement_status]}]},
        "category": [{"text": goal.domain}],
        "description": {"text": goal.description},
        "subject": subject,
    }
    if goal.start_date is not None:
        resource["startDate"] = _day(goal.start_date)
    if goal.target_date is not None:
        resource["target"] = [{"dueDate": _day(goal.target_date)}]
    if goal.why_it_matters.strip():
        resource["note"] = [{"text": f"Why it matters: {goal.why_it_matters.strip()}"}]
    return b.add("Goal", "goal", goal.id, resource)


def _care_plan(b: _Bundle, data: RecordData, plan: PlanView, subject: dict[str, str],
               care_team: str, goal_urls: dict[int, str], contact_urls: dict[int, str]) -> None:
    client = data.client
    facts = f"Status {plan.status}; started {_day(plan.start_date)}"
    if plan.next_review_date is not None:
        facts += f"; next review {_day(plan.next_review_date)}"
    blocks = [_p(f"{client.full_name} ({client.ref}). {facts}.", "Recovery care plan:")]
    for name in PLAN_SECTIONS:
        text = plan.sections.get(name, "")
        blocks.append(_p(text or "Not written yet.", f"{PLAN_SECTION_TITLES[name]}:"))
    if plan.goals:
        items = "".join(f"<li>{html.escape(g.description)} ({html.escape(g.lifecycle_status)}, "
                        f"{html.escape(g.achievement_status)})</li>" for g in plan.goals)
        blocks.append(f"<p><b>Goals:</b></p><ol>{items}</ol>")
    activities = []
    for goal in plan.goals:
        for step in goal.steps:
            detail: dict[str, Any] = {
                "status": "completed" if step.is_done else "not-started",
                "description": step.description,
                "goal": [_ref(goal_urls[goal.id])],
            }
            if step.due_date is not None and not step.is_done:
                detail["scheduledString"] = f"due {_day(step.due_date)}"
            helper = contact_urls.get(step.helper_contact_id or -1)
            if helper is not None:
                detail["performer"] = [_ref(helper, step.helper_name)]
            activity: dict[str, Any] = {"detail": detail}
            if step.done_on is not None:
                activity["progress"] = [{"time": _day(step.done_on), "text": "Step done."}]
            activities.append(activity)
    resource: dict[str, Any] = {
        "text": _narrative(blocks),
        "status": plan.status,
        "intent": "plan",
        "title": "Recovery care plan",
        "subject": subject,
        "period": {"start": _day(plan.start_date)},
        "careTeam": [_ref(care_team)],
        "goal": [_ref(goal_urls[g.id]) for g in plan.goals],
    }
    if activities:
        resource["activity"] = activities
    b.add("CarePlan", "plan", plan.id, resource)


def _survey() -> list[dict[str, Any]]:
    return [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey",
                         "display": "Survey"}]}]


def _checkin(b: _Bundle, checkin: CheckinRecord, subject: dict[str, str]) -> None:
    notes = [{"text": f"{label}: {text}"} for label, text in
             (("Went well", checkin.went_well), ("Was hard", checkin.was_hard)) if text]
    if not checkin.ratings and not notes:
        return  # a check-in holding only a measure: that is its own Observation
    resource: dict[str, Any] = {
        "status": "final",
        "category": _survey(),
        "code": {"coding": [{"system": CODE_SYSTEM, "code": SELF_RATINGS_CODE,
                             "display": "Self-ratings (0–10)"}], "text": "Self-ratings"},
        "subject": subject,
        "effectiveDateTime": _instant(checkin.submitted_at),
        "performer": [subject],
    }
    if notes:
        resource["note"] = notes
    if checkin.ratings:
        resource["component"] = [
            {"code": {"coding": [{"system": CODE_SYSTEM, "code": name,
                                  "display": RATING_LABELS[name]}],
                      "text": RATING_LABELS[name]},
             "valueInteger": value}
            for name, value in checkin.ratings
        ]
    b.add("Observation", "checkin", checkin.id, resource)


def _measure(b: _Bundle, response: MeasureRecord, subject: dict[str, str]) -> None:
    instrument = measures.get_instrument(response.instrument)
    questionnaire: dict[str, Any] = {
        "status": "completed",
        "subject": subject,
        "authored": _instant(response.administered_at),
        "source": subject,
        "item": [
            {"linkId": str(number), "text": text, "answer": [{"valueInteger": answer}]}
            for number, (text, answer) in enumerate(
                zip(instrument.items, response.answers, strict=True), start=1)
        ],
    }
    if response.instrument in LOINC_PANELS:
        questionnaire["questionnaire"] = f"http://loinc.org/q/{LOINC_PANELS[response.instrument]}"
    answers = b.add("QuestionnaireResponse", "measure", response.id, questionnaire)
    b.add("Observation", "measure", response.id, {
        "status": "final",
        "category": _survey(),
        "code": {"coding": [{"system": LOINC, "code": instrument.loinc_total_code,
                             "display": instrument.loinc_total_display}],
                 "text": f"{instrument.code} total score"},
        "subject": subject,
        "effectiveDateTime": _instant(response.administered_at),
        "performer": [subject],
        "valueInteger": response.total,
        "interpretation": [{"text": response.severity}],
        "derivedFrom": [_ref(answers)],
    })
