"""The Export tab of the client page and the batch export on the caseload page (AppTest): the
download buttons are there, they make nothing until clicked (deferred, so no audit event on
opening the page), a period that ends before it starts is refused, and the zip of several
clients is made with a progress bar and offered for download."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from care_plans.db import Database
from care_plans.models import AuditEvent
from tests.app.helpers import new_app, open_tab, sign_in
from tests.factories import TEST_PASSWORD, clinic_today, make_client, make_user


def export_events(db: Database) -> list[tuple[str, int | None]]:
    with db.uow() as uow:
        return [
            (e.action, e.client_id)
            for e in uow.session.scalars(
                select(AuditEvent).where(AuditEvent.action.like("export.%")).order_by(AuditEvent.id)
            )
        ]


def open_client(ref: str) -> AppTest:
    at = sign_in(new_app(), "alice", TEST_PASSWORD)
    at.query_params["client"] = ref
    at.switch_page("views/client.py").run()
    return open_tab(at, "Export")


def test_the_export_tab_offers_three_deferred_downloads(app_db) -> None:
    alice = make_user(app_db, "alice")
    info = make_client(app_db, alice, "CP-0001", "Zoë Export", today=clinic_today())
    at = open_client("CP-0001")
    assert not at.exception
    assert "Export" in [t.label for t in at.tabs]
    buttons = {b.key: b for b in at.get("download_button")}
    assert {f"export:{kind}:{info.id}" for kind in ("summary", "crisis", "fhir")} <= set(buttons)
    labels = {b.proto.label for b in buttons.values()}
    assert {
        "Download session summary (PDF)",
        "Download crisis-plan page (PDF)",
        "Download FHIR bundle (JSON)",
    } <= labels
    for button in buttons.values():
        assert button.proto.deferred_file_id  # made on the click, not on every page run
        assert not button.proto.disabled
    assert export_events(app_db) == []
    at.checkbox(key=f"export:client_copy:{info.id}").check().run()
    at.checkbox(key=f"export:unconsented:{info.id}").check().run()
    assert not at.exception
    assert any("have not consented to sharing" in w.value for w in at.warning)


def test_a_period_ending_before_it_starts_disables_the_summary(app_db) -> None:
    alice = make_user(app_db, "alice")
    info = make_client(app_db, alice, "CP-0001", "Zoë Export", today=clinic_today())
    at = open_client("CP-0001")
    until = at.date_input(key=f"export:until:{info.id}").value
    at.date_input(key=f"export:since:{info.id}").set_value(until).run()
    at.date_input(key=f"export:until:{info.id}").set_value(until - timedelta(days=1)).run()
    assert not at.exception
    assert "Choose a period that starts on or before the day it ends." in [
        e.value for e in at.error
    ]
    summary = next(b for b in at.get("download_button") if b.key == f"export:summary:{info.id}")
    assert summary.proto.disabled


def test_the_caseload_page_makes_a_zip_of_several_clients(app_db) -> None:
    alice = make_user(app_db, "alice")
    first = make_client(app_db, alice, "CP-0001", "Ann One", today=clinic_today())
    second = make_client(app_db, alice, "CP-0002", "Ben Two", today=clinic_today())
    at = sign_in(new_app(), "alice", TEST_PASSWORD)
    assert not at.exception
    assert at.button(key="export:batch:make").disabled
    at.multiselect(key="export:batch:clients").select(first.id).select(second.id).run()
    at.button(key="export:batch:make").click().run()
    assert not at.exception
    download = next(b for b in at.get("download_button") if b.key == "export:batch:download")
    assert download.proto.label == "Download 2 summaries (zip)"
    assert export_events(app_db) == [("export.pdf", first.id), ("export.pdf", second.id)]
