"""Editors, their API tokens and browser sessions, and the brake on password guessing.

Passwords are hashed with argon2id (pwdlib's recommended hasher) and never stored or
logged in clear. Tokens and session ids are 256 random bits shown once; only their
SHA-256 is stored, so a copy of the database signs nobody in.
"""

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from pwdlib import PasswordHash
from sqlmodel import Session, col, select

from app.models import ApiToken, Editor, EditorSession, LoginFailure, utcnow

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
PASSWORD_MIN_CHARS = 10
PASSWORD_MAX_CHARS = 1024  # argon2 hashes any length: the cap only bounds the work
TOKEN_PREFIX = "tlt_"


class AccountError(ValueError):
    """A refused account operation, with the reason to show."""


@lru_cache
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


@lru_cache
def _dummy_hash() -> str:
    # Checked against when the name is unknown, so that a wrong name and a wrong
    # password take the same time (no telling which names exist).
    return _hasher().hash(secrets.token_hex(16))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def check_name(name: str) -> str:
    if not NAME_RE.match(name):
        raise AccountError(
            "an editor name is 1 to 80 letters, digits, '.', '_' or '-', starting with a "
            "letter or digit"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < PASSWORD_MIN_CHARS:
        raise AccountError(f"the password is too short: at least {PASSWORD_MIN_CHARS} characters")
    if len(password) > PASSWORD_MAX_CHARS:
        raise AccountError(f"the password is too long: at most {PASSWORD_MAX_CHARS} characters")
    return password


def find_editor(session: Session, name: str) -> Editor | None:
    return session.exec(select(Editor).where(Editor.name == name)).first()


def active_editor(session: Session, name: str) -> Editor:
    editor = find_editor(session, name)
    if editor is None:
        raise AccountError(f"no editor is named {name!r}")
    if editor.removed_at is not None:
        raise AccountError(f"the editor {name!r} was removed on {editor.removed_at:%Y-%m-%d}")
    return editor


def add_editor(session: Session, name: str, password: str) -> Editor:
    check_name(name)
    check_password(password)
    known = find_editor(session, name)
    if known is not None:
        if known.removed_at is not None:
            raise AccountError(
                f"an editor named {name!r} existed (removed on {known.removed_at:%Y-%m-%d}): "
                "the audit log keeps that name for their actions, choose another"
            )
        raise AccountError(f"an editor named {name!r} already exists")
    editor = Editor(name=name, password_hash=_hasher().hash(password))
    session.add(editor)
    session.flush()
    return editor


def remove_editor(session: Session, name: str) -> Editor:
    """The editor can no longer sign in or use a token; their actions stay attributed."""
    editor = active_editor(session, name)
    now = utcnow()
    editor.removed_at = now
    session.exec(sa.delete(EditorSession).where(col(EditorSession.editor_id) == editor.id))
    session.exec(
        sa.update(ApiToken)
        .where(col(ApiToken.editor_id) == editor.id, col(ApiToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    session.add(editor)
    session.flush()
    return editor


@dataclass(frozen=True)
class EditorInfo:
    name: str
    created_at: dt.datetime
    removed_at: dt.datetime | None
    tokens: int  # not revoked
    sessions: int  # not expired


def list_editors(session: Session) -> list[EditorInfo]:
    now = utcnow()
    tokens = dict(
        session.exec(
            select(ApiToken.editor_id, sa.func.count())
            .where(col(ApiToken.revoked_at).is_(None))
            .group_by(col(ApiToken.editor_id))
        ).all()
    )
    sessions = dict(
        session.exec(
            select(EditorSession.editor_id, sa.func.count())
            .where(col(EditorSession.expires_at) > now)
            .group_by(col(EditorSession.editor_id))
        ).all()
    )
    return [
        EditorInfo(
            e.name, e.created_at, e.removed_at, tokens.get(e.id or 0, 0), sessions.get(e.id or 0, 0)
        )
        for e in session.exec(select(Editor).order_by(col(Editor.name)))
    ]


def authenticate(session: Session, name: str, password: str) -> Editor | None:
    """The editor when the name and password match an active account."""
    editor = find_editor(session, name) if NAME_RE.match(name) else None
    if editor is None or editor.removed_at is not None:
        _hasher().verify(password[:PASSWORD_MAX_CHARS], _dummy_hash())
        return None
    if len(password) > PASSWORD_MAX_CHARS:
        return None
    valid, updated = _hasher().verify_and_update(password, editor.password_hash)
    if not valid:
        return None
    if updated is not None:  # the recommended parameters changed since it was hashed
        editor.password_hash = updated
        session.add(editor)
    return editor


# --- API tokens ------------------------------------------------------------------------


def create_token(session: Session, name: str, label: str | None = None) -> tuple[ApiToken, str]:
    """A new token for the editor: the row, and the token itself (shown once)."""
    editor = active_editor(session, name)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    assert editor.id is not None
    row = ApiToken(
        editor_id=editor.id, token_hash=digest(token), prefix=token[:12], label=label or None
    )
    session.add(row)
    session.flush()
    return row, token


def revoke_token(session: Session, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise AccountError(f"no token has the id {token_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        session.flush()
    return row


def list_tokens(session: Session, name: str | None = None) -> list[tuple[ApiToken, str]]:
    query = select(ApiToken, Editor.name).where(col(ApiToken.editor_id) == col(Editor.id))
    if name is not None:
        query = query.where(Editor.name == name)
    return list(session.exec(query.order_by(col(ApiToken.id))).all())


def editor_for_token(session: Session, token: str) -> Editor | None:
    """The active editor a valid, unrevoked token belongs to (its use is noted)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == digest(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    editor = session.get(Editor, row.editor_id)
    if editor is None or editor.removed_at is not None:
        return None
    row.last_used_at = utcnow()
    session.add(row)
    return editor


# --- browser sessions ------------------------------------------------------------------


def start_session(session: Session, editor: Editor, lifetime: dt.timedelta) -> tuple[str, str]:
    """A new session (a fresh id at every sign-in: no fixation). Returns the cookie value
    and the session's CSRF token."""
    cookie = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = utcnow()
    assert editor.id is not None
    session.add(
        EditorSession(
            id_hash=digest(cookie),
            editor_id=editor.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    # Expired sessions of anyone go now: the table holds only live ones.
    session.exec(sa.delete(EditorSession).where(col(EditorSession.expires_at) <= now))
    session.flush()
    return cookie, csrf


def session_editor(session: Session, cookie: str) -> tuple[Editor, EditorSession] | None:
    if not cookie or len(cookie) > 200:
        return None
    row = session.get(EditorSession, digest(cookie))
    if row is None or _aware(row.expires_at) <= utcnow():
        return None
    editor = session.get(Editor, row.editor_id)
    if editor is None or editor.removed_at is not None:
        return None
    return editor, row


def end_session(session: Session, cookie: str) -> None:
    if cookie and len(cookie) <= 200:
        session.exec(sa.delete(EditorSession).where(col(EditorSession.id_hash) == digest(cookie)))


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


# --- the brake on password guessing -------------------------------------------------------


@dataclass(frozen=True)
class LoginLimits:
    window: dt.timedelta
    per_name: int
    per_client: int


def login_wait(session: Session, name: str, client: str, limits: LoginLimits) -> int:
    """Seconds before this name or client may try again (0: it may try now)."""
    since = utcnow() - limits.window
    waits = []
    for column, value, limit in (
        (LoginFailure.name, name[:80], limits.per_name),
        (LoginFailure.client, client[:64], limits.per_client),
    ):
        times = session.exec(
            select(LoginFailure.at)
            .where(column == value, col(LoginFailure.at) > since)
            .order_by(col(LoginFailure.at).desc())
            .limit(limit)
        ).all()
        if len(times) >= limit:
            # Free again when the oldest of the last `limit` failures leaves the window.
            oldest = _aware(times[-1])
            waits.append(max(1, int((oldest + limits.window - utcnow()).total_seconds()) + 1))
    return max(waits, default=0)


def record_failure(session: Session, name: str, client: str, limits: LoginLimits) -> None:
    now = utcnow()
    session.exec(sa.delete(LoginFailure).where(col(LoginFailure.at) <= now - limits.window))
    session.add(LoginFailure(name=name[:80], client=client[:64], at=now))
    session.flush()


def clear_failures(session: Session, name: str) -> None:
    session.exec(sa.delete(LoginFailure).where(col(LoginFailure.name) == name))
