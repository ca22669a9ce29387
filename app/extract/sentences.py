"""Cheap sentence splitting on the analysis text (no model): line breaks, then
end punctuation before a capital or a quote; then quotes are kept whole, so that a
quote and its attribution ('"...", a déclaré X') stay one evidence sentence."""

import re
from dataclasses import dataclass

from app.extract.cues import cue_words

_END = re.compile(r"(?<=[.!?…])\s+(?=[\"'(\[]?\s*[A-ZÀ-ÖØ-Ý0-9\"])|(?<=[.!?…]\")\s+")
_MAX_MERGE = 4  # a runaway quote never swallows more than this many sentences


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def _strip(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None


def _line_sentences(text: str, start: int, end: int) -> list[Span]:
    out: list[Span] = []
    cursor = start
    for match in _END.finditer(text, start, end):
        before = text[cursor : match.start()].rstrip("\"'")
        last_word = re.findall(r"(\w+)\.$", before)
        # "M. Biden", "U.S. officials", "Gen. Lute": an abbreviation ends no sentence.
        if last_word and (
            len(last_word[0]) == 1 or last_word[0].lower() in cue_words("abbreviations")
        ):
            continue
        span = _strip(text, cursor, match.start())
        if span:
            out.append(span)
        cursor = match.end()
    span = _strip(text, cursor, end)
    if span:
        out.append(span)
    return out


def _merge_quotes(text: str, spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    index = 0
    while index < len(spans):
        current = spans[index]
        taken = 1
        while (
            text[current.start : current.end].count('"') % 2 == 1
            and index + taken < len(spans)
            and taken < _MAX_MERGE
        ):
            current = Span(current.start, spans[index + taken].end)
            taken += 1
        if text[current.start : current.end].count('"') % 2 == 1:
            current, taken = spans[index], 1  # unbalanced to the end: keep it alone
        merged.append(current)
        index += taken
    return merged


def split_sentences(analysis_text: str) -> list[Span]:
    """Sentence spans of the analysis text; never across a paragraph (line) break."""
    out: list[Span] = []
    position = 0
    for line in analysis_text.split("\n"):
        end = position + len(line)
        if line.strip():
            out.extend(_merge_quotes(analysis_text, _line_sentences(analysis_text, position, end)))
        position = end + 1
    return out
