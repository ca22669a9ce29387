from app.slugs import fold, short_hash, slugify


def test_fold_strips_accents_and_case_keeps_other_letters() -> None:
    assert fold("Crimée, KHARKIV, Ärger, ﬁn") == "crimee, kharkiv, arger, fin"
    assert fold("Москва") == "москва"


def test_slugify_gives_url_ids() -> None:
    assert slugify("United States") == "united-states"
    assert slugify("Storm Shadow / SCALP") == "storm-shadow-scalp"
    assert slugify("Région de Koursk") == "region-de-koursk"


def test_short_hash_is_stable_and_separates_parts() -> None:
    assert short_hash("a", 1) == short_hash("a", 1)
    assert short_hash("ab", "c") != short_hash("a", "bc")
    assert len(short_hash("x")) == 16
