"""Modality: is a trigger's statement asserted, or only supposed, asked or denied?

A decision or an appeal counts only when the text asserts it. Hypotheticals ("if
Washington allowed"), speculation and plans ("might allow", "is weighing", "envisage
d'autoriser", "is expected to"), questions, denials ("rejected claims that it had
warned"), undated background ("had previously allowed") and a weapon's capability ("the
missiles will allow Ukraine to...") are not events. Warnings are threats, conditional by
nature, so only a question or a denial removes them. Reported speech keeps its mood:
"he said he would not allow" is a decision, "the UK would allow" is speculation.

Every cue list is in app/data/lexicon/modality.yaml."""

from collections.abc import Sequence
from functools import cache

from app.extract.cues import Phrases, WordSet, phrases
from app.extract.roles import words as syntax_words
from app.extract.tokens import Tokens
from app.resources import load

_SEGMENT_BREAKS = frozenset({",", ";", ":", '"', "(", ")", "?", "!", "—", "–"})


@cache
def _words(name: str, language: str) -> WordSet:
    table = load("lexicon/modality.yaml")[name]
    return WordSet(table[language] if isinstance(table, dict) else table)


def _phrases(name: str, language: str) -> Phrases:
    return phrases("modality", name, language)


def _window() -> int:
    return int(load("lexicon/modality.yaml")["speculative"]["window"])


def segment_words(tokens: Tokens, position: int, limit: int = 40) -> list[str]:
    """Words before `position` back to the nearest punctuation break (nearest last)."""
    out: list[str] = []
    index = tokens.before(position)
    while index >= 0 and len(out) < limit:
        text = tokens[index].text
        if text in _SEGMENT_BREAKS:
            break
        if tokens[index].is_word:
            out.append(text)
        index -= 1
    out.reverse()
    return out


def _reported(tokens: Tokens, position: int, language: str) -> bool:
    """A verb of saying before the trigger in its sentence: indirect speech."""
    speech = syntax_words("speech_verbs", language)
    return any(w in speech for w in tokens.words_before(position, 25))


def _conditional_mood(tokens: Tokens, start: int, end: int, language: str) -> bool:
    table = load("lexicon/modality.yaml")["conditional_mood"]
    near = tokens.words_before(start, 3)
    if language == "en":
        return any(w in table["en"] for w in near)
    own = tokens.words_after(start, 1)
    suffixes = tuple(table["fr_suffixes"])
    reported = set(table["fr_reported"])
    return any(
        w.endswith(suffixes) and len(w) > 5 and w not in reported for w in [*near[-2:], *own]
    )


def mood(
    tokens: Tokens,
    start: int,
    end: int,
    event_type: str,
    language: str,
    *,
    sentence_has_date: bool,
    is_question: bool,
    permission: bool = False,
    appeal_at: int | None = None,
) -> str | None:
    """None when the trigger at [start, end) is asserted, else why it is not an event.

    `permission`: the trigger states what the user may do ("may only be used"), so its
    modals are deontic, not speculative. `appeal_at`: the offset of the appeal that
    governs the trigger ("urged allies to consider lifting"): the appeal is what must be
    asserted, what it asks for may well be a plan."""
    before = tokens.words_before(start, 40)
    if is_question or _phrases("question", language).found_in(segment_words(tokens, start)):
        return "question"
    if _denied(before, language):
        return "denied"
    if event_type == "warning":
        return None
    if any(w in _words("hedges", language) for w in before[-2:]):
        return "disputed (a so-called limit)"
    criticism = load("lexicon/modality.yaml")["criticism"]
    if any(w in _words("criticism", language) for w in before[-int(criticism["window"]) :]):
        return "criticism of a past policy"
    segment = segment_words(tokens, start, 25)
    if _phrases("conditional", language).found_in(segment):
        return "hypothetical"
    near = segment_words(tokens, appeal_at, 25) if appeal_at is not None else segment
    near = near[-_window() :]
    if permission:
        deontic = _words("permission_modals", language)
        reported = _words("reported_permission_modals", language)
        in_reported_speech = _reported(tokens, start, language)
        near = [w for w in near if w not in deontic and not (in_reported_speech and w in reported)]
    if _phrases("speculative", language).found_in(near):
        return "speculative"
    if _conditional_mood(tokens, start, end, language) and not _reported(tokens, start, language):
        return "speculative"
    if not sentence_has_date and _phrases("background", language).found_in(before):
        return "undated background"
    if _phrases("background_clause", language).found_in(segment[-8:]):
        return "background clause"
    if segment and segment[0] in _words("relative_background", language):
        opener = tokens.before(start)
        while opener >= 0 and tokens[opener].text != segment[0]:
            opener -= 1
        if opener > 0 and tokens[opener - 1].text == ",":
            return "relative clause"
    return None


def _denied(before: Sequence[str], language: str) -> bool:
    denial = _words("denial", language)
    objects = _words("denial_objects", language)
    for i, word in enumerate(before):
        # The denial governs what follows it ("denied that", "rejected claims that", "a
        # démenti avoir"); "was denied" alone is a refusal of permission, not a denial.
        if word in denial and any(w in objects for w in before[i + 1 : i + 4]):
            return True
    return False


def is_capability(tokens: Tokens, start: int, language: str, actor_offsets: Sequence[int]) -> bool:
    """An allowing verb whose own subject is a weapon ("the missiles will allow...",
    "weapons that can strike Russia", "ces systèmes permettraient de toucher"); a
    passive permission ("the weapons can be used on its soil") is no capability."""
    if any(w in _words("passive_auxiliaries", language) for w in tokens.words_after(start, 3)[1:]):
        return False
    subjects = _words("capability_subjects", language)
    relatives = _words("relative_pronouns", language)
    clause_openers = syntax_words("clause_openers", language)
    index = tokens.before(start)
    for _ in range(6):
        if index < 0:
            return False
        token = tokens[index]
        if any(token.start <= offset < token.end for offset in actor_offsets):
            return False
        if token.text in relatives:
            # "weapons that can strike": the relative clause's antecedent is the subject.
            return index > 0 and tokens[index - 1].text in subjects
        if token.text in _SEGMENT_BREAKS or token.text in clause_openers:
            return False
        if token.text in subjects:
            return True
        index -= 1
    return False


def own_weapons(tokens: Tokens, start: int, end: int, language: str) -> bool:
    """The statement is about Ukraine's own weapons, not supplied ones."""
    window = int(load("lexicon/polarity.yaml")["own_weapons"]["window"])
    near = tokens.words_before(start, window) + tokens.words_after(end, window)
    return phrases("polarity", "own_weapons", language).found_in(near)
