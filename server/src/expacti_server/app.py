"""The application factory."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI

from expacti_server import __version__
from expacti_server.agent_sessions.routes import router as sessions_router
from expacti_server.anomalies.routes import router as anomalies_router
from expacti_server.api import errors
from expacti_server.api.body_limit import BodySizeLimit
from expacti_server.api.health import router as health_router
from expacti_server.approvals.routes import router as approvals_router
from expacti_server.audit.routes import router as audit_router
from expacti_server.commands.routes import router as commands_router
from expacti_server.db.migrate import upgrade_to_head
from expacti_server.encryption.routes import router as keys_router
from expacti_server.identity.demo import live_demo_credentials, seed_demo
from expacti_server.identity.routes import router as identity_router
from expacti_server.identity.session_routes import router as session_router
from expacti_server.oversight.routes import router as oversight_router
from expacti_server.policy.risk import default_registry
from expacti_server.recording.routes import recording_live_socket
from expacti_server.recording.routes import router as recordings_router
from expacti_server.reports.routes import router as reports_router
from expacti_server.services import Services
from expacti_server.settings import Settings
from expacti_server.suggestions.routes import router as suggestions_router
from expacti_server.targets.routes import router as targets_router
from expacti_server.webapp.routes import router as web_app_router
from expacti_server.whitelist.routes import router as whitelist_router
from expacti_server.ws.agent import agent_socket
from expacti_server.ws.reviewer import reviewer_socket

log = structlog.get_logger(__name__)


class DemoTokensOutsideEval(RuntimeError):
    """The database holds the published demo tokens but eval mode is off."""


async def start(services: Services) -> None:
    """Migrate, refuse unsafe state, warm the caches and re-arm pending deadlines."""
    # Load the risk rules (third-party ones too) now: a broken plugin stops the start,
    # not the first submission.
    risk_rules = default_registry().rules
    await upgrade_to_head(services.database)
    if services.settings.eval_mode:
        await seed_demo(services.database)
    elif demo := await live_demo_credentials(services.database):
        raise DemoTokensOutsideEval(
            "this database holds the published demo tokens; start with eval_mode, or revoke "
            f"them with `expacti-server token revoke {' '.join(demo)}`"
        )
    async with services.database.read() as conn:
        rules = await services.whitelist.cache.load(conn)
        await services.targets.load(conn)
    pending = await services.commands.recover()
    services.recording_sweeper.start()
    # Everything loaded so far lives as long as the process: keep the cyclic
    # garbage collector from rescanning it on every collection.
    gc.collect()
    gc.freeze()
    log.info(
        "server_ready",
        version=__version__,
        rules=rules,
        pending=pending,
        risk_rules=[rule.id for rule in risk_rules],
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the ASGI app; the database work happens in its lifespan."""
    settings = settings or Settings()
    services = Services.build(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await start(services)
        try:
            yield
        finally:
            await services.commands.news.drain()
            services.whitelist.previewer.close()
            await services.commands.scheduler.aclose()
            await services.suggestions.aclose()
            await services.recording_sweeper.aclose()
            await services.recordings.close()
            await services.database.dispose()

    app = FastAPI(
        title="expacti",
        version=__version__,
        summary="Human-in-the-loop approval gate for commands agents want to run.",
        openapi_url="/api/openapi.json",
        # No Swagger page: it loads its script from a CDN, and anything running on
        # this origin acts with the reviewer's session cookie.
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.services = services
    errors.install(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_frame_bytes)
    for router in (
        health_router,
        commands_router,
        whitelist_router,
        targets_router,
        identity_router,
        keys_router,
        session_router,
        audit_router,
        approvals_router,
        sessions_router,
        anomalies_router,
        oversight_router,
        suggestions_router,
        recordings_router,
        reports_router,
        web_app_router,
    ):
        app.include_router(router)
    app.add_api_websocket_route("/shell/ws", agent_socket)
    app.add_api_websocket_route("/api/v1/reviewer/ws", reviewer_socket)
    app.add_api_websocket_route("/api/v1/recordings/{recording_id}/live", recording_live_socket)
    return app
