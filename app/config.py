"""The one place that reads the environment (DESIGN.md conventions)."""

from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator
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
    # Where the site is published, e.g. https://timeline.example.org: every absolute link
    # (permalinks, feeds, exports, redirects) starts with it, whatever the request says.
    # Empty: the scheme and host each request arrived with.
    base_url: str = ""
    # A request head (request line and headers) larger than this is refused with 431,
    # and one not fully received within this many seconds with 408 (`timeline serve`).
    max_request_head_bytes: int = Field(default=32 * 1024, ge=1024)
    request_head_timeout: float = Field(default=10.0, gt=0)
    # Threads per server process computing what is not cached yet (app/web/threads.py).
    # More let new views overlap in SQLite, and slow the cached pages (the GIL).
    render_threads: int = Field(default=1, ge=1)
    # Proxies whose X-Forwarded-For/-Proto `timeline serve` believes: comma-separated
    # addresses or networks ("*": any). Empty: forwarded headers are ignored.
    trusted_proxies: str = ""

    @field_validator("base_url")
    @classmethod
    def _origin_only(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value:
            return ""
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"BASE_URL must start with http:// or https://, not {value!r}")
        if parts.path or parts.query or parts.fragment:
            raise ValueError(
                f"BASE_URL must be an origin such as https://timeline.example.org, not {value!r}"
                " (the site cannot be served under a path)"
            )
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
