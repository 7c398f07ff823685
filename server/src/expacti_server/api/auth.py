"""FastAPI dependencies that authenticate the caller and check its role."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from expacti_server.errors import AuthenticationFailed, CsrfCheckFailed, PermissionDenied
from expacti_server.identity.principal import Principal, Role
from expacti_server.identity.sessions import SESSION_COOKIE
from expacti_server.services import Services

bearer = HTTPBearer(
    auto_error=False,
    description="An agent token, a reviewer token, or an API key (expacti_<32 hex>).",
)


def services_of(request: Request) -> Services:
    """The process's services."""
    services: Services = request.app.state.services
    return services


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-Expacti-CSRF"


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """Whoever the bearer credential, or else the web session cookie, belongs to."""
    remote = request.client.host if request.client else None
    authenticator = services_of(request).authenticator
    if credentials is not None:
        if credentials.scheme.lower() != "bearer":
            raise AuthenticationFailed()
        return await authenticator.authenticate(credentials.credentials, via="http", remote=remote)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie is None:
        raise AuthenticationFailed()
    session = await authenticator.authenticate_session(cookie, remote=remote)
    # SameSite=Strict already keeps the cookie off cross-site requests; the
    # header is a second lock, since no other site's page can set it without CORS.
    if request.method not in SAFE_METHODS and request.headers.get(CSRF_HEADER) != "1":
        raise CsrfCheckFailed()
    request.state.web_session = session
    return session.principal


async def current_reviewer(
    principal: Annotated[Principal, Depends(current_principal)],
) -> Principal:
    """The caller, who must be a reviewer (token or API key)."""
    if principal.role is not Role.REVIEWER:
        raise PermissionDenied("this needs a reviewer token or API key")
    return principal


async def current_decider(
    principal: Annotated[Principal, Depends(current_reviewer)],
) -> Principal:
    """The caller, who must be a reviewer whose role decides (not an auditor)."""
    if not principal.may_decide:
        raise PermissionDenied("auditors have read-only access", role="auditor")
    return principal


async def current_admin(
    principal: Annotated[Principal, Depends(current_reviewer)],
) -> Principal:
    """The caller, who must be an admin: the only role that changes organisation policy."""
    if not principal.is_admin:
        raise PermissionDenied("only an admin may change this", role=principal.reviewer_role)
    return principal


async def current_auditor(
    principal: Annotated[Principal, Depends(current_reviewer)],
) -> Principal:
    """The caller, who must be an auditor or an admin: compliance evidence is theirs to pull."""
    if principal.reviewer_role not in ("auditor", "admin"):
        raise PermissionDenied(
            "only an auditor or an admin may do this", role=principal.reviewer_role
        )
    return principal


async def current_agent(
    principal: Annotated[Principal, Depends(current_principal)],
) -> Principal:
    """The caller, who must be an agent."""
    if principal.role is not Role.AGENT:
        raise PermissionDenied("this needs an agent token")
    return principal


AnyPrincipal = Annotated[Principal, Depends(current_principal)]
ReviewerPrincipal = Annotated[Principal, Depends(current_reviewer)]
DeciderPrincipal = Annotated[Principal, Depends(current_decider)]
AdminPrincipal = Annotated[Principal, Depends(current_admin)]
AuditorPrincipal = Annotated[Principal, Depends(current_auditor)]
AgentPrincipal = Annotated[Principal, Depends(current_agent)]
ServicesDep = Annotated[Services, Depends(services_of)]
