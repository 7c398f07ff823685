"""The server wheel ships what a deployment needs: the migrations and the built web app."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

SERVER = Path(__file__).resolve().parents[1]


def test_the_wheel_carries_the_migrations_and_the_built_web_app(tmp_path: Path) -> None:
    if not (SERVER / "src" / "expacti_server" / "webapp" / "dist" / "index.html").is_file():
        raise AssertionError("the web app is not built: run `make web` (make test does)")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(tmp_path),
            str(SERVER),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("expacti_server-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "expacti_server/db/migrations/env.py" in names
    assert {n for n in names if n.startswith("expacti_server/db/migrations/versions/0")} >= {
        "expacti_server/db/migrations/versions/0001_initial_schema.py"
    }
    assert "expacti_server/webapp/dist/index.html" in names
    assert any(
        n.startswith("expacti_server/webapp/dist/assets/") and n.endswith(".js") for n in names
    )
