"""One construction per test, in French and English, on sentences written for the tests.

Each pair checks that a general rule of the extractor holds in both languages: who the
actor is, what a statement allows or forbids, whether it is asserted at all, and how it
is dated."""

import datetime as dt

import pytest

from app.extract import ArticleInput, ExtractedEvent, extract_events

PUB = dt.date(2024, 6, 12)  # a Wednesday


def run(text: str, language: str, published: dt.date = PUB) -> list[ExtractedEvent]:
    plain = text.replace("\u2019", "'").replace("«", '"').replace("»", '"')
    article = ArticleInput(
        text=text,
        analysis_text=plain,
        language=language,
        published=published,
        published_precision="day",
    )
    return extract_events(article)


def readings(text: str, language: str) -> list[tuple[str, str]]:
    return [(e.type, e.actor) for e in run(text, language)]


# Actor: the agent of the trigger, never an object, a recipient or a place.


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Oslo laisse Kiev utiliser ses armes contre des bases militaires en Russie.", "fr"),
        ("Oslo lets Kyiv use its arms against military bases in Russia.", "en"),
    ],
)
def test_place_in_a_prepositional_phrase_is_not_the_actor(text: str, language: str) -> None:
    assert readings(text, language) == [("authorization", "Norway")]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Madrid n'impose aucune limite à l'usage que Kiev fait des armes espagnoles.", "fr"),
        ("Madrid places no limits on how Kyiv uses Spanish arms.", "en"),
    ],
)
def test_negated_limit_is_an_authorization_by_the_subject(text: str, language: str) -> None:
    assert readings(text, language) == [("authorization", "Spain")]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Une autorisation comparable a été accordée mardi par la Belgique et le Portugal.",
            "fr",
        ),
        ("A similar permission was granted on Tuesday by Belgium and Portugal.", "en"),
    ],
)
def test_passive_agents_give_one_event_each(text: str, language: str) -> None:
    events = run(text, language)
    assert [(e.type, e.actor) for e in events] == [
        ("authorization", "Belgium"),
        ("authorization", "Portugal"),
    ]
    assert {e.date for e in events} == {dt.date(2024, 6, 11)}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Les Pays-Bas et la Suède ont autorisé l'Ukraine à frapper des cibles militaires en Russie.",
            "fr",
        ),
        ("The Netherlands and Sweden allowed Ukraine to strike military targets in Russia.", "en"),
    ],
)
def test_coordinated_subjects_give_one_event_per_actor(text: str, language: str) -> None:
    assert readings(text, language) == [
        ("authorization", "Netherlands"),
        ("authorization", "Sweden"),
    ]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Le ministre letton affirme que la Lettonie, l'Estonie et la Suède ne posent plus "
            "aucune limite à l'usage de leurs armes.",
            "fr",
        ),
        (
            "The Latvian minister said that Latvia, Estonia and Sweden no longer place any "
            "limits on the use of their arms.",
            "en",
        ),
    ],
)
def test_one_speakers_claim_for_several_governments_is_their_own_decision(
    text: str, language: str
) -> None:
    assert readings(text, language) == [("authorization", "Latvia")]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Le chef de la diplomatie de l'Italie a déclaré que Rome refusait tout usage de ses "
            "armes sur le sol russe.",
            "fr",
        ),
        (
            "Italy's foreign minister said Rome refused any use of its arms on Russian soil.",
            "en",
        ),
    ],
)
def test_possessor_of_a_speaker_is_the_actor(text: str, language: str) -> None:
    (event,) = run(text, language)
    assert (event.type, event.actor, event.places) == (
        "restriction",
        "Italy",
        ("Russian territory",),
    )


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            '"Nous n\'avons jamais autorisé de frappes au-delà de la frontière", a déclaré '
            "mardi le porte-parole du Pentagone.",
            "fr",
        ),
        (
            '"We have never authorized strikes beyond the border," the Pentagon spokesman said '
            "on Tuesday.",
            "en",
        ),
    ],
)
def test_quote_attribution_names_the_actor(text: str, language: str) -> None:
    (event,) = run(text, language)
    assert (event.type, event.actor, event.date) == (
        "restriction",
        "United States",
        dt.date(2024, 6, 11),
    )


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Le Kremlin a averti que toute frappe sur son territoire entraînerait une riposte "
            "immédiate, a rapporté l'AFP.",
            "fr",
        ),
        (
            "The Kremlin warned that any strike on its territory would bring an immediate "
            "retaliation, the AFP reported.",
            "en",
        ),
    ],
)
def test_seat_of_power_speaks_for_its_state(text: str, language: str) -> None:
    (event,) = run(text, language)
    assert (event.type, event.actor, event.cited_source) == ("warning", "Russia", "AFP")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Le 3 juin, Mark Rutte a exhorté les alliés à lever les limites imposées à Kiev.",
            "fr",
        ),
        ("On June 3, Mark Rutte urged allies to lift the limits imposed on Kyiv.", "en"),
    ],
)
def test_official_maps_to_the_body_they_served_on_the_day(text: str, language: str) -> None:
    # Rutte led the Dutch government until July 2024, then NATO from October 2024.
    (event,) = run(text, language)
    assert (event.type, event.actor, event.speaker) == ("request", "Netherlands", "Mark Rutte")
    (later,) = run(text, language, published=dt.date(2025, 6, 12))
    assert (later.actor, later.date) == ("NATO", dt.date(2025, 6, 3))


# Polarity.


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        (
            "Pour l'usage de ses armes, la Suède demande seulement le respect du droit de la guerre.",
            "fr",
            "authorization",
        ),
        (
            "For the use of its weapons, Sweden only asks that the laws of war be respected.",
            "en",
            "authorization",
        ),
        (
            "Selon Ottawa, les armes canadiennes ne peuvent être employées que sur le sol ukrainien.",
            "fr",
            "restriction",
        ),
        (
            "Ottawa said Canadian arms may only be used on Ukrainian soil.",
            "en",
            "restriction",
        ),
        (
            "Berlin a indiqué que sa politique n'a pas changé sur les frappes en Russie.",
            "fr",
            "restriction",
        ),
        ("Berlin said its policy on strikes in Russia has not changed.", "en", "restriction"),
        ("Athènes s'oppose toujours aux frappes en Russie avec ses armes.", "fr", "restriction"),
        ("Athens continues to oppose strikes in Russia with its arms.", "en", "restriction"),
    ],
)
def test_polarity_beyond_plain_negation(text: str, language: str, expected: str) -> None:
    assert [e.type for e in run(text, language)] == [expected]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Le Danemark a refusé de livrer ses missiles, craignant une escalade avec la Russie.",
            "fr",
        ),
        ("Denmark declined to supply its missiles, fearing escalation with Russia.", "en"),
    ],
)
def test_refusal_to_supply_for_fear_of_escalation_is_a_restriction(
    text: str, language: str
) -> None:
    assert readings(text, language) == [("restriction", "Denmark")]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Le Danemark a refusé de livrer ses missiles à l'Ukraine.", "fr"),
        ("Denmark declined to supply its missiles to Ukraine.", "en"),
    ],
)
def test_refusal_to_supply_with_no_tie_to_russia_is_no_event(text: str, language: str) -> None:
    assert run(text, language) == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Kiev a promis à Londres de ne pas utiliser ces missiles contre le sol russe.", "fr"),
        ("Kyiv promised London not to use these missiles against Russian soil.", "en"),
    ],
)
def test_pledge_not_to_use_is_a_restriction_by_who_states_it(text: str, language: str) -> None:
    assert readings(text, language) == [("restriction", "Ukraine")]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Le ministre finlandais a estimé que l'Ukraine devrait être autorisée à frapper "
            "des aérodromes en Russie.",
            "fr",
        ),
        (
            "Ukraine should be allowed to strike airfields in Russia, the Finnish minister said.",
            "en",
        ),
    ],
)
def test_modal_appeal_is_a_request_by_the_speaker(text: str, language: str) -> None:
    assert readings(text, language) == [("request", "Finland")]


# Modality: what is not asserted is no event.


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Paris pourrait autoriser des frappes en Russie d'ici l'été.", "fr"),
        ("Paris might allow strikes in Russia by the summer.", "en"),
        ("Washington envisage d'autoriser des frappes plus profondes en Russie.", "fr"),
        ("Washington is weighing whether to allow deeper strikes in Russia.", "en"),
        ("Londres est censé autoriser bientôt ces frappes, selon la presse.", "fr"),
        ("London is expected to allow such strikes soon, the press says.", "en"),
        ("Si Berlin autorisait ces frappes, la guerre changerait.", "fr"),
        ("If Berlin allowed such strikes, the war would change.", "en"),
        ("Rome autorisera-t-elle des frappes en Russie ?", "fr"),
        ("Will Rome allow strikes in Russia?", "en"),
        ("Le Kremlin a démenti avoir menacé les pays baltes de représailles.", "fr"),
        ("The Kremlin rejected claims that it had threatened retaliation.", "en"),
    ],
)
def test_hypotheses_plans_questions_and_denials_are_no_events(text: str, language: str) -> None:
    assert run(text, language) == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Selon le Times, Washington aurait autorisé des frappes en Russie.", "fr"),
        ("Washington has reportedly allowed strikes in Russia, according to the Times.", "en"),
    ],
)
def test_reported_decision_is_an_event_with_its_cited_source(text: str, language: str) -> None:
    (event,) = run(text, language)
    assert (event.type, event.actor, event.cited_source) == (
        "authorization",
        "United States",
        "The Times",
    )


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Les missiles permettront à l'Ukraine de frapper plus loin.", "fr"),
        ("The missiles will allow Ukraine to strike farther.", "en"),
    ],
)
def test_a_weapons_capability_is_no_permission(text: str, language: str) -> None:
    assert run(text, language) == []


# Warnings: threats phrased as consequences.


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Selon Dmitri Peskov, de telles frappes signifieraient que l'OTAN est en guerre avec la Russie.",
            "fr",
        ),
        (
            "Dmitry Peskov said such strikes would mean NATO is at war with Russia.",
            "en",
        ),
        ("Moscou a promis des mesures de riposte si les missiles étaient livrés.", "fr"),
        ("Moscow vowed to answer with countermeasures if the missiles were delivered.", "en"),
        ("Le président russe a signé une révision de la doctrine nucléaire.", "fr"),
        ("The Russian president signed a revised nuclear doctrine.", "en"),
    ],
)
def test_russian_threats_phrased_as_consequences_are_warnings(text: str, language: str) -> None:
    assert readings(text, language) == [("warning", "Russia")]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Le chancelier allemand a mis en garde contre une escalade avec la Russie.", "fr"),
        ("The German chancellor warned of escalation with Russia.", "en"),
    ],
)
def test_only_russias_side_issues_the_warnings_we_record(text: str, language: str) -> None:
    assert run(text, language) == []


# Dates.


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Le Canada a autorisé mercredi les frappes en Russie.", "fr"),
        ("Canada allowed the strikes in Russia on Wednesday.", "en"),
    ],
)
def test_weekday_of_publication_is_the_publication_day(text: str, language: str) -> None:
    (event,) = run(text, language)
    assert (event.date, event.date_precision, event.date_basis) == (PUB, "day", "text")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "À l'automne 2022, Washington refusait tout usage de ses armes en Russie.",
            "fr",
        ),
        ("In the autumn of 2022, Washington refused any use of its arms in Russia.", "en"),
    ],
)
def test_dated_background_keeps_its_date(text: str, language: str) -> None:
    (event,) = run(text, language)
    assert (event.type, event.date, event.date_precision) == (
        "restriction",
        dt.date(2022, 1, 1),
        "year",
    )


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Offensive russe lancée en mai : Prague a autorisé le 4 juin les frappes sur le sol russe.",
            "fr",
        ),
        (
            "With the Russian offensive launched in May, Prague allowed strikes on Russian soil on June 4.",
            "en",
        ),
    ],
)
def test_a_month_named_for_something_else_does_not_date_the_decision(
    text: str, language: str
) -> None:
    (event,) = run(text, language)
    assert (event.actor, event.date, event.date_precision) == (
        "Czech Republic",
        dt.date(2024, 6, 4),
        "day",
    )


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Le 2 juin, Vilnius a levé ses restrictions. La Lituanie a aussi autorisé les frappes "
            "avec ses drones.",
            "fr",
        ),
        (
            "On June 2, Vilnius lifted its restrictions. Lithuania also allowed strikes with its "
            "drones.",
            "en",
        ),
    ],
)
def test_a_paragraph_opening_date_dates_the_sentences_that_follow(text: str, language: str) -> None:
    (event,) = run(text, language)  # the same decision told twice
    assert (event.actor, event.date) == ("Lithuania", dt.date(2024, 6, 2))


# Crimea and own weapons.


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("La Crimée reste sous contrôle russe depuis 2014, rappelle Moscou.", "fr"),
        ("Crimea has been under Russian control since 2014, Moscow recalled.", "en"),
        ("Kiev développe ses propres missiles à longue portée sans restrictions.", "fr"),
        ("Kyiv develops its own long-range missiles without restrictions.", "en"),
    ],
)
def test_crimea_facts_and_ukraines_own_weapons_are_no_events(text: str, language: str) -> None:
    assert run(text, language) == []


# Confidence.


def test_confidence_is_higher_for_a_plain_decision_than_for_a_weak_cue() -> None:
    (plain,) = run("Le 5 juin, la France a autorisé les frappes en Russie.", "fr")
    (weak,) = run(
        "L'Ukraine peut utiliser les F-16 norvégiens contre des cibles en Russie, a dit le ministre norvégien.",
        "fr",
    )
    assert plain.confidence == 0.95
    assert weak.confidence < plain.confidence
    assert 0.0 < weak.confidence < 1.0


# Decision nouns name their owner; a limit to a place allows that place.


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Selon la presse, l'autorisation britannique vise des dépôts de munitions en Russie.",
            "fr",
        ),
        (
            "According to the press, the British authorization covers ammunition depots in Russia.",
            "en",
        ),
    ],
)
def test_a_decision_noun_names_its_owner(text: str, language: str) -> None:
    assert readings(text, language) == [("authorization", "United Kingdom")]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Le 4 juin, Paris a limité l'usage de ses missiles à la région de Koursk.", "fr"),
        ("On June 4, Paris limited the use of its missiles to the Kursk region.", "en"),
    ],
)
def test_a_limit_to_a_place_allows_that_place(text: str, language: str) -> None:
    (event,) = run(text, language)
    assert (event.type, event.actor, event.places) == ("authorization", "France", ("Kursk",))


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # French: the parse finds the subject of "a autorisé" across the aside.
        (
            "Le ministre polonais de la Défense, que Berlin avait critiqué la veille, a autorisé "
            "les frappes sur le sol russe.",
            "fr",
        ),
        # English: the clause rules skip the comma-bounded relative clause.
        (
            "The Polish defence minister, whom Berlin had criticised the day before, allowed "
            "strikes on Russian soil.",
            "en",
        ),
    ],
)
def test_the_subject_of_an_aside_is_not_the_actor(text: str, language: str) -> None:
    (event,) = run(text, language)
    assert (event.type, event.actor) == ("authorization", "Poland")
    how = {"fr": "actor by parse subject (office)", "en": "actor by subject (office)"}
    assert event.notes[1] == how[language]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Le gouvernement danois a confirmé que Kiev pouvait employer les missiles fournis "
            "contre des dépôts en Russie.",
            "fr",
        ),
        (
            "The Danish government confirmed that the supplied missiles can be used against "
            "depots in Russia.",
            "en",
        ),
    ],
)
def test_a_reported_or_passive_permission_is_the_speakers_authorization(
    text: str, language: str
) -> None:
    events = run(text, language)
    assert [(e.type, e.actor, e.places) for e in events] == [
        ("authorization", "Denmark", ("Russian territory",))
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The Dutch defence minister said the jets could not be used over Russian territory.",
            [("restriction", "Netherlands")],
        ),
        ("Kyiv could use the new jets to hit airfields in Russia.", []),
    ],
)
def test_could_is_a_permission_only_in_reported_speech(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert readings(text, "en") == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Kiev a obtenu le feu vert d'Oslo pour frapper des dépôts en Russie.", "fr"),
        ("Kyiv received permission from Oslo to strike depots in Russia.", "en"),
    ],
)
def test_a_permission_received_belongs_to_who_gave_it(text: str, language: str) -> None:
    assert readings(text, language) == [("authorization", "Norway")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Madrid puts no caps on the depth of strikes Kyiv may carry out.",
            [("authorization", "Spain")],
        ),
        (
            "Madrid asks only that the laws of war be respected when Kyiv fires Spanish shells.",
            [("authorization", "Spain")],
        ),
        (
            "Madrid said the Spanish launchers must stay on Ukrainian soil.",
            [("restriction", "Spain")],
        ),
        ("Madrid backed the G7 price cap on Russian oil.", []),
    ],
)
def test_denied_caps_bare_conditions_and_staying_on_ukrainian_soil(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert readings(text, "en") == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Selon Peskov, de telles frappes signifieraient que l'Alliance combat la Russie.", "fr"),
        ("Peskov said such strikes would mean the Alliance is fighting Russia.", "en"),
    ],
)
def test_strikes_meaning_war_with_russia_are_a_warning(text: str, language: str) -> None:
    assert readings(text, language) == [("warning", "Russia")]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        (
            "Le secrétaire général de l'OTAN a exhorté les alliés à envisager de lever les "
            "restrictions sur les missiles.",
            "fr",
            [("request", "NATO")],
        ),
        (
            "The NATO secretary general said it was time for allies to consider lifting the "
            "restrictions on the missiles.",
            "en",
            [("request", "NATO")],
        ),
        ("Oslo is considering lifting the restrictions on the missiles.", "en", []),
        (
            "Le ministre danois a dit qu'il envisageait de suggérer aux alliés de lever les "
            "restrictions sur les missiles.",
            "fr",
            [],
        ),
    ],
)
def test_an_appeal_may_ask_for_a_plan_but_a_plan_is_no_decision(
    text: str, language: str, expected: list[tuple[str, str]]
) -> None:
    assert readings(text, language) == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("« Nous n'encourageons pas les frappes en Russie », a déclaré le ministère danois.", "fr"),
        ("We do not encourage strikes inside Russia, the Danish ministry said.", "en"),
    ],
)
def test_a_first_person_subject_is_the_speakers_government(text: str, language: str) -> None:
    assert readings(text, language) == [("restriction", "Denmark")]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Oslo n'a pas changé sa position sur l'emploi des missiles en Russie.", "fr"),
        ("Oslo said its position on the use of the missiles in Russia remains unchanged.", "en"),
    ],
)
def test_an_unchanged_position_is_a_standing_restriction(text: str, language: str) -> None:
    assert readings(text, language) == [("restriction", "Norway")]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Kiev n'a pas l'intention de frapper le territoire russe avec les armes reçues.", "fr"),
        ("Kyiv does not plan to strike Russian territory with the weapons it receives.", "en"),
    ],
)
def test_kyivs_stated_intention_not_to_strike_russia_is_its_own_restriction(
    text: str, language: str
) -> None:
    assert [(e.type, e.actor, e.places) for e in run(text, language)] == [
        ("restriction", "Ukraine", ("Russian territory",))
    ]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Moscou a prévenu que les pays fournissant ces missiles deviendraient des "
            "belligérants.",
            "fr",
        ),
        ("Moscow said the states supplying the missiles would become combatants.", "en"),
    ],
)
def test_suppliers_becoming_combatants_is_a_warning(text: str, language: str) -> None:
    assert readings(text, language) == [("warning", "Russia")]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        (
            "Oslo interdit l'emploi de ses armes en Russie, mais autorise les frappes en Crimée.",
            "fr",
            [("restriction", ("Russian territory",)), ("authorization", ("Crimea",))],
        ),
        (
            "Oslo bans the use of its arms in Russia but allows strikes on Crimea.",
            "en",
            [("restriction", ("Russian territory",)), ("authorization", ("Crimea",))],
        ),
        (
            "Oslo allowed strikes near Kharkiv but banned any deeper into Russia.",
            "en",
            [("authorization", ("Kharkiv",))],
        ),
    ],
)
def test_a_ban_stated_before_a_permission_stands_a_limit_after_it_is_its_scope(
    text: str, language: str, expected: list[tuple[str, tuple[str, ...]]]
) -> None:
    assert [(e.type, e.places) for e in run(text, language)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The decision, announced on Monday, lets Kyiv use Swedish missiles in Russia.",
            ["Sweden"],
        ),
        ("Norway and Sweden have said Kyiv can use their weapons in Russia.", ["Norway", "Sweden"]),
    ],
)
def test_suppliers_named_beside_their_weapons_or_together_each_decide(
    text: str, expected: list[str]
) -> None:
    assert [e.actor for e in run(text, "en")] == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Oslo n'exclut pas d'autoriser Kiev à frapper la Russie avec ses missiles.", "fr"),
        ("Oslo has not ruled out allowing Kyiv to strike Russia with its missiles.", "en"),
        ("Oslo has not ruled out the use of its missiles against Russia.", "en"),
    ],
)
def test_not_ruling_out_leaves_the_question_open(text: str, language: str) -> None:
    assert readings(text, language) == []


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        (
            "Lavrov a accusé l'Occident de chercher l'escalade avec ces missiles.",
            "fr",
            [],
        ),
        ("Lavrov accused the West of seeking escalation with the missiles.", "en", []),
        (
            "Ces livraisons de missiles pourraient être perçues par Moscou comme une agression.",
            "fr",
            [],
        ),
        (
            "Moscou considérera toute frappe de missiles occidentaux comme une attaque de "
            "l'OTAN, a dit Peskov.",
            "fr",
            [("warning", "Russia")],
        ),
        (
            "Moscow will treat any strike with Western missiles as an attack by NATO, Peskov said.",
            "en",
            [("warning", "Russia")],
        ),
        (
            "Medvedev a dit que Moscou pourrait recourir à l'arme nucléaire contre ces missiles.",
            "fr",
            [("warning", "Russia")],
        ),
    ],
)
def test_accusations_are_not_threats_but_treating_strikes_as_attacks_is(
    text: str, language: str, expected: list[tuple[str, str]]
) -> None:
    assert readings(text, language) == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Les restrictions sur les missiles restent en vigueur, a déclaré un ministre danois.",
            "fr",
        ),
        ("The restrictions on the missiles remain in place, a Danish minister said.", "en"),
    ],
)
def test_a_limit_that_opens_an_attributed_sentence_is_the_speakers(
    text: str, language: str
) -> None:
    assert readings(text, language) == [("restriction", "Denmark")]


def test_a_gap_pattern_ends_at_the_nearest_use_word() -> None:
    text = "Danish officials said the rules allow Kyiv to fire back at Russian troops attacking it."
    assert readings(text, "en") == [("authorization", "Denmark")]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Un responsable danois a déclaré lundi que Kiev pouvait frapper des sites militaires "
            "en Russie avec des armes danoises. Le responsable a dit que Copenhague interdisait "
            "toujours les frappes en Crimée.",
            "fr",
        ),
        (
            "A Danish official said on Monday that Kyiv may strike military sites in Russia "
            "with Danish weapons. The official said Copenhagen still bans strikes on Crimea.",
            "en",
        ),
    ],
)
def test_the_official_said_continues_the_earlier_statement_and_its_day(
    text: str, language: str
) -> None:
    assert [(e.type, e.actor, e.date) for e in run(text, language)] == [
        ("authorization", "Denmark", dt.date(2024, 6, 10)),
        ("restriction", "Denmark", dt.date(2024, 6, 10)),
    ]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Oslo s'oppose à l'envoi de troupes occidentales en Ukraine.", "fr", []),
        ("Oslo opposes sending Western troops to Ukraine.", "en", []),
        (
            "Oslo interdit aux troupes ukrainiennes d'utiliser ses missiles en Russie.",
            "fr",
            [("restriction", "Norway")],
        ),
        (
            "Oslo bans Ukrainian troops from using its missiles in Russia.",
            "en",
            [("restriction", "Norway")],
        ),
        (
            "Oslo a refusé de dire si Kiev avait été autorisé à tirer ses missiles en Russie.",
            "fr",
            [],
        ),
        (
            "Oslo declined to say whether Kyiv had been allowed to fire its missiles in Russia.",
            "en",
            [],
        ),
    ],
)
def test_limits_on_troops_and_refusals_to_say_are_no_weapons_policy(
    text: str, language: str, expected: list[tuple[str, str]]
) -> None:
    assert readings(text, language) == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("En 2023, Oslo a refusé de laisser Kiev utiliser ses missiles en Russie.", "fr"),
        ("In 2023, Oslo refused to let Kyiv use its missiles in Russia.", "en"),
    ],
)
def test_a_refusal_to_let_governs_the_permission_inside_it(text: str, language: str) -> None:
    assert [(e.type, e.actor, e.places) for e in run(text, language)] == [
        ("restriction", "Norway", ("Russian territory",))
    ]


def test_a_named_system_replaces_the_long_range_class_when_two_sentences_merge() -> None:
    text = (
        "Oslo a autorisé Kiev à frapper la Russie avec des missiles à longue portée. "
        "Oslo a autorisé Kiev à utiliser ses ATACMS en Russie."
    )
    assert [(e.type, e.weapons) for e in run(text, "fr")] == [("authorization", ("ATACMS",))]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Oslo a autorisé Kiev à frapper le territoire russe près de Kharkiv pour défendre la ville.",
            "fr",
        ),
        ("Oslo allowed Kyiv to strike Russian territory near Kharkiv to defend the city.", "en"),
    ],
)
def test_a_permission_for_an_area_inside_russia_is_scoped_to_that_area(
    text: str, language: str
) -> None:
    assert [(e.type, e.places) for e in run(text, language)] == [("authorization", ("Kharkiv",))]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Oslo n'a pas autorisé les frappes sur le territoire de la Fédération de Russie.", "fr"),
        ("Oslo has not authorized strikes on the territory of the Russian Federation.", "en"),
    ],
)
def test_the_territory_of_the_russian_federation_is_russian_territory(
    text: str, language: str
) -> None:
    assert [(e.type, e.places) for e in run(text, language)] == [
        ("restriction", ("Russian territory",))
    ]
