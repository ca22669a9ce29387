"""The one place that reads the environment (DESIGN.md conventions)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB_PATH = Path("data") / "timeline.sqlite3"
# Says who is asking, so a site's operator can tell us apart and reach us.
USER_AGENT = (
    "weapons-policy-timeline/0.1 (news feed reader for a research timeline; "
    "fetches article pages linked from feeds)"
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Any SQLAlchemy URL; the default is a SQLite file under data/, created when missing.
    database_url: str = f"sqlite:///{DEFAULT_DB_PATH.as_posix()}"
    # Files larger than this are refused by `timeline ingest` (bytes).
    max_file_bytes: int = 5 * 1024 * 1024
    # Echo SQL statements (debugging).
    sql_echo: bool = False
    # Ingestion commits a batch every so many articles or seconds, whichever comes first
    # (a run killed at any moment loses at most one batch: the next run stores it).
    ingest_batch_articles: int = Field(default=50, ge=1)
    ingest_batch_seconds: float = Field(default=1.0, ge=0)

    # Fetching articles and feeds over HTTP (`timeline ingest URL`, `timeline feeds poll`).
    # Responses larger than max_file_bytes are refused too, while streaming.
    feeds_file: Path = Path("feeds.yaml")
    http_connect_timeout: float = Field(default=10.0, gt=0)  # seconds to open a connection
    http_read_timeout: float = Field(default=30.0, gt=0)  # seconds without a byte from the server
    http_total_timeout: float = Field(default=120.0, gt=0)  # seconds for one response, whole
    http_retries: int = Field(default=2, ge=0)  # extra attempts after a 5xx, timeout or reset
    http_backoff: float = Field(default=1.0, ge=0)  # first retry delay (s), doubled each time
    http_max_redirects: int = Field(default=5, ge=0)
    http_concurrency: int = Field(default=8, ge=1)  # requests in flight, all hosts together
    http_per_host_concurrency: int = Field(default=2, ge=1)  # requests in flight to one host
    http_user_agent: str = USER_AGENT


@lru_cache
def get_settings() -> Settings:
    return Settings()
