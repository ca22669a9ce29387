import yaml

from app.resources import DataLoader, load


def test_words_that_yaml_1_1_calls_booleans_stay_words() -> None:
    data = yaml.load(
        "words: [no, on, yes, off, n, y]\nflag: true\nother: False\n", Loader=DataLoader
    )
    assert data == {"words": ["no", "on", "yes", "off", "n", "y"], "flag": True, "other": False}


def test_lexicon_word_lists_hold_only_strings() -> None:
    cues = load("lexicon/cues.yaml")
    syntax = load("lexicon/syntax.yaml")
    assert "no" in cues["negation"]["en"]["before"]
    assert "on" in syntax["prepositions"]["en"]
    for section in ("negation", "topic", "offices"):
        for language in ("fr", "en"):
            values = cues[section][language]
            words = values["before"] if section == "negation" else values
            assert all(isinstance(word, str) for word in words), (section, language)
    for name in ("syntax", "modality", "polarity", "triggers"):
        for section, table in load(f"lexicon/{name}.yaml").items():
            for language in ("fr", "en"):
                if isinstance(table, dict) and isinstance(table.get(language), list):
                    entries = table[language]
                    assert all(isinstance(e, str | dict) for e in entries), (name, section)
