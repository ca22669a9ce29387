"""The extraction data flow: sentences -> cheap pre-filter (trigger + topic + actor
name) -> parse of the survivors only -> events per trigger -> dedupe per article."""

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from app.extract import actors, dates, negation, nlp, sources, triggers
from app.extract.cues import cue_value, cue_words, words_before
from app.extract.gazetteer import Match, gazetteer
from app.extract.language import detect_language
from app.extract.sentences import Span, split_sentences
from app.extract.text import fold
from app.extract.types import ArticleInput, ExtractedEvent

_WORD = re.compile(r"\w+")
_ACTORISH = ("actor", "person", "demonym")


@dataclass(frozen=True)
class Sentence:
    span: Span
    folded: str
    matches: tuple[Match, ...]  # gazetteer matches, offsets relative to the sentence
    hits: tuple[triggers.TriggerHit, ...]
    # The actor of the previous sentence of the paragraph, for a sentence naming none
    # ("Biden hesitated... When they were approved, they came with conditions").
    inherited: actors.Candidate | None = None


def _shift(match: Match, offset: int) -> Match:
    return Match(match.entry, match.start - offset, match.end - offset)


def _is_topical(sentence: Sentence, language: str) -> bool:
    if any(m.kind in ("weapon", "place") for m in sentence.matches):
        return True
    topic = cue_words("topic", language)
    return any(w in topic for w in _WORD.findall(sentence.folded))


def candidate_sentences(article: ArticleInput, language: str) -> list[Sentence]:
    """Sentences worth parsing: a trigger, the topic, and some actor name."""
    text = article.analysis_text
    folded_all = fold(text)
    all_matches = gazetteer().find(text, folded_all)
    out: list[Sentence] = []
    cursor = 0
    previous: actors.Candidate | None = None
    previous_end = 0
    for span in split_sentences(text):
        folded = folded_all[span.start : span.end]
        while cursor < len(all_matches) and all_matches[cursor].end <= span.start:
            cursor += 1
        matches = []
        for match in all_matches[cursor:]:
            if match.start >= span.end:
                break
            if match.end <= span.end:
                matches.append(_shift(match, span.start))
        inherited = previous if "\n" not in text[previous_end : span.start] else None
        found = actors.candidates(folded, matches, language, article.published)
        subjects = [c for c in found if not c.object_like]
        previous = min(subjects, key=lambda c: (c.speaker is None, c.start)) if subjects else None
        previous_end = span.end
        if found:
            inherited = None
        elif inherited is None:
            continue
        hits = triggers.find_triggers(folded, language)
        if not hits:
            continue
        sentence = Sentence(span, folded, tuple(matches), tuple(hits), inherited)
        if _is_topical(sentence, language):
            out.append(sentence)
    return out


def _weapons(matches: Sequence[Match]) -> tuple[str, ...]:
    named = [m for m in matches if m.kind == "weapon"]
    specific = [m.name for m in named if not m.entry.generic]
    names = specific or [m.name for m in named]
    return tuple(dict.fromkeys(names))


def _places(
    folded: str, matches: Sequence[Match], actor_span: tuple[int, int], language: str
) -> tuple[str, ...]:
    cues = cue_words("place_before", language)
    names: list[str] = []
    for match in matches:
        if match.kind == "place":
            names.append(match.name)
        elif (
            match.kind == "actor"
            and match.entry.as_place
            and (match.start, match.end) != actor_span
            # "frapper la Russie", "strikes in Russia": the country as a target.
            and any(w in cues for w in words_before(folded, match.start, 3))
        ):
            names.append(match.entry.as_place)
    return tuple(dict.fromkeys(names))


def _date(
    folded: str, trigger_start: int, language: str, published: dt.date | None, precision: str | None
) -> tuple[dt.date | None, str | None, str]:
    found = dates.find_dates(folded, language, published)
    if found:
        nearest = min(found, key=lambda h: abs(h.start - trigger_start))
        return nearest.date, nearest.precision, "text"
    if published is None:
        return None, None, "undated"
    return published, precision or "day", "published"


def _is_request_governed(folded: str, start: int, language: str) -> bool:
    window = int(cue_value("request_cues")["window"])
    cues = cue_words("request_cues", language)
    return any(w in cues for w in words_before(folded, start, window))


def _has_commentator(folded: str, start: int, language: str) -> bool:
    cues = cue_words("commentator", language)
    return any(w in cues for w in words_before(folded, start, 40))


def _speaker_phrase(
    text: str, candidate: actors.Candidate, folded: str, language: str
) -> str | None:
    """A person's name, or the office phrase of a demonym ("législateurs américains")."""
    if candidate.speaker is not None:
        return candidate.speaker
    offices = cue_words("offices", language)
    window = int(cue_value("offices")["window"])
    lo, hi = candidate.start, candidate.end
    for word in _WORD.finditer(folded, max(0, lo - 40), min(len(folded), hi + 40)):
        if word.group() in offices:
            near_before = word.end() <= lo and len(_WORD.findall(folded[word.end() : lo])) < window
            near_after = (
                word.start() >= hi and len(_WORD.findall(folded[hi : word.start()])) < window
            )
            if near_before or near_after:
                return text[min(lo, word.start()) : max(hi, word.end())]
    return None


def sentence_events(
    article: ArticleInput, sentence: Sentence, language: str, tokens: list[nlp.Token] | None
) -> list[ExtractedEvent]:
    folded = sentence.folded
    base = sentence.span.start
    sentence_text = article.text[sentence.span.start : sentence.span.end]
    found = actors.candidates(folded, sentence.matches, language, article.published)
    flips: dict[str, str] = cue_value("negation_flips")
    readings: list[tuple[str, triggers.TriggerHit, bool, actors.Candidate, str]] = []
    for hit in sentence.hits:
        # A trigger that is an event only when negated ("did not use") needs the cue
        # right before it, not the negation of an earlier verb.
        window = 3 if hit.rule.requires_negation else None
        negated = negation.is_negated(folded, hit.start, hit.end, language, window) or (
            hit.head_start != hit.start
            and negation.is_negated(folded, hit.head_start, hit.end, language, window)
        )
        event_type = hit.rule.type
        if hit.rule.requires_negation:
            if not negated:
                continue
        elif negated:
            if event_type not in flips:
                continue  # a denied warning or request is no event
            event_type = flips[event_type]
        if event_type == "authorization" and _is_request_governed(folded, hit.start, language):
            event_type = "request"
        candidate: actors.Candidate | None
        if sentence.inherited is not None:
            if event_type in cue_value("speech_act_types"):
                continue  # a warning or an appeal needs its speaker in the sentence
            candidate, why = sentence.inherited, "previous sentence"
        else:
            candidate, why = actors.choose(folded, found, hit.start, event_type, language, tokens)
        if candidate is None:
            continue
        if any(
            w in cue_words("background", language)
            for w in negation.clause_words_before(folded, hit.start, 8)
        ):
            continue  # "lorsqu'elles ont été approuvées, ...": background of the news, not the news
        if any(w in cue_words("hedges", language) for w in words_before(folded, hit.start, 2)):
            continue  # "les prétendues restrictions": disputed, not stated
        if candidate.speaker is None and _has_commentator(folded, hit.start, language):
            continue  # an opinion of someone without office
        readings.append((event_type, hit, negated, candidate, why))
    # One reading per type and actor; an appeal's own words about limits are no
    # separate decision, nor is the scope limit of an authorization a second event.
    by_key: dict[tuple[str, str], tuple[str, triggers.TriggerHit, bool, actors.Candidate, str]] = {}
    for reading in readings:
        by_key.setdefault((reading[0], reading[3].actor), reading)
    kept = []
    for (event_type, actor), reading in by_key.items():
        if event_type in ("authorization", "restriction") and ("request", actor) in by_key:
            continue
        if event_type == "restriction" and ("authorization", actor) in by_key:
            continue
        kept.append(reading)
    events = []
    weapons = _weapons(sentence.matches)
    cited = sources.cited_source(folded, sentence.matches, language)
    for event_type, hit, negated, candidate, why in sorted(kept, key=lambda r: r[1].start):
        date, precision, basis = _date(
            folded, hit.start, language, article.published, article.published_precision
        )
        speaker = (
            candidate.speaker
            if sentence.inherited is not None
            else _speaker_phrase(sentence_text, candidate, folded, language)
        )
        events.append(
            ExtractedEvent(
                type=event_type,
                actor=candidate.actor,
                weapons=weapons,
                places=_places(
                    folded, sentence.matches, (candidate.start, candidate.end), language
                ),
                date=date,
                date_precision=precision,
                date_basis=basis,
                start=sentence.span.start,
                end=sentence.span.end,
                trigger=article.text[base + hit.start : base + hit.end],
                trigger_start=base + hit.start,
                trigger_end=base + hit.end,
                cited_source=cited,
                speaker=speaker,
                negated=negated,
                notes=(f"trigger '{hit.rule.pattern}'", f"actor by {why}"),
            )
        )
    return events


def _compatible_dates(a: ExtractedEvent, b: ExtractedEvent) -> bool:
    if a.date_basis != "text" or b.date_basis != "text" or a.date is None or b.date is None:
        return True
    if "year" in (a.date_precision, b.date_precision):
        return a.date.year == b.date.year
    if "month" in (a.date_precision, b.date_precision):
        return (a.date.year, a.date.month) == (b.date.year, b.date.month)
    return a.date == b.date


def _overlap_or_empty(a: Sequence[str], b: Sequence[str]) -> bool:
    return not a or not b or bool(set(a) & set(b))


def _anchor_score(event: ExtractedEvent) -> tuple[int, int, int]:
    return (event.date_basis == "text", len(event.weapons) + len(event.places), event.start > 0)


def dedupe(events: Sequence[ExtractedEvent]) -> list[ExtractedEvent]:
    """The same event told twice in one article comes out once, from the
    best-anchored sentence (text date first, then the most specific fields)."""
    kept: list[ExtractedEvent] = []
    for event in events:
        for i, other in enumerate(kept):
            if (
                other.type == event.type
                and other.actor == event.actor
                # The same speaker, or the same named weapon, tells the same event.
                and (
                    other.speaker == event.speaker or bool(set(other.weapons) & set(event.weapons))
                )
                and _overlap_or_empty(other.weapons, event.weapons)
                and _overlap_or_empty(other.places, event.places)
                and _compatible_dates(other, event)
            ):
                best, worst = (
                    (event, other)
                    if _anchor_score(event) > _anchor_score(other)
                    else (other, event)
                )
                kept[i] = replace(
                    best,
                    weapons=tuple(dict.fromkeys(best.weapons + worst.weapons)),
                    places=tuple(dict.fromkeys(best.places + worst.places)),
                    notes=(*best.notes, f"merged with the sentence at {worst.start}"),
                )
                break
        else:
            kept.append(event)
    return sorted(kept, key=lambda e: (e.start, e.trigger_start))


def _needs_parse(article: ArticleInput, sentence: Sentence, language: str) -> bool:
    found = actors.candidates(sentence.folded, sentence.matches, language, article.published)
    return len({c.actor for c in found if not c.object_like}) > 1


def extract(article: ArticleInput) -> list[ExtractedEvent]:
    language = detect_language(article.language, article.analysis_text)
    sentences = candidate_sentences(article, language)
    # The parse only chooses between actors: a sentence naming at most one possible
    # actor has nothing for it to decide, and parsing is most of the extractor's time.
    to_parse = [s for s in sentences if s.inherited is None and _needs_parse(article, s, language)]
    parsed = nlp.parse(
        [article.analysis_text[s.span.start : s.span.end] for s in to_parse], language
    )
    by_start = {s.span.start: tokens for s, tokens in zip(to_parse, parsed, strict=True)}
    parses = [by_start.get(s.span.start) for s in sentences]
    events: list[ExtractedEvent] = []
    for sentence, tokens in zip(sentences, parses, strict=True):
        events.extend(sentence_events(article, sentence, language, tokens))
    return dedupe(events)
