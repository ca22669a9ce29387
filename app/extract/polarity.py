"""Polarity: what a trigger states once negation, appeals and limits are read.

- A negated permission restricts ("has not authorized", "n'a pas autorisé"); a negated
  limit authorizes ("places no caps on", "n'imposent pas de restrictions", "no objection");
  a negated warning or appeal is no event ("we never threatened anyone").
- An authorization governed by an appeal word is a request ("should be allowed", "urged
  allies to lift the limits", "le moment est venu de lever les restrictions").
- Use confined to Ukraine's own soil restricts everything beyond it ("can only use the
  jets on its territory", "ne peuvent être employées que sur le sol ukrainien").
- A refusal to supply is a restriction only when tied to strikes on Russia or escalation.

Cue lists: app/data/lexicon/polarity.yaml and the negation cues in cues.yaml."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from app.extract import negation
from app.extract.cues import Phrases, WordSet, phrases
from app.extract.tokens import Tokens
from app.extract.triggers import TriggerHit
from app.resources import load

_WORD = re.compile(r"\w+")


def _table(name: str) -> Any:
    return load("lexicon/polarity.yaml")[name]


def _phrases(name: str, language: str, key: str | None = None) -> Phrases:
    return phrases("polarity", name, language, key)


@cache
def _negators(language: str) -> frozenset[str]:
    return frozenset(str(w) for w in _table("pattern_negators")[language])


@dataclass(frozen=True)
class Reading:
    type: str
    negated: bool


def read(tokens: Tokens, hit: TriggerHit, language: str) -> Reading | None:
    """The event type a trigger states, or None when it states none."""
    # A trigger that is an event only when negated ("did not use") needs a negation
    # that governs it directly, not the negation of an earlier word.
    direct = hit.rule.requires_negation
    window = 6 if direct else None
    # A gap pattern may hold its negation inside ("the policy has not changed"),
    # unless the negation is a word of the pattern itself ("no problem with").
    inner = _WORD.findall(tokens.folded[hit.start : hit.head_start])
    own_negator = any(
        alternative in _negators(language)
        for word in hit.rule.pattern.split()
        for alternative in word.split("|")
    )
    negated = negation.is_negated(tokens, hit.start, hit.end, language, window, direct=direct) or (
        hit.head_start != hit.start
        and not own_negator
        and negation.is_negated(tokens, hit.head_start, hit.end, language, window, direct=direct)
    )
    if direct and any(w in _word_set_plain("reversers", language) for w in inner):
        return None  # "do not intend to prevent attacks" negates the preventing
    event_type = hit.rule.type
    if hit.rule.requires_negation or hit.rule.pledge:
        return Reading(event_type, True) if negated or hit.rule.pledge else None
    if negated:
        flips: dict[str, str] = _table("negation_flips")
        if event_type not in flips:
            return None  # a denied warning or appeal is no event
        event_type = flips[event_type]
    return Reading(event_type, negated)


def request_cue(tokens: Tokens, start: int, language: str) -> tuple[str, int] | None:
    """The appeal governing the trigger: ("appeal", position) for a verb of asking
    ("urged allies to lift"), ("modal", position) for "should", "devraient", "il est temps
    de"; None when the trigger is not governed by an appeal."""
    window = int(_table("request_cues")["window"])
    index = tokens.before(start)
    seen: list[str] = []
    while index >= 0 and len(seen) < window:
        token = tokens[index]
        if token.is_word:
            seen.insert(0, token.text)
            for kind in ("appeal", "modal"):
                if 0 in _phrases("request_cues", language, kind).positions(seen[:4]):
                    return kind, token.start
        index -= 1
    return None


def is_non_event(tokens: Tokens, hit: TriggerHit, language: str) -> bool:
    """The trigger is part of a phrase that states nothing ("request for comment")."""
    around = tokens.words_before(hit.start, 4) + tokens.words_after(hit.start, 6)
    return _phrases("non_events", language).found_in(around)


def restricted_use(tokens: Tokens, language: str) -> tuple[int, int] | None:
    """Span of the use word of a use confined to Ukraine's own soil, if any: a
    restricting word shortly before the own-territory phrase ("only inside Ukraine",
    "ne ... que sur le sol ukrainien"), and a use word near it."""
    words = [t for t in tokens.items if t.is_word]
    texts = [t.text for t in words]
    territories = _phrases("restricted_use", language, "own_territory").positions(texts)
    if not territories:
        return None
    restricting = _phrases("restricted_use", language, "restricting").positions(texts)
    uses = _phrases("restricted_use", language, "use").words
    for place in territories:
        cues = [i for i in restricting if place - 14 <= i <= place and _restricting_here(texts, i)]
        if not cues:
            continue
        near = [
            i for i in range(max(0, place - 12), min(len(texts), place + 4)) if texts[i] in uses
        ]
        if near:
            use = min(near, key=lambda i: abs(i - place))
            return words[use].start, words[use].end
    return None


def _restricting_here(texts: Sequence[str], index: int) -> bool:
    """French "que" restricts only as "ne ... que" ("ne peuvent être employées que")."""
    if texts[index] in ("que", "qu"):
        return any(w in ("ne", "n") for w in texts[max(0, index - 5) : index])
    return True


def banned_place() -> str:
    return str(_table("restricted_use")["banned_place"])


def supply_has_reason(texts: Sequence[str], language: str) -> bool:
    """Words tying a refusal to supply to strikes on Russia or to escalation."""
    words = [w for text in texts for w in _WORD.findall(text)]
    return _phrases("supply_reasons", language).found_in(words)


def actor_allowed(event_type: str, actor: str, *, own_use: bool = False) -> bool:
    """Whether `actor` can be the actor of `event_type` in this domain; `own_use`: the
    restriction is a pledge or a statement about one's own use of the weapons."""
    table = _table("actor_rules")
    rules = table.get(event_type, {})
    if "only" in rules and actor not in rules["only"]:
        return False
    if event_type == "restriction" and actor in table["self_restriction_only"] and not own_use:
        return False
    if event_type == "restriction" and actor in table["advocates"]:
        return False  # NATO or the EU supply no weapons of their own to restrict
    return actor not in rules.get("never", [])


def permission_modal(tokens: Tokens, start: int, language: str) -> bool:
    """A modal of permission right before a trigger ("cannot use", "ne peuvent être")."""
    modals = _word_set_plain("permission_modals", language)
    return any(w in modals for w in tokens.words_before(start, 4))


@cache
def _word_set_plain(name: str, language: str) -> WordSet:
    return WordSet(_table(name)[language])


def is_advocate(actor: str) -> bool:
    """Organisations that supply no weapons: their 'authorization' is an appeal."""
    return actor in _table("actor_rules")["advocates"]


def request_in_scope(tokens: Tokens, hit: TriggerHit, language: str, named_weapon: bool) -> bool:
    """An appeal for far-reaching weapons or for leave to use them (not for help,
    training or talks)."""
    table = _table("request_objects")
    off_scope = _table("off_scope_objects")
    first_words = tokens.words_after(hit.end, int(off_scope["window"]))
    if any(w in WordSet(off_scope[language]) for w in first_words):
        return False  # "requested assistance to train pilots": not weapons or leave
    if named_weapon:
        return True
    objects = _word_set_plain_from(table[language])
    after = tokens.words_after(hit.start, int(table["window"]) + len(hit.text.split()))
    return any(w in objects for w in after)


def _word_set_plain_from(entries: Any) -> WordSet:
    return WordSet(entries)


def warning_has_content(
    tokens: Tokens, hit: TriggerHit, hits: Sequence[TriggerHit], language: str
) -> bool:
    """A bare verb of warning states a threat: another warning in the sentence, or a
    warning against something ("warned the West against", "a mis en garde contre")."""
    if any(h is not hit and h.rule.type == "warning" for h in hits):
        return True
    after = tokens.words_after(hit.end, int(_table("warning_content")["window"]))
    return _phrases("warning_content", language).found_in(after)


def russian_user(hit: TriggerHit, language: str) -> bool:
    """The use a trigger allows or prevents is by Russia's forces ("empêcher les troupes
    russes de frapper", "prevent Russian forces from striking"): not Ukraine's use."""
    gap = _WORD.findall(hit.text)[1:-1]
    russian = _word_set_plain("russian_users", language)
    forces = _word_set_plain("armed_forces", language)
    return any(
        w in russian and any(f in forces for f in gap[max(0, i - 1) : i + 2])
        for i, w in enumerate(gap)
    )


def limited_to_place(
    tokens: Tokens, hit: TriggerHit, place_starts: Sequence[int], language: str
) -> bool:
    """A limit to a named place ("limite l'emploi des ATACMS à la région de Koursk")."""
    table = _table("limited_to")
    head = _WORD.findall(hit.text)[-1] if hit.text else ""
    if head not in WordSet(table["heads"][language]):
        return False
    to = WordSet(table["to"][language])
    first = tokens.at(hit.end)
    for index in range(first, min(len(tokens), first + int(table["window"]))):
        if tokens[index].text in to:
            following = [tokens.at(p) for p in place_starts]
            return any(0 < f - index <= 4 for f in following)
    return False
