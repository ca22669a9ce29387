import datetime as dt
from collections import defaultdict
from typing import Any

import pytest

from app.extract.gazetteer import KINDS, gazetteer
from app.extract.text import fold
from app.resources import load

# Folded words no case-insensitive alias may be: common English and French words that
# are also names of places or people in the news ("turkey", "les paris sportifs",
# "une borne", "en berne", "Cleverly", "Truss"), very common surnames and first names.
COMMON_WORDS = frozenset(
    """
    us un une le la les de des du et en on ou ni si sa son pas may will can
    turkey china chad paris suede berne vienne sofia borne cleverly truss hunt
    price miller singh wong harris austin blair pavel costa johnson
    brown white black green young rice bush carter power grant long little wood
    smith jones taylor scott mark martin thomas moon holland hollande wellington waltz
    kellogg antonov dan han lee kim gram store marin maas conte michel
    macedoine macedonia korea coree
    """.split()  # noqa: SIM905 (a word list reads better as words)
)

KEYS = {
    "actors": {"name", "aliases", "seats", "institutions", "exact", "demonyms", "as_place"},
    "people": {"name", "aliases", "exact", "roles"},
    "weapons": {"name", "aliases", "exact", "generic"},
    "places": {"name", "aliases", "exact"},
    "outlets": {"name", "aliases", "exact"},
}
LISTS = ("aliases", "seats", "institutions", "exact", "demonyms")
ROLE_KEYS = {"actor", "from", "to", "office"}


def names(text: str) -> list[tuple[str, str]]:
    return [(m.kind, m.name) for m in gazetteer().find(text)]


def surfaces(text: str) -> list[str]:
    return [text[m.start : m.end] for m in gazetteer().find(text)]


def actor_on(text: str, day: dt.date) -> str | None:
    (match,) = gazetteer().find(text)
    return match.entry.actor_on(day)


def items(kind: str) -> list[dict[str, Any]]:
    return list(load(f"gazetteer/{kind}.yaml"))


def case_insensitive(item: dict[str, Any]) -> list[str]:
    return [*item.get("aliases", []), *item.get("seats", []), *item.get("institutions", [])]


def all_forms(item: dict[str, Any]) -> list[str]:
    return [alias for key in LISTS for alias in item.get(key, [])]


ACTOR_NAMES = {item["name"] for item in items("actors")}


# --- schema of the data files ------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_entries_use_only_known_keys(kind: str) -> None:
    unknown = [(i["name"], set(i) - KEYS[kind]) for i in items(kind) if set(i) - KEYS[kind]]
    assert unknown == []


@pytest.mark.parametrize("kind", KINDS)
def test_every_entry_has_a_name_and_something_to_match(kind: str) -> None:
    bad = [
        item.get("name")
        for item in items(kind)
        if not isinstance(item.get("name"), str) or not (item.get("aliases") or item.get("exact"))
    ]
    assert bad == []


@pytest.mark.parametrize("kind", KINDS)
def test_names_are_unique(kind: str) -> None:
    seen = [item["name"] for item in items(kind)]
    assert sorted(n for n in set(seen) if seen.count(n) > 1) == []


@pytest.mark.parametrize("kind", KINDS)
def test_alias_lists_hold_trimmed_non_empty_strings(kind: str) -> None:
    bad = [
        (item["name"], key, alias)
        for item in items(kind)
        for key in LISTS
        for alias in item.get(key, [])
        if not isinstance(alias, str) or not alias or alias != alias.strip()
    ]
    assert bad == []


def test_no_folded_alias_belongs_to_two_entries() -> None:
    # A demonym belongs to its actor: "Suisse" (exact) and "suisse" (demonym) may share.
    owners: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for kind in KINDS:
        for item in items(kind):
            for alias in all_forms(item):
                owners[fold(alias)].add((kind, item["name"]))
    shared = {alias: sorted(who) for alias, who in owners.items() if len(who) > 1}
    assert shared == {}


def test_no_person_alias_is_an_actor_alias() -> None:
    actor_forms = {fold(a) for item in items("actors") for a in all_forms(item)}
    clashes = [
        (item["name"], alias)
        for item in items("people")
        for alias in all_forms(item)
        if fold(alias) in actor_forms
    ]
    assert clashes == []


def test_no_case_insensitive_alias_is_a_common_word() -> None:
    clashes = [
        (kind, item["name"], alias)
        for kind in KINDS
        for item in items(kind)
        for alias in case_insensitive(item)
        if fold(alias) in COMMON_WORDS
    ]
    assert clashes == []


def test_a_surname_alone_is_nobody_elses_name() -> None:
    # "Costa" alone would be António Costa and every other Costa on the list.
    people = items("people")
    single = {
        fold(alias): item["name"]
        for item in people
        for alias in all_forms(item)
        if len(alias.split()) == 1
    }
    clashes = [
        (word, single[word], other["name"])
        for other in people
        for alias in all_forms(other)
        for word in fold(alias).split()
        if len(alias.split()) > 1 and word in single and single[word] != other["name"]
    ]
    assert clashes == []


def test_as_place_names_a_place() -> None:
    places = {item["name"] for item in items("places")}
    unknown = [i["as_place"] for i in items("actors") if "as_place" in i]
    assert [p for p in unknown if p not in places] == []


def test_every_person_has_roles_with_known_keys_and_an_office() -> None:
    bad = [
        (item["name"], role)
        for item in items("people")
        for role in item.get("roles") or [None]
        if not isinstance(role, dict)
        or set(role) - ROLE_KEYS
        or not isinstance(role.get("office"), str)
        or not role["office"]
    ]
    assert bad == []


def test_every_role_names_an_actor() -> None:
    unknown = [
        (item["name"], role["actor"])
        for item in items("people")
        for role in item["roles"]
        if role["actor"] not in ACTOR_NAMES
    ]
    assert unknown == []


def test_role_dates_are_iso_dates_with_from_before_to() -> None:
    def is_day(value: object) -> bool:
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)

    bad = [
        (item["name"], role)
        for item in items("people")
        for role in item["roles"]
        if not is_day(role.get("from"))
        or ("to" in role and not (is_day(role["to"]) and role["from"] < role["to"]))
    ]
    assert bad == []


def test_a_persons_overlapping_roles_speak_for_one_actor() -> None:
    far = dt.date(9999, 1, 1)
    clashes = []
    for item in items("people"):
        roles = item["roles"]
        for i, one in enumerate(roles):
            for other in roles[i + 1 :]:
                overlap = one["from"] < other.get("to", far) and other["from"] < one.get("to", far)
                if overlap and one["actor"] != other["actor"]:
                    clashes.append((item["name"], one["actor"], other["actor"]))
    assert clashes == []


# --- matching ------------------------------------------------------------------------


def test_longest_match_and_hyphenated_names() -> None:
    assert names("Le Royaume-Uni et le New York Times") == [
        ("actor", "United Kingdom"),
        ("outlet", "The New York Times"),
    ]


def test_aliases_in_both_languages_map_to_canonical_names() -> None:
    assert names("Koursk, Kharkov, Crimée") == [
        ("place", "Kursk"),
        ("place", "Kharkiv"),
        ("place", "Crimea"),
    ]
    assert names("the Kremlin and Berlin") == [("actor", "Russia"), ("actor", "Germany")]


def test_weapons_match_on_text_with_word_boundaries() -> None:
    assert names("des missiles ATACMS et un M142") == [("weapon", "ATACMS"), ("weapon", "HIMARS")]
    assert names("ATACMSX M1420") == []


def test_short_exact_aliases_are_case_sensitive() -> None:
    assert names("US officials") == [("actor", "United States")]
    assert names("let us go") == []


def test_people_map_to_their_actor_by_date() -> None:
    (match,) = gazetteer().find("Mark Rutte")
    assert match.entry.actor_on(dt.date(2023, 1, 1)) == "Netherlands"
    assert match.entry.actor_on(dt.date(2024, 11, 1)) == "NATO"
    (retired,) = gazetteer().find("Stoltenberg")
    assert retired.entry.actor_on(dt.date(2025, 3, 1)) is None


def test_seats_speak_for_their_state_in_english() -> None:
    assert names("Warsaw said on Monday that Prague and Vilnius agreed.") == [
        ("actor", "Poland"),
        ("actor", "Czech Republic"),
        ("actor", "Lithuania"),
    ]


def test_seats_speak_for_their_state_in_french() -> None:
    assert names("Downing Street a indiqué que Matignon et Varsovie étaient d'accord.") == [
        ("actor", "United Kingdom"),
        ("actor", "France"),
        ("actor", "Poland"),
    ]


def test_seats_match_without_accents_or_with_typographic_apostrophes() -> None:
    assert names("l'Elysee, le Quai d’Orsay, Kyiv et Kyïv") == [
        ("actor", "France"),
        ("actor", "France"),
        ("actor", "Ukraine"),
        ("actor", "Ukraine"),
    ]


def test_institutions_speak_for_their_state_in_english() -> None:
    assert names("the Pentagon said the Bundeswehr and the Farnesina disagreed") == [
        ("actor", "United States"),
        ("actor", "Germany"),
        ("actor", "Italy"),
    ]


def test_institutions_speak_for_their_state_in_french() -> None:
    assert names("le Bundestag, le Pentagone et le Département d'État") == [
        ("actor", "Germany"),
        ("actor", "United States"),
        ("actor", "United States"),
    ]


def test_eu_seat_and_institutions() -> None:
    assert names("Bruxelles et la Commission européenne, Brussels and the European Council") == [
        ("actor", "European Union"),
        ("actor", "European Union"),
        ("actor", "European Union"),
        ("actor", "European Union"),
    ]


def test_russian_ministry_forms_are_one_actor_match() -> None:
    text = "le ministère russe des Affaires étrangères et the Russian Foreign Ministry"
    assert surfaces(text) == ["ministère russe des Affaires étrangères", "Russian Foreign Ministry"]
    assert {m.name for m in gazetteer().find(text)} == {"Russia"}


def test_longer_council_name_wins_over_the_shorter_one() -> None:
    assert names("le Conseil de sécurité nationale et de défense") == [("actor", "Ukraine")]
    assert names("le Conseil de sécurité nationale") == [("actor", "United States")]
    assert names("the UN Security Council and Russia's Security Council") == [
        ("actor", "United Nations"),
        ("actor", "Russia"),
    ]


def test_french_and_english_country_names() -> None:
    assert (
        names("la République tchèque, la Tchéquie, Czechia, the Czech Republic")
        == [("actor", "Czech Republic")] * 4
    )


def test_names_that_are_common_words_count_only_capitalized() -> None:
    assert names("les paris sportifs, une dinde, a turkey, drapeaux en berne, qu'il vienne") == []
    assert names("Paris, Turkey, Berne, Vienne") == [
        ("actor", "France"),
        ("actor", "Turkey"),
        ("actor", "Switzerland"),
        ("actor", "Austria"),
    ]


def test_suisse_capitalized_is_the_country_and_lower_case_a_demonym() -> None:
    assert names("la Suisse et le gouvernement suisse") == [
        ("actor", "Switzerland"),
        ("demonym", "Switzerland"),
    ]


@pytest.mark.parametrize(
    ("text", "actor"),
    [
        ("américain", "United States"),
        ("américaine", "United States"),
        ("américains", "United States"),
        ("américaines", "United States"),
        ("Czech", "Czech Republic"),
        ("tchèques", "Czech Republic"),
        ("néerlandaise", "Netherlands"),
        ("Dutch", "Netherlands"),
        ("sud-coréennes", "South Korea"),
        ("North Korean", "North Korea"),
        ("onusienne", "United Nations"),
    ],
)
def test_demonym_forms(text: str, actor: str) -> None:
    assert names(text) == [("demonym", actor)]


def test_person_on_two_dates_maps_to_two_actors() -> None:
    assert actor_on("Mark Rutte", dt.date(2024, 6, 1)) == "Netherlands"
    assert actor_on("Mark Rutte", dt.date(2024, 10, 1)) == "NATO"


def test_person_between_two_roles_is_no_actor() -> None:
    # Rutte left the Dutch government on 2 July 2024 and led NATO from 1 October.
    assert actor_on("Rutte", dt.date(2024, 8, 15)) is None


def test_kallas_leads_estonia_then_eu_diplomacy() -> None:
    assert actor_on("Kaja Kallas", dt.date(2023, 3, 1)) == "Estonia"
    assert actor_on("Kaja Kallas", dt.date(2025, 1, 15)) == "European Union"


def test_a_role_ends_the_day_before_its_to_date() -> None:
    assert actor_on("David Cameron", dt.date(2024, 7, 4)) == "United Kingdom"
    assert actor_on("David Cameron", dt.date(2024, 7, 5)) is None


def test_person_transliterations_in_english_and_french() -> None:
    text = "Sergueï Choïgou, Sergei Shoigu, Zelenski, Zelenskyy"
    assert names(text) == [
        ("person", "Sergei Shoigu"),
        ("person", "Sergei Shoigu"),
        ("person", "Volodymyr Zelensky"),
        ("person", "Volodymyr Zelensky"),
    ]


def test_portugals_prime_minister_is_not_the_country() -> None:
    assert names("Luís Montenegro et le Monténégro") == [
        ("person", "Luís Montenegro"),
        ("actor", "Montenegro"),
    ]


def test_common_surnames_need_the_full_name() -> None:
    assert names("Jamie Price and a Matthew Miller statement") == [("person", "Matthew Miller")]


def test_surnames_that_are_words_count_only_capitalized() -> None:
    assert names("une borne de recharge") == []
    assert names("Borne a dit") == [("person", "Élisabeth Borne")]
