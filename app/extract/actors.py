"""Who decided or said it: the speaker of a sentence and the actor of each trigger.

Decisions (authorizations, restrictions) belong to their agent: the passive agent
("accordée par le Canada"), else the subject of the trigger's clause, else the supplier
of the weapons ("weapons sent by Italy"), else the speaker. Speech acts (warnings,
requests) and pledges belong to whoever says them: the quote's attribution, the subject
of the verb of saying, the source ("selon X"), else the subject. An object, a recipient
or a place inside a prepositional phrase is never the actor (roles.py). Names
coordinated in one phrase give one event each, except in one speaker's claim about
several governments, which stands for the speaker's own government only.

Inside a quote, "we" is the speaker's government; a third party named as the subject
inside the quote keeps its own decision ("Ukraine came to us and asked...")."""

from collections.abc import Sequence
from dataclasses import dataclass

from app.extract import polarity
from app.extract.cues import WordSet, cue_words
from app.extract.roles import Candidate, syntax_phrases, words
from app.extract.tokens import Tokens

_BE = frozenset(
    {"be", "been", "being", "is", "are", "was", "were", "ete", "est", "sont", "etait",
     "etaient", "sera", "seront", "serait", "seraient", "soit", "soient", "fut", "get", "got"}
)  # fmt: skip


@dataclass(frozen=True)
class Speaker:
    candidate: Candidate | None  # None: a pronoun or an unnamed speaker
    how: str
    unnamed: str | None = None  # "la source", "a senior official": said by someone else

    @property
    def refers_back(self) -> bool:
        """A pronoun or a definite office ("the minister added") names the last speaker."""
        return self.candidate is None and self.how in ("pronoun", "office mentioned before")

    @property
    def voice(self) -> str | None:
        """Who is talking, to tell two statements apart: "person:Antony Blinken",
        "actor:United States" (an office or the state itself), "unnamed:source"."""
        if self.candidate is not None:
            if self.candidate.person is not None:
                return f"person:{self.candidate.person}"
            return f"actor:{self.candidate.actor}"
        return f"unnamed:{self.unnamed}" if self.unnamed and not self.refers_back else None


@dataclass(frozen=True)
class Choice:
    candidate: Candidate
    how: str


# A quoted phrase of a few words ("ne placent « plus de limitations »") is the writer's
# sentence quoting a phrase, not a quotation with a speaker of its own.
MIN_QUOTE_WORDS = 5


def quote_spans(folded: str) -> list[tuple[int, int]]:
    """Quotations: pairs of straight double quotes (the analysis text has typography
    made plain) around at least MIN_QUOTE_WORDS words."""
    marks = [i for i, c in enumerate(folded) if c == '"']
    pairs = [(marks[i], marks[i + 1]) for i in range(0, len(marks) - 1, 2)]
    return [(a, b) for a, b in pairs if len(folded[a:b].split()) > MIN_QUOTE_WORDS]


def _inside(spans: Sequence[tuple[int, int]], position: int) -> tuple[int, int] | None:
    for start, end in spans:
        if start < position < end:
            return start, end
    return None


def _speech_verbs(tokens: Tokens, language: str) -> list[int]:
    found = tokens.memo.get("speech_verbs")
    if found is None:
        speech = words("speech_verbs", language)
        found = tokens.memo["speech_verbs"] = [
            i for i, t in enumerate(tokens.items) if t.text in speech
        ]
    return found  # type: ignore[return-value]


def _speaker_of_verb(
    tokens: Tokens, verb: int, candidates: Sequence[Candidate], language: str
) -> Speaker | None:
    """The named subject of a verb of saying: just before it ("Lipavsky said",
    "the Lithuanian foreign minister said") or just after it ("said Lipavsky", "a
    déclaré M. Lavrov", ", a-t-il ajouté" -> a pronoun)."""
    verb_start, verb_end = tokens[verb].start, tokens[verb].end
    before = [
        c
        for c in candidates
        if c.end <= verb_start and c.role in ("subject", "possessor", "member")
    ]
    if before:
        nearest = before[-1]
        between = tokens.words(tokens.at(max(nearest.end, nearest.phrase_end)), verb)
        if len(between) <= 4:
            return Speaker(nearest, "subject of the verb of saying")
        # "The Kremlin accused the US of ..., and said": the coordinated verb shares
        # the clause's subject, the first name of the sentence.
        if _coordinated_verb(tokens, verb, language) and before[0].role == "subject":
            return Speaker(before[0], "subject of the coordinated verb of saying")
    after = [c for c in candidates if c.start >= verb_end]
    if after:
        first = after[0]
        between = tokens.words(verb + 1, tokens.at(first.phrase_start))
        markers = words("complement_markers", language)
        # "The decision, announced on Monday, lets Ukraine...": a clause break after
        # the verb ends its subject's reach.
        broken = any(
            tokens[i].text in (",", ";", ":")
            for i in range(verb + 1, tokens.at(first.phrase_start))
        )
        if (
            len(between) <= 5
            and not broken
            and not any(w in markers for w in between)
            and first.role not in ("oblique", "object", "modifier")
        ):
            return Speaker(first, "named after the verb of saying")
    pronouns = words("pronouns", language)
    near = tokens.words(max(0, verb - 3), verb) + tokens.words(verb + 1, verb + 3)
    if any(w in pronouns for w in near):
        return Speaker(None, "pronoun")
    # "the minister added" refers back; "a source said" is someone we cannot name.
    subject = _unnamed_subject(tokens, verb, language)
    if subject:
        offices = cue_words("offices", language)
        how = "office mentioned before" if subject[-1] in offices else "unnamed"
        return Speaker(None, how, " ".join(subject))
    return None


def _coordinated_verb(tokens: Tokens, verb: int, language: str) -> bool:
    skip = words("auxiliaries", language)
    index = verb - 1
    while index >= 0 and tokens[index].text in skip:
        index -= 1
    return index >= 0 and tokens[index].text in ("and", "et")


def _unnamed_subject(tokens: Tokens, verb: int, language: str) -> list[str]:
    """The words of a short noun phrase right before (or after, inverted) a verb of
    saying: "la source a déclaré", ", said a senior official"."""
    skip = words("auxiliaries", language)
    index = verb - 1
    while index >= 0 and tokens[index].text in skip:
        index -= 1
    phrase: list[str] = []
    while index >= 0 and tokens[index].is_word and len(phrase) < 4:
        phrase.insert(0, tokens[index].text)
        index -= 1
    determiners = words("np_internal", language)
    if phrase and (index < 0 or not tokens[index].is_word) and phrase[0] in determiners:
        return phrase[1:] or phrase
    return []


def find_speaker(
    tokens: Tokens,
    candidates: Sequence[Candidate],
    position: int,
    language: str,
    quotes: Sequence[tuple[int, int]],
) -> Speaker | None:
    """Who says the words at `position` (None when the sentence names nobody)."""
    verbs = _speech_verbs(tokens, language)
    quote = _inside(quotes, position)
    if quote is not None:
        # The attribution is outside the quote: after it, else before it.
        outside = [v for v in verbs if not _inside(quotes, tokens[v].start)]
        after = [v for v in outside if tokens[v].start > quote[1]]
        before = [v for v in outside if tokens[v].end < quote[0]]
        for verb in [*after[:1], *before[-1:]]:
            speaker = _speaker_of_verb(tokens, verb, _outside(candidates, quotes), language)
            if speaker is not None:
                return speaker
        return Speaker(None, "quote without attribution")
    plain = _outside(candidates, quotes)
    for verb in [v for v in verbs if not _inside(quotes, tokens[v].start)]:
        speaker = _speaker_of_verb(tokens, verb, plain, language)
        if speaker is not None:
            return speaker
    sources = [c for c in plain if c.role == "source"]
    if sources:
        return Speaker(sources[0], "source")
    return None


def attribution_only(
    tokens: Tokens, candidates: Sequence[Candidate], language: str
) -> Speaker | None:
    """The speaker of a sentence that only attributes the sentence before it
    ("This was announced on Wednesday by spokesman Ned Price.")."""
    verbs = _speech_verbs(tokens, language)
    if not verbs or not candidates:
        return None
    markers = words("complement_markers", language)
    for verb in verbs:
        following = [t.text for t in tokens.items[verb + 1 : verb + 3]]
        if any(w in markers for w in following):
            return None
    opening = tokens.words(0, 3)
    openers = words("attribution_openers", language)
    if not (opening and opening[0] in openers) and len(tokens.words(0, len(tokens))) > 16:
        return None
    for verb in verbs:
        speaker = _speaker_of_verb(tokens, verb, candidates, language)
        if speaker is not None and speaker.candidate is not None:
            return Speaker(speaker.candidate, "attribution in the next sentence")
    agents = [c for c in candidates if c.role in ("agent", "subject", "possessor")]
    return Speaker(agents[0], "attribution in the next sentence") if agents else None


def _outside(candidates: Sequence[Candidate], quotes: Sequence[tuple[int, int]]) -> list[Candidate]:
    return [c for c in candidates if _inside(quotes, c.start) is None]


def _passive_agent(
    tokens: Tokens, candidates: Sequence[Candidate], start: int, end: int, language: str
) -> Candidate | None:
    """The "by"/"par" agent of a passive trigger in its own clause: a form of "be" just
    before the trigger or between it and the agent ("a été accordée par le Canada", "a
    position since supported by Lithuania")."""
    agents = [c for c in candidates if c.start >= end and c.role == "agent"]
    if not agents:
        return None
    agent = agents[0]
    between = [t.text for t in tokens.items[tokens.at(start) : tokens.at(agent.start)]]
    if any(w in words("hard_breaks", language) for w in between):
        return None
    near = tokens.words_before(start, 2) + [w for w in between if w[0].isalnum()]
    return agent if any(w in _BE for w in near) else None


def _subjects_before(
    tokens: Tokens,
    candidates: Sequence[Candidate],
    position: int,
    quote: tuple[int, int] | None,
    quotes: Sequence[tuple[int, int]],
    language: str,
    *,
    skip_recipients: bool = False,
) -> list[Candidate]:
    """The subject-like names before `position` in the same clause and the same quote
    (or outside quotes), nearest first; a recipient (Ukraine, the user of the weapons)
    is skipped when asked. A hard clause break ("; but", "mais", "while") ends the
    search."""
    breaks = words("hard_breaks", language)
    asides = _relative_asides(tokens, position, language)
    shared = _shared_subject_break(tokens, position, breaks)
    found = []
    for candidate in reversed([c for c in candidates if c.end <= position]):
        if any(lo <= candidate.start < hi for lo, hi in asides):
            continue  # "The minister, whom Berlin criticised, allowed...": not the subject
        first, last = tokens.at(candidate.end), tokens.at(position)
        if any(tokens[i].text in breaks and i != shared for i in range(first, last)):
            break
        if not candidate.subject_like or _inside(quotes, candidate.start) != quote:
            continue
        if skip_recipients and not polarity.actor_allowed("authorization", candidate.actor):
            continue
        found.append(candidate)
    return found


def _shared_subject_break(tokens: Tokens, position: int, breaks: WordSet) -> int | None:
    """The break right before a verb with no subject of its own ("Oslo bans X but
    allows Y", "interdit X, mais autorise Y"): the verb shares the subject before it."""
    index = tokens.before(position)
    if index >= 0 and tokens[index].text in breaks:
        return index
    return None


def _owner(
    tokens: Tokens, candidates: Sequence[Candidate], start: int, end: int, language: str
) -> Candidate | None:
    """The owner a decision noun names for itself: "l'autorisation américaine", "la
    décision des États-Unis", "lobbying by Kyiv", "Ukraine's request"."""
    nouns = words("decision_heads", language)
    trigger_words = tokens.words(tokens.at(start), tokens.at(end - 1) + 1)
    if not trigger_words or not (trigger_words[0] in nouns or trigger_words[-1] in nouns):
        return None
    after = tokens.at(end)
    for candidate in candidates:
        if candidate.start >= end and tokens.at(candidate.phrase_start) - after <= 2:
            if candidate.how == "demonym of a decision" or candidate.role in ("possessor", "agent"):
                return candidate
            break
    before = [c for c in candidates if c.end <= start]
    if before:
        last = before[-1]
        gap = tokens.at(start) - tokens.at(last.end)
        if gap <= 2 and (last.role == "possessor" or last.how == "demonym of a decision"):
            return last
    return None


def _relative_asides(tokens: Tokens, position: int, language: str) -> list[tuple[int, int]]:
    """Comma-bounded relative clauses before `position` (", whom Berlin criticised,", ",
    que Berlin avait critiqué,"): their subjects belong to the aside."""
    relatives = words("relative_openers", language)
    spans = []
    index = 0
    limit = tokens.before(position)
    while index < limit:
        if tokens[index].text == "," and tokens[index + 1].text in relatives:
            close = index + 2
            while close <= limit and tokens[close].text != ",":
                close += 1
            if close <= limit:
                spans.append((tokens[index].end, tokens[close].start))
            index = close
        index += 1
    return spans


def _speakers_own(tokens: Tokens, start: int, language: str) -> bool:
    """No subject but the speaker's: an existential ('there are no restrictions', 'il n'y
    a plus de limitations') or a first-person subject ('we do not encourage strikes')."""
    before = tokens.words_before(start, 6)
    if syntax_phrases("existentials", language).found_in(before):
        return True
    clause = before[-4:]
    openers = words("clause_openers", language)
    for word in reversed(clause):
        if word in openers:
            return False
        if word in words("first_person", language):
            return True
    return False


def choose(
    tokens: Tokens,
    candidates: Sequence[Candidate],
    trigger: tuple[int, int],
    event_type: str,
    *,
    pledge: bool,
    recipient_subject: bool,
    appeal: tuple[str, int] | None = None,
    own_use_negation: bool = False,
    parsed_subjects: Sequence[tuple[int, int]] = (),
    speaker: Speaker | None,
    inherited_speaker: Candidate | None,
    inherited_subject: Candidate | None,
    quotes: Sequence[tuple[int, int]],
    language: str,
) -> list[Choice]:
    """The actor(s) of the trigger at `trigger`, best first; [] when none is allowed."""
    start, end = trigger
    quote = _inside(quotes, start)
    named_speaker = speaker.candidate if speaker else None
    if named_speaker is None and speaker is not None and speaker.refers_back:
        named_speaker = inherited_speaker  # "he said", "a-t-il ajouté", "the minister said"
    subjects = _subjects_before(
        tokens, candidates, start, quote, quotes, language, skip_recipients=recipient_subject
    )
    if appeal is not None and appeal[0] == "modal":
        # "Ukraine should be allowed", "the allies should lift the limits": the subject
        # is who should be allowed or act; the appeal is the speaker's.
        subjects = []
    elif appeal is not None:
        subjects = _subjects_before(tokens, candidates, appeal[1], quote, quotes, language)
    subject = subjects[0] if subjects else None
    # Farther subjects of the clause, tried when the nearest cannot be the actor
    # ("Peskov called Stoltenberg's statement a provocation").
    farther = [Choice(c, "subject") for c in subjects[1:]]
    options: list[Choice] = []
    owner = _owner(tokens, candidates, start, end, language)
    if owner is not None:
        options.append(Choice(owner, "owner of the decision"))
    if quote is not None and subject is None and named_speaker is not None:
        # "we" inside a quote, or no name before the trigger: the quote's speaker.
        options.append(Choice(named_speaker, "quote attribution"))
    speech_act = event_type in ("warning", "request")
    if pledge:
        # "Washington said Kyiv pledged not to...": whoever states the pledge.
        options += _present(Choice, [(named_speaker, "speaker"), (subject, "subject")])
    elif speech_act:
        # The one who asks or warns is the subject of the asking ("Ukraine asked for
        # our authorization", said inside a US official's quote), else the speaker.
        options += _present(Choice, [(subject, "subject")]) + farther
        options += _present(Choice, [(named_speaker, "speaker")])
    else:
        agent = _passive_agent(tokens, candidates, start, end, language)
        options += _present(Choice, [(agent, "passive agent")])
        # French: the parse's subject of the trigger's own clause decides between names.
        options += [
            Choice(c, "parse subject") for c in _inside_spans(candidates, parsed_subjects[:1])
        ]
        options += _present(Choice, [(subject, "subject")])
        options += [Choice(c, "supplier") for c in candidates if c.role == "supplier"]
        # The speaker decides only what has no subject of its own: a permission given to
        # Ukraine, an existential ("there are no limits"), a first-person subject, or a
        # sentence attributed as a whole ("... This was announced by the spokesman").
        if named_speaker is not None and (
            quote is not None
            or recipient_subject
            or _speakers_own(tokens, start, language)
            or (speaker is not None and speaker.how.startswith("attribution"))
        ):
            options.append(Choice(named_speaker, "speaker"))
        agents = [c for c in candidates if c.start >= end and c.role == "agent"]
        options += [Choice(c, "agent after the trigger") for c in agents[:1]]
    if not candidates and inherited_subject is not None and not (speech_act or pledge):
        options.append(Choice(inherited_subject, "previous sentence"))
    if (
        not options
        and named_speaker is None
        and inherited_speaker is not None
        and (speaker is not None or speech_act or pledge)
    ):
        options.append(Choice(inherited_speaker, "earlier speaker"))
    own_use = pledge or own_use_negation
    for option in options:
        if polarity.actor_allowed(event_type, option.candidate.actor, own_use=own_use) or (
            event_type == "authorization" and polarity.is_advocate(option.candidate.actor)
        ):
            return _coordinated(option, candidates, named_speaker)
    return []


def _inside_spans(
    candidates: Sequence[Candidate], spans: Sequence[tuple[int, int]]
) -> list[Candidate]:
    """Names inside the parse's subject spans, never an object or a prepositional phrase."""
    return [
        c
        for lo, hi in spans
        for c in candidates
        if lo <= c.start and c.end <= hi and c.role not in ("object", "oblique", "modifier")
    ]


def _present(make: type[Choice], pairs: Sequence[tuple[Candidate | None, str]]) -> list[Choice]:
    return [make(candidate, how) for candidate, how in pairs if candidate is not None]


def _coordinated(
    choice: Choice, candidates: Sequence[Candidate], speaker: Candidate | None
) -> list[Choice]:
    """The chosen name and the names coordinated with it ("the US and the UK allowed")."""
    group = [
        c
        for c in candidates
        if c.group == choice.candidate.group and c.role == choice.candidate.role
    ]
    actors = list(dict.fromkeys(c.actor for c in group))
    if len(actors) <= 1:
        return [choice]
    if speaker is not None and speaker.actor in actors and speaker.group != choice.candidate.group:
        # One speaker's claim about several governments: their own government's decision.
        own = next(c for c in group if c.actor == speaker.actor)
        return [Choice(own, choice.how + ", the speaker's own government")]
    seen: set[str] = set()
    out = []
    for candidate in group:
        if candidate.actor not in seen:
            seen.add(candidate.actor)
            out.append(Choice(candidate, choice.how + ", coordinated"))
    return out
