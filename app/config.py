"""The one place that reads the environment (DESIGN.md conventions)."""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB_PATH = Path("data") / "timeline.sqlite3"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Any SQLAlchemy URL; the default is a SQLite file under data/, created when missing.
    database_url: str = f"sqlite:///{DEFAULT_DB_PATH.as_posix()}"
    # Files larger than this are refused by `timeline ingest` (bytes).
    max_file_bytes: int = 5 * 1024 * 1024
    # Echo SQL statements (debugging).
    sql_echo: bool = False


@lru_cache
def get_settings() -> Settings:
    return Settings()
