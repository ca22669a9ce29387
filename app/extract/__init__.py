"""Article text -> dated, sourced policy events. Ingestion calls `extract_events` only."""

from app.extract.types import ArticleInput, ExtractedEvent


def extract_events(article: ArticleInput) -> list[ExtractedEvent]:
    """The extractor lands with issue 3; until then no article yields events."""
    return []


__all__ = ["ArticleInput", "ExtractedEvent", "extract_events"]
