"""Read one article file: bytes -> stored text, analysis view and metadata.

Every refusal is an `IngestError` whose message says what is wrong with the file;
problems that do not stop ingestion are returned as warnings.
"""

import datetime as dt
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from app.extract.types import ArticleInput
from app.ingest.normalize import (
    analysis_view,
    content_fingerprint,
    to_stored_text,
    unify_line_ends,
    word_count,
)
from app.models import DATE_PRECISIONS

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
ARTICLE_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES
FRONT_MATTER_KEYS = ("title", "url", "outlet", "language", "published", "published_precision")
SUPPORTED_LANGUAGES = ("fr", "en")
# A publication date may be a little ahead of the machine's clock (time zones), not more.
FUTURE_TOLERANCE = dt.timedelta(days=1)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)


# Metadata is a few lines: a bigger front matter only costs parsing time and memory.
MAX_FRONT_MATTER_CHARS = 64 * 1024
# Beyond this many, unknown keys are counted, not listed one warning each.
MAX_UNKNOWN_KEY_WARNINGS = 10
# Front matter is flat `key: value` lines; deeper YAML is refused before it can
# exhaust the parser's stack.
MAX_FRONT_MATTER_DEPTH = 20


class _FrontMatterLoader(yaml.SafeLoader):
    """Safe YAML that leaves dates as written (so `parse_published` judges them),
    refuses aliases (a few hundred bytes of nested aliases expand to gigabytes) and
    refuses nesting deeper than MAX_FRONT_MATTER_DEPTH."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise _refusal("aliases (*name) are not allowed in front matter", self.peek_event())
        self._depth += 1
        try:
            if self._depth > MAX_FRONT_MATTER_DEPTH:
                raise _refusal(
                    f"nested more than {MAX_FRONT_MATTER_DEPTH} levels deep", self.peek_event()
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _refusal(problem: str, event: yaml.Event) -> yaml.YAMLError:
    mark: Any = event.start_mark
    return yaml.composer.ComposerError(None, None, problem, mark)


def _as_written(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


# Every value is text as written: YAML 1.1 would turn `language: no` into False, a
# title `12:30` into 750, and 100,000 digits into a ValueError.
for _tag in ("timestamp", "int", "float", "bool"):
    _FrontMatterLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _as_written)


# A reason or warning is one line for the operator, however long the input it quotes.
MAX_MESSAGE_CHARS = 300


class IngestError(Exception):
    """A file that cannot be ingested; the message is the reason, for the operator."""


def quoted(value: Any, limit: int = 60) -> str:
    """An input value quoted in a message, cut to about `limit` characters."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}… ({len(value):,} characters)"
    return clip(repr(value), limit)


def clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """At most `limit` characters, saying how long the whole was when it is cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


@dataclass
class ReadArticle:
    source: str
    text: str
    analysis_text: str
    content_hash: str
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    language: str | None = None
    published: dt.date | None = None
    published_precision: str | None = None
    word_count: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_input(self) -> ArticleInput:
        return ArticleInput(
            text=self.text,
            analysis_text=self.analysis_text,
            language=self.language,
            published=self.published,
            published_precision=self.published_precision,
            title=self.title,
            outlet=self.outlet,
        )


def read_article(path: Path, *, max_bytes: int, today: dt.date | None = None) -> ReadArticle:
    suffix = path.suffix.lower()
    if suffix not in ARTICLE_SUFFIXES:
        raise IngestError(
            f"unsupported file type {quoted(suffix) if suffix else '(none)'}; expected .txt, .md or .html"
        )
    data = _read_regular_file(path, max_bytes)
    return read_bytes(data, source=str(path), suffix=suffix, today=today)


def read_bytes(
    data: bytes,
    *,
    source: str,
    suffix: str,
    today: dt.date | None = None,
    overrides: dict[str, Any] | None = None,
    fallbacks: dict[str, Any] | None = None,
) -> ReadArticle:
    """An article from the bytes of a file or a fetched page (`suffix` says how to read
    them). `overrides` replace what the document says (a feed's configured outlet),
    `fallbacks` fill what it leaves out (a feed entry's title and date)."""
    if not data.strip():
        raise IngestError("empty file")
    if _looks_binary(data):
        raise IngestError("binary file (contains NUL or control bytes), not article text")
    warnings: list[str] = []
    if suffix in HTML_SUFFIXES:
        fields = _read_html(data)
    else:
        raw = _decode(data, warnings)
        fields = _read_text(raw, warnings)
    for key, value in (fallbacks or {}).items():
        if fields.get(key) in (None, ""):
            fields[key] = value
    fields.update({key: value for key, value in (overrides or {}).items() if value is not None})
    today = today or dt.date.today()
    return _build(source, fields, warnings, today)


_FILE_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most `max_bytes`. Anything else is refused
    before a read could block (a FIFO waits for a writer, a device never ends)."""
    try:
        # O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise IngestError("file disappeared before it could be read") from None
    except PermissionError:
        raise IngestError("permission denied") from None
    except OSError as error:  # a socket cannot be opened at all (ENXIO)
        raise IngestError(f"not a regular file: {_kind_of(path) or error.strerror}") from None
    with os.fdopen(fd, "rb") as file:
        status = os.fstat(file.fileno())
        if stat.S_ISDIR(status.st_mode):
            raise IngestError("is a directory, not a file")
        if not stat.S_ISREG(status.st_mode):
            raise IngestError(f"not a regular file: {_kind_of(path) or 'an unknown kind'}")
        size = status.st_size
        data = file.read(max_bytes + 1) if size <= max_bytes else b""
        size = max(size, len(data))  # it may have grown since fstat
    if size > max_bytes:
        raise IngestError(
            f"file is {size:,} bytes, over the {max_bytes:,}-byte limit (MAX_FILE_BYTES)"
        )
    return data


def _kind_of(path: Path) -> str | None:
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    return next((name for is_kind, name in _FILE_KINDS if is_kind(mode)), None)


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return controls > len(head) * 0.05


def _decode(data: bytes, warnings: list[str]) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        where = f"byte 0x{data[error.start]:02x} at offset {error.start}"
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise IngestError(f"not valid UTF-8 ({where}) and not Windows-1252 either") from None
    warnings.append(f"not valid UTF-8 ({where}); decoded as Windows-1252 — check accents")
    return text


def _read_text(raw: str, warnings: list[str]) -> dict[str, Any]:
    raw = unify_line_ends(raw.removeprefix("\ufeff"))
    meta: dict[str, Any] = {}
    body = raw
    if raw.startswith("---"):
        match = _FRONT_MATTER.match(raw)
        if match is None:
            raise IngestError("malformed front matter: the opening '---' has no closing '---' line")
        if len(match.group(1)) > MAX_FRONT_MATTER_CHARS:
            raise IngestError(
                f"front matter is {len(match.group(1)):,} characters, over the "
                f"{MAX_FRONT_MATTER_CHARS:,}-character limit for metadata"
            )
        try:
            loaded = (
                yaml.load(match.group(1), Loader=_FrontMatterLoader)
                if match.group(1).strip()
                else {}
            )
        except yaml.YAMLError as error:
            raise IngestError(f"malformed front matter: {_yaml_reason(error)}") from None
        if not isinstance(loaded, dict):
            raise IngestError("malformed front matter: expected 'key: value' lines")
        for key in FRONT_MATTER_KEYS:
            if isinstance(loaded.get(key), (dict, list)):
                kind = type(loaded[key]).__name__
                raise IngestError(f"front-matter key {key!r} must be text, not a {kind}")
        meta = loaded
        body = raw[match.end() :]
        unknown = [key for key in meta if key not in FRONT_MATTER_KEYS]
        for key in unknown[:MAX_UNKNOWN_KEY_WARNINGS]:
            warnings.append(
                f"unknown front-matter key {quoted(key)} ignored "
                f"(known: {', '.join(FRONT_MATTER_KEYS)})"
            )
        if len(unknown) > MAX_UNKNOWN_KEY_WARNINGS:
            rest = len(unknown) - MAX_UNKNOWN_KEY_WARNINGS
            warnings.append(f"… and {rest:,} more unknown front-matter keys ignored")
    if not body.strip():
        raise IngestError("no article text after the front matter")
    fields = {key: meta.get(key) for key in FRONT_MATTER_KEYS}
    fields["text"] = body
    return fields


def _yaml_reason(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    return f"{problem} (front-matter line {mark.line + 1})" if mark else problem


def _headline(analysis: str) -> str | None:
    """A first line that reads like a headline: short and not a finished sentence."""
    first = next((line.strip() for line in analysis.split("\n") if line.strip()), "")
    if 0 < len(first) <= 200 and not first.endswith((".", ":", ";", ",")):
        return first
    return None


def _read_html(data: bytes) -> dict[str, Any]:
    import trafilatura  # imported here: only HTML files pay for it

    document = trafilatura.bare_extraction(
        data,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        # Only the date the page states for itself: never a guess from other clues.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = getattr(document, "text", None) if document is not None else None
    if not text or not text.strip():
        raise IngestError("no main article text found in the HTML page")
    return {
        "text": text,
        "title": getattr(document, "title", None),
        "url": getattr(document, "url", None),
        "outlet": getattr(document, "sitename", None),
        "language": getattr(document, "language", None),
        "published": getattr(document, "date", None),
        "published_precision": None,
    }


def _build(source: str, fields: dict[str, Any], warnings: list[str], today: dt.date) -> ReadArticle:
    text = to_stored_text(fields["text"])
    analysis = analysis_view(text)
    if not analysis.strip():
        raise IngestError("no article text: every line is boilerplate")
    published, precision = parse_published(fields["published"], fields["published_precision"])
    if published is not None and published > today + FUTURE_TOLERANCE:
        raise IngestError(f"publication date {published.isoformat()} is in the future")
    if published is None:
        warnings.append("no publication date: stored, and its events are marked undated")
    language = _language(fields["language"], warnings)
    return ReadArticle(
        source=source,
        text=text,
        analysis_text=analysis,
        content_hash=content_fingerprint(analysis),
        title=_optional_str(fields["title"]) or _headline(analysis),
        url=_optional_str(fields["url"]),
        outlet=_optional_str(fields["outlet"]),
        language=language,
        published=published,
        published_precision=precision,
        word_count=word_count(analysis),
        warnings=warnings,
    )


def _optional_str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).replace("\x00", "").strip()  # PostgreSQL refuses NUL in text
    return text or None


def _language(value: Any, warnings: list[str]) -> str | None:
    if value is None:
        return None
    code = str(value).strip().lower().replace("_", "-").split("-")[0]
    if code not in SUPPORTED_LANGUAGES:
        warnings.append(
            f"language {quoted(value)} is not supported ({', '.join(SUPPORTED_LANGUAGES)}): "
            "stored, but no events are extracted"
        )
    return code or None


def parse_published(value: Any, precision: Any) -> tuple[dt.date | None, str | None]:
    """YAML dates, "YYYY-MM-DD", "YYYY-MM" or "YYYY", with an optional explicit precision."""
    if value is None or value == "":
        if precision is not None:
            raise IngestError("published_precision given without a published date")
        return None, None
    if isinstance(value, dt.datetime):
        parsed, implied = value.date(), "day"
    elif isinstance(value, dt.date):
        parsed, implied = value, "day"
    else:
        parsed, implied = _parse_date_text(str(value).strip())
    if precision is None:
        return parsed, implied
    if precision not in DATE_PRECISIONS:
        raise IngestError(
            f"invalid published_precision {quoted(precision)}; expected one of {', '.join(DATE_PRECISIONS)}"
        )
    if DATE_PRECISIONS.index(precision) < DATE_PRECISIONS.index(implied):
        raise IngestError(
            f"published_precision {quoted(precision)} is finer than the published date {quoted(value)}"
        )
    return parsed, precision


def _parse_date_text(text: str) -> tuple[dt.date, str]:
    formats = (
        (r"\d{4}-\d{2}-\d{2}(?:[T ].*)?", "day"),
        (r"\d{4}-\d{2}", "month"),
        (r"\d{4}", "year"),
    )
    for pattern, precision in formats:
        if re.fullmatch(pattern, text):
            try:
                if precision == "day":
                    return dt.date.fromisoformat(text[:10]), "day"
                if precision == "month":
                    return dt.date(int(text[:4]), int(text[5:7]), 1), "month"
                return dt.date(int(text), 1, 1), "year"
            except ValueError as error:
                raise IngestError(f"invalid publication date {quoted(text)}: {error}") from None
    raise IngestError(
        f"invalid publication date {quoted(text)}; expected YYYY-MM-DD, YYYY-MM or YYYY"
    )
