"""Article text -> dated, sourced policy events. Ingestion calls `extract_events` only."""

from app.extract.types import ArticleInput, ExtractedEvent


def extract_events(article: ArticleInput) -> list[ExtractedEvent]:
    """The policy events an article reports, each backed by its evidence sentence."""
    from app.extract.pipeline import extract  # deferred: keeps `import app.extract` cheap

    return extract(article)


__all__ = ["ArticleInput", "ExtractedEvent", "extract_events"]
