"""The server's one settings class.

Values come, highest priority first, from ``EXPACTI_*`` environment variables,
then the TOML file named by ``EXPACTI_CONFIG`` (default ``config.toml`` in the
working directory, if present), then the defaults below. Every field is
documented in ``docs/CONFIGURATION.md``; a test fails when one is not.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


def config_file_path() -> Path:
    """Where the TOML configuration is read from."""
    return Path(os.environ.get("EXPACTI_CONFIG", "config.toml"))


class Settings(BaseSettings):
    """Everything an operator can set."""

    model_config = SettingsConfigDict(env_prefix="EXPACTI_", extra="forbid")

    data_dir: Path = Field(
        default=Path(".expacti"),
        description="Directory for the SQLite database and other local state.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL: sqlite+aiosqlite:///path.db or "
            "postgresql+asyncpg://user:pass@host/db. Default: SQLite in data_dir."
        ),
    )
    host: str = Field(default="127.0.0.1", description="Address to listen on.")
    port: int = Field(default=3001, ge=0, le=65535, description="Port to listen on.")
    eval_mode: bool = Field(
        default=False,
        description="Seed the demo organisation and demo tokens. Never in production.",
    )
    public_url: str | None = Field(
        default=None,
        description="Base URL users reach the server at, for printed links. Default: host:port.",
    )
    sqlite_synchronous: Literal["NORMAL", "FULL"] = Field(
        default="NORMAL",
        description=(
            "SQLite durability: NORMAL keeps every committed decision across a process "
            "crash; FULL also across power loss, at an fsync per commit."
        ),
    )
    resume_window_seconds: float = Field(
        default=30.0,
        gt=0,
        le=600,
        description="How long a dropped agent's pending commands wait for it to reconnect.",
    )
    max_command_bytes: int = Field(
        default=65536, ge=256, description="Largest command text accepted, in UTF-8 bytes."
    )
    max_metadata_bytes: int = Field(
        default=16384,
        ge=256,
        description="Largest session + context JSON accepted with one command.",
    )
    max_frame_bytes: int = Field(
        default=1048576, ge=4096, description="Largest WebSocket frame accepted."
    )
    max_pending_per_connection: int = Field(
        default=1000, ge=1, description="Commands one agent connection may wait on at once."
    )
    max_pending_per_agent: int = Field(
        default=1000, ge=1, description="Commands one agent may have waiting for a human at once."
    )
    max_pending_per_org: int = Field(
        default=10000,
        ge=1,
        description="Commands one organisation may have waiting for a human at once.",
    )
    send_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="A client that does not read its socket for this long is disconnected.",
    )
    long_poll_max_seconds: float = Field(
        default=60.0, gt=0, le=300, description="Longest ?wait= an HTTP long-poll may ask for."
    )
    session_ttl_seconds: int = Field(
        default=12 * 3600,
        ge=60,
        le=30 * 24 * 3600,
        description="How long a web sign-in lasts before the reviewer must sign in again.",
    )
    recording_max_bytes: int = Field(
        default=256 * 1024 * 1024,
        ge=64 * 1024,
        description="Largest recording file; past it the recording says it was truncated and "
        "nothing more is written to it.",
    )
    recording_idle_seconds: int = Field(
        default=6 * 3600,
        ge=60,
        description="A session's recording with no command run for this long is finished.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="Minimum level of log records."
    )
    log_format: Literal["console", "json"] = Field(
        default="console", description="Log output: human console lines or JSON lines."
    )

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "database_url must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
            )
        return value

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to SQLite inside ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'expacti.db').resolve()}"

    @property
    def effective_public_url(self) -> str:
        """The base URL printed to users."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "localhost" if self.host in {"127.0.0.1", "0.0.0.0", "::"} else self.host  # noqa: S104
        return f"http://{host}:{self.port}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = config_file_path()
        if path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)
