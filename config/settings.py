"""One settings class for the whole application, read by pydantic-settings.

Every setting is `KILDE_<NAME>` in the environment or in a `.env` file in the working folder.
The bot token is a `SecretStr` so that it never shows up in a repr, a log line or an error.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from kilde.corpus.collection import SHIPPED_ARTICLES, default_collection
from kilde.corpus.errors import KildeError

SHIPPED_CORPUS_DIR = SHIPPED_ARTICLES  # read only: the seed of the default collection


def default_index_dir() -> Path:
    """The per-user cache folder for saved indexes (XDG on Linux, ~/.cache otherwise)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kilde" / "index"


def default_data_dir() -> Path:
    """The per-user data folder (XDG on Linux, ~/.local/share otherwise): the query log."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "kilde"


def default_state_dir() -> Path:
    """Where the bot keeps what must outlive a restart (XDG state folder, ~/.local/state)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "kilde"


def default_corpus_dir() -> Path:
    """The working folder's corpus/articles/, else $XDG_DATA_HOME/kilde/articles/ (seeded with
    the shipped articles on first use): never the installed package's own copy."""
    return default_collection(default_data_dir())


class SettingsError(KildeError, ValueError):
    """A setting is missing or malformed; the message names it in one line."""


IdList = Annotated[tuple[int, ...], NoDecode]


class Settings(BaseSettings):
    """Everything Kilde can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix="KILDE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    corpus_dir: Path = Field(default_factory=default_corpus_dir)
    index_dir: Path = Field(default_factory=default_index_dir)
    state_dir: Path = Field(default_factory=default_state_dir)  # the bot's unanswered backlog
    top_k: int = Field(default=3, ge=1, le=50)
    telegram_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    allowed_chat_ids: IdList = ()
    admin_user_ids: IdList = ()
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = "0.0.0.0"
    telegram_webhook_port: int = Field(default=8443, ge=1, le=65535)
    telegram_webhook_secret: SecretStr | None = None
    flood_limit: int = Field(default=20, ge=1)  # bot questions per user per minute
    reload_interval: float = Field(default=10.0, ge=0)  # seconds between corpus checks; 0 = off
    # The bot's query log (bot/querylog): where, how long, and whether ids are hashed.
    query_log: bool = True  # false: kept in memory only, gone at exit
    query_log_dir: Path = Field(default_factory=default_data_dir)
    query_log_retention_days: int = Field(default=90, ge=0)  # 0 = keep forever
    query_log_raw_ids: bool = False  # true: store chat and user ids as they are, not hashed
    # Machine translation (bot/translation): off unless a service is named.
    translate_api: Literal["", "libretranslate", "deepl", "openai"] = ""
    translate_url: str | None = None
    translate_key: SecretStr | None = None
    translate_model: str | None = None
    translate_timeout: float = Field(default=10.0, gt=0, le=300)  # seconds per request

    @field_validator("allowed_chat_ids", "admin_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept "1, -1002, 3" as well as a list of ints."""
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",")]
            try:
                return tuple(int(part) for part in parts if part)
            except ValueError:
                raise ValueError(f"expected comma-separated integer ids, got {value!r}") from None
        return value


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning validation errors into one `SettingsError` line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        name = "KILDE_" + "_".join(str(part) for part in first["loc"][:1]).upper()
        problem = first["msg"]
        # Never echo a token's value; other settings are safe to quote.
        if not any(secret in name for secret in ("TOKEN", "SECRET", "KEY")) and "input" in first:
            problem += f" (got {first['input']!r})"
        raise SettingsError(f"bad setting {name}: {problem}") from None
