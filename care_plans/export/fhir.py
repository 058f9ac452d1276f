"""A client's record as a FHIR R4 `Bundle` of type `collection`, for another system to import.

Why: a care plan outlives the software it was written in; a clinic moving records, or a GP
system receiving them, reads FHIR. The mapping is the one in the design notes (domain.md):
Patient, CarePlan with a narrative, Goals, one CareTeam holding the clinicians and the support
network (RelatedPerson / Practitioner / Organization; contacts without consent to share left
out unless included explicitly, as in the PDF), Encounters for sessions, Observations for
check-in ratings and measure totals (LOINC, `valueInteger`, category `survey`), and
QuestionnaireResponses with every item answer.

Every entry's `fullUrl` is a `urn:uuid:` derived (uuid5) from this installation's id and the
record's type and id, so two exports from one installation name each resource the same way (a
receiver can update rather than duplicate) and two installations never share one (their
CP-0001 are different people). Identifier systems carry the installation too
(`urn:care-plans:<installation>:client-ref`), or the clinic's own URI when one is configured.
References point at those fullUrls only, and `fhir_checks.check_bundle` proves that each
resolves and that codes and statuses are ones the specification allows.

Measures go out as the LOINC forms have them (`loinc_forms.py`): QuestionnaireResponses with
LOINC linkIds and answer codes (`in-progress` with only the answered items when a response is
partial), one Observation per answered item, a total Observation only for a complete
response, and the Questionnaire resources they answer. Goal Attainment Scaling follows the HL7
Person-Centered Outcomes IG: levels as extensions on the Goal, a score Observation per goal
per review and a T-score Observation per review. A check-in entered in error goes out with
status `entered-in-error`, carrying no values or notes (it may belong to someone else), so a
receiver holding it learns it was withdrawn.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from care_plans import identifiers, measures
from care_plans.export import loinc_forms
from care_plans.export.fhir_checks import (
    ACHIEVEMENT_SYSTEM,
    ACT_CODE_SYSTEM,
    CODE_SYSTEM,
    GAS_T_SCORE_CODE,
    IDENTIFIER_TYPE_SYSTEM,
    LOINC,
    OBSERVATION_CATEGORY,
    ROLE_CODE_SYSTEM,
    SELF_RATINGS_CODE,
    InvalidBundle,
    check_bundle,
)
from care_plans.models import PLAN_SECTION_TITLES, PLAN_SECTIONS, Attendance, ContactKind
from care_plans.read.export_data import CheckinRecord, GasReview, MeasureRecord, RecordData
from care_plans.read.plan_views import ContactView, GoalView, PlanView
from care_plans.rules import RATING_LABELS

__all__ = ["NAMESPACE", "Identity", "InvalidBundle", "check_bundle", "client_bundle", "full_url"]

#: Never change: every fullUrl ever exported is derived from it (and the installation id).
NAMESPACE = uuid.UUID("6f1d2c8e-3b7a-5e4f-9c1d-7a2b8e0f4c63")
XHTML = "http://www.w3.org/1999/xhtml"
UCUM = "http://unitsofmeasure.org"
WITHDRAWN_NOTE = "Entered in error: withdrawn by a clinician."
ACHIEVEMENT_DISPLAY = {
    "in-progress": "In Progress",
    "improving": "Improving",
    "worsening": "Worsening",
    "no-change": "No Change",
    "achieved": "Achieved",
    "not-achieved": "Not Achieved",
}
RELATED_PERSON_CODES = {
    ContactKind.FAMILY.value: ("FAMMEMB", "family member"),
    ContactKind.FRIEND.value: ("FRND", "unrelated friend"),
}
ORGANISATION_KINDS = {ContactKind.PEER_GROUP.value, ContactKind.CRISIS_SERVICE.value}


class Identity:
    """Where this installation's ids and identifier systems come from."""

    def __init__(self, installation_id: str, clinic_uri: str = "") -> None:
        if not installation_id:
            raise ValueError("an export needs the installation id")
        self.installation_id = installation_id
        self.namespace = uuid.uuid5(NAMESPACE, f"installation/{installation_id}")
        base = clinic_uri.rstrip("/") if clinic_uri else f"urn:care-plans:{installation_id}"
        separator = "/" if clinic_uri else ":"
        self.client_ref_system = f"{base}{separator}client-ref"
        self.username_system = f"{base}{separator}username"

    def full_url(self, resource_type: str, entity: str, record_id: int | str) -> str:
        """The stable `urn:uuid:` of one record as one resource type, in this installation."""
        name = f"{resource_type}/{entity}/{record_id}"
        return f"urn:uuid:{uuid.uuid5(self.namespace, name)}"


def full_url(installation_id: str, resource_type: str, entity: str, record_id: int | str) -> str:
    return Identity(installation_id).full_url(resource_type, entity, record_id)


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
    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self.entries: list[dict[str, Any]] = []

    def url(self, resource_type: str, entity: str, record_id: int | str) -> str:
        return self.identity.full_url(resource_type, entity, record_id)

    def add(
        self, resource_type: str, entity: str, record_id: int | str, resource: dict[str, Any]
    ) -> str:
        url = self.url(resource_type, entity, record_id)
        self.entries.append(
            {
                "fullUrl": url,
                "resource": {
                    "resourceType": resource_type,
                    "id": url.removeprefix("urn:uuid:"),
                    **resource,
                },
            }
        )
        return url


def _v2_type(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": IDENTIFIER_TYPE_SYSTEM, "code": code, "display": display}]}


def _patient(b: _Bundle, data: RecordData) -> dict[str, Any]:
    client = data.client
    identifier = [
        {
            "use": "usual",
            "type": _v2_type("MR", "Medical record number"),
            "system": b.identity.client_ref_system,
            "value": client.ref,
        }
    ]
    scheme = identifiers.NATIONAL_IDENTIFIERS.get(client.national_id_kind or "")
    if scheme is not None and client.national_id:
        identifier.append(
            {
                "use": "official",
                "type": _v2_type("NH", "National Health Plan Identifier"),
                "system": scheme.system,
                "value": client.national_id,
            }
        )
    name: dict[str, Any] = {"use": "official", "text": client.full_name}
    if client.family_name:
        name["family"] = client.family_name
    if client.given_name:
        name["given"] = client.given_name.split()
    resource: dict[str, Any] = {
        "identifier": identifier,
        "active": client.status == "active",
        "name": [name],
        "gender": client.administrative_gender or "unknown",
    }
    if client.date_of_birth is not None:
        resource["birthDate"] = _day(client.date_of_birth)
    return resource


def client_bundle(
    data: RecordData, *, generated_at: datetime | None = None, clinic_uri: str = ""
) -> dict[str, Any]:
    """The client's record as a FHIR R4 collection Bundle (a JSON-ready dict), checked."""
    identity = Identity(data.installation_id, clinic_uri)
    b = _Bundle(identity)
    client = data.client
    patient_resource = _patient(b, data)
    patient = b.add("Patient", "client", client.id, patient_resource)
    subject = _ref(patient, client.full_name)

    practitioners: dict[int, str] = {}

    def practitioner(user_id: int, username: str | None, name: str) -> str:
        if user_id not in practitioners:
            resource: dict[str, Any] = {"name": [{"text": name}]}
            if username:
                resource["identifier"] = [{"system": b.identity.username_system, "value": username}]
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
        "subject": subject,
        "participant": participants,
    }
    if notes:
        team["note"] = notes
    care_team = b.add("CareTeam", "client", client.id, team)

    if data.plan is not None:
        goal_urls = {goal.id: _goal(b, goal, subject) for goal in data.plan.goals}
        _care_plan(b, data, data.plan, subject, care_team, goal_urls, contact_urls)
        for review in data.gas_reviews:
            _gas_review(b, review, subject, goal_urls)

    for session in data.sessions:
        clinician_url = practitioner(session.clinician_id, None, session.clinician_name)
        attended = session.attendance == Attendance.ATTENDED.value
        blocks = [
            _p(
                f"{session.attendance}; record "
                f"{'signed off' if session.is_signed else 'draft, not signed off'}.",
                "Session:",
            )
        ]
        for label, text in (
            ("Summary:", session.summary),
            ("Progress acknowledged:", session.progress_acknowledged),
            ("Changes to the plan:", session.plan_changes),
            ("Next steps:", session.next_steps),
        ):
            if text.strip():
                blocks.append(_p(text, label))
        blocks += [
            _p(a.text, f"Addendum by {a.author_name}, {_instant(a.created_at)}:")
            for a in session.addenda
        ]
        b.add(
            "Encounter",
            "session",
            session.id,
            {
                "text": _narrative(blocks),
                "status": "finished" if attended else "cancelled",
                "class": {"system": ACT_CODE_SYSTEM, "code": "AMB", "display": "ambulatory"},
                "type": [{"text": "Care-plan session"}],
                "subject": subject,
                "participant": [{"individual": _ref(clinician_url, session.clinician_name)}],
                "period": {"start": _day(session.session_date), "end": _day(session.session_date)},
            },
        )

    for checkin in data.checkins:
        _checkin(b, checkin, subject)
    for code in sorted({r.instrument for r in data.measures}):
        _questionnaire(b, code)
    for response in data.measures:
        _measure(b, response, subject)

    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": b.url("Bundle", "client", client.id).removeprefix("urn:uuid:"),
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
            relationship["coding"] = [
                {"system": ROLE_CODE_SYSTEM, "code": code, "display": display}
            ]
        resource = {
            "active": True,
            "patient": _ref(patient),
            "relationship": [relationship],
            "name": [{"text": contact.name}],
        }
        kind = "RelatedPerson"
    if telecom := _telecom(contact):
        resource["telecom"] = telecom
    return b.add(kind, "contact", contact.id, resource)


def _goal(b: _Bundle, goal: GoalView, subject: dict[str, str]) -> str:
    resource: dict[str, Any] = {
        "lifecycleStatus": goal.lifecycle_status,
        "achievementStatus": {
            "coding": [
                {
                    "system": ACHIEVEMENT_SYSTEM,
                    "code": goal.achievement_status,
                    "display": ACHIEVEMENT_DISPLAY[goal.achievement_status],
                }
            ]
        },
        "category": [{"text": goal.domain}],
        "description": {"text": goal.description},
        "subject": subject,
    }
    if goal.start_date is not None:
        resource["startDate"] = _day(goal.start_date)
    target: dict[str, Any] = {}
    levels = {
        int(level): text.strip()
        for level, text in (goal.gas_levels or {}).items()
        if text and text.strip()
    }
    if levels:
        # The PCO IG's GAS Goal: each level described, most attained first; the target is
        # the expected outcome (level 0) of the follow-up score.
        resource["extension"] = [
            {
                "url": loinc_forms.GAS_EXTENSION,
                "extension": [
                    {"url": "level", "valueCoding": _loinc(*loinc_forms.GAS_ANSWERS[level])},
                    {"url": "progressText", "valueString": levels[level]},
                ],
            }
            for level in sorted(levels, reverse=True)
        ]
        target["measure"] = {"coding": [_loinc(*loinc_forms.GAS_SCORE_CODE)]}
        target["detailCodeableConcept"] = {"coding": [_loinc(*loinc_forms.GAS_ANSWERS[0])]}
    if goal.target_date is not None:
        target["dueDate"] = _day(goal.target_date)
    if target:
        resource["target"] = [target]
    if goal.why_it_matters.strip():
        resource["note"] = [{"text": f"Why it matters: {goal.why_it_matters.strip()}"}]
    return b.add("Goal", "goal", goal.id, resource)


def _care_plan(
    b: _Bundle,
    data: RecordData,
    plan: PlanView,
    subject: dict[str, str],
    care_team: str,
    goal_urls: dict[int, str],
    contact_urls: dict[int, str],
) -> None:
    client = data.client
    facts = f"Status {plan.status}; started {_day(plan.start_date)}"
    if plan.next_review_date is not None:
        facts += f"; next review {_day(plan.next_review_date)}"
    blocks = [_p(f"{client.full_name} ({client.ref}). {facts}.", "Recovery care plan:")]
    for name in PLAN_SECTIONS:
        text = plan.sections.get(name, "")
        blocks.append(_p(text or "Not written yet.", f"{PLAN_SECTION_TITLES[name]}:"))
    if plan.goals:
        items = "".join(
            f"<li>{html.escape(g.description)} ({html.escape(g.lifecycle_status)}, "
            f"{html.escape(g.achievement_status)})</li>"
            for g in plan.goals
        )
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
    return [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}]


def _loinc(code: str, display: str | None = None) -> dict[str, str]:
    return {"system": LOINC, "code": code, **({"display": display} if display else {})}


def _observation(
    subject: dict[str, str],
    code: dict[str, Any],
    at: str,
    *,
    withdrawn: bool = False,
    patient_reported: bool = True,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "status": "entered-in-error" if withdrawn else "final",
        "category": _survey(),
        "code": code,
        "subject": subject,
        "effectiveDateTime": at,
    }
    if patient_reported:
        resource["performer"] = [subject]
    if withdrawn:
        resource["note"] = [{"text": WITHDRAWN_NOTE}]
    return resource


def _checkin(b: _Bundle, checkin: CheckinRecord, subject: dict[str, str]) -> None:
    notes = [
        {"text": f"{label}: {text}"}
        for label, text in (("Went well", checkin.went_well), ("Was hard", checkin.was_hard))
        if text
    ]
    if not checkin.ratings and not notes:
        return  # a check-in holding only a measure: that is its own Observation
    code = {
        "coding": [
            {"system": CODE_SYSTEM, "code": SELF_RATINGS_CODE, "display": "Self-ratings (0–10)"}
        ],
        "text": "Self-ratings",
    }
    resource = _observation(
        subject, code, _instant(checkin.submitted_at), withdrawn=checkin.entered_in_error
    )
    if not checkin.entered_in_error:  # a withdrawn check-in carries no values or notes
        if notes:
            resource["note"] = notes
        if checkin.ratings:
            resource["component"] = [
                {
                    "code": {
                        "coding": [
                            {"system": CODE_SYSTEM, "code": name, "display": RATING_LABELS[name]}
                        ],
                        "text": RATING_LABELS[name],
                    },
                    "valueInteger": value,
                }
                for name, value in checkin.ratings
            ]
    b.add("Observation", "checkin", checkin.id, resource)


def _answer_coding(code: str, display: str, value: int) -> dict[str, Any]:
    return {
        **_loinc(code, display),
        "extension": [{"url": loinc_forms.ORDINAL_VALUE, "valueDecimal": value}],
    }


def _questionnaire(b: _Bundle, code: str) -> str:
    """The Questionnaire a response answers: the LOINC form, with the instrument's wording."""
    instrument = measures.get_instrument(code)
    form = loinc_forms.FORMS[code]
    options = [
        {"valueCoding": _answer_coding(la, label, value)}
        for (la, label), (value, _) in zip(form.answers, instrument.answer_options, strict=True)
    ]
    items: list[dict[str, Any]] = [
        {
            "linkId": form.link_id(item_code),
            "code": [_loinc(item_code)],
            "text": text,
            "type": "choice",
            "required": True,
            "answerOption": options,
        }
        for item_code, text in zip(form.items, instrument.items, strict=True)
    ]
    difficulty, wording = loinc_forms.DIFFICULTY_CODE
    items.append(
        {
            "linkId": form.link_id(difficulty),
            "code": [_loinc(difficulty)],
            "text": wording,
            "type": "choice",
            "required": False,
            "answerOption": [
                {"valueCoding": _loinc(la, label)} for la, label in loinc_forms.DIFFICULTY_ANSWERS
            ],
        }
    )
    return b.add(
        "Questionnaire",
        "questionnaire",
        code,
        {
            "text": _narrative(
                [
                    _p(
                        f"{instrument.name}: {instrument.citation}. {instrument.preamble}",
                        "Questionnaire:",
                    )
                ]
            ),
            "url": form.canonical,
            "version": form.version,
            "name": form.name,
            "title": instrument.name,
            "derivedFrom": [f"http://loinc.org/q/{form.panel[0]}"],
            "status": "active",
            "subjectType": ["Patient"],
            "code": [_loinc(*form.panel)],
            "item": items,
        },
    )


def _measure(b: _Bundle, response: MeasureRecord, subject: dict[str, str]) -> None:
    """A QuestionnaireResponse (answered items only), an Observation per answered item
    derived from it, and the total Observation when every item was answered."""
    instrument = measures.get_instrument(response.instrument)
    form = loinc_forms.FORMS[response.instrument]
    withdrawn = response.entered_in_error
    at = _instant(response.administered_at)
    answered = [
        (n, item_code, text, value)
        for n, (item_code, text, value) in enumerate(
            zip(form.items, instrument.items, response.answers, strict=True)
        )
        if value is not None
    ]
    items = [
        {
            "linkId": form.link_id(item_code),
            "text": text,
            "answer": [
                {"valueCoding": _answer_coding(*form.answers[value - instrument.min_answer], value)}
            ],
        }
        for _, item_code, text, value in answered
    ]
    difficulty = response.difficulty
    if difficulty is not None:
        code, wording = loinc_forms.DIFFICULTY_CODE
        items.append(
            {
                "linkId": form.link_id(code),
                "text": wording,
                "answer": [{"valueCoding": _loinc(*loinc_forms.DIFFICULTY_ANSWERS[difficulty])}],
            }
        )
    status = (
        "entered-in-error" if withdrawn else "completed" if response.is_complete else "in-progress"
    )
    questionnaire: dict[str, Any] = {
        "questionnaire": f"{form.canonical}|{form.version}",
        "status": status,
        "subject": subject,
        "authored": at,
        "source": subject,
    }
    if items and not withdrawn:  # a withdrawn response carries no answers
        questionnaire["item"] = items
    answers = b.add("QuestionnaireResponse", "measure", response.id, questionnaire)
    for number, item_code, text, value in answered:
        observation = _observation(
            subject, {"coding": [_loinc(item_code)], "text": text}, at, withdrawn=withdrawn
        )
        if not withdrawn:
            la, label = form.answers[value - instrument.min_answer]
            observation["valueCodeableConcept"] = {"coding": [_loinc(la, label)], "text": label}
        observation["derivedFrom"] = [_ref(answers)]
        b.add("Observation", f"measure-item-{number + 1}", response.id, observation)
    if difficulty is not None:
        code, wording = loinc_forms.DIFFICULTY_CODE
        observation = _observation(
            subject, {"coding": [_loinc(code)], "text": wording}, at, withdrawn=withdrawn
        )
        if not withdrawn:
            la, label = loinc_forms.DIFFICULTY_ANSWERS[difficulty]
            observation["valueCodeableConcept"] = {"coding": [_loinc(la, label)], "text": label}
        observation["derivedFrom"] = [_ref(answers)]
        b.add("Observation", "measure-difficulty", response.id, observation)
    if response.total is None:
        return  # partial: no total is scored from some of the items
    total = _observation(
        subject,
        {
            "coding": [_loinc(instrument.loinc_total_code, instrument.loinc_total_display)],
            "text": f"{instrument.code} total score",
        },
        at,
        withdrawn=withdrawn,
    )
    if not withdrawn:
        total["valueInteger"] = response.total
        if response.severity:
            total["interpretation"] = [{"text": response.severity}]
    total["derivedFrom"] = [_ref(answers)]
    b.add("Observation", "measure", response.id, total)


def _gas_review(
    b: _Bundle, review: GasReview, subject: dict[str, str], goal_urls: dict[int, str]
) -> None:
    """One review's GAS: a score Observation per goal rated (PCO IG), and the T-score."""
    day = _day(review.rated_on)
    scores = []
    for goal_id, score, _weight in review.ratings:
        goal = goal_urls.get(goal_id)
        if goal is None:
            continue
        observation = _observation(
            subject,
            {
                "coding": [_loinc(*loinc_forms.GAS_SCORE_CODE)],
                "text": "Goal Attainment Scaling score",
            },
            day,
            patient_reported=False,
        )
        observation["focus"] = [_ref(goal)]
        observation["valueCodeableConcept"] = {
            "coding": [_loinc(*loinc_forms.GAS_ANSWERS[score])],
            "text": f"{'+' if score > 0 else ''}{score}",
        }
        scores.append(
            b.add("Observation", f"gas-{goal_id}", review.rated_on.isoformat(), observation)
        )
    if not scores:
        return
    t_score = _observation(
        subject,
        {
            "coding": [
                {
                    "system": CODE_SYSTEM,
                    "code": GAS_T_SCORE_CODE,
                    "display": "Goal Attainment Scaling T-score",
                }
            ],
            "text": "GAS T-score (Kiresuk & Sherman, ρ = 0.3)",
        },
        day,
        patient_reported=False,
    )
    t_score["focus"] = [_ref(goal_urls[g]) for g, _, _ in review.ratings if g in goal_urls]
    t_score["valueQuantity"] = {
        "value": round(review.t_score, 1),
        "unit": "T-score",
        "system": UCUM,
        "code": "{score}",
    }
    t_score["derivedFrom"] = [_ref(url) for url in scores]
    b.add("Observation", "gas-t-score", review.rated_on.isoformat(), t_score)
