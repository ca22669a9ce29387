"""The extraction data flow, one sentence at a time with the article's context:

    sentences -> gazetteer names -> roles (roles.py) -> triggers (triggers.py)
      -> polarity (polarity.py) -> modality (modality.py) -> actor (actors.py)
      -> weapons, places, date (dates.py) -> confidence (confidence.py)
    -> one event per decision and actor in the article (dedupe)

The context carries what a later sentence may refer back to: the last named speaker
("he added"), the last subject, the paragraph's date ("On May 21, ... He also said"),
the last event ("Canada followed suit")."""

import datetime as dt
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache

from app.extract import actors, confidence, dates, modality, nlp, polarity, roles, sources
from app.extract.cues import cue_words
from app.extract.gazetteer import Match, gazetteer, generic_weapons, most_specific
from app.extract.language import detect_language
from app.extract.sentences import Span, split_sentences
from app.extract.text import fold
from app.extract.tokens import Tokens
from app.extract.triggers import SAME_AS_PREVIOUS, TriggerHit, TriggerRule, find_triggers
from app.extract.types import ArticleInput, ExtractedEvent, voices_differ
from app.resources import load

# Longer sentences are cut for analysis: a run-on "sentence" of many kilobytes is
# scraping debris, and every stage stays linear in what it reads.
MAX_SENTENCE_CHARS = 1500
_RESTRICTED_USE = TriggerRule(
    type="restriction",
    pattern="(use confined to Ukraine's own territory)",
    regex=re.compile(r"$^"),  # never matched: added by polarity.restricted_use
    recipient_subject=True,
    strength=0.9,
)


class ExtractionTimeout(Exception):
    """The article took longer than its time budget; the file fails with this reason."""


@dataclass
class SentenceView:
    span: Span
    folded: str
    tokens: Tokens
    matches: tuple[Match, ...]
    candidates: list[roles.Candidate]
    paragraph: int
    date_hits: list[dates.DateHit]
    opening_date: dates.DateHit | None  # a date that opens the sentence ("On May 21, ...")
    hits: list[TriggerHit] | None = None  # computed once, when the sentence is read
    parse: list[nlp.Token] | None = None  # French, only where a decision needs it


@dataclass
class Context:
    """What later sentences of the article may refer back to."""

    speaker: roles.Candidate | None = None
    subject: roles.Candidate | None = None
    paragraph: int = -1
    paragraph_date: dates.DateHit | None = None
    last_date: dates.DateHit | None = None
    # The day-precise date of the sentence just before, which a sentence continuing the
    # same statement ("He added...", a quote going on) shares.
    previous_day: dates.DateHit | None = None
    last_event: ExtractedEvent | None = None
    # When a list: why each trigger did or did not become an event (for debugging).
    trace: list[str] | None = None

    def note(self, hit: TriggerHit, outcome: str) -> None:
        if self.trace is not None:
            self.trace.append(f"  [{hit.text}] {hit.rule.type}: {outcome}")

    def enter(self, view: SentenceView) -> None:
        if view.paragraph != self.paragraph:
            self.paragraph = view.paragraph
            self.paragraph_date = None
            self.subject = None
            self.last_event = None
        if view.opening_date is not None:
            self.paragraph_date = view.opening_date

    def leave(self, view: SentenceView, speaker: actors.Speaker | None) -> None:
        people = [c for c in view.candidates if c.person is not None and c.subject_like]
        if speaker is not None and speaker.candidate is not None:
            self.speaker = speaker.candidate
        elif people and speaker is None:
            self.speaker = people[0]  # "Peskov called it a provocation. He added that..."
        elif speaker is not None and speaker.unnamed and not speaker.refers_back:
            self.speaker = None  # "a source said...": a later "he" is not the earlier speaker
        subjects = [c for c in view.candidates if c.subject_like]
        if subjects:
            self.subject = subjects[0]
        elif view.candidates:
            self.subject = None
        days = [d for d in view.date_hits if d.precision == "day"]
        self.previous_day = days[-1] if days else None
        if view.date_hits:
            self.last_date = view.date_hits[-1]


@dataclass(frozen=True)
class _Reading:
    hit: TriggerHit
    type: str
    negated: bool
    choice: actors.Choice
    speaker: actors.Speaker | None = None
    mood_notes: tuple[str, ...] = field(default=())


def _views(article: ArticleInput, language: str) -> list[SentenceView]:
    text = article.analysis_text
    folded_all = fold(text)
    all_matches = gazetteer().find(text, folded_all)
    out: list[SentenceView] = []
    cursor = 0
    paragraph = 0
    previous_end = 0
    for span in split_sentences(text):
        if "\n" in text[previous_end : span.start]:
            paragraph += 1
        previous_end = span.end
        span = Span(span.start, min(span.end, span.start + MAX_SENTENCE_CHARS))
        folded = folded_all[span.start : span.end]
        while cursor < len(all_matches) and all_matches[cursor].end <= span.start:
            cursor += 1
        matches = []
        for match in all_matches[cursor:]:
            if match.start >= span.end:
                break
            if match.end <= span.end:
                matches.append(
                    Match(match.entry, match.start - span.start, match.end - span.start, match.via)
                )
        tokens = Tokens(folded)
        found = dates.find_dates(folded, language, article.published)
        opening = found[0] if found and len(tokens.words_before(found[0].start, 4)) <= 3 else None
        # A person stands for the government they served when the sentence happened.
        day = found[0].date if found else article.published
        out.append(
            SentenceView(
                span=span,
                folded=folded,
                tokens=tokens,
                matches=tuple(matches),
                candidates=roles.find_candidates(
                    tokens, matches, language, day, text[span.start : span.end]
                ),
                paragraph=paragraph,
                date_hits=found,
                opening_date=opening,
            )
        )
    return out


def _is_topical(view: SentenceView, language: str) -> bool:
    if any(m.kind in ("weapon", "place") for m in view.matches):
        return True
    topic = cue_words("topic", language)
    return any(t.text in topic for t in view.tokens.items)


def _weapons(view: SentenceView, trigger_start: int) -> tuple[str, ...]:
    """The weapons of the trigger's own clause when it names some (the fewest clause
    breaks away), else of the sentence; named systems before the generic class."""
    named = [m for m in view.matches if m.kind == "weapon"]
    if not named:
        return ()
    distance = {
        id(m): dates.breaks_between(view.tokens, m.start, m.end, trigger_start) for m in named
    }
    nearest = min(distance.values())
    named = [m for m in named if distance[id(m)] == nearest]
    specific = [m.name for m in named if not m.entry.generic]
    names = specific or [m.name for m in named]
    return tuple(dict.fromkeys(names))


def _places(
    view: SentenceView,
    actor_span: tuple[int, int],
    language: str,
    reach: tuple[int, int] | None = None,
) -> tuple[str, ...]:
    """The places of the sentence (within `reach` when several decisions share it)."""
    cues = cue_words("place_before", language)
    names: list[str] = []
    for match in view.matches:
        if reach is not None and not reach[0] <= match.start < reach[1]:
            continue
        if match.kind == "place":
            names.append(match.name)
        elif (
            match.kind == "actor"
            and match.entry.as_place
            and (match.start, match.end) != actor_span
            # "frapper la Russie", "strikes in Russia": the country as a target.
            and any(w in cues for w in view.tokens.words_before(match.start, 3))
        ):
            names.append(match.entry.as_place)
    return tuple(dict.fromkeys(names))


def _date(
    view: SentenceView,
    trigger_start: int,
    article: ArticleInput,
    context: Context,
    attribution_date: dates.DateHit | None,
    continues: bool = False,
) -> tuple[dt.date | None, str | None, str, str]:
    """(date, precision, basis, how it was found)."""
    chosen = dates.choose(view.date_hits, view.tokens, trigger_start)
    if chosen is not None:
        return chosen.date, chosen.precision, "text", "date in the sentence"
    if attribution_date is not None:
        found = attribution_date
        return found.date, found.precision, "text", "date of the attribution that follows"
    if dates.refers_back(view.folded, article.language or "en") and context.last_date:
        last = context.last_date
        return last.date, last.precision, "text", "the same day as the previous date"
    if continues and context.previous_day is not None:
        # "He added...", "the official said", a quote going on: the same statement.
        last = context.previous_day
        return last.date, last.precision, "text", "the statement the sentence continues"
    if context.paragraph_date is not None:
        last = context.paragraph_date
        return last.date, last.precision, "text", "the paragraph's opening date"
    if article.published is None:
        return None, None, "undated", "no date"
    return article.published, article.published_precision or "day", "published", "publication date"


def _speaker_phrase(
    text: str, candidate: roles.Candidate, speaker: actors.Speaker | None, language: str
) -> str | None:
    """Who said it, when a person or an office speaks for the actor."""
    for who in (speaker.candidate if speaker else None, candidate):
        if who is not None and who.actor == candidate.actor:
            if who.person is not None:
                return who.person
            if who.how == "office":
                phrase = text[who.phrase_start : max(who.end, who.phrase_end)].strip()
                head, _, rest = phrase.partition(" ")
                if rest and fold(head).rstrip("'") in roles.words("articles", language):
                    phrase = rest
                return phrase or None
    return None


def _claims_for_another(
    speaker: actors.Speaker | None, choice: actors.Choice, event_type: str, hit: TriggerHit
) -> bool:
    """An official of one government telling another government's decision ("Ukraine's
    defence minister says there are no US restrictions") reports a claim, not a decision
    of the speaker's own; promises are told by whoever states them."""
    if hit.rule.pledge or event_type == "request":
        return False
    said_by = speaker.candidate if speaker else None
    if said_by is None or said_by.actor == choice.candidate.actor:
        return False
    if said_by.group == choice.candidate.group:
        return False  # "the Netherlands and Sweden have said...": each speaks for itself
    # A warning is Russia's own words: another government's official telling of Russia's
    # "provocations" is no Russian warning.
    return event_type != "warning" or said_by.person is not None


def _no_policy_force(view: SentenceView, candidate: roles.Candidate, language: str) -> bool:
    """A commentator, expert, legislator or former official voices an opinion (a person
    in office on the day is never one: "former president Biden authorized in 2024")."""
    if candidate.person is not None:
        return False
    forceless = modality._words("no_policy_force", language)
    phrase = (
        view.tokens.words_before(candidate.phrase_start, 3)
        + view.folded[candidate.phrase_start : candidate.end].split()
    )
    return any(w in forceless for w in phrase)


def _hits(view: SentenceView, language: str) -> list[TriggerHit]:
    hits = find_triggers(view.folded, language)
    confined = polarity.restricted_use(view.tokens, language)
    if confined is None:
        return hits
    start, end = confined
    # The restricted reading replaces the permission it limits ("can only use"): a
    # permission given to the user, or one right around the use word.
    kept = [
        h
        for h in hits
        if h.rule.type != "authorization"
        or not (h.rule.recipient_subject or abs(h.start - start) < 60 or h.start <= start < h.end)
    ]
    kept.append(TriggerHit(_RESTRICTED_USE, start, end, start, view.folded[start:end]))
    return sorted(kept, key=lambda h: h.start)


def sentence_events(
    article: ArticleInput,
    view: SentenceView,
    following: SentenceView | None,
    context: Context,
    language: str,
) -> tuple[list[ExtractedEvent], actors.Speaker | None]:
    # "Ukraine has the right to use them. This was announced by spokesman Ned Price."
    forward = None
    if following is not None and following.paragraph == view.paragraph:
        forward = actors.attribution_only(following.tokens, following.candidates, language)
    folded, tokens = view.folded, view.tokens
    quotes = actors.quote_spans(folded)
    is_question = article.analysis_text[view.span.start : view.span.end].rstrip().endswith("?")
    has_date = bool(view.date_hits)
    sentence_speaker: actors.Speaker | None = None
    readings: list[_Reading] = []
    hits = view.hits if view.hits is not None else _hits(view, language)
    for hit in hits:
        if hit.rule.type == SAME_AS_PREVIOUS:
            # The same as the last decision read, in this sentence or before it.
            if readings:
                reading = polarity.Reading(readings[-1].type, False)
            elif context.last_event is not None:
                reading = polarity.Reading(context.last_event.type, False)
            else:
                continue
        else:
            found = polarity.read(tokens, hit, language)
            if found is None:
                context.note(hit, "no event by polarity (negation required or negated speech act)")
                continue
            reading = found
        event_type = reading.type
        if (
            event_type == "restriction"
            and not reading.negated
            and polarity.limited_to_place(
                tokens, hit, [m.start for m in view.matches if m.kind == "place"], language
            )
        ):
            event_type = "authorization"  # a limit to a place allows that place
        if hit.rule.needs_content and not polarity.warning_has_content(tokens, hit, hits, language):
            context.note(hit, "a verb of warning with no threat in the sentence")
            continue
        if hit.rule.supply and not polarity.supply_has_reason(
            [folded, following.folded if following else ""], language
        ):
            context.note(hit, "refusal to supply with no reason tied to Russia")
            continue
        appeal = (
            polarity.request_cue(tokens, hit.start, language)
            if event_type == "authorization"
            else None
        )
        why_not = modality.mood(
            tokens,
            hit.start,
            hit.end,
            event_type,
            language,
            sentence_has_date=has_date,
            is_question=is_question,
            permission=hit.rule.recipient_subject,
            appeal_at=appeal[1] if appeal is not None else None,
            perception=hit.rule.perception,
        )
        # Undated background still counts when an official in office says it: their
        # statement is policy ("Previously, the minister had said the strikes were legal").
        background = why_not == "undated background"
        if why_not is not None and not background:
            context.note(hit, f"not asserted: {why_not}")
            continue
        if polarity.russian_user(hit, language):
            context.note(hit, "about Russia's use of weapons, not Ukraine's")
            continue
        if polarity.is_non_event(tokens, hit, language):
            context.note(hit, "a phrase that states nothing")
            continue
        if event_type == "restriction" and polarity.off_scope_limit(tokens, hit, language):
            context.note(hit, "a limit on troops, sanctions or aid, not on the weapons' use")
            continue
        if hit.rule.type == "request" and not polarity.request_in_scope(
            tokens,
            hit,
            language,
            any(m.kind == "weapon" and not m.entry.generic for m in view.matches),
        ):
            context.note(
                hit, "an appeal for something other than far-reaching weapons or their use"
            )
            continue
        if appeal is not None:
            event_type = "request"
        if event_type in ("authorization", "restriction") and modality.own_weapons(
            tokens, hit.start, hit.end, language
        ):
            context.note(hit, "about Ukraine's own weapons")
            continue
        if event_type == "authorization" and modality.is_capability(
            tokens, hit.start, language, [c.start for c in view.candidates]
        ):
            context.note(hit, "a weapon's capability")
            continue
        # "we do not use them" is Ukraine's own choice; "Ukraine cannot use them" is the
        # supplier's rule.
        own_use = hit.rule.requires_negation and hit.rule.type == "restriction"
        recipient_subject = hit.rule.recipient_subject
        if own_use and polarity.permission_modal(tokens, hit.start, language):
            own_use, recipient_subject = False, True
        speaker = actors.find_speaker(tokens, view.candidates, hit.start, language, quotes)
        if forward is not None and (speaker is None or speaker.candidate is None):
            speaker = forward
        sentence_speaker = sentence_speaker or speaker
        choices = actors.choose(
            tokens,
            view.candidates,
            (hit.start, hit.end),
            event_type,
            parsed_subjects=(
                nlp.subject_spans(view.parse, hit.start)
                if view.parse is not None and event_type in DECISIONS
                else []
            ),
            pledge=hit.rule.pledge,
            recipient_subject=recipient_subject,
            appeal=appeal,
            own_use_negation=own_use,
            speaker=speaker,
            inherited_speaker=context.speaker,
            inherited_subject=context.subject,
            quotes=quotes,
            language=language,
        )
        if not choices:
            context.note(hit, f"{event_type}: no allowed actor (speaker {speaker})")
        for choice in choices:
            if background and choice.candidate.person is None:
                context.note(hit, "not asserted: undated background")
                continue
            if _claims_for_another(speaker, choice, event_type, hit):
                context.note(hit, f"{choice.candidate.actor}: another government's claim about it")
                continue
            if _no_policy_force(view, choice.candidate, language):
                context.note(hit, f"{choice.candidate.actor}: speaker without policy force")
                continue
            context.note(hit, f"{event_type} by {choice.candidate.actor} ({choice.how})")
            final_type = event_type
            if final_type == "authorization" and polarity.is_advocate(choice.candidate.actor):
                final_type = "request"  # NATO or the EU saying strikes are allowed: advocacy
            readings.append(_Reading(hit, final_type, reading.negated, choice, speaker))
    attribution_date = (
        following.date_hits[0]
        if forward is not None and following and following.date_hits
        else None
    )
    kept = _one_per_actor(readings)
    events = [
        _event(article, view, r, context, language, attribution_date, _place_reach(r, kept))
        for r in kept
    ]
    if not sentence_speaker:
        sentence_speaker = actors.find_speaker(tokens, view.candidates, 0, language, quotes)
    return events, sentence_speaker


DECISIONS = frozenset({"authorization", "restriction"})


def _needs_parse(view: SentenceView, language: str) -> bool:
    """A French decision with two or more possible subjects before it: the rules may
    hesitate, the parse says which is the subject of its clause."""
    if language != "fr" or not view.hits:
        return False
    for hit in view.hits:
        if hit.rule.type in DECISIONS or hit.rule.type == SAME_AS_PREVIOUS:
            before = {c.actor for c in view.candidates if c.subject_like and c.end <= hit.start}
            if len(before) > 1:
                return True
    return False


def _parse_needed(article: ArticleInput, views: Sequence[SentenceView], language: str) -> None:
    """Parse, in one batch, the sentences that need it (parsing is most of the cost)."""
    wanted = [v for v in views if _needs_parse(v, language)]
    texts = [article.analysis_text[v.span.start : v.span.end] for v in wanted]
    for view, parse in zip(wanted, nlp.parse(texts, language), strict=True):
        view.parse = parse


def _one_per_actor(readings: list[_Reading]) -> list[_Reading]:
    """One reading per type and actor in a sentence. A decision read inside an appeal
    by the same actor is the appeal's content, not a separate decision, and the scope
    limit that follows an authorization is no separate restriction (a ban stated first,
    "but Crimea is fair game", is one)."""
    by_key: dict[tuple[str, str], _Reading] = {}
    for reading in readings:
        key = (reading.type, reading.choice.candidate.actor)
        best = by_key.get(key)
        if best is None or reading.hit.rule.strength > best.hit.rule.strength:
            by_key[key] = reading
    pledges = [r.hit for r in readings if r.hit.rule.pledge or r.type == "restriction"]
    kept = []
    for (event_type, actor), reading in by_key.items():
        if reading.hit.rule.requires_negation and any(
            p.end <= reading.hit.start < p.end + 60 and p is not reading.hit for p in pledges
        ):
            continue  # "guarantees that the weapons won't be used to attack": one pledge
        appeal = by_key.get(("request", actor))
        if (
            event_type in ("authorization", "restriction")
            and appeal is not None
            and appeal.hit.start < reading.hit.start < appeal.hit.end + 80
        ):
            continue
        permission = by_key.get(("authorization", actor))
        if (
            event_type == "restriction"
            and permission is not None
            and permission.hit.start < reading.hit.start
        ):
            continue  # "allowed strikes near Kharkiv, but not deeper": the scope's edge
        kept.append(reading)
    return sorted(kept, key=lambda r: r.hit.start)


def _place_reach(reading: _Reading, kept: Sequence[_Reading]) -> tuple[int, int] | None:
    """Where a decision's places may be when the sentence holds decisions of two types
    ("bans their use in Russia but allows strikes on Crimea"): from the sentence's start
    (the first decision) or its own trigger, up to the next decision's trigger."""
    if len({r.type for r in kept}) < 2:
        return None
    starts = sorted({r.hit.start for r in kept})
    position = starts.index(reading.hit.start)
    lo = 0 if position == 0 else reading.hit.start
    hi = starts[position + 1] if position + 1 < len(starts) else 1 << 30
    return lo, hi


def _event(
    article: ArticleInput,
    view: SentenceView,
    reading: _Reading,
    context: Context,
    language: str,
    attribution_date: dates.DateHit | None,
    place_reach: tuple[int, int] | None = None,
) -> ExtractedEvent:
    hit, candidate = reading.hit, reading.choice.candidate
    base = view.span.start
    speaker = reading.speaker
    continues = speaker is not None and (
        speaker.refers_back or speaker.how == "quote without attribution"
    )
    date, precision, basis, date_how = _date(
        view, hit.start, article, context, attribution_date, continues
    )
    places = _places(view, (candidate.start, candidate.end), language, place_reach)
    if hit.rule is _RESTRICTED_USE:
        places = tuple(dict.fromkeys((*places, polarity.banned_place())))
    weapons = _weapons(view, hit.start)
    if hit.rule.type == SAME_AS_PREVIOUS and context.last_event is not None:
        weapons = weapons or context.last_event.weapons
        places = places or context.last_event.places
    if reading.type == "authorization":
        places = narrowest_places(places)
    sentence_text = article.text[view.span.start : view.span.end]
    score = confidence.score(
        trigger_strength=hit.rule.strength,
        actor_how=reading.choice.how,
        date_basis=basis,
    )
    return ExtractedEvent(
        type=reading.type,
        actor=candidate.actor,
        weapons=weapons,
        places=places,
        date=date,
        date_precision=precision,
        date_basis=basis,
        start=view.span.start,
        end=view.span.end,
        trigger=article.text[base + hit.start : base + hit.end],
        trigger_start=base + hit.start,
        trigger_end=base + hit.end,
        cited_source=sources.cited_source(view.folded, view.matches, language),
        speaker=_speaker_phrase(sentence_text, candidate, reading.speaker, language),
        voice=(reading.speaker.voice if reading.speaker else None)
        or (f"person:{candidate.person}" if candidate.person else None),
        lede=view.paragraph <= 1,
        negated=reading.negated,
        confidence=score,
        notes=(
            f"trigger '{hit.rule.pattern}'",
            f"actor by {reading.choice.how} ({candidate.how})",
            f"date from {date_how}",
        ),
    )


def _compatible_dates(a: ExtractedEvent, b: ExtractedEvent) -> bool:
    """The same date windows as clustering across articles (dates.window), except that
    one article naming two different days speaks of two different days, and that the
    headline or the opening paragraph, dated only by publication, may retell any dated
    reading."""
    if (
        a.date_basis == b.date_basis == "text"
        and a.date_precision == b.date_precision == "day"
        and a.date != b.date
    ):
        return False
    if (a.date_basis == "published" and a.lede) or (b.date_basis == "published" and b.lede):
        return True  # the headline or the lede retells the article's news
    return dates.windows_overlap(
        dates.window(a.date, a.date_precision, a.date_basis),
        dates.window(b.date, b.date_precision, b.date_basis),
    )


def _overlap_or_empty(
    a: Sequence[str], b: Sequence[str], generic: frozenset[str] = frozenset()
) -> bool:
    """Compatible name sets: either is empty or generic, or they share a name."""
    a_set, b_set = set(a) - generic, set(b) - generic
    return not a_set or not b_set or bool(a_set & b_set)


@cache
def _scope_parents() -> dict[str, str]:
    """Place name -> the wider place it lies in (app/data/state/scopes.yaml)."""
    parents: dict[str, str] = {}

    def walk(nodes: Sequence[dict[str, object]], parent: str | None) -> None:
        for node in nodes:
            name = str(node["name"])
            if parent is not None:
                parents[name] = parent
            walk(node.get("children", []) or [], name)  # type: ignore[arg-type]

    walk(load("state/scopes.yaml")["scopes"], None)
    return parents


def narrowest_places(places: Sequence[str]) -> tuple[str, ...]:
    """A permission for an area inside a wider one is scoped to that area ("allowed
    strikes on Russian territory near Kharkiv" -> Kharkiv): the wider place goes."""
    parents = _scope_parents()
    wider: set[str] = set()
    for place in places:
        while place in parents:
            place = parents[place]
            wider.add(place)
    return tuple(p for p in dict.fromkeys(places) if p not in wider)


def _merged_places(event_type: str, places: Sequence[str]) -> tuple[str, ...]:
    if event_type == "authorization":
        return narrowest_places(places)
    return tuple(dict.fromkeys(places))


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
                # The same voice, or the same named weapon, tells the same event.
                and (
                    not voices_differ(other.voice, event.voice)
                    or bool((set(other.weapons) & set(event.weapons)) - generic_weapons())
                )
                and _overlap_or_empty(other.weapons, event.weapons, generic_weapons())
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
                    weapons=most_specific(best.weapons + worst.weapons),
                    places=_merged_places(best.type, best.places + worst.places),
                    confidence=max(best.confidence, worst.confidence),
                    notes=(*best.notes, f"merged with the sentence at {worst.start}"),
                )
                break
        else:
            kept.append(event)
    return sorted(kept, key=lambda e: (e.start, e.trigger_start))


def _check(deadline: float | None, budget: float | None, where: str, sentences: int) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise ExtractionTimeout(
            f"extraction took longer than its budget of {budget:g} s "
            f"(stopped {where} of {sentences} sentences)"
        )


def _readable(views: Sequence[SentenceView], index: int, language: str) -> bool:
    """Worth reading for events: the sentence or a neighbour speaks of weapons, strikes
    or places ('"There will always be a response", Putin warned' after a sentence on the
    missiles)."""
    return any(_is_topical(v, language) for v in views[max(0, index - 1) : index + 2])


def extract(
    article: ArticleInput, time_budget: float | None = None, trace: list[str] | None = None
) -> list[ExtractedEvent]:
    deadline = time.monotonic() + time_budget if time_budget else None
    language = detect_language(article.language, article.analysis_text)
    article = replace(article, language=language)
    views = _views(article, language)
    readable = [_readable(views, index, language) for index in range(len(views))]
    for view, read in zip(views, readable, strict=True):
        if read:
            view.hits = _hits(view, language)
    _check(deadline, time_budget, "before parsing", len(views))
    _parse_needed(article, [v for v, read in zip(views, readable, strict=True) if read], language)
    context = Context(trace=trace)
    events: list[ExtractedEvent] = []
    for index, view in enumerate(views):
        _check(deadline, time_budget, f"at sentence {index + 1}", len(views))
        context.enter(view)
        if trace is not None:
            roles_seen = ", ".join(f"{c.actor}/{c.role}" for c in view.candidates)
            trace.append(f"S{index} p{view.paragraph} {view.folded[:150]!r} [{roles_seen}]")
        speaker = None
        if readable[index] and (view.candidates or context.speaker is not None):
            following = views[index + 1] if index + 1 < len(views) else None
            found, speaker = sentence_events(article, view, following, context, language)
            events.extend(found)
            if found:
                context.last_event = found[-1]
        if speaker is None and view.candidates:
            quotes = actors.quote_spans(view.folded)
            speaker = actors.find_speaker(view.tokens, view.candidates, 0, language, quotes)
        context.leave(view, speaker)
    return dedupe(events)
