"""Render the served OpenAPI document as the committed ``docs/openapi.yml``.

``python -m expacti_server.api.openapi_doc --write docs/openapi.yml`` regenerates
it; a test fails when the committed file and the served document drift apart.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from expacti_server.app import create_app
from expacti_server.settings import Settings


def openapi_document() -> dict[str, Any]:
    """The document served at ``/api/openapi.json``."""
    document: dict[str, Any] = create_app(Settings(database_url="sqlite+aiosqlite://")).openapi()
    return document


def render() -> str:
    """The document as YAML, in the order FastAPI produces it."""
    header = "# Generated from the server by `make openapi`; do not edit by hand.\n"
    return header + yaml.safe_dump(openapi_document(), sort_keys=False, allow_unicode=True)


def main(argv: list[str] | None = None) -> int:
    """Write or print the document."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", type=Path, help="file to write (default: print)")
    args = parser.parse_args(argv)
    text = render()
    if args.write is None:
        sys.stdout.write(text)
    else:
        args.write.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
