"""Sign-in through the real form, lockout, role-dependent pages, and the admin page (AppTest)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from care_plans.models import AuditEvent, SigninSession, User
from care_plans.services import users
from tests.app.helpers import new_app, sign_in
from tests.factories import TEST_PASSWORD, clinic_today, make_client, make_user

REFUSED = "Sign-in failed: the username or password is wrong"


def audit_actions(db) -> list[str]:
    with db.uow() as uow:
        return list(uow.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_signed_out_visitor_sees_only_the_form(app_db):
    alice = make_user(app_db, "alice")
    make_client(app_db, alice, full_name="Hidden Person", today=clinic_today())
    at = new_app().run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert "Hidden Person" not in str(at)
    assert not at.dataframe


def test_sign_in_through_the_real_form_opens_the_caseload(app_db):
    alice = make_user(app_db, "alice", full_name="Alice Example")
    make_client(app_db, alice, ref="CP-0042", full_name="Zoë Example", today=clinic_today())
    at = sign_in(new_app(), "alice", TEST_PASSWORD)
    assert not at.exception
    assert [t.value for t in at.title] == ["Caseload"]
    assert "CP-0042" in at.dataframe[0].value["Ref"].tolist()
    assert "Alice Example" in [m.value.strip("*") for m in at.sidebar.markdown]
    assert at.sidebar.button(key="sign_out")
    with app_db.uow() as uow:
        assert len(uow.session.scalars(select(SigninSession)).all()) == 1
    assert "signin" in audit_actions(app_db)


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(app_db):
    make_user(app_db, "alice")
    at = new_app().run()
    at.text_input[0].input("alice")
    at.text_input[1].input("not the password at all")
    at.button[0].click().run()
    assert not at.exception
    assert REFUSED in at.error[0].value
    unknown = new_app().run()
    unknown.text_input[0].input("nobody")
    unknown.text_input[1].input("not the password at all")
    unknown.button[0].click().run()
    assert unknown.error[0].value == at.error[0].value
    assert audit_actions(app_db)[-2:] == ["signin.failed", "signin.failed"]
    assert not at.title or at.title[0].value != "Caseload"


def test_a_locked_account_stays_locked_with_the_right_password(app_db):
    make_user(app_db, "alice")
    at = new_app().run()
    for _ in range(5):
        at.text_input[0].input("alice")
        at.text_input[1].input("wrong password again")
        at.button[0].click().run()
    at.text_input[0].input("alice")
    at.text_input[1].input(TEST_PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert REFUSED in at.error[0].value
    assert "signin.locked" in audit_actions(app_db)
    assert "signin" not in audit_actions(app_db)
    with app_db.uow() as uow:
        assert uow.session.scalars(select(User.locked_until)).one() is not None


def test_clinician_navigation_has_no_admin_page(app_db):
    make_user(app_db, "alice")
    at = sign_in(new_app(), "alice", TEST_PASSWORD)
    with pytest.raises(ValueError, match=r"Known pages: \[[^\]]*caseload.py'[^\]]*\]") as info:
        at.switch_page("views/admin.py")
    assert "admin.py'" not in str(info.value).split("Known pages:")[1]


def test_admin_sees_accounts_not_clinical_pages(app_db):
    make_user(app_db, "ada", "admin", full_name="Ada Admin")
    alice = make_user(app_db, "alice")
    make_client(app_db, alice, ref="CP-0007", full_name="Quiet Client", today=clinic_today())
    at = sign_in(new_app(), "ada", TEST_PASSWORD)
    assert not at.exception
    assert [t.value for t in at.title] == ["Accounts and assignments"]
    assert set(at.dataframe[0].value["Username"]) == {"ada", "alice"}
    # besides the accounts page only the "not for your role" pages, which are not files
    with pytest.raises(
        ValueError,
        match=r"Known pages: \['[^,]*admin.py', 'client', 'review', "
        r"'outcomes'\]",
    ):
        at.switch_page("views/caseload.py")
    assert "Quiet Client" in str(at.dataframe[1].value["Name"].tolist())  # assignments only


def test_admin_creates_an_account_and_issues_a_one_time_link(app_db):
    make_user(app_db, "ada", "admin")
    at = sign_in(new_app(), "ada", TEST_PASSWORD)
    form_inputs = [t for t in at.text_input if t.label in ("Username", "Full name")]
    form_inputs[0].input("new.clinician")
    form_inputs[1].input("New Clinician")
    at.button(key="FormSubmitter:new_account-Create account").click().run()
    assert not at.exception
    assert "Created new.clinician" in at.success[0].value
    at.selectbox(key="manage_user").set_value("new.clinician").run()
    at.button(key="issue_link").click().run()
    link = at.code[0].value
    assert "?set_password=" in link
    token = link.split("set_password=")[1]
    assert users.password_link_user(app_db, token) == "new.clinician"
    assert "user.create" in audit_actions(app_db)
    assert "user.password_link" in audit_actions(app_db)


def test_admin_deactivates_and_changes_roles(app_db):
    make_user(app_db, "ada", "admin")
    make_user(app_db, "alice")
    at = sign_in(new_app(), "ada", TEST_PASSWORD)
    at.selectbox(key="manage_user").set_value("alice").run()
    at.button(key="toggle_active").click().run()
    assert not at.exception and "inactive" in at.success[0].value
    at.selectbox(key="manage_user").set_value("alice").run()
    at.selectbox(key="new_role").set_value("supervisor").run()
    at.button(key="change_role").click().run()
    assert "now a supervisor" in at.success[0].value
    with app_db.uow() as uow:
        alice = uow.session.scalars(select(User).where(User.username == "alice")).one()
        assert (alice.is_active, alice.role.value) == (False, "supervisor")


def test_deactivated_user_is_signed_out_on_their_next_click(app_db):
    admin = make_user(app_db, "ada", "admin")
    make_user(app_db, "alice")
    at = sign_in(new_app(), "alice", TEST_PASSWORD)
    assert [t.value for t in at.title] == ["Caseload"]
    users.set_active(app_db, admin, username="alice", active=False)
    at.run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert "signed out" in at.warning[0].value


def test_sign_out_ends_the_server_session(app_db):
    make_user(app_db, "alice")
    at = sign_in(new_app(), "alice", TEST_PASSWORD)
    at.sidebar.button(key="sign_out").click().run()
    assert not at.exception
    with app_db.uow() as uow:
        row = uow.session.scalars(select(SigninSession)).one()
        assert row.ended_at is not None and row.ended_reason == "sign-out"
    at.run()
    assert [t.label for t in at.text_input] == ["Username", "Password"]


def test_set_password_link_page_works_once(app_db):
    admin = make_user(app_db, "ada", "admin")
    make_user(app_db, "newbie", password=None)
    token = users.issue_password_link(app_db, admin, username="newbie")
    at = new_app()
    at.query_params["set_password"] = token
    at.run()
    assert not at.exception and at.title[0].value == "Set your password"
    at.text_input[0].input("short")
    at.text_input[1].input("short")
    at.button[0].click().run()
    assert "at least 12 characters" in at.error[0].value
    at.text_input[0].input("my own long passphrase")
    at.text_input[1].input("my own long passphrase")
    at.button[0].click().run()
    assert not at.exception and "password is set" in at.success[0].value
    again = new_app()
    again.query_params["set_password"] = token
    again.run()
    assert "expired or was already used" in again.warning[0].value
