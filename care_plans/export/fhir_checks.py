"""What the FHIR export promises, checked on every bundle before it leaves: codes and statuses
the specification allows, LOINC codes matching the instrument, references that resolve.

Why a module of its own: the `fhir.resources` models validate structure only, so a wrong status
or a dangling reference would pass them and fail in the receiving system, far from here. The
exporter calls `check_bundle` on every bundle it builds (a problem is a bug: `InvalidBundle`),
and the tests call it on every bundle they export.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from care_plans import measures
from care_plans.export import loinc_forms
from care_plans.models import RATINGS, GoalAchievement, GoalLifecycle, PlanStatus

LOINC = "http://loinc.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACHIEVEMENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/goal-achievement"
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ROLE_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
IDENTIFIER_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203"
#: The product's own codes (self-ratings have no standard code).
CODE_SYSTEM = "urn:care-plans:codes"
SELF_RATINGS_CODE = "self-ratings"
GAS_T_SCORE_CODE = "gas-t-score"

# The value sets of FHIR R4 (required bindings) for the elements this export fills.
CARE_PLAN_STATUSES = {
    "draft",
    "active",
    "on-hold",
    "revoked",
    "completed",
    "entered-in-error",
    "unknown",
}
GOAL_LIFECYCLE = {
    "proposed",
    "planned",
    "accepted",
    "active",
    "on-hold",
    "completed",
    "cancelled",
    "entered-in-error",
    "rejected",
}
GOAL_ACHIEVEMENT = {
    "in-progress",
    "improving",
    "worsening",
    "no-change",
    "achieved",
    "sustaining",
    "not-achieved",
    "no-progress",
    "not-attainable",
}
ENCOUNTER_STATUSES = {
    "planned",
    "arrived",
    "triaged",
    "in-progress",
    "onleave",
    "finished",
    "cancelled",
    "entered-in-error",
    "unknown",
}
ACTIVITY_STATUSES = {
    "not-started",
    "scheduled",
    "in-progress",
    "on-hold",
    "completed",
    "cancelled",
    "stopped",
    "unknown",
    "entered-in-error",
}
OBSERVATION_STATUSES = {"registered", "preliminary", "final", "amended", "entered-in-error"}
QUESTIONNAIRE_RESPONSE_STATUSES = {"in-progress", "completed", "entered-in-error"}
GENDERS = {"male", "female", "other", "unknown"}
CARE_TEAM_STATUSES = {"proposed", "active", "suspended", "inactive", "entered-in-error"}
URN_UUID = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# Every value the domain can hold must be one FHIR allows: checked once, at import.
assert {s.value for s in PlanStatus} <= CARE_PLAN_STATUSES
assert {s.value for s in GoalLifecycle} <= GOAL_LIFECYCLE
assert {s.value for s in GoalAchievement} <= GOAL_ACHIEVEMENT


class InvalidBundle(ValueError):
    """A bundle the exporter built breaks a rule of FHIR or of the mapping (a bug)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:10]))
        self.problems = problems


def references(node: Any) -> Iterator[str]:
    """Every `reference` value anywhere in a JSON-ready structure."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def _codes(concept: dict[str, Any] | None, system: str) -> set[str]:
    return {c.get("code") for c in (concept or {}).get("coding", []) if c.get("system") == system}


def check_bundle(bundle: dict[str, Any]) -> list[str]:
    """Problems with `bundle`, in words; an empty list when it keeps every promise."""
    problems: list[str] = []
    if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "collection":
        problems.append("not a Bundle of type collection")
    entries = bundle.get("entry", [])
    urls = [e.get("fullUrl") for e in entries]
    if len(set(urls)) != len(urls):
        problems.append("two entries share a fullUrl")
    for url in urls:
        if not isinstance(url, str) or not URN_UUID.match(url):
            problems.append(f"fullUrl {url!r} is not a urn:uuid")
    known = set(urls)
    for ref in references(bundle):
        if ref not in known:
            problems.append(f"reference {ref} does not resolve inside the bundle")
    patients = [e for e in entries if e["resource"]["resourceType"] == "Patient"]
    if len(patients) != 1:
        problems.append(f"{len(patients)} Patient resources, expected one")
    for entry in entries:
        resource = entry["resource"]
        kind = resource["resourceType"]
        where = f"{kind} {entry.get('fullUrl')}"
        if resource.get("id") != str(entry.get("fullUrl", "")).removeprefix("urn:uuid:"):
            problems.append(f"{where}: id differs from its fullUrl")
        check = _CHECKS.get(kind)
        if check is not None:
            problems += [f"{where}: {p}" for p in check(resource)]
    return problems


def _care_plan(r: dict[str, Any]) -> list[str]:
    problems = []
    if r.get("status") not in CARE_PLAN_STATUSES:
        problems.append(f"status {r.get('status')!r}")
    if r.get("intent") != "plan":
        problems.append(f"intent {r.get('intent')!r}")
    if "<div" not in r.get("text", {}).get("div", ""):
        problems.append("no narrative")
    for activity in r.get("activity", []):
        if activity["detail"].get("status") not in ACTIVITY_STATUSES:
            problems.append(f"activity status {activity['detail'].get('status')!r}")
    return problems


def _goal(r: dict[str, Any]) -> list[str]:
    problems = []
    if r.get("lifecycleStatus") not in GOAL_LIFECYCLE:
        problems.append(f"lifecycleStatus {r.get('lifecycleStatus')!r}")
    if not _codes(r.get("achievementStatus"), ACHIEVEMENT_SYSTEM) <= GOAL_ACHIEVEMENT:
        problems.append("achievementStatus not a goal-achievement code")
    return problems


def _encounter(r: dict[str, Any]) -> list[str]:
    problems = []
    if r.get("status") not in ENCOUNTER_STATUSES:
        problems.append(f"status {r.get('status')!r}")
    if r.get("class", {}).get("system") != ACT_CODE_SYSTEM:
        problems.append("class is not a v3-ActCode")
    return problems


def _care_team(r: dict[str, Any]) -> list[str]:
    return [] if r.get("status") in CARE_TEAM_STATUSES else [f"status {r.get('status')!r}"]


def _observation(r: dict[str, Any]) -> list[str]:
    problems = []
    status = r.get("status")
    if status not in OBSERVATION_STATUSES:
        problems.append(f"status {status!r}")
    withdrawn = status == "entered-in-error"
    if withdrawn and any(k.startswith("value") or k == "component" for k in r):
        problems.append("an entered-in-error Observation carries values")
    if not any("survey" in _codes(c, OBSERVATION_CATEGORY) for c in r.get("category", [])):
        problems.append("category is not survey")
    loinc = _codes(r.get("code"), LOINC)
    totals = {i.loinc_total_code: i for i in measures.INSTRUMENTS.values()}
    items = {code: form for form in loinc_forms.FORMS.values() for code in form.items}
    answer_codes = {la for la, _ in loinc_forms.FREQUENCY_ANSWERS}
    difficulty_codes = {la for la, _ in loinc_forms.DIFFICULTY_ANSWERS}
    gas_codes = {la for la, _ in loinc_forms.GAS_ANSWERS.values()}
    value = _codes(r.get("valueCodeableConcept"), LOINC)
    if len(loinc) > 1:
        problems.append(f"LOINC codes {sorted(loinc)}: expected one")
    elif loinc:
        code = next(iter(loinc))
        if code in totals:
            instrument = totals[code]
            total = r.get("valueInteger")
            if not withdrawn and (
                not isinstance(total, int)
                or not (instrument.min_total <= total <= instrument.max_total)
            ):
                problems.append(
                    f"{instrument.code} total {total!r} is not a whole number "
                    f"{instrument.min_total}–{instrument.max_total}"
                )
        elif code in items or code == loinc_forms.DIFFICULTY_CODE[0]:
            allowed = answer_codes if code in items else difficulty_codes
            if not withdrawn and (len(value) != 1 or not value <= allowed):
                problems.append(
                    f"item {code} answer {sorted(value)} is not a LOINC answer of its form"
                )
        elif code == loinc_forms.GAS_SCORE_CODE[0]:
            if len(value) != 1 or not value <= gas_codes:
                problems.append(f"GAS score {sorted(value)} is not a GAS answer")
            if len(r.get("focus", [])) != 1:
                problems.append("a GAS score names no goal")
        else:
            problems.append(f"LOINC code {code} is not one this export uses")
    elif _codes(r.get("code"), CODE_SYSTEM) == {SELF_RATINGS_CODE}:
        for component in r.get("component", []):
            names = _codes(component.get("code"), CODE_SYSTEM)
            rating = component.get("valueInteger")
            if not names <= set(RATINGS) or not names:
                problems.append(f"rating code {sorted(names)}")
            if not isinstance(rating, int) or not 0 <= rating <= 10:
                problems.append(f"rating {rating!r} is not 0–10")
    elif _codes(r.get("code"), CODE_SYSTEM) == {GAS_T_SCORE_CODE}:
        t_score = r.get("valueQuantity", {}).get("value")
        if not isinstance(t_score, int | float) or not r.get("derivedFrom"):
            problems.append("a GAS T-score without its value or the scores it comes from")
    else:
        problems.append("code is neither a measure, an item, a GAS score nor self-ratings")
    return problems


def _questionnaire_response(r: dict[str, Any]) -> list[str]:
    problems = []
    status = r.get("status")
    if status not in QUESTIONNAIRE_RESPONSE_STATUSES:
        problems.append(f"status {status!r}")
    form = next(
        (
            f
            for f in loinc_forms.FORMS.values()
            if r.get("questionnaire") == f"{f.canonical}|{f.version}"
        ),
        None,
    )
    if form is None:
        return [*problems, f"questionnaire {r.get('questionnaire')!r} is not a form shipped"]
    scored = {form.link_id(code) for code in form.items}
    difficulty = form.link_id(loinc_forms.DIFFICULTY_CODE[0])
    answer_codes = {la for la, _ in form.answers}
    seen = set()
    for item in r.get("item", []):
        link = item.get("linkId")
        codes = {a.get("valueCoding", {}).get("code") for a in item.get("answer", [])}
        allowed = (
            {la for la, _ in loinc_forms.DIFFICULTY_ANSWERS} if link == difficulty else answer_codes
        )
        if link not in scored and link != difficulty:
            problems.append(f"linkId {link!r} is not an item of {form.instrument}")
        elif len(codes) != 1 or not codes <= allowed:
            problems.append(f"{link}: answer {sorted(map(str, codes))} is not a LOINC answer")
        seen.add(link)
    if status == "completed" and not scored <= seen:
        problems.append("completed, but not every scored item is answered")
    if status == "in-progress" and scored <= seen:
        problems.append("every item answered, but in-progress")
    if status == "entered-in-error" and r.get("item"):
        problems.append("an entered-in-error response carries answers")
    return problems


def _patient(r: dict[str, Any]) -> list[str]:
    problems = []
    if r.get("gender") not in GENDERS:
        problems.append(f"gender {r.get('gender')!r}")
    for identifier in r.get("identifier", []):
        if not identifier.get("system") or not identifier.get("type"):
            problems.append("an identifier without its system or type")
    return problems


_CHECKS = {
    "CarePlan": _care_plan,
    "Goal": _goal,
    "Encounter": _encounter,
    "CareTeam": _care_team,
    "Observation": _observation,
    "QuestionnaireResponse": _questionnaire_response,
    "Patient": _patient,
}
