from app.ingest.normalize import (
    analysis_view,
    content_fingerprint,
    is_boilerplate,
    to_stored_text,
    word_count,
)


def test_stored_text_is_nfc_with_plain_line_ends() -> None:
    decomposed = "Cre\u0300me\r\nligne deux\rtrois"
    assert to_stored_text("\ufeff" + decomposed) == "Crème\nligne deux\ntrois"


def test_analysis_view_keeps_offsets_and_plain_typography() -> None:
    stored = "L\u2019OTAN a dit\u00a0: \u00ab\u202fnon\u202f\u00bb."
    view = analysis_view(stored)
    assert len(view) == len(stored)
    assert view == 'L\'OTAN a dit : " non ".'


def test_boilerplate_lines_are_blanked_but_keep_their_length() -> None:
    stored = "Skip to content\nLe ministre a parlé.\n![]() |\nPartager cet article :\nFin."
    view = analysis_view(stored)
    assert len(view) == len(stored)
    assert view.split("\n") == [" " * 15, "Le ministre a parlé.", " " * 7, " " * 22, "Fin."]


def test_boilerplate_rules_leave_article_sentences_alone() -> None:
    assert is_boilerplate("Vous pouvez partager cette histoire sur les réseaux sociaux :")
    assert is_boilerplate("All rights reserved 2024")
    assert not is_boilerplate(
        "Le gouvernement partage les inquiétudes de ses alliés sur l'escalade."
    )
    assert not is_boilerplate("The minister shared the concerns of the allies about escalation.")


def test_identity_ignores_spacing_and_furniture() -> None:
    one = analysis_view("Skip to content\nLe ministre a parlé.\n\nFin.")
    two = analysis_view("Le ministre   a parlé.\nFin.\n")
    assert content_fingerprint(one) == content_fingerprint(two)
    assert content_fingerprint(one) != content_fingerprint(analysis_view("Le ministre a parlé."))


def test_word_count() -> None:
    assert word_count("L'OTAN a dit : non, 2 000 fois.") == 8
