"""Read one article file: bytes -> stored text, analysis view and metadata.

Every refusal is an `IngestError` whose message says what is wrong with the file;
problems that do not stop ingestion are returned as warnings.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from app.extract.types import ArticleInput
from app.ingest.normalize import analysis_view, content_fingerprint, to_stored_text, word_count
from app.models import DATE_PRECISIONS

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
ARTICLE_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES
FRONT_MATTER_KEYS = ("title", "url", "outlet", "language", "published", "published_precision")
SUPPORTED_LANGUAGES = ("fr", "en")
# A publication date may be a little ahead of the machine's clock (time zones), not more.
FUTURE_TOLERANCE = dt.timedelta(days=1)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)


class _FrontMatterLoader(yaml.SafeLoader):
    """Safe YAML that leaves dates as written, so `parse_published` judges them."""


def _date_as_written(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _date_as_written)


class IngestError(Exception):
    """A file that cannot be ingested; the message is the reason, for the operator."""


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
            f"unsupported file type {suffix or '(none)'!r}; expected .txt, .md or .html"
        )
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(
                f"file is {size:,} bytes, over the {max_bytes:,}-byte limit (MAX_FILE_BYTES)"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise IngestError("file disappeared before it could be read") from None
    except IsADirectoryError:
        raise IngestError("is a directory, not a file") from None
    except PermissionError:
        raise IngestError("permission denied") from None
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
    raw = raw.removeprefix("\ufeff").replace("\r\n", "\n")
    meta: dict[str, Any] = {}
    body = raw
    if raw.startswith("---"):
        match = _FRONT_MATTER.match(raw)
        if match is None:
            raise IngestError("malformed front matter: the opening '---' has no closing '---' line")
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
        meta = loaded
        body = raw[match.end() :]
        for key in meta:
            if key not in FRONT_MATTER_KEYS:
                warnings.append(
                    f"unknown front-matter key {key!r} ignored "
                    f"(known: {', '.join(FRONT_MATTER_KEYS)})"
                )
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
        title=_optional_str(fields["title"], "title") or _headline(analysis),
        url=_optional_str(fields["url"], "url"),
        outlet=_optional_str(fields["outlet"], "outlet"),
        language=language,
        published=published,
        published_precision=precision,
        word_count=word_count(analysis),
        warnings=warnings,
    )


def _optional_str(value: Any, key: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise IngestError(f"front-matter key {key!r} must be text, not a {type(value).__name__}")
    text = str(value).strip()
    return text or None


def _language(value: Any, warnings: list[str]) -> str | None:
    if value is None:
        return None
    code = str(value).strip().lower().replace("_", "-").split("-")[0]
    if code not in SUPPORTED_LANGUAGES:
        warnings.append(
            f"language {value!r} is not supported ({', '.join(SUPPORTED_LANGUAGES)}): "
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
            f"invalid published_precision {precision!r}; expected one of {', '.join(DATE_PRECISIONS)}"
        )
    if DATE_PRECISIONS.index(precision) < DATE_PRECISIONS.index(implied):
        raise IngestError(
            f"published_precision {precision!r} is finer than the published date {value!r}"
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
                raise IngestError(f"invalid publication date {text!r}: {error}") from None
    raise IngestError(f"invalid publication date {text!r}; expected YYYY-MM-DD, YYYY-MM or YYYY")
