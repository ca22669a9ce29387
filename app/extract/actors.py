"""Who decided or said it: actor candidates of a sentence and the choice among them.

A person counts as the actor they spoke for on the day (gazetteer roles); a demonym
counts only next to an office word ("le ministre russe"); a country name right after a
recipient word ("à l'Ukraine", "told Kyiv") is the recipient, not the actor."""

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from app.extract.cues import cue_value, cue_words, words_after, words_before
from app.extract.gazetteer import Match
from app.extract.nlp import Token

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Candidate:
    actor: str
    start: int  # offsets in the sentence
    end: int
    speaker: str | None  # the person's name when a person stands for the actor
    object_like: bool  # right after a recipient word: the addressee, not the speaker


def _previous_word(folded: str, position: int) -> str | None:
    determiners = cue_words("determiners")
    for word in reversed(words_before(folded, position, 4)):
        if word not in determiners:
            return word
    return None


def candidates(
    folded: str, matches: Sequence[Match], language: str, day: dt.date | None
) -> list[Candidate]:
    """Actor candidates of one sentence (matches carry sentence offsets)."""
    offices = cue_words("offices", language)
    recipients = cue_words("recipient_before", language)
    window = int(cue_value("offices")["window"])
    out: list[Candidate] = []
    for match in matches:
        if match.kind == "person":
            actor = match.entry.actor_on(day)
            if actor is not None:
                out.append(Candidate(actor, match.start, match.end, match.name, False))
            continue
        if match.kind == "demonym":
            near = words_before(folded, match.start, window) + words_after(
                folded, match.end, window
            )
            if not any(w in offices for w in near):
                continue
        elif match.kind != "actor":
            continue
        previous = _previous_word(folded, match.start)
        out.append(Candidate(match.name, match.start, match.end, None, previous in recipients))
    return out


def _in_span(candidate: Candidate, start: int, end: int) -> bool:
    return start <= candidate.start and candidate.end <= end


def _parse_choice(
    tokens: Sequence[Token], found: Sequence[Candidate], trigger_start: int, speech_act: bool
) -> Candidate | None:
    """Subjects along the head chain from the trigger up to the root: the innermost
    actor subject decides; the outermost one speaks."""
    index = next((i for i, t in enumerate(tokens) if t.start <= trigger_start < t.end), None)
    if index is None:
        return None
    children: dict[int, list[int]] = {}
    for i, token in enumerate(tokens):
        if token.head != i:
            children.setdefault(token.head, []).append(i)

    def subtree(i: int) -> tuple[int, int]:
        lo, hi = tokens[i].start, tokens[i].end
        for child in children.get(i, []):
            c_lo, c_hi = subtree(child)
            lo, hi = min(lo, c_lo), max(hi, c_hi)
        return lo, hi

    def best_in(lo: int, hi: int) -> Candidate | None:
        inside = [c for c in found if _in_span(c, lo, hi) and not c.object_like]
        inside.sort(key=lambda c: (c.speaker is None, c.start))
        return inside[0] if inside else None

    # A nominal trigger names its own actor: "les demandes de l'Ukraine". The owner is
    # the nmod word itself, not its whole subtree (which may hold a relative clause).
    if tokens[index].pos in ("NOUN", "PROPN"):
        for child in children.get(index, []):
            if tokens[child].dep == "nmod":
                word_start, word_end = tokens[child].start, tokens[child].end
                owners = [
                    c
                    for c in found
                    if c.start < word_end and word_start < c.end and not c.object_like
                ]
                if owners:
                    return owners[0]
    chain_subjects: list[Candidate] = []
    seen: set[int] = set()
    while index not in seen:
        seen.add(index)
        conditional = any(
            tokens[c].dep == "mark" and tokens[c].lower in cue_words("conditional_marks")
            for c in children.get(index, [])
        )
        for child in children.get(index, []):
            if not conditional and tokens[child].dep.startswith(("nsubj", "obl:agent")):
                lo, hi = subtree(child)
                if lo <= trigger_start < hi:
                    continue  # the trigger is part of the subject: talk about it, not its actor
                inside = [c for c in found if _in_span(c, lo, hi) and not c.object_like]
                inside.sort(key=lambda c: (c.speaker is None, c.start))
                if inside:
                    chain_subjects.append(inside[0])
        index = tokens[index].head
    if not chain_subjects:
        return None
    return chain_subjects[-1] if speech_act else chain_subjects[0]


def _quote_spans(sentence: str) -> list[tuple[int, int]]:
    marks = [i for i, c in enumerate(sentence) if c == '"']
    return [(marks[i], marks[i + 1]) for i in range(0, len(marks) - 1, 2)]


def choose(
    folded: str,
    found: Sequence[Candidate],
    trigger_start: int,
    event_type: str,
    language: str,
    tokens: Sequence[Token] | None,
) -> tuple[Candidate | None, str]:
    """The actor candidate for the trigger, and which rule chose it (for notes)."""
    speech_act = event_type in cue_value("speech_act_types")
    for q_start, q_end in _quote_spans(folded):
        if q_start < trigger_start < q_end:
            # Inside a quote: the attribution outside the quote speaks.
            # The attribution after a quote follows a speech verb: '"...", a déclaré X'.
            agents = cue_words("agent_before", language)
            speech = cue_words("speech", language)
            after = [
                c
                for c in found
                if c.start > q_end
                and not c.object_like
                and not any(s < c.start < e for s, e in _quote_spans(folded))
                and (
                    any(w in agents for w in _WORD.findall(folded[q_end : c.start]))
                    or any(w in speech for w in words_after(folded, c.end, 2))
                )
            ]
            before = [c for c in found if c.end <= q_start and not c.object_like]
            if after:
                return min(after, key=lambda c: (c.speaker is None, c.start)), "quote attribution"
            if before:
                if speech_act:
                    return min(
                        before, key=lambda c: (c.speaker is None, c.start)
                    ), "quote attribution"
                return before[-1], "quote attribution"
            return None, "quote without attribution"
    if tokens is not None:
        chosen = _parse_choice(tokens, found, trigger_start, speech_act)
        if chosen is not None:
            return chosen, "parse subject"
    before = [c for c in found if c.end <= trigger_start and not c.object_like]
    if before:
        if speech_act:
            return min(before, key=lambda c: (c.speaker is None, c.start)), "first before trigger"
        return before[-1], "nearest before trigger"
    agents = cue_words("agent_before", language)
    for candidate in found:
        if candidate.start > trigger_start and any(
            w in agents for w in words_before(folded, candidate.start, 3)
        ):
            return candidate, "agent after trigger"
    return None, "no actor"
