"""Who each name is in its sentence: the role of every actor candidate.

A name is a possible actor only in some positions. Its role comes from the function
word that governs its noun phrase, found by walking back over determiners, titles and
other names of the same phrase ("the new US Defense Secretary Lloyd Austin"):

- subject: nothing governs it ("Norway lets Kyiv...");
- possessor: "of"/"de" or "'s" with an agentive noun ("Italy's foreign minister", "la
  décision des États-Unis", "le porte-parole du Kremlin");
- agent: "by"/"par" (the agent of a passive), or supplier after a supply verb
  ("weapons supplied by Italy");
- source: "according to", "selon";
- member: "including", "dont", "notamment": plays its phrase's part;
- object: right after a verb of telling, asking or allowing ("told Kyiv", "lets Kyiv");
- oblique: inside any other prepositional phrase ("in Russia", "à Washington");
- supplier: owns the weapons ("US-supplied", "British missiles", "armes polonaises");
- modifier: qualifies a group ("NATO countries", "Ukraine's supporters").

A demonym names an actor only next to an office word ("the Czech foreign minister"); a
person stands for the actor they served on the day. Names coordinated in one phrase
("the US and the UK", "la Lituanie, la Lettonie et l'Estonie") share a group and a role.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache

from app.extract.cues import Phrases, WordSet, cue_value, cue_words, phrases
from app.extract.gazetteer import Match
from app.extract.tokens import Tokens
from app.resources import load

SUBJECT_LIKE = frozenset({"subject", "possessor", "member"})


@dataclass(frozen=True)
class Candidate:
    actor: str
    start: int  # offsets in the sentence (the name itself)
    end: int
    role: str
    how: str  # how the name stands for the actor: name | seat | institution | person | office
    group: int  # names coordinated in one phrase share a group
    person: str | None = None  # the person's name when a person stands for the actor
    office: str | None = None  # their office on the day ("foreign minister")
    phrase_start: int = 0  # where the whole noun phrase starts ("the Czech foreign minister")
    phrase_end: int = 0  # where it ends, the official's name included ("... Jan Lipavsky")

    @property
    def subject_like(self) -> bool:
        return self.role in SUBJECT_LIKE


@cache
def words(name: str, language: str) -> WordSet:
    table = load("lexicon/syntax.yaml")[name]
    return WordSet(table[language] if isinstance(table, dict) else table)


@cache
def _grantor(language: str) -> tuple[WordSet, WordSet]:
    table = load("lexicon/syntax.yaml")["grantor"][language]
    return WordSet(table["markers"]), WordSet(table["heads"])


def syntax_phrases(name: str, language: str) -> Phrases:
    """A syntax list with multi-word entries ("according to")."""
    return phrases("syntax", name, language)


def _covered(matches: Sequence[Match], kinds: tuple[str, ...]) -> list[tuple[int, int]]:
    return [(m.start, m.end) for m in matches if m.kind in kinds]


def _phrase_start(tokens: Tokens, index: int, inside: list[tuple[int, int]], language: str) -> int:
    """Token index where the noun phrase ending before `index` starts."""
    internal = words("np_internal", language)
    offices = cue_words("offices", language)
    while index > 0:
        token = tokens[index - 1]
        if (
            token.text in internal
            or token.text in offices
            or token.text in ("-", ".", "'")
            or any(s <= token.start < e for s, e in inside)
        ):
            index -= 1
        else:
            break
    return index


def _role_from_context(
    tokens: Tokens, first: int, last: int, inside: list[tuple[int, int]], language: str
) -> tuple[str, int]:
    """Role of a name spanning tokens[first:last], and where its phrase starts."""
    after = [t.text for t in tokens.items[last : last + 4]]
    # "Italy's foreign minister", "Britain's missiles", "Ukraine's supporters"
    if after[:2] == ["'", "s"] or after[:1] == ["'"]:
        nouns = tokens.words(last + 1, last + 5)[:3]
        if any(w in words("agentive_heads", language) for w in nouns):
            return "possessor", first
        if any(w in words("weapon_heads", language) for w in nouns):
            return "supplier", first
        return "modifier", first
    if after[:1] == ["-"] and len(after) > 1 and after[1] in words("supplier_verbs", language):
        return "supplier", first
    if after and after[0] in words("group_heads", language):
        return "modifier", first
    if language == "en" and after and after[0] in words("weapon_heads", language):
        return "supplier", first  # "US missiles", "British jets": who supplies them
    start = _phrase_start(tokens, first, inside, language)
    before = tokens.words(max(0, start - 4), start)
    if not before or (start > 0 and tokens[start - 1].text in ('"', ":", ";", "(", ")")):
        return "subject", start
    word = before[-1]
    if syntax_phrases("source", language).ends(before):
        return "source", start
    if word in words("agent", language):
        by = tokens.words(max(0, start - 3), start - 1)
        if by and by[-1] in words("supplier_verbs", language):
            return "supplier", start
        return "agent", start
    markers, heads = _grantor(language)
    if word in markers and len(before) > 1 and before[-2] in heads:
        return "agent", start  # "permission from Washington": who allows
    if word in words("member", language):
        return "member", start
    if word in words("genitive", language):
        head = before[-2] if len(before) > 1 else ""
        if head in words("agentive_heads", language) or head in cue_words("offices", language):
            return "possessor", start
        if head in words("weapon_heads", language):
            return "supplier", start
        return "oblique", start
    if word in words("prepositions", language):
        return "oblique", start
    if word in words("object_verbs", language):
        verb = tokens.before(tokens[start].start) if start < len(tokens) else -1
        while verb >= 0 and not tokens[verb].is_word:
            verb -= 1
        # '"...", prévient Poutine', ', warned Peskov': a verb that opens its segment
        # is followed by its inverted subject, not its object.
        if verb > 0 and tokens[verb - 1].text in ('"', ",", ":"):
            return "subject", start
        return "object", start
    return "subject", start


def _link(tokens: Tokens, previous_end: int, start: int, language: str) -> str | None:
    """How two names are joined: "and" (a conjunction), "comma" (a comma only), or None
    (anything else stands between them). Determiners and a repeated preposition may
    stand in a list ("du Royaume-Uni et de la France")."""
    between = [t.text for t in tokens.items[tokens.at(previous_end) : start]]
    if not between:
        return None
    joiners = words("coordinators", language)
    filler = words("np_internal", language)
    preps = words("genitive", language)
    if not all(
        w in joiners or w in filler or w in preps or w in ("from", "by", "par") for w in between
    ):
        return None
    if any(w in joiners and w != "," for w in between):
        return "and"
    return "comma" if "," in between else None


def _coordinate(candidates: list[Candidate], links: list[str | None]) -> list[Candidate]:
    """Give each list of names one group and its first name's role. A comma joins names
    only in a list closed by a conjunction ("A, B and C"), not in an apposition ("in
    Russia, the Lithuanian minister said")."""
    out = list(candidates)
    index = 1
    while index < len(out):
        end = index
        while end < len(out) and links[end] is not None:
            end += 1
        chain = range(index, end)  # out[index - 1 .. end - 1] are linked
        if len(chain) and any(links[i] == "and" for i in chain):
            head = out[index - 1]
            for i in chain:
                out[i] = replace(out[i], role=head.role, group=head.group)
        index = end + 1
    return out


def _office_near(tokens: Tokens, match: Match, language: str) -> bool:
    offices = cue_words("offices", language)
    window = int(cue_value("offices")["window"])
    near = tokens.words_before(match.start, window) + tokens.words_after(match.end, window)
    return any(w in offices for w in near)


def _decision_near(tokens: Tokens, match: Match, language: str) -> bool:
    heads = words("decision_heads", language)
    near = tokens.words_before(match.start, 1) + tokens.words_after(match.end, 1)
    return any(w in heads for w in near)


def _weapon_near(tokens: Tokens, match: Match, language: str) -> bool:
    heads = words("weapon_heads", language)
    return any(
        w in heads for w in tokens.words_before(match.start, 1) + tokens.words_after(match.end, 1)
    )


def _phrase_end(tokens: Tokens, last: int, text: str | None, language: str) -> int:
    """Token index after an office phrase and the capitalized name that follows it
    ("Danish Defense Minister Jakob Ellemann-Jensen")."""
    offices = cue_words("offices", language)
    internal = words("np_internal", language)
    index = last
    while index < len(tokens) and index < last + 7:
        token = tokens[index]
        capitalized = text is not None and text[token.start : token.start + 1].isupper()
        if token.text in offices or token.text in internal or token.text == "-" or capitalized:
            index += 1
        else:
            break
    return index


def _speaks(tokens: Tokens, after: int, language: str) -> bool:
    """A verb of saying right after a phrase: the phrase is its subject."""
    skip = words("auxiliaries", language)
    speech = words("speech_verbs", language)
    index = after
    while index < len(tokens) and tokens[index].text in skip and index < after + 3:
        index += 1
    return index < len(tokens) and tokens[index].text in speech


def find_candidates(
    tokens: Tokens,
    matches: Sequence[Match],
    language: str,
    day: dt.date | None,
    text: str | None = None,
) -> list[Candidate]:
    """Actor candidates of one sentence with their roles (matches: sentence offsets;
    `text`: the sentence as written, whose capitals mark officials' names)."""
    inside = _covered(matches, ("actor", "person", "demonym"))
    out: list[Candidate] = []
    links: list[str | None] = []  # how each candidate is joined to the one before it
    for match in matches:
        person = office = None
        how = match.via
        if match.kind == "person":
            role_on_day = match.entry.role_on(day)
            if role_on_day is None:
                continue  # out of office on the day: a commentator, not a government
            actor, person, office, how = (
                role_on_day.actor,
                match.name,
                role_on_day.office,
                "person",
            )
        elif match.kind == "demonym":
            if _office_near(tokens, match, language):
                actor, how = match.name, "office"
            elif _decision_near(tokens, match, language):
                actor, how = match.name, "demonym of a decision"  # "le veto américain"
            elif _weapon_near(tokens, match, language):
                actor, how = match.name, "supplier demonym"
            else:
                continue  # "Ukrainian forces", "armes américaines" without a weapon word
        elif match.kind == "actor":
            actor = match.name
        else:
            continue
        first, last = tokens.at(match.start), tokens.at(match.end - 1) + 1
        end_token = _phrase_end(tokens, last, text, language) if how == "office" else last
        if how == "supplier demonym":
            role, phrase = "supplier", first
        else:
            role, phrase = _role_from_context(tokens, first, last, inside, language)
            if role in ("oblique", "object") and _speaks(tokens, end_token, language):
                role = "subject"  # "after Cameron said...": a conjunction, not a preposition
        candidate = Candidate(
            actor=actor,
            start=match.start,
            end=match.end,
            role=role,
            how=how,
            group=len(out),
            person=person,
            office=office,
            phrase_start=tokens[phrase].start if phrase < len(tokens) else match.start,
            phrase_end=tokens[end_token - 1].end if end_token > last else match.end,
        )
        links.append(_link(tokens, out[-1].end, phrase, language) if out else None)
        out.append(candidate)
    return _merge_phrases(_coordinate(out, links))


def _merge_phrases(candidates: list[Candidate]) -> list[Candidate]:
    """A person and the demonym or country in their own phrase ("the Czech foreign
    minister Jan Lipavsky", "US Secretary of State Antony Blinken") are one candidate:
    the person, whose role speaks for the phrase."""
    out: list[Candidate] = []
    for candidate in candidates:
        if (
            out
            and candidate.person is not None
            and out[-1].person is None
            and candidate.phrase_start <= out[-1].start
        ):
            previous = out.pop()
            candidate = replace(candidate, role=previous.role, group=previous.group)
        out.append(candidate)
    return out
