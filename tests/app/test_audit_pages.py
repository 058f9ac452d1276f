"""The audit trail in the app: a client's record opened is audited once per sign-in (not per
rerun); administrators see, filter and export the trail, with formula cells neutralised."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from care_plans.models import AuditEvent
from care_plans.read import audit_trail
from tests.app.helpers import new_app, sign_in
from tests.factories import TEST_PASSWORD, clinic_today, make_client, make_user


def views(db) -> list[tuple[int | None, int | None]]:
    with db.uow() as uow:
        return [
            (e.client_id, e.entity_id)
            for e in uow.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "client.view")
                .order_by(AuditEvent.seq)
            )
        ]


def test_opening_a_record_is_audited_once_per_sign_in(app_db):
    alex = make_user(app_db, "alex")
    first = make_client(app_db, alex, ref="CP-0001", today=clinic_today())
    second = make_client(app_db, alex, ref="CP-0002", today=clinic_today())
    at = sign_in(new_app(), "alex", TEST_PASSWORD)
    at.query_params["client"] = "CP-0001"
    at.switch_page("views/client.py").run()
    assert not at.exception
    at.run()
    at.run()  # reruns (every click is one) add nothing
    assert [c for c, _ in views(app_db)] == [first.id]
    at.query_params["client"] = "CP-0002"
    at.switch_page("views/review.py").run()
    at.query_params["client"] = "CP-0001"
    at.switch_page("views/review.py").run()
    assert [c for c, _ in views(app_db)] == [first.id, second.id]
    signin_ids = {s for _, s in views(app_db)}
    assert len(signin_ids) == 1 and None not in signin_ids

    # A new sign-in is a new visit: the first view is audited again.
    again = sign_in(new_app(), "alex", TEST_PASSWORD)
    again.query_params["client"] = "CP-0001"
    again.switch_page("views/client.py").run()
    assert [c for c, _ in views(app_db)] == [first.id, second.id, first.id]


def test_a_record_refused_is_not_audited_as_viewed(app_db):
    alex, sam = make_user(app_db, "alex"), make_user(app_db, "sam")
    make_client(app_db, sam, ref="CP-0009", today=clinic_today())
    at = sign_in(new_app(), "alex", TEST_PASSWORD)
    at.query_params["client"] = "CP-0009"
    at.switch_page("views/client.py").run()
    assert "No client with this ref in your caseload." in [w.value for w in at.warning]
    assert views(app_db) == []
    assert alex.username == "alex"


def test_admin_filters_the_trail_and_exports_neutralised_csv(app_db):
    alex = make_user(app_db, "alex")
    make_user(app_db, "root.admin", role="admin")
    make_client(app_db, alex, ref="CP-0001", today=clinic_today())
    make_client(app_db, alex, ref="CP-0002", today=clinic_today())
    at = sign_in(new_app(), "root.admin", TEST_PASSWORD)
    assert not at.exception
    at.selectbox(key="audit_action").select("client.create").run()
    table = at.dataframe[-1].value
    assert set(table["Action"]) == {"client.create"}
    assert sorted(table["Client ref"]) == ["CP-0001", "CP-0002"]
    at.text_input(key="audit_ref").input("cp-0002").run()
    table = at.dataframe[-1].value
    assert list(table["Client ref"]) == ["CP-0002"]
    at.selectbox(key="audit_action").select("").run()
    at.text_input(key="audit_ref").input("").run()
    at.selectbox(key="audit_user").select("root.admin").run()
    table = at.dataframe[-1].value
    assert set(table["User"]) == {"root.admin"} and "signin" in set(table["Action"])


def test_trail_csv_neutralises_formula_cells(sqlite_db):
    from zoneinfo import ZoneInfo

    from care_plans import audit
    from care_plans.access import Actor

    admin = make_user(sqlite_db, "root.admin", role="admin")
    with sqlite_db.uow() as uow:
        for address in ('=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "10.0.0.1"):
            audit.record(uow.session, Actor.cli(), "signin.failed", "user", source_address=address)
        uow.commit()
    data = audit_trail.export_csv(
        sqlite_db,
        admin,
        audit_trail.AuditFilter(action="signin.failed"),
        tz=ZoneInfo("Europe/London"),
    ).decode()
    rows = list(csv.DictReader(io.StringIO(data)))
    assert sorted(r["source_address"] for r in rows) == sorted(
        ['\'=HYPERLINK("http://x")', "'+1", "'-2+3", "'@SUM(A1)", "10.0.0.1"]
    )
    with sqlite_db.uow() as uow:
        actor, detail = uow.session.execute(
            select(AuditEvent.actor, AuditEvent.detail).where(AuditEvent.action == "audit.export")
        ).one()
    assert detail["rows"] == 5 and actor == "root.admin"
