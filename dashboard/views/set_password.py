"""Set a password through a one-time link an administrator issued (no sign-in needed)."""

from __future__ import annotations

import streamlit as st

from care_plans.errors import ValidationError
from care_plans.passwords import MAX_LENGTH, MIN_LENGTH
from care_plans.services import users
from dashboard import deps

token = st.query_params.get("set_password", "")
db = deps.database()
st.title("Set your password")
if st.session_state.get("password_set_for"):
    st.success("Your password is set. You can now sign in.")
    st.link_button("Go to sign-in", deps.settings().base_url)
    st.stop()
username = users.password_link_user(db, token)
if username is None:
    st.warning("This link has expired or was already used. Ask an administrator for a new one.")
    st.stop()
st.write(f"Choose a password for **{username}**.")
st.caption(
    f"Use {MIN_LENGTH}–{MAX_LENGTH} characters. A few unrelated words work well; "
    "it must not contain your username."
)
with st.form("set_password"):
    first = st.text_input("New password", type="password")
    second = st.text_input("Repeat the new password", type="password")
    submitted = st.form_submit_button("Set password")
if submitted:
    if first != second:
        st.error("The two passwords differ. Nothing was changed.")
    else:
        try:
            users.use_password_link(db, token, first)
        except ValidationError as exc:
            st.error(" ".join(exc.problems.values()))
        else:
            st.session_state["password_set_for"] = username
            st.rerun()
