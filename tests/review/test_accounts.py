"""Editors, API tokens, sessions and the brake on password guessing."""

import datetime as dt

import pytest
from sqlmodel import Session, select

from app.models import ApiToken, Editor, EditorSession, LoginFailure
from app.review import accounts

PASSWORD = "correct horse battery"
LIMITS = accounts.LoginLimits(window=dt.timedelta(minutes=15), per_name=3, per_client=5)


def test_a_password_is_stored_as_an_argon2id_hash_only(session: Session) -> None:
    accounts.add_editor(session, "ana", PASSWORD)
    editor = session.exec(select(Editor)).one()
    assert editor.password_hash.startswith("$argon2id$")
    assert PASSWORD not in editor.password_hash


def test_the_right_password_signs_in_and_a_wrong_one_does_not(session: Session) -> None:
    accounts.add_editor(session, "ana", PASSWORD)
    assert accounts.authenticate(session, "ana", PASSWORD) is not None
    assert accounts.authenticate(session, "ana", PASSWORD + "!") is None
    assert accounts.authenticate(session, "nobody", PASSWORD) is None


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [
        ("ana", "short", "the password is too short: at least 10 characters"),
        ("ana lee", PASSWORD, "an editor name is 1 to 80 letters"),
        ("-ana", PASSWORD, "an editor name is 1 to 80 letters"),
    ],
)
def test_bad_names_and_passwords_are_refused(
    session: Session, name: str, password: str, message: str
) -> None:
    with pytest.raises(accounts.AccountError, match=message):
        accounts.add_editor(session, name, password)


def test_a_name_is_never_given_twice_even_after_removal(session: Session) -> None:
    accounts.add_editor(session, "ana", PASSWORD)
    with pytest.raises(accounts.AccountError, match="an editor named 'ana' already exists"):
        accounts.add_editor(session, "ana", PASSWORD)
    accounts.remove_editor(session, "ana")
    with pytest.raises(accounts.AccountError, match="existed \\(removed on"):
        accounts.add_editor(session, "ana", PASSWORD)


def test_a_token_is_stored_hashed_and_names_its_editor(session: Session) -> None:
    accounts.add_editor(session, "ana", PASSWORD)
    _, token = accounts.create_token(session, "ana", "nightly script")
    stored = session.exec(select(ApiToken)).one()
    assert token.startswith("tlt_") and len(token) == 47
    assert stored.token_hash == accounts.digest(token) and token not in stored.token_hash
    assert stored.prefix == token[:12]
    editor = accounts.editor_for_token(session, token)
    assert editor is not None and editor.name == "ana"
    assert stored.last_used_at is not None


def test_a_revoked_or_forged_token_names_nobody(session: Session) -> None:
    accounts.add_editor(session, "ana", PASSWORD)
    row, token = accounts.create_token(session, "ana")
    assert (
        accounts.editor_for_token(session, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    )
    assert row.id is not None
    accounts.revoke_token(session, row.id)
    assert accounts.editor_for_token(session, token) is None


def test_removing_an_editor_ends_their_sessions_and_tokens(session: Session) -> None:
    editor = accounts.add_editor(session, "ana", PASSWORD)
    _, token = accounts.create_token(session, "ana")
    cookie, _ = accounts.start_session(session, editor, dt.timedelta(hours=1))
    accounts.remove_editor(session, "ana")
    assert accounts.editor_for_token(session, token) is None
    assert accounts.session_editor(session, cookie) is None
    assert session.exec(select(EditorSession)).all() == []
    assert accounts.authenticate(session, "ana", PASSWORD) is None


def test_a_session_is_found_by_its_cookie_and_expires(session: Session) -> None:
    editor = accounts.add_editor(session, "ana", PASSWORD)
    cookie, csrf = accounts.start_session(session, editor, dt.timedelta(hours=1))
    found = accounts.session_editor(session, cookie)
    assert found is not None and found[0].name == "ana" and found[1].csrf_token == csrf
    assert session.exec(select(EditorSession.id_hash)).one() == accounts.digest(cookie)
    expired, _ = accounts.start_session(session, editor, dt.timedelta(seconds=-1))
    assert accounts.session_editor(session, expired) is None


def test_failures_past_the_limit_make_the_name_wait(session: Session) -> None:
    for _ in range(3):
        assert accounts.login_wait(session, "ana", "10.0.0.1", LIMITS) == 0
        accounts.record_failure(session, "ana", "10.0.0.1", LIMITS)
    wait = accounts.login_wait(session, "ana", "10.0.0.2", LIMITS)
    assert 890 <= wait <= 901
    assert accounts.login_wait(session, "bob", "10.0.0.2", LIMITS) == 0


def test_failures_past_the_limit_make_the_client_wait(session: Session) -> None:
    for name in ("a1", "a2", "a3", "a4", "a5"):
        accounts.record_failure(session, name, "10.0.0.1", LIMITS)
    assert accounts.login_wait(session, "a6", "10.0.0.1", LIMITS) > 0
    assert accounts.login_wait(session, "a6", "10.0.0.9", LIMITS) == 0


def test_old_failures_are_forgotten(session: Session) -> None:
    old = accounts.utcnow() - dt.timedelta(minutes=20)
    for _ in range(3):
        session.add(LoginFailure(name="ana", client="10.0.0.1", at=old))
    session.flush()
    assert accounts.login_wait(session, "ana", "10.0.0.1", LIMITS) == 0
    accounts.record_failure(session, "ana", "10.0.0.1", LIMITS)
    assert len(session.exec(select(LoginFailure)).all()) == 1
