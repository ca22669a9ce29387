from app.slugs import fold, short_hash, slugify
from app.web.filters import ID_RE


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


def test_slugify_transliterates_names_in_other_scripts() -> None:
    assert slugify("Первый канал") == "pervyy-kanal"
    assert slugify("Ελληνικά Νέα") == "ellinika-nea"
    assert slugify("Łódź Daily") == "lodz-daily"


def test_slugify_falls_back_to_a_stable_hash_when_nothing_is_left() -> None:
    assert slugify("— ! —") == short_hash("— ! —", length=12)
    assert slugify("— ! —") != slugify("* ? *")


def test_slugify_fits_the_filter_id_format() -> None:
    slug = slugify("A very long outlet name " * 6)
    assert slug == ("a-very-long-outlet-name-" * 4)[:80]
    assert ID_RE.fullmatch(slug)
