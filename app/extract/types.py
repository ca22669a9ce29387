"""The contract between ingestion and the extractor: plain data, no database."""

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ArticleInput:
    """What the extractor sees of one article."""

    # The stored text: every offset the extractor returns indexes this string.
    text: str
    # Same length as `text`, offset for offset: typographic apostrophes and quotes made
    # plain, non-breaking spaces made spaces, scraping boilerplate blanked to spaces.
    analysis_text: str
    language: str | None = None  # "fr", "en", or None (detect)
    published: dt.date | None = None
    published_precision: str | None = None  # day | month | year
    title: str | None = None
    outlet: str | None = None


@dataclass(frozen=True)
class ExtractedEvent:
    """One policy event as one article tells it (becomes one mention when stored)."""

    type: str  # authorization | restriction | warning | request
    actor: str  # canonical gazetteer name: "United States", "NATO", "Russia"
    weapons: tuple[str, ...]  # canonical names: ("ATACMS",), ("long-range weapons",)
    places: tuple[str, ...]  # canonical names: ("Kursk",), ("Russian territory",)
    date: dt.date | None
    date_precision: str | None  # day | month | year; None when undated
    date_basis: str  # text | published | undated
    start: int  # evidence sentence: ArticleInput.text[start:end]
    end: int
    trigger: str  # the trigger as written in the text
    trigger_start: int
    trigger_end: int
    cited_source: str | None = None  # "Reuters" in "a rapporté Reuters"
    speaker: str | None = None  # "Antony Blinken" when the speaker is not the actor itself
    negated: bool = False
    confidence: float = 1.0  # in [0, 1], see app/extract/confidence.py
    # Who is talking, named or not ("unnamed: source"): two statements by different
    # voices are different events even when they read alike. Not stored.
    voice: str | None = None
    # Told in the headline or the opening paragraph, which retell the article's news
    # without dating it: such a reading may be any dated reading of the same decision.
    lede: bool = False
    notes: tuple[str, ...] = field(default=())  # why-explanations, for debugging output


def voices_differ(a: str | None, b: str | None) -> bool:
    """Two named people, or a named person and an unnamed source, are two voices; an
    office or the state itself may be either person speaking for it."""
    if a is None or b is None or a == b:
        return False
    kinds = {a.split(":", 1)[0], b.split(":", 1)[0]}
    return "actor" not in kinds
