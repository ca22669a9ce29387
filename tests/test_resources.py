import yaml

from app.resources import DataLoader, load


def test_words_that_yaml_1_1_calls_booleans_stay_words() -> None:
    data = yaml.load(
        "words: [no, on, yes, off, n, y]\nflag: true\nother: False\n", Loader=DataLoader
    )
    assert data == {"words": ["no", "on", "yes", "off", "n", "y"], "flag": True, "other": False}


def test_lexicon_word_lists_hold_only_strings() -> None:
    cues = load("lexicon/cues.yaml")
    assert "no" in cues["negation"]["en"]["before"]
    assert "on" in cues["recipient_before"]["en"]
    for section in ("negation", "request_cues", "topic", "offices", "recipient_before"):
        for language in ("fr", "en"):
            values = cues[section][language]
            words = values["before"] if section == "negation" else values
            assert all(isinstance(word, str) for word in words), (section, language)
