"""HTTP routes of web sign-in: trade a reviewer token for an HttpOnly session cookie."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from expacti_server.api.auth import CSRF_HEADER, ServicesDep, services_of
from expacti_server.api.errors import ERROR_RESPONSES
from expacti_server.errors import AuthenticationFailed, CsrfCheckFailed, PermissionDenied
from expacti_server.identity.orgs import OrgView
from expacti_server.identity.principal import Role
from expacti_server.identity.sessions import SESSION_COOKIE, SessionPrincipal

router = APIRouter(prefix="/api/v1/session", tags=["session"], responses=ERROR_RESPONSES)


class SignIn(BaseModel):
    """A reviewer token or API key, sent once; the browser keeps only the cookie."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=512, description="Reviewer token or API key.")


class ReviewerRef(BaseModel):
    """The signed-in reviewer."""

    id: str
    name: str


class SessionView(BaseModel):
    """Who is signed in, in which organisation, until when."""

    reviewer: ReviewerRef
    org: OrgView
    expires_at: datetime


def _remote(request: Request) -> str | None:
    return request.client.host if request.client else None


async def current_session(request: Request) -> SessionPrincipal:
    """The web session of the cookie; bearer credentials do not count here."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie is None:
        raise AuthenticationFailed("not signed in")
    return await services_of(request).authenticator.authenticate_session(
        cookie, remote=_remote(request)
    )


WebSession = Annotated[SessionPrincipal, Depends(current_session)]


@router.post("", response_model=SessionView)
async def sign_in(
    body: SignIn, request: Request, response: Response, services: ServicesDep
) -> SessionView:
    """Sign in with a reviewer token; sets the ``expacti_session`` HttpOnly cookie."""
    # Also here: without it another site could sign a victim's browser into
    # the attacker's account (login CSRF).
    if request.headers.get(CSRF_HEADER) != "1":
        raise CsrfCheckFailed()
    authenticator = services.authenticator
    principal = await authenticator.authenticate(body.token, via="web", remote=_remote(request))
    if principal.role is not Role.REVIEWER:
        raise PermissionDenied("agent tokens cannot sign in; use a reviewer token")
    ttl = services.settings.session_ttl_seconds
    # Signing in again replaces this browser's session rather than leaving it live.
    previous = request.cookies.get(SESSION_COOKIE)
    if previous is not None:
        await authenticator.close_session_of(previous)
    started = await authenticator.open_session(principal, ttl_seconds=ttl, remote=_remote(request))
    response.set_cookie(
        SESSION_COOKIE,
        started.secret,
        max_age=ttl,
        path="/",
        httponly=True,
        samesite="strict",
        secure=_is_https(request, services.settings.public_url),
    )
    org = await services.orgs.get(principal)
    return SessionView(
        reviewer=ReviewerRef(id=principal.id, name=principal.name),
        org=org,
        expires_at=started.expires_at,
    )


@router.get("", response_model=SessionView)
async def get_session(session: WebSession, services: ServicesDep) -> SessionView:
    """The current web session; 401 when signed out, expired or the token was revoked."""
    principal = session.principal
    return SessionView(
        reviewer=ReviewerRef(id=principal.id, name=principal.name),
        org=await services.orgs.get(principal),
        expires_at=session.expires_at,
    )


@router.delete("", status_code=204, response_class=Response)
async def sign_out(request: Request, services: ServicesDep) -> Response:
    """Sign out: ends the session on the server and clears the cookie. Always 204."""
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    try:
        session = await current_session(request)
    except AuthenticationFailed:
        return response
    if request.headers.get(CSRF_HEADER) != "1":
        raise CsrfCheckFailed()
    await services.authenticator.close_session(session)
    return response


def _is_https(request: Request, public_url: str | None) -> bool:
    if public_url is not None:
        return public_url.startswith("https://")
    return request.url.scheme == "https"
