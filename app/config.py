"""The one place that reads the environment (DESIGN.md conventions)."""

import os
import secrets
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB_PATH = Path("data") / "timeline.sqlite3"
DEFAULT_SECRET_KEY_FILE = Path("data") / "secret_key"
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
    # Where the site is published, e.g. https://timeline.example.org: every absolute link
    # (permalinks, feeds, exports, redirects) starts with it, whatever the request says.
    # Empty: the scheme and host each request arrived with.
    base_url: str = ""
    # A request head (request line and headers) larger than this is refused with 431,
    # and one not fully received within this many seconds with 408 (`timeline serve`).
    max_request_head_bytes: int = Field(default=32 * 1024, ge=1024)
    request_head_timeout: float = Field(default=10.0, gt=0)
    # Threads per server process computing what is not cached yet (app/web/threads.py):
    # a slow new view takes one, the next ones the others; more slow the cached pages.
    render_threads: int = Field(default=2, ge=1)
    # What each server process keeps of the answers it computed (app/web/cache.py): the
    # rendered answers (MB), and the events of text searches (about 200 bytes each).
    # With 16 MB and 60,000 a worker grew to 162 MB at 200,000 events under
    # bench/web_bench.py --only misses; with these, about 145 (README, The site at scale).
    response_cache_mb: float = Field(default=8.0, ge=0)
    search_cache_events: int = Field(default=40_000, ge=0)
    # Build the policy-state index before a worker listens (app/web/warm.py): no event
    # page waits for it after a restart, at the cost of its memory from the start.
    warm_policy_state: bool = True
    # `timeline serve --workers N`: one process holds the policy-state index for all the
    # workers (app/web/state_service.py). false: each worker holds its own (75 MB more
    # per worker at 200,000 events; state pages faster under heavy load).
    state_process: bool = True
    # Set by `timeline serve --workers N` for its workers: where its state process
    # listens, and the key it answers to (app/web/state_service.py). Empty: each
    # process holds its own policy-state index.
    state_socket: str = ""
    state_key: str = ""
    # Proxies whose X-Forwarded-For/-Proto `timeline serve` believes: comma-separated
    # addresses or networks ("*": any). Empty: forwarded headers are ignored.
    trusted_proxies: str = ""
    # Ingestion commits a batch every so many articles or seconds, whichever comes first
    # (a run killed at any moment loses at most one batch: the next run stores it).
    ingest_batch_articles: int = Field(default=50, ge=1)
    ingest_batch_seconds: float = Field(default=1.0, ge=0)

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

    # The review desk (/review). SECRET_KEY signs the sign-in form's CSRF token; when
    # empty, a random key is generated once and kept in SECRET_KEY_FILE (mode 0600).
    secret_key: str = ""
    secret_key_file: Path = DEFAULT_SECRET_KEY_FILE
    session_hours: float = Field(default=12.0, gt=0)  # a sign-in lasts this long
    # The session cookie's Secure flag: unset, it follows the request's scheme (behind a
    # TLS proxy, run uvicorn with --proxy-headers so that scheme is https).
    cookie_secure: bool | None = None
    # Failed sign-ins tolerated within the window, per editor name and per client address.
    login_window_minutes: float = Field(default=15.0, gt=0)
    login_failures_per_name: int = Field(default=5, ge=1)
    login_failures_per_client: int = Field(default=20, ge=1)


@lru_cache
def get_settings() -> Settings:
    return Settings()


def secret_key(settings: Settings) -> bytes:
    """SECRET_KEY, or the key kept in SECRET_KEY_FILE (created at first use)."""
    if settings.secret_key:
        return settings.secret_key.encode("utf-8")
    path = settings.secret_key_file
    try:
        return bytes.fromhex(path.read_text("ascii").strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    # Written whole under a temporary name, then linked into place: of two processes
    # starting at once, one key wins and both use it.
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(key.hex() + "\n")
    try:
        os.link(draft, path)
    except FileExistsError:
        return bytes.fromhex(path.read_text("ascii").strip())
    finally:
        draft.unlink()
    return key
