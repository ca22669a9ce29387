import pytest

from app.extract.negation import is_negated
from app.extract.sentences import split_sentences
from app.extract.text import fold
from app.extract.tokens import Tokens
from app.extract.triggers import find_triggers


def triggers(text: str, language: str) -> list[tuple[str, str]]:
    return [(h.rule.type, h.text) for h in find_triggers(fold(text), language)]


def negated(text: str, word: str, language: str, *, direct: bool = False) -> bool:
    folded = fold(text)
    start = folded.index(word)
    return is_negated(Tokens(folded), start, start + len(word), language, direct=direct)


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


def test_quote_marks_do_not_stop_negation() -> None:
    text = "Paris ne pose « plus aucune restriction » sur ces armes."
    assert negated(text, "restriction", "fr") is True


def test_direct_negation_must_govern_the_verb() -> None:
    assert negated("We will not be using them on Russia.", "using", "en", direct=True) is True
    assert negated("There are no limits on using them.", "using", "en", direct=True) is False
    assert negated("Kyiv ne va pas les utiliser en Russie.", "utiliser", "fr", direct=True) is True
    # "ne" alone after a verb of fear is expletive, not a negation.
    assert negated("Il craint que Kyiv ne frappe le pont.", "frappe", "fr", direct=True) is False


def test_sentences_keep_a_quote_with_its_attribution() -> None:
    text = '" Nous devons agir. Vite. " Le ministre dit cela mardi. Puis il part.'
    spans = [text[s.start : s.end] for s in split_sentences(text)]
    assert spans == ['" Nous devons agir. Vite. " Le ministre dit cela mardi.', "Puis il part."]


@pytest.mark.parametrize(
    ("sentence", "expected_type", "expected_trigger"),
    [
        ("Washington gave Kyiv a green light to strike.", "authorization", "green light"),
        ("Washington greenlit the strikes.", "authorization", "greenlit"),
        ("The strikes were green-lighted by London.", "authorization", "green-lighted"),
        ("London gave Kyiv a free hand with its missiles.", "authorization", "free hand"),
        ("Paris gave Kyiv carte blanche with its missiles.", "authorization", "carte blanche"),
        (
            "Such strikes would be entirely legitimate, the minister said.",
            "authorization",
            "be entirely legitimate",
        ),
        ("Moscow said the deliveries crossed a red line.", "warning", "red line"),
        ("Moscow spoke of red lines again.", "warning", "red lines"),
        ("The deliveries are a red-line issue for Moscow.", "warning", "red-line"),
        ("Moscow spoke of the risk of escalation.", "warning", "risk of escalation"),
        ("Moscow spoke of escalation risks.", "warning", "escalation"),
        ("Moscow said it would hit back at any such strike.", "warning", "would hit back"),
        (
            "London gave Kyiv the go-ahead for such strikes.",
            "authorization",
            "gave kyiv the go-ahead",
        ),
        ("Moscow said the West was playing with fire.", "warning", "playing with fire"),
        ("Kyiv said it urgently needs more rockets.", "request", "urgently needs"),
        (
            "Italy does not allow its weapons to be used in Russia.",
            "authorization",
            "allow its weapons to be used",
        ),
    ],
)
def test_english_multiword_triggers(
    sentence: str, expected_type: str, expected_trigger: str
) -> None:
    hits = [(h.rule.type, h.text) for h in find_triggers(fold(sentence), "en")]
    assert (expected_type, expected_trigger.lower()) in hits


def test_language_from_front_matter_else_from_function_words() -> None:
    from app.extract.language import detect_language

    assert detect_language("FR-fr", "The minister said that the ban stands.") == "fr"
    assert detect_language(None, "Le ministre a dit que les restrictions sont levées.") == "fr"
    assert detect_language(None, "The minister said that the ban is not lifted.") == "en"
    assert detect_language("de", "The minister said that the ban is not lifted.") == "en"
