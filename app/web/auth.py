"""Who is writing: editors signed in on the desk (session cookie + CSRF token), or
scripts with an API token (Authorization: Bearer). Anonymous visitors only read.

- The session cookie is HttpOnly, SameSite=Lax, limited to /review, and Secure when
  the request came over HTTPS (or COOKIE_SECURE says so). A sign-in always starts a
  new session (a cookie planted before it is worthless).
- Every desk form carries the session's CSRF token; a POST whose token is missing or
  wrong, or whose Origin is another site, is refused (403) before anything is read.
- The sign-in form has its own CSRF token: an HMAC, under SECRET_KEY, of a random
  cookie set with the form.
"""

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import HTTPException, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.config import get_settings, secret_key
from app.models import Editor, EditorSession
from app.review import accounts

SESSION_COOKIE = "timeline_session"
LOGIN_COOKIE = "timeline_login"
COOKIE_PATH = "/review"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class SignedIn:
    editor: Editor
    session: EditorSession

    @property
    def csrf(self) -> str:
        return self.session.csrf_token


def _secure(request: Request) -> bool:
    configured = get_settings().cookie_secure
    return request.url.scheme == "https" if configured is None else configured


def login_limits() -> accounts.LoginLimits:
    settings = get_settings()
    return accounts.LoginLimits(
        window=dt.timedelta(minutes=settings.login_window_minutes),
        per_name=settings.login_failures_per_name,
        per_client=settings.login_failures_per_client,
    )


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def signed_in(request: Request, session: Session) -> SignedIn | None:
    found = accounts.session_editor(session, request.cookies.get(SESSION_COOKIE, ""))
    return SignedIn(*found) if found else None


def set_session_cookie(request: Request, response: Response, cookie: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(get_settings().session_hours * 3600),
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax", secure=_secure(request)
    )


def same_origin(request: Request) -> bool:
    """No Origin header (old browsers, scripts), or this site's own."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    own = f"{request.url.scheme}://{request.url.netloc}"
    return origin == own


def check_csrf(request: Request, expected: str, given: str | None) -> None:
    if not same_origin(request):
        raise HTTPException(403, "Refused: this form was sent from another site.")
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(
            403,
            "Refused: the form's security token is missing or wrong. Reload the page and try again.",
        )


# --- the sign-in form's own token --------------------------------------------------------


def login_nonce(request: Request) -> tuple[str, bool]:
    """The sign-in cookie's nonce, and whether it is new (to be set on the response)."""
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if 20 <= len(nonce) <= 100:
        return nonce, False
    return secrets.token_urlsafe(32), True


def login_token(nonce: str) -> str:
    key = secret_key(get_settings())
    return hmac.new(key, b"sign-in:" + nonce.encode(), hashlib.sha256).hexdigest()


def set_login_cookie(request: Request, response: Response, nonce: str) -> None:
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )


def check_login_csrf(request: Request, given: str | None) -> None:
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    check_csrf(request, login_token(nonce) if nonce else secrets.token_hex(32), given)


# --- scripts -----------------------------------------------------------------------------


def bearer_editor(request: Request, session: Session) -> Editor:
    """The editor a valid API token acts for, else 401 (no token or a bad one)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    editor = (
        accounts.editor_for_token(session, token.strip()) if scheme.lower() == "bearer" else None
    )
    if editor is None:
        message = (
            "An API token is required: Authorization: Bearer TOKEN (timeline token create NAME)."
            if not header
            else "The API token is not valid (unknown, revoked, or its editor was removed)."
        )
        raise HTTPException(401, message, headers={"WWW-Authenticate": 'Bearer realm="timeline"'})
    return editor
