from app.extract.negation import is_negated
from app.extract.sentences import split_sentences
from app.extract.text import fold
from app.extract.triggers import find_triggers


def triggers(text: str, language: str) -> list[tuple[str, str]]:
    return [(h.rule.type, h.text) for h in find_triggers(fold(text), language)]


def negated(text: str, word: str, language: str) -> bool:
    folded = fold(text)
    start = folded.index(word)
    return is_negated(folded, start, start + len(word), language)


def test_multiword_triggers_swallow_their_parts() -> None:
    assert triggers("Les alliés ont levé les restrictions.", "fr") == [
        ("authorization", "leve les restrictions")
    ]
    assert triggers("Ottawa lifted the ban on such strikes.", "en") == [
        ("authorization", "lifted the ban")
    ]


def test_trigger_lexicon_per_type() -> None:
    assert triggers("Le Kremlin a mis en garde contre une ligne rouge.", "fr") == [
        ("warning", "mis en garde"),
        ("warning", "ligne rouge"),
    ]
    assert triggers("Paris gave the green light.", "en") == [("authorization", "green light")]


def test_negation_across_coordinated_verbs() -> None:
    text = "Paris n'a ni encouragé ni autorisé ces frappes."
    assert negated(text, "autorise", "fr") is True
    assert negated("Londres a autorisé ces frappes.", "autorise", "fr") is False
    assert negated("London has neither encouraged nor allowed it.", "allowed", "en") is True
    assert negated("London has allowed it, not Paris.", "allowed", "en") is False


def test_negation_stops_at_the_clause() -> None:
    assert negated("Il ne croit pas, dit-il, que Berlin autorise cela.", "autorise", "fr") is False


def test_sentences_keep_a_quote_with_its_attribution() -> None:
    text = '" Nous devons agir. Vite. " Le ministre dit cela mardi. Puis il part.'
    spans = [text[s.start : s.end] for s in split_sentences(text)]
    assert spans == ['" Nous devons agir. Vite. " Le ministre dit cela mardi.', "Puis il part."]
