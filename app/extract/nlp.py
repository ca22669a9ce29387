"""spaCy, loaded once per process and only when first needed (importing app.extract
stays cheap). Only French is parsed: no English model is an acceptable dependency."""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

FRENCH_MODEL = "fr_core_news_md"


@dataclass(frozen=True)
class Token:
    start: int  # offsets in the parsed sentence
    end: int
    dep: str
    head: int  # index of the head token in the sentence
    pos: str
    lower: str  # the lower-cased word


@cache
def french() -> Any:
    import spacy  # deferred: loading takes seconds

    # NER is not used (the gazetteer names things); the parser gives subjects.
    # Lemmas are not used either: triggers match inflected text by prefix, in both languages.
    # The attribute ruler only adjusts tags we do not read (2 of 2,868 seed tokens, both
    # around whitespace, differ without it) and costs a fifth of the parse time.
    return spacy.load(FRENCH_MODEL, exclude=["ner", "lemmatizer", "attribute_ruler"])


def parse(sentences: Sequence[str], language: str) -> list[list[Token] | None]:
    """Dependency parses of the candidate sentences (None where no parser exists)."""
    if language != "fr" or not sentences:
        return [None] * len(sentences)
    out: list[list[Token] | None] = []
    for doc in french().pipe(sentences, batch_size=64):
        out.append(
            [Token(t.idx, t.idx + len(t.text), t.dep_, t.head.i, t.pos_, t.lower_) for t in doc]
        )
    return out


def subject_spans(parse: Sequence[Token], trigger_start: int) -> list[tuple[int, int]]:
    """The spans of the subjects (and passive agents) along the head chain from the
    trigger's word up to the root, innermost first: the clause's own subject decides,
    an outer one speaks ("X a déclaré que Y a autorisé..."). A subject holding the
    trigger itself is talk about the decision, not its agent; a conditional clause
    ("si l'Ukraine utilise") has no agent of ours."""
    index = next((i for i, t in enumerate(parse) if t.start <= trigger_start < t.end), None)
    if index is None:
        return []
    children: dict[int, list[int]] = {}
    for i, token in enumerate(parse):
        if token.head != i:
            children.setdefault(token.head, []).append(i)

    def span(root: int) -> tuple[int, int]:
        lo, hi = parse[root].start, parse[root].end
        stack = list(children.get(root, []))
        while stack:
            node = stack.pop()
            lo, hi = min(lo, parse[node].start), max(hi, parse[node].end)
            stack.extend(children.get(node, []))
        return lo, hi

    spans: list[tuple[int, int]] = []
    seen: set[int] = set()
    while index not in seen:
        seen.add(index)
        kids = children.get(index, [])
        if not any(parse[k].dep == "mark" and parse[k].lower in ("si", "s'") for k in kids):
            for child in kids:
                if parse[child].dep.startswith(("nsubj", "obl:agent")):
                    lo, hi = span(child)
                    if not lo <= trigger_start < hi:
                        spans.append((lo, hi))
        index = parse[index].head
    return spans
