"""Typed settings, read once from the environment (prefix ``COACH_``).

Every configurable value lives here so the CLI, the UI, the evals and the tests agree on one
source of truth. Secrets (the API key) are kept as ``SecretStr`` so they never print.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from coach.errors import CoachError

Provider = Literal["auto", "offline", "openai", "ollama"]


def default_data_dir() -> Path:
    """The per-user data directory (XDG on Linux), without creating it."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("pie-coach", appauthor=False))


class Settings(BaseSettings):
    """All ``COACH_*`` settings. Unknown ``COACH_*`` variables are ignored, typos in values are errors."""

    model_config = SettingsConfigDict(env_prefix="COACH_", extra="ignore", frozen=True)

    data_dir: Path = Field(default_factory=default_data_dir, description="Where the database and index live.")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in data_dir.")
    llm_provider: Provider = Field(default="auto", description="auto | offline | openai | ollama")
    llm_base_url: str | None = Field(default=None, description="OpenAI-compatible base URL.")
    llm_api_key: SecretStr | None = Field(default=None, description="API key; falls back to OPENAI_API_KEY.")
    llm_model: str | None = Field(default=None, description="Chat model name.")
    llm_timeout: float = Field(default=30.0, gt=0, le=600, description="Seconds before a model call is abandoned.")
    chroma_host: str | None = Field(default=None, description="Chroma server host; default an on-disk index.")
    chroma_port: int = Field(default=8000, ge=1, le=65535, description="Chroma server port.")
    user_id: str = Field(default="local", description="User id for practice and progress rows.")
    timezone: str = Field(default="UTC", description="IANA time zone for streaks.")

    @field_validator("llm_base_url", "database_url", "chroma_host", "llm_model", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("llm_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from urllib.parse import urlparse

        parsed = urlparse(value.strip())
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an http(s) URL with a host, e.g. http://127.0.0.1:11434/v1")
        return value.strip()

    @model_validator(mode="after")
    def _api_key_fallback(self) -> Settings:
        if self.llm_api_key is None and os.environ.get("OPENAI_API_KEY"):
            object.__setattr__(self, "llm_api_key", SecretStr(os.environ["OPENAI_API_KEY"]))
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL in force: the configured one or SQLite inside ``data_dir``."""
        return self.database_url or f"sqlite:///{self.data_dir / 'coach.db'}"

    @property
    def index_dir(self) -> Path:
        """Folder of the persistent Chroma collection."""
        return self.data_dir / "index"

    def redacted(self) -> dict[str, object]:
        """Settings as a dict safe to log or show: the key is reduced to whether it is set."""
        data = self.model_dump()
        data["llm_api_key"] = "set" if self.llm_api_key else None
        data["data_dir"] = str(self.data_dir)
        return data


class SettingsError(CoachError):
    """A ``COACH_*`` value is invalid; the message names the variable and the problem."""


def describe_settings_error(error: ValidationError) -> str:
    """One line per bad field, named as its environment variable."""
    lines = []
    for item in error.errors():
        field = str(item["loc"][0]) if item.get("loc") else "settings"
        msg = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        lines.append(f"COACH_{field.upper()}: {msg}")
    return "; ".join(lines)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once. Tests build ``Settings(...)`` directly instead.

    Raises ``SettingsError`` (a ``CoachError``) naming the variable when a value is invalid.
    """
    try:
        return Settings()
    except ValidationError as err:
        raise SettingsError(describe_settings_error(err)) from None
