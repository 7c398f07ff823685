"""Every setting is documented in docs/CONFIGURATION.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from expacti_server.settings import Settings

DOC = Path(__file__).parents[2] / "docs" / "CONFIGURATION.md"


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_setting_is_documented(name: str) -> None:
    text = DOC.read_text()
    assert f"`{name}`" in text, f"{name} is not in docs/CONFIGURATION.md"
    assert f"`EXPACTI_{name.upper()}`" in text


def test_environment_overrides_the_toml_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('port = 4000\nlog_level = "debug"\n')
    monkeypatch.setenv("EXPACTI_CONFIG", str(config))
    monkeypatch.setenv("EXPACTI_PORT", "4100")
    settings = Settings()
    assert (settings.port, settings.log_level) == (4100, "debug")


def test_an_unknown_database_driver_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPACTI_DATABASE_URL", "mysql://x")
    with pytest.raises(ValueError, match="database_url"):
        Settings()
