"""The FHIR R4 export: every bundle validates with fhir.resources (R4B), and the things it does not
check are checked here: codes (LOINC totals, category survey, statuses), references resolving
inside the bundle, fullUrls stable across exports, consent honoured, entered-in-error left out.

Timestamps come back from the database, so the main test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from sqlalchemy import func, select

from care_plans import demo, measures
from care_plans.access import Actor
from care_plans.db import Database
from care_plans.export import fhir, service
from care_plans.export.fhir_checks import LOINC, OBSERVATION_CATEGORY, check_bundle, references
from care_plans.models import AuditEvent, CheckIn, MeasureResponse
from care_plans.read import export_data
from care_plans.read import plans as read_plans
from care_plans.services import checkins, plans
from tests.factories import make_client, make_user

END = date(2026, 6, 30)
AT = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)
CLI = Actor.cli()
TOTAL_CODES = {"PHQ-9": "44261-6", "GAD-7": "70274-6"}


def export(db: Database, client_id: int, **options: Any) -> dict[str, Any]:
    exported = service.export_fhir(db, CLI, client_id, generated_at=AT, **options)
    assert exported.mime == "application/fhir+json"
    return json.loads(exported.content)


def by_type(bundle: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for entry in bundle["entry"]:
        found.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return found


def test_every_demo_bundle_validates_and_keeps_its_promises(db: Database) -> None:
    demo.seed_demo(db, clients=3, days=45, end_date=END)
    for client_id in (1, 2, 3):
        bundle = export(db, client_id)
        parsed = Bundle.model_validate(bundle)  # structure, every resource, R4 (R4B module)
        assert parsed.type == "collection" and len(parsed.entry) == len(bundle["entry"])
        assert check_bundle(bundle) == []

        urls = [e["fullUrl"] for e in bundle["entry"]]
        assert len(urls) == len(set(urls))
        assert all(u.startswith("urn:uuid:") and uuid.UUID(u[9:]).version == 5 for u in urls)
        assert all(e["resource"]["id"] == e["fullUrl"][9:] for e in bundle["entry"])
        refs = list(references(bundle))
        assert refs and set(refs) <= set(urls)  # every reference resolves inside the bundle

        kinds = by_type(bundle)
        patient, = kinds["Patient"]
        care_plan, = kinds["CarePlan"]
        care_team, = kinds["CareTeam"]
        url_of = {id(e["resource"]): e["fullUrl"] for e in bundle["entry"]}
        assert care_plan["intent"] == "plan" and care_plan["status"] == "active"
        assert care_plan["subject"]["reference"] == url_of[id(patient)]
        assert care_plan["careTeam"] == [{"reference": url_of[id(care_team)]}]
        assert {g["reference"] for g in care_plan["goal"]} == {
            url_of[id(g)] for g in kinds["Goal"]}
        assert care_plan["text"]["status"] == "generated"
        assert care_plan["text"]["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
        for goal in kinds["Goal"]:
            coding, = goal["achievementStatus"]["coding"]
            assert coding["system"] == "http://terminology.hl7.org/CodeSystem/goal-achievement"
            assert goal["lifecycleStatus"] in {"proposed", "active", "on-hold", "completed",
                                               "cancelled"}
        assert {e["status"] for e in kinds["Encounter"]} <= {"finished", "cancelled"}

        with db.uow() as uow:
            stored = {r.id: r for r in uow.session.scalars(
                select(MeasureResponse).where(MeasureResponse.client_id == client_id))}
            uow.session.expunge_all()
        totals = [o for o in kinds["Observation"]
                  if o["code"]["coding"][0]["system"] == LOINC]
        assert len(totals) == len(stored) == len(kinds["QuestionnaireResponse"]) > 0
        answers_of = {url_of[id(q)]: q for q in kinds["QuestionnaireResponse"]}
        for observation in kinds["Observation"]:
            category, = observation["category"]
            assert category["coding"][0] == {"system": OBSERVATION_CATEGORY, "code": "survey",
                                             "display": "Survey"}
            assert observation["status"] == "final"
        for observation in totals:
            coding, = observation["code"]["coding"]
            response = answers_of[observation["derivedFrom"][0]["reference"]]
            record = next(r for r in stored.values()
                          if r.administered_at.isoformat(timespec="seconds").replace(
                              "+00:00", "Z") == observation["effectiveDateTime"]
                          and TOTAL_CODES[r.instrument] == coding["code"])
            assert coding["code"] == measures.INSTRUMENTS[record.instrument].loinc_total_code
            assert observation["valueInteger"] == record.total
            assert isinstance(observation["valueInteger"], int)
            assert [i["answer"][0]["valueInteger"] for i in response["item"]] == record.answers
            assert [i["linkId"] for i in response["item"]] == [
                str(n) for n in range(1, len(record.answers) + 1)]
            assert response["status"] == "completed"
        QuestionnaireResponse.model_validate(kinds["QuestionnaireResponse"][0])
        Observation.model_validate(totals[0])
        Patient.model_validate(patient)
        CarePlan.model_validate(care_plan)


@pytest.fixture
def seeded(sqlite_db: Database) -> Database:
    demo.seed_demo(sqlite_db, clients=2, days=30, end_date=END)
    return sqlite_db


def test_full_urls_are_stable_across_exports(seeded: Database) -> None:
    first = export(seeded, 1)
    assert export(seeded, 1) == first
    checkins.record_checkin(seeded, CLI, client_id=1, ratings={"mood": 6},
                            submitted_at=datetime(2026, 6, 30, 20, 0, tzinfo=UTC))
    later = export(seeded, 1)
    assert {e["fullUrl"] for e in first["entry"]} < {e["fullUrl"] for e in later["entry"]}
    patient = next(e for e in first["entry"] if e["resource"]["resourceType"] == "Patient")
    assert patient["fullUrl"] == fhir.full_url("Patient", "client", 1)
    assert patient["fullUrl"] == f"urn:uuid:{uuid.uuid5(fhir.NAMESPACE, 'Patient/client/1')}"
    assert first["id"] == later["id"] and first["timestamp"] == "2026-07-01T09:30:00Z"


def test_contacts_without_consent_are_left_out_unless_included(seeded: Database) -> None:
    plan = read_plans.get_plan(seeded, CLI, 1)
    withheld = [c for c in plan.contacts if not c.consent_to_share]
    assert withheld
    text = json.dumps(export(seeded, 1), ensure_ascii=False)
    for contact in withheld:
        assert contact.name not in text and contact.phone not in text
    included = export(seeded, 1, include_unconsented=True)
    assert check_bundle(included) == []
    text = json.dumps(included, ensure_ascii=False)
    for contact in withheld:
        assert contact.name in text and contact.phone in text
    kinds = Counter(e["resource"]["resourceType"] for e in included["entry"])
    members = by_type(included)["CareTeam"][0]["participant"]
    assert len(members) == len(plan.contacts) + 1  # and the primary clinician
    assert kinds["RelatedPerson"] + kinds["Organization"] + kinds["Practitioner"] >= len(
        plan.contacts)


def test_check_ins_entered_in_error_are_left_out(seeded: Database) -> None:
    before = export(seeded, 2)
    with seeded.uow() as uow:
        checkin_id = uow.session.scalar(
            select(CheckIn.id).join(MeasureResponse, MeasureResponse.checkin_id == CheckIn.id)
            .where(CheckIn.client_id == 2).order_by(CheckIn.id).limit(1))
        count = uow.session.scalar(select(func.count(MeasureResponse.id))
                                   .where(MeasureResponse.checkin_id == checkin_id))
    checkins.mark_entered_in_error(seeded, CLI, checkin_id=checkin_id, reason="wrong client")
    after = export(seeded, 2)
    gone = {fhir.full_url("Observation", "checkin", checkin_id)}
    assert gone <= {e["fullUrl"] for e in before["entry"]}
    assert not gone & {e["fullUrl"] for e in after["entry"]}
    assert len(by_type(after)["QuestionnaireResponse"]) == len(
        by_type(before)["QuestionnaireResponse"]) - count


def test_narrative_text_is_escaped_and_a_new_client_exports(sqlite_db: Database) -> None:
    alice = make_user(sqlite_db, "alice", full_name="Alice Example")
    info = make_client(sqlite_db, alice, full_name="Zoë <Test> & “Co”", today=END)
    plan = read_plans.get_plan(sqlite_db, alice, info.id)
    plans.update_plan(sqlite_db, alice, plan.id, expected_version=plan.version,
                      changes={"what_helps": "Tea & <b>walks</b>\nand music"})
    bundle = json.loads(service.export_fhir(sqlite_db, alice, info.id, generated_at=AT).content)
    assert check_bundle(bundle) == []
    Bundle.model_validate(bundle)
    div = by_type(bundle)["CarePlan"][0]["text"]["div"]
    assert "Tea &amp; &lt;b&gt;walks&lt;/b&gt;<br/>and music" in div
    assert "Zoë &lt;Test&gt; &amp; “Co”" in div
    assert by_type(bundle)["CarePlan"][0]["status"] == "draft"
    assert "Observation" not in by_type(bundle)


def test_check_bundle_names_what_is_wrong(seeded: Database) -> None:
    bundle = export(seeded, 1)
    kinds = by_type(bundle)
    kinds["CarePlan"][0]["status"] = "finished"
    kinds["Goal"][0]["lifecycleStatus"] = "done"
    total = next(o for o in kinds["Observation"] if o["code"]["coding"][0]["system"] == LOINC)
    total["code"]["coding"][0]["code"] = "12345-6"
    kinds["Observation"][0]["category"][0]["coding"][0]["code"] = "vital-signs"
    kinds["Encounter"][0]["subject"]["reference"] = "urn:uuid:" + str(uuid.uuid4())
    problems = " | ".join(check_bundle(bundle))
    for words in ("status 'finished'", "lifecycleStatus 'done'", "12345-6",
                  "category is not survey", "does not resolve inside the bundle"):
        assert words in problems


def test_the_export_is_audited_and_refused_without_access(seeded: Database) -> None:
    stranger = make_user(seeded, "stranger")
    with pytest.raises(Exception, match="access"):
        service.export_fhir(seeded, stranger, 1, generated_at=AT)
    exported = service.export_fhir(seeded, CLI, 1, generated_at=AT)
    with seeded.uow() as uow:
        events = [(e.action, e.client_id, e.detail["entries"]) for e in uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export.fhir"))]
    assert events == [("export.fhir", 1, len(json.loads(exported.content)["entry"]))]
    assert exported.file_name == "CP-0001-fhir-r4.json"
    record = export_data.record_data(seeded, CLI, 1)
    assert fhir.client_bundle(record, generated_at=AT) == json.loads(exported.content)
