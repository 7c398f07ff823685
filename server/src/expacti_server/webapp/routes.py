"""Serving the built reviewer web app at ``/app`` with a strict content security policy.

The app is a single page: any ``/app/...`` path that is not a built file gets
``index.html`` and the app's router takes over. Hashed assets are cached for
good; ``index.html`` never, so a new build is picked up on the next load.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

DIST = Path(__file__).parent / "dist"

# No inline script or style, no third-party origin: a command string that
# somehow reached the DOM as markup still could not run or load anything.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>expacti</title>
<h1>The web app is not built</h1>
<p>This server was installed without the reviewer web app. From a source checkout run
<code>make web</code> (or <code>make eval</code>), then reload.</p>"""

router = APIRouter(include_in_schema=False)


@router.get("/")
async def root() -> RedirectResponse:
    """The server's front page is the reviewer app."""
    return RedirectResponse("/app/", status_code=307)


@router.get("/app")
async def app_without_slash() -> RedirectResponse:
    """Relative asset paths need the trailing slash."""
    return RedirectResponse("/app/", status_code=307)


@router.get("/app/{path:path}")
async def web_app(path: str) -> Response:
    """A built file, or the app's ``index.html`` for any route of the app."""
    index = DIST / "index.html"
    if not index.is_file():
        return HTMLResponse(NOT_BUILT, status_code=503, headers=SECURITY_HEADERS)
    file = _built_file(path)
    if file is not None:
        immutable = file.parent.name == "assets"  # Vite puts a content hash in these names
        cache = "public, max-age=31536000, immutable" if immutable else "no-cache"
        return FileResponse(file, headers={**SECURITY_HEADERS, "Cache-Control": cache})
    if path.startswith("assets/"):
        return Response(status_code=404, headers=SECURITY_HEADERS)
    return FileResponse(index, headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})


def _built_file(path: str) -> Path | None:
    if not path:
        return None
    root = DIST.resolve()
    candidate = (root / path).resolve()
    # resolve() folds "..", so anything outside the build is refused here.
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate
