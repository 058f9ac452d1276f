"""The FHIR R4 export a receiving system can trust: every bundle validates with fhir.resources
(R4B) and with a second, strict validator (Medplum's validateResource with the R4
StructureDefinitions and their FHIRPath invariants, plus required value-set bindings and
bundle references: tests/fhir_validate.mjs), with zero errors; ids namespaced per
installation; measures as the LOINC forms code them; GAS per the PCO IG; entered-in-error
records sent as withdrawn; text naming an unconsented contact flagged before the file is made.

Timestamps come back from the database, so the main test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import func, select

from care_plans import demo, measures
from care_plans.access import Actor
from care_plans.config import Settings
from care_plans.db import Database, init_db, make_engine
from care_plans.export import consent, fhir, loinc_forms, service
from care_plans.export.fhir_checks import LOINC, OBSERVATION_CATEGORY, check_bundle, references
from care_plans.installation import installation_id
from care_plans.models import AuditEvent, CheckIn, Client, GasRating, MeasureResponse
from care_plans.read import export_data
from care_plans.read import plans as read_plans
from care_plans.services import checkins, clients, contacts, goals, plans
from tests.conftest import AUDIT_KEY
from tests.factories import clinic_today, make_client, make_user
from tests.fhir_validator import describe, strict_report

END = date(2026, 6, 30)
AT = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)
CLI = Actor.cli()
TOTAL_CODES = {"PHQ-9": "44261-6", "GAD-7": "70274-6"}
NHS = "https://fhir.nhs.uk/Id/nhs-number"


def export(db: Database, client_id: int, **options: Any) -> dict[str, Any]:
    """The bundle, made as a clinician who was shown any flagged text and chose to go on."""
    shown = service.fhir_mentions(
        db, CLI, client_id, include_unconsented=options.get("include_unconsented", False)
    )
    exported = service.export_fhir(
        db, CLI, client_id, generated_at=AT, proceed_with=consent.keys(shown), **options
    )
    assert exported.mime == "application/fhir+json"
    return json.loads(exported.content)


def by_type(bundle: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for entry in bundle["entry"]:
        found.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return found


def coded(observations: list[dict[str, Any]], code: str) -> list[dict[str, Any]]:
    return [
        o for o in observations if any(c.get("code") == code for c in o["code"].get("coding", []))
    ]


def assert_strictly_valid(bundles: list[dict[str, Any]], folder: Path) -> dict[str, Any]:
    for bundle in bundles:
        Bundle.model_validate(bundle)  # structure, every resource, R4 (R4B module)
        assert check_bundle(bundle) == []
    report = strict_report(bundles, folder)
    assert report["errors"] == [], describe(report)
    assert report["exit_code"] == 0 and report["bindingsChecked"] > 0
    assert report["referencesChecked"] > 0
    return report


def test_every_demo_bundle_is_strictly_valid_and_coded_as_published(
    db: Database, tmp_path: Path
) -> None:
    demo.seed_demo(db, clients=3, days=45, end_date=END)
    install = installation_id(db)
    bundles = [export(db, client_id) for client_id in (1, 2, 3)]
    report = assert_strictly_valid(bundles, tmp_path)
    assert report["resources"]["Questionnaire"] == 6  # PHQ-9 and GAD-7, in each bundle

    with db.uow() as uow:
        stored_clients = {c.id: c for c in uow.session.scalars(select(Client))}
        uow.session.expunge_all()
    for client_id, bundle in zip((1, 2, 3), bundles, strict=True):
        urls = [e["fullUrl"] for e in bundle["entry"]]
        assert len(urls) == len(set(urls))
        assert all(u.startswith("urn:uuid:") and uuid.UUID(u[9:]).version == 5 for u in urls)
        assert all(e["resource"]["id"] == e["fullUrl"][9:] for e in bundle["entry"])
        refs = list(references(bundle))
        assert refs and set(refs) <= set(urls)  # every reference resolves inside the bundle

        kinds = by_type(bundle)
        url_of = {id(e["resource"]): e["fullUrl"] for e in bundle["entry"]}
        (patient,) = kinds["Patient"]
        stored = stored_clients[client_id]
        assert patient["gender"] == stored.administrative_gender.value
        assert patient["name"] == [
            {
                "use": "official",
                "text": stored.full_name,
                "family": stored.family_name,
                "given": stored.given_name.split(),
            }
        ]
        ref_id, *national = patient["identifier"]
        assert ref_id["system"] == f"urn:care-plans:{install}:client-ref"
        assert ref_id["value"] == stored.ref and ref_id["type"]["coding"][0]["code"] == "MR"
        if stored.national_id:
            assert national == [
                {
                    "use": "official",
                    "type": national[0]["type"],
                    "system": NHS,
                    "value": stored.national_id,
                }
            ]
        else:
            assert national == []

        (care_plan,) = kinds["CarePlan"]
        assert {g["reference"] for g in care_plan["goal"]} == {url_of[id(g)] for g in kinds["Goal"]}
        observations = kinds["Observation"]
        for observation in observations:
            (category,) = observation["category"]
            assert category["coding"][0] == {
                "system": OBSERVATION_CATEGORY,
                "code": "survey",
                "display": "Survey",
            }

        # Measures: QuestionnaireResponses with the LOINC forms' linkIds and answer codes, an
        # Observation per item and the total, all derived from the response.
        with db.uow() as uow:
            rows = {
                r.id: r
                for r in uow.session.scalars(
                    select(MeasureResponse).where(MeasureResponse.client_id == client_id)
                )
            }
            uow.session.expunge_all()
        responses = kinds["QuestionnaireResponse"]
        assert len(responses) == len(rows) > 0
        questionnaires = {q["url"] + "|" + q["version"]: q for q in kinds["Questionnaire"]}
        for response in responses:
            form = next(
                f
                for f in loinc_forms.FORMS.values()
                if response["questionnaire"] == f"{f.canonical}|{f.version}"
            )
            shipped = questionnaires[response["questionnaire"]]
            assert shipped["code"][0]["code"] == form.panel[0]
            assert [i["linkId"] for i in shipped["item"]][: len(form.items)] == [
                f"/{code}" for code in form.items
            ]
            row = next(
                r
                for r in rows.values()
                if r.instrument == form.instrument
                and fhir._instant(r.administered_at) == response["authored"]
            )
            assert response["status"] == "completed"
            assert [i["linkId"] for i in response["item"]] == [f"/{c}" for c in form.items]
            assert [i["answer"][0]["valueCoding"]["code"] for i in response["item"]] == [
                loinc_forms.FREQUENCY_ANSWERS[a][0] for a in row.answers
            ]
            derived = [
                o
                for o in observations
                if o.get("derivedFrom") == [{"reference": url_of[id(response)]}]
            ]
            items = [o for o in derived if o["code"]["coding"][0]["code"] in form.items]
            assert [o["code"]["coding"][0]["code"] for o in items] == list(form.items)
            assert [o["valueCodeableConcept"]["coding"][0]["code"] for o in items] == [
                loinc_forms.FREQUENCY_ANSWERS[a][0] for a in row.answers
            ]
            (total,) = coded(derived, TOTAL_CODES[form.instrument])
            assert total["valueInteger"] == row.total == sum(row.answers)
            assert total["code"]["coding"][0]["system"] == LOINC

        # GAS: the levels on each goal, a score per goal per review, a T-score per review.
        plan = read_plans.get_plan(db, CLI, client_id)
        rated = [(g, r) for g in plan.goals for r in g.gas_ratings]
        scores = coded(observations, loinc_forms.GAS_SCORE_CODE[0])
        assert len(scores) == len(rated)
        for goal_view, rating in rated:
            score = next(
                o
                for o in scores
                if o["effectiveDateTime"] == str(rating.rated_on)
                and o["focus"][0]["reference"]
                == next(
                    url_of[id(g)]
                    for g in kinds["Goal"]
                    if g["description"]["text"] == goal_view.description
                )
            )
            assert (
                score["valueCodeableConcept"]["coding"][0]["code"]
                == (loinc_forms.GAS_ANSWERS[rating.score][0])
            )
        days = {r.rated_on for _, r in rated}
        t_scores = coded(observations, "gas-t-score")
        assert len(t_scores) == len(days)
        for t_score in t_scores:
            day = date.fromisoformat(t_score["effectiveDateTime"])
            on_day = [r for _, r in rated if r.rated_on == day]
            expected = measures.gas_t_score(
                [r.score for r in on_day], [float(r.weight) for r in on_day]
            )
            assert t_score["valueQuantity"]["value"] == round(expected, 1)
            assert len(t_score["derivedFrom"]) == len(on_day)
        for goal in kinds["Goal"]:
            levels = goal.get("extension", [])
            view = next(g for g in plan.goals if g.description == goal["description"]["text"])
            assert len(levels) == len([t for t in view.gas_levels.values() if t.strip()])
            for level in levels:
                assert level["url"] == loinc_forms.GAS_EXTENSION
                assert [e["url"] for e in level["extension"]] == ["level", "progressText"]


def test_ids_are_the_installation_s_own(tmp_path: Path) -> None:
    """Two installations (databases made apart) holding the same ref, CP-0001, for different
    people: different ids everywhere; two exports from one installation: the same ids."""
    installs = []
    for name in ("north", "south"):
        engine = make_engine(f"sqlite:///{tmp_path / name}.db")
        init_db(engine)
        database = Database(engine, AUDIT_KEY)
        demo.seed_demo(database, clients=1, days=30, end_date=END)
        installs.append(database)
    north, south = installs
    first, again, other = export(north, 1), export(north, 1), export(south, 1)
    assert first == again  # same data, same time, same installation: identical
    assert first["id"] != other["id"]
    assert not {e["fullUrl"] for e in first["entry"]} & {e["fullUrl"] for e in other["entry"]}
    ours, theirs = by_type(first)["Patient"][0], by_type(other)["Patient"][0]
    assert ours["identifier"][0]["value"] == theirs["identifier"][0]["value"] == "CP-0001"
    assert ours["identifier"][0]["system"] != theirs["identifier"][0]["system"]
    assert ours["identifier"][0]["system"] == f"urn:care-plans:{installation_id(north)}:client-ref"
    assert installation_id(north) == installation_id(north) != installation_id(south)
    patient = next(e for e in first["entry"] if e["resource"]["resourceType"] == "Patient")
    assert patient["fullUrl"] == fhir.full_url(installation_id(north), "Patient", "client", 1)

    # A clinic URI names the identifier systems; the ids stay the installation's.
    settings = Settings.from_env({"CARE_PLANS_CLINIC_URI": "https://fhir.northvale.example/"})
    shown = consent.keys(service.fhir_mentions(north, CLI, 1))
    named = json.loads(
        service.export_fhir(
            north, CLI, 1, generated_at=AT, settings=settings, proceed_with=shown
        ).content
    )
    assert by_type(named)["Patient"][0]["identifier"][0]["system"] == (
        "https://fhir.northvale.example/client-ref"
    )
    practitioner = by_type(named)["Practitioner"][0]
    assert practitioner["identifier"][0]["system"] == "https://fhir.northvale.example/username"
    assert [e["fullUrl"] for e in named["entry"]] == [e["fullUrl"] for e in first["entry"]]
    with pytest.raises(ValueError, match="CARE_PLANS_CLINIC_URI"):
        Settings.from_env({"CARE_PLANS_CLINIC_URI": "fhir northvale"})
    for database in installs:
        database.dispose()


@pytest.fixture
def seeded(sqlite_db: Database) -> Database:
    demo.seed_demo(sqlite_db, clients=2, days=30, end_date=END)
    return sqlite_db


def test_check_ins_entered_in_error_go_out_withdrawn(seeded: Database, tmp_path: Path) -> None:
    before = export(seeded, 2)
    with seeded.uow() as uow:
        checkin_id = uow.session.scalar(
            select(CheckIn.id)
            .join(MeasureResponse, MeasureResponse.checkin_id == CheckIn.id)
            .where(CheckIn.client_id == 2, CheckIn.entered_in_error.is_(False))
            .order_by(CheckIn.id)
            .limit(1)
        )
        response_ids = list(
            uow.session.scalars(
                select(MeasureResponse.id).where(MeasureResponse.checkin_id == checkin_id)
            )
        )
    checkins.mark_entered_in_error(seeded, CLI, checkin_id=checkin_id, reason="wrong client")
    after = export(seeded, 2)
    assert {e["fullUrl"] for e in after["entry"]} == {e["fullUrl"] for e in before["entry"]}
    install = installation_id(seeded)
    withdrawn = {
        fhir.full_url(install, "QuestionnaireResponse", "measure", rid) for rid in response_ids
    }
    withdrawn |= {fhir.full_url(install, "Observation", "measure", rid) for rid in response_ids}
    resources = {e["fullUrl"]: e["resource"] for e in after["entry"]}
    for url in withdrawn:
        resource = resources[url]
        assert resource["status"] == "entered-in-error"
        assert "item" not in resource and "valueInteger" not in resource
    items = [
        r
        for r in resources.values()
        if r["resourceType"] == "Observation"
        and r["status"] == "entered-in-error"
        and r["code"]["coding"][0]["code"] in loinc_forms.FORMS["PHQ-9"].items
    ]
    assert len(items) == 9 and all("valueCodeableConcept" not in o for o in items)
    # The demo's own withdrawn check-in (imported twice) goes out without its ratings.
    with seeded.uow() as uow:
        demo_withdrawn = uow.session.scalar(
            select(CheckIn.id).where(
                CheckIn.client_id == 2, CheckIn.error_reason == "Imported twice"
            )
        )
    ratings = resources[fhir.full_url(install, "Observation", "checkin", demo_withdrawn)]
    assert ratings["status"] == "entered-in-error" and "component" not in ratings
    assert "entered-in-error" in {r["status"] for r in by_type(before)["Observation"]}
    assert_strictly_valid([after], tmp_path)


def record_with(
    db: Database, client_id: int, *extra: export_data.MeasureRecord
) -> export_data.RecordData:
    record = export_data.record_data(db, CLI, client_id, include_unconsented=True)
    return replace(record, measures=record.measures + extra)


def test_a_partial_response_is_in_progress_with_no_total(seeded: Database, tmp_path: Path) -> None:
    """As the safety change will store them: some items unanswered (None), no total; the
    PHQ-9's 10th question answered."""
    row = SimpleNamespace(
        id=9001,
        checkin_id=1,
        instrument="PHQ-9",
        administered_at=datetime(2026, 6, 29, 18, 0, tzinfo=UTC),
        answers=[2, 1, None, 3, None, 0, 1, 2, 0],
        total=None,
        severity="",
        is_partial=True,
        difficulty=1,
    )
    partial = export_data._measure(row, withdrawn=False)  # type: ignore[arg-type]
    assert partial.answers[2] is None and partial.total is None and partial.difficulty == 1
    complete_row = SimpleNamespace(
        **{
            **vars(row),
            "id": 9002,
            "total": 9,
            "is_partial": False,
            "answers": [2, 1, 0, 3, 0, 0, 1, 2, 0],
            "difficulty": 3,
        }
    )
    complete = export_data._measure(complete_row, withdrawn=False)  # type: ignore[arg-type]
    bundle = fhir.client_bundle(record_with(seeded, 1, partial, complete), generated_at=AT)
    assert_strictly_valid([bundle], tmp_path)
    install = installation_id(seeded)
    resources = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    response = resources[fhir.full_url(install, "QuestionnaireResponse", "measure", 9001)]
    form = loinc_forms.FORMS["PHQ-9"]
    assert response["status"] == "in-progress"
    answered = [f"/{form.items[n]}" for n in (0, 1, 3, 5, 6, 7, 8)]
    assert [i["linkId"] for i in response["item"]] == [*answered, "/69722-7"]
    assert response["item"][-1]["answer"][0]["valueCoding"]["code"] == "LA6573-5"
    assert fhir.full_url(install, "Observation", "measure", 9001) not in resources  # no total
    items = [
        r
        for r in resources.values()
        if r.get("derivedFrom")
        == [{"reference": fhir.full_url(install, "QuestionnaireResponse", "measure", 9001)}]
    ]
    assert Counter(o["code"]["coding"][0]["code"] for o in items) == Counter(
        [form.items[n] for n in (0, 1, 3, 5, 6, 7, 8)] + ["69722-7"]
    )
    done = resources[fhir.full_url(install, "QuestionnaireResponse", "measure", 9002)]
    assert (
        done["status"] == "completed"
        and done["item"][-1]["answer"][0]["valueCoding"]["code"] == "LA6574-3"
    )
    assert resources[fhir.full_url(install, "Observation", "measure", 9002)]["valueInteger"] == 9

    # The checks catch a response that claims more than it holds.
    response["status"] = "completed"
    assert any("not every scored item" in p for p in check_bundle(bundle))


def test_gas_goals_scores_and_t_score(sqlite_db: Database, tmp_path: Path) -> None:
    alice = make_user(sqlite_db, "alice", full_name="Alice Example")
    info = make_client(sqlite_db, alice, today=END)
    plan = read_plans.get_plan(sqlite_db, alice, info.id)
    levels = {
        "-2": "Stays in all week",
        "-1": "Out once",
        "0": "Out twice a week",
        "1": "Out three times",
        "2": "Out every day",
    }
    walk = goals.add_goal(
        sqlite_db,
        alice,
        plan.id,
        domain="self-care",
        description="Get outside more",
        gas_levels=levels,
        target_date=date(2026, 9, 1),
    )
    call = goals.add_goal(
        sqlite_db,
        alice,
        plan.id,
        domain="staying connected",
        description="Call a friend weekly",
        gas_levels=levels,
    )
    goals.record_gas_rating(
        sqlite_db, alice, walk.id, score=1, rated_on=date(2026, 6, 1), weight=2, today=END
    )
    goals.record_gas_rating(
        sqlite_db, alice, call.id, score=-1, rated_on=date(2026, 6, 1), today=END
    )
    goals.record_gas_rating(
        sqlite_db, alice, walk.id, score=2, rated_on=date(2026, 6, 20), today=END
    )
    bundle = json.loads(service.export_fhir(sqlite_db, alice, info.id, generated_at=AT).content)
    assert_strictly_valid([bundle], tmp_path)
    kinds = by_type(bundle)
    url_of = {id(e["resource"]): e["fullUrl"] for e in bundle["entry"]}
    goal = next(g for g in kinds["Goal"] if g["description"]["text"] == "Get outside more")
    assert [
        (e["extension"][0]["valueCoding"]["code"], e["extension"][1]["valueString"])
        for e in goal["extension"]
    ] == [
        ("LA34479-8", "Out every day"),
        ("LA34480-6", "Out three times"),
        ("LA34481-4", "Out twice a week"),
        ("LA34483-0", "Out once"),
        ("LA34484-8", "Stays in all week"),
    ]
    assert goal["target"] == [
        {
            "measure": {
                "coding": [
                    {
                        "system": LOINC,
                        "code": "107333-7",
                        "display": "Practitioner follow-up goal attainment scaling score",
                    }
                ]
            },
            "detailCodeableConcept": {
                "coding": [{"system": LOINC, "code": "LA34481-4", "display": "Expected outcome"}]
            },
            "dueDate": "2026-09-01",
        }
    ]
    assert {g["reference"] for g in kinds["CarePlan"][0]["goal"]} == {
        url_of[id(g)] for g in kinds["Goal"]
    }
    scores = coded(kinds["Observation"], "107333-7")
    assert sorted(
        (o["effectiveDateTime"], o["valueCodeableConcept"]["coding"][0]["code"]) for o in scores
    ) == [("2026-06-01", "LA34480-6"), ("2026-06-01", "LA34483-0"), ("2026-06-20", "LA34479-8")]
    t_scores = sorted(
        coded(kinds["Observation"], "gas-t-score"), key=lambda o: o["effectiveDateTime"]
    )
    assert [o["valueQuantity"]["value"] for o in t_scores] == [
        round(measures.gas_t_score([1, -1], [2.0, 1.0]), 1),
        round(measures.gas_t_score([2]), 1),
    ]
    assert t_scores[1]["valueQuantity"]["value"] == 70.0  # one goal at +2: 50 + 10·2/√1
    with sqlite_db.uow() as uow:
        assert uow.session.scalar(select(func.count(GasRating.id))) == 3


def test_text_naming_an_unconsented_contact_is_flagged_before_the_file(
    sqlite_db: Database, tmp_path: Path
) -> None:
    alice = make_user(sqlite_db, "alice", full_name="Alice Example")
    info = make_client(sqlite_db, alice, full_name="Robin Client", today=END)
    contacts.add_contact(
        sqlite_db,
        alice,
        info.id,
        name="Sam Okafor",
        kind="friend",
        phone="+44 7700 900123",
        consent_to_share=False,
        today=clinic_today(),
    )
    contacts.add_contact(
        sqlite_db,
        alice,
        info.id,
        name="Dr Ng",
        kind="professional",
        phone="0161 496 0000",
        consent_to_share=True,
        consent_date=date(2026, 6, 1),
        today=clinic_today(),
    )
    plan = read_plans.get_plan(sqlite_db, alice, info.id)
    plans.update_plan(
        sqlite_db,
        alice,
        plan.id,
        expected_version=plan.version,
        changes={
            "crisis_plan": "Text Sam, or ring 07700 900 123. Then Dr Ng.",
            "what_helps": "Walks with samphire farmers",
        },
    )  # "sam" inside a word is not a name
    with pytest.raises(consent.UnconsentedMentions, match="names Sam Okafor.*No file was made"):
        service.export_fhir(sqlite_db, alice, info.id, generated_at=AT)
    shown = service.fhir_mentions(sqlite_db, alice, info.id)
    assert [(m.field, m.matched, m.contact_name) for m in shown] == [
        ("section:crisis_plan", "name", "Sam Okafor"),
        ("section:crisis_plan", "phone", "Sam Okafor"),
    ]
    assert shown[0].describe() == "Crisis plan names Sam Okafor, who has no consent to share."
    # Covering only some of what was flagged is not enough.
    with pytest.raises(consent.UnconsentedMentions):
        service.export_fhir(
            sqlite_db, alice, info.id, generated_at=AT, proceed_with=consent.keys(shown[:1])
        )
    with pytest.raises(consent.UnconsentedMentions):
        service.export_pdf(sqlite_db, alice, info.id, settings=Settings(), generated_at=AT)
    with sqlite_db.uow() as uow:
        assert (
            uow.session.scalar(
                select(func.count(AuditEvent.id)).where(AuditEvent.action.like("export.%"))
            )
            == 0
        )  # nothing made, nothing audited

    exported = service.export_fhir(
        sqlite_db, alice, info.id, generated_at=AT, proceed_with=consent.keys(shown)
    )
    assert_strictly_valid([json.loads(exported.content)], tmp_path)
    service.export_pdf(
        sqlite_db,
        alice,
        info.id,
        settings=Settings(),
        generated_at=AT,
        proceed_with=consent.keys(
            service.pdf_mentions(sqlite_db, alice, info.id, settings=Settings(), generated_at=AT)
        ),
    )
    with sqlite_db.uow() as uow:
        events = list(
            uow.session.scalars(
                select(AuditEvent).where(AuditEvent.action.like("export.%")).order_by(AuditEvent.id)
            )
        )
        uow.session.expunge_all()
    assert [e.action for e in events] == ["export.fhir", "export.pdf"]
    contact_id = shown[0].contact_id
    for event in events:
        assert event.detail["proceeded_despite_mentions"] is True
        assert event.detail["unconsented_mentions"] == [
            {"contact_id": contact_id, "field": "section:crisis_plan", "matched": "name"},
            {"contact_id": contact_id, "field": "section:crisis_plan", "matched": "phone"},
        ]
        assert "Sam" not in json.dumps(event.detail) and "7700" not in json.dumps(event.detail)
    # Including unconsented contacts (the client asked) needs no second choice.
    assert service.fhir_mentions(sqlite_db, alice, info.id, include_unconsented=True) == []
    clean = service.export_fhir(
        sqlite_db, alice, info.id, generated_at=AT, include_unconsented=True
    )
    with sqlite_db.uow() as uow:
        last = uow.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        uow.session.expunge_all()
    assert last.detail["unconsented_mentions"] == [] and clean.content


def test_demographics_are_checked_and_exported(sqlite_db: Database, tmp_path: Path) -> None:
    alice = make_user(sqlite_db, "alice")
    bad = clients.Demographics(
        administrative_gender="woman", national_id_kind="nhs-number", national_id="943 476 5918"
    )
    with pytest.raises(clients.ValidationError) as refused:
        clients.create_client(
            sqlite_db, alice, ref="CP-0100", full_name="Ada Lovelace", details=bad, today=END
        )
    assert set(refused.value.problems) == {"administrative_gender", "national_id"}
    assert "check digit" in refused.value.problems["national_id"]
    with sqlite_db.uow() as uow:
        assert uow.session.scalar(select(func.count(Client.id))) == 0
    good = clients.Demographics(
        given_name="Ada  Augusta",
        family_name="King",
        administrative_gender="female",
        national_id_kind="nhs-number",
        national_id="943 476 5919",
    )
    info = clients.create_client(
        sqlite_db, alice, ref="CP-0100", full_name="Ada Lovelace", details=good, today=END
    )
    assert (info.given_name, info.national_id, info.administrative_gender) == (
        "Ada Augusta",
        "9434765919",
        "female",
    )
    with pytest.raises(clients.ValidationError, match="Another client already has this NHS"):
        clients.create_client(
            sqlite_db,
            alice,
            ref="CP-0101",
            full_name="Someone Else",
            details=replace(good, national_id="9434765919"),
            today=END,
        )
    bundle = json.loads(service.export_fhir(sqlite_db, alice, info.id, generated_at=AT).content)
    assert_strictly_valid([bundle], tmp_path)
    patient = by_type(bundle)["Patient"][0]
    assert patient["gender"] == "female"
    assert patient["name"] == [
        {"use": "official", "text": "Ada Lovelace", "family": "King", "given": ["Ada", "Augusta"]}
    ]
    assert patient["identifier"][1] == {
        "use": "official",
        "system": NHS,
        "value": "9434765919",
        "type": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                    "code": "NH",
                    "display": "National Health Plan Identifier",
                }
            ]
        },
    }

    # Editing: the gender can go back to unknown and the number be removed; audited by field.
    updated = clients.update_details(
        sqlite_db,
        alice,
        info.id,
        full_name="Ada Lovelace",
        date_of_birth=None,
        details=clients.Demographics(),
        today=END,
    )
    assert (updated.administrative_gender, updated.national_id, updated.given_name) == (
        "unknown",
        None,
        "",
    )
    with sqlite_db.uow() as uow:
        event = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "client.update")
        ).one()
        uow.session.expunge_all()
    assert event.detail == {
        "fields": [
            "administrative_gender",
            "family_name",
            "given_name",
            "national_id",
            "national_id_kind",
        ]
    }
    patient = by_type(
        json.loads(service.export_fhir(sqlite_db, alice, info.id, generated_at=AT).content)
    )["Patient"][0]
    assert patient["gender"] == "unknown" and len(patient["identifier"]) == 1


def test_narrative_text_is_escaped_and_a_new_client_exports(sqlite_db: Database) -> None:
    alice = make_user(sqlite_db, "alice", full_name="Alice Example")
    info = make_client(sqlite_db, alice, full_name="Zoë <Test> & “Co”", today=END)
    plan = read_plans.get_plan(sqlite_db, alice, info.id)
    plans.update_plan(
        sqlite_db,
        alice,
        plan.id,
        expected_version=plan.version,
        changes={"what_helps": "Tea & <b>walks</b>\nand music"},
    )
    bundle = json.loads(service.export_fhir(sqlite_db, alice, info.id, generated_at=AT).content)
    assert check_bundle(bundle) == []
    Bundle.model_validate(bundle)
    div = by_type(bundle)["CarePlan"][0]["text"]["div"]
    assert "Tea &amp; &lt;b&gt;walks&lt;/b&gt;<br/>and music" in div
    assert "Zoë &lt;Test&gt; &amp; “Co”" in div
    assert by_type(bundle)["CarePlan"][0]["status"] == "draft"
    assert "Observation" not in by_type(bundle) and "Questionnaire" not in by_type(bundle)
    assert by_type(bundle)["Patient"][0]["gender"] == "unknown"


def test_check_bundle_names_what_is_wrong(seeded: Database) -> None:
    bundle = export(seeded, 1)
    kinds = by_type(bundle)
    kinds["CarePlan"][0]["status"] = "finished"
    kinds["Goal"][0]["lifecycleStatus"] = "done"
    total = coded(kinds["Observation"], "44261-6")[0]
    total["code"]["coding"][0]["code"] = "12345-6"
    kinds["Observation"][0]["category"][0]["coding"][0]["code"] = "vital-signs"
    kinds["Encounter"][0]["subject"]["reference"] = "urn:uuid:" + str(uuid.uuid4())
    kinds["QuestionnaireResponse"][0]["item"][0]["linkId"] = "1"
    kinds["Patient"][0]["gender"] = "woman"
    problems = " | ".join(check_bundle(bundle))
    for words in (
        "status 'finished'",
        "lifecycleStatus 'done'",
        "12345-6",
        "category is not survey",
        "does not resolve inside the bundle",
        "linkId '1' is not an item of",
        "gender 'woman'",
    ):
        assert words in problems


def test_the_strict_validator_finds_what_is_wrong(seeded: Database, tmp_path: Path) -> None:
    """The second validator is not a rubber stamp: it names broken invariants, codes outside
    required value sets, missing required elements and references to the wrong type."""
    bundle = export(seeded, 2)
    kinds = by_type(bundle)
    kinds["Patient"][0]["gender"] = "woman"
    total = coded(kinds["Observation"], "44261-6")[0]
    total["dataAbsentReason"] = {"text": "not asked"}  # obs-6: not with a value
    kinds["CarePlan"][0]["intent"] = "wish"
    del kinds["QuestionnaireResponse"][0]["item"][0]["linkId"]
    kinds["Goal"][0]["subject"] = {
        "reference": next(
            e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Encounter"
        )
    }
    report = strict_report([bundle], tmp_path)
    found = " | ".join(f"{e['message']} {e.get('path')}" for e in report["errors"])
    assert report["exit_code"] == 1
    for words in (
        "code 'woman' is not in http://hl7.org/fhir/ValueSet/administrative-gender",
        "Constraint obs-6 not met",
        "code 'wish' is not in",
        "Missing required property",
        "reference to a Encounter",
    ):
        assert words in found, found


def test_the_export_is_audited_and_refused_without_access(seeded: Database) -> None:
    stranger = make_user(seeded, "stranger")
    with pytest.raises(Exception, match="access"):
        service.export_fhir(seeded, stranger, 2, generated_at=AT)
    exported = service.export_fhir(seeded, CLI, 2, generated_at=AT)
    with seeded.uow() as uow:
        events = [
            (e.action, e.client_id, e.detail["entries"])
            for e in uow.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "export.fhir")
            )
        ]
    assert events == [("export.fhir", 2, len(json.loads(exported.content)["entry"]))]
    assert exported.file_name == "CP-0002-fhir-r4.json"
    record = export_data.record_data(seeded, CLI, 2)
    assert fhir.client_bundle(record, generated_at=AT) == json.loads(exported.content)
