"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from expacti_server import __version__
from expacti_server.api.auth import ServicesDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """Probe result."""

    status: str
    version: str


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is up."""
    return Health(status="ok", version=__version__)


@router.get("/readyz", response_model=Health, responses={503: {"description": "Not ready"}})
async def readyz(services: ServicesDep) -> Health:
    """The database answers; otherwise 503 ``unavailable``."""
    await services.database.ping()
    return Health(status="ready", version=__version__)
