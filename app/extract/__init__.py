"""Article text -> dated, sourced policy events. Ingestion calls `extract_events` only."""

from app.extract.types import ArticleInput, ExtractedEvent


def extract_events(article: ArticleInput, time_budget: float | None = None) -> list[ExtractedEvent]:
    """The policy events an article reports, each backed by its evidence sentence.
    With a time budget (seconds), an article that takes longer raises ExtractionTimeout."""
    from app.extract.pipeline import extract  # deferred: keeps `import app.extract` cheap

    return extract(article, time_budget)


__all__ = ["ArticleInput", "ExtractedEvent", "extract_events"]
