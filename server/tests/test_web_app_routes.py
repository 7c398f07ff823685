"""Serving the built web app: SPA fallback, caching, security headers, no path escapes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from expacti_server.webapp import routes


def client_of(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.fixture
async def built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><div id=root></div>")
    (dist / "assets" / "index-abc123.js").write_text("console.log(1)")
    (dist / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("outside the build")
    monkeypatch.setattr(routes, "DIST", dist)
    app = FastAPI()
    app.include_router(routes.router)
    async with client_of(app) as client:
        yield client


async def test_any_app_route_gets_the_page_with_a_strict_policy(built: httpx.AsyncClient) -> None:
    for path in ("/app/", "/app/history", "/app/commands/cmd_1"):
        response = await built.get(path)
        assert response.status_code == 200, path
        assert "id=root" in response.text
        assert response.headers["cache-control"] == "no-cache"
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert response.headers["x-frame-options"] == "DENY"


async def test_hashed_assets_are_cached_for_good_and_missing_ones_are_404(
    built: httpx.AsyncClient,
) -> None:
    asset = await built.get("/app/assets/index-abc123.js")
    assert asset.status_code == 200
    assert "immutable" in asset.headers["cache-control"]
    assert (await built.get("/app/favicon.svg")).headers["cache-control"] == "no-cache"
    assert (await built.get("/app/assets/gone.js")).status_code == 404


async def test_paths_outside_the_build_are_never_served(built: httpx.AsyncClient) -> None:
    for path in ("/app/../secret.txt", "/app/%2e%2e/secret.txt", "/app/assets/../../secret.txt"):
        response = await built.get(path)
        assert "outside the build" not in response.text, path


async def test_the_root_and_bare_app_path_lead_to_the_app(built: httpx.AsyncClient) -> None:
    for path in ("/", "/app"):
        response = await built.get(path, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (307, "/app/")


async def test_an_unbuilt_install_says_how_to_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "DIST", tmp_path / "missing")
    app = FastAPI()
    app.include_router(routes.router)
    async with client_of(app) as client:
        response = await client.get("/app/")
    assert response.status_code == 503
    assert "make web" in response.text
