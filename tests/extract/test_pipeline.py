import datetime as dt

from app.extract import ArticleInput, ExtractedEvent, extract_events

PUB = dt.date(2024, 5, 31)  # a Friday


def run(text: str, language: str, published: dt.date | None = PUB) -> list[ExtractedEvent]:
    article = ArticleInput(
        text=text,
        analysis_text=text.replace("\u2019", "'").replace("«", '"').replace("»", '"'),
        language=language,
        published=published,
        published_precision="day" if published else None,
    )
    return extract_events(article)


def brief(event: ExtractedEvent) -> tuple[object, ...]:
    return (
        event.type,
        event.actor,
        event.weapons,
        event.places,
        event.date.isoformat() if event.date else None,
        event.date_precision,
        event.date_basis,
    )


def test_french_speaker_maps_to_country_and_negated_permission_is_restriction() -> None:
    text = "Mardi, Antony Blinken a affirmé que Washington n'a ni encouragé ni permis des frappes en Russie."
    (event,) = run(text, "fr")
    assert brief(event) == (
        "restriction",
        "United States",
        (),
        ("Russian territory",),
        "2024-05-28",
        "day",
        "text",
    )
    assert event.negated is True
    assert event.trigger == "encouragé ni permis des frappes"


def test_english_speaker_maps_to_country_and_denied_permission_is_restriction() -> None:
    text = "On Tuesday, Antony Blinken said Washington had neither encouraged nor permitted strikes inside Russia."
    (event,) = run(text, "en")
    assert brief(event) == (
        "restriction",
        "United States",
        (),
        ("Russian territory",),
        "2024-05-28",
        "day",
        "text",
    )


def test_evidence_offsets_index_the_text() -> None:
    text = "Titre sans rien.\nLe Royaume-Uni a autorisé l'usage des missiles Storm Shadow en Crimée, selon Reuters."
    (event,) = run(text, "fr")
    assert text[event.start : event.end] == (
        "Le Royaume-Uni a autorisé l'usage des missiles Storm Shadow en Crimée, selon Reuters."
    )
    assert text[event.trigger_start : event.trigger_end] == "autorisé"
    assert brief(event) == (
        "authorization",
        "United Kingdom",
        ("Storm Shadow",),
        ("Crimea",),
        "2024-05-31",
        "day",
        "published",
    )
    assert event.cited_source == "Reuters"


def test_cited_source_is_not_the_actor_in_english() -> None:
    (event,) = run(
        "Germany refused to send Taurus missiles to Kyiv for fear of escalation with Russia, "
        "Der Spiegel reported.",
        "en",
    )
    assert (event.type, event.actor, event.weapons, event.cited_source) == (
        "restriction",
        "Germany",
        ("Taurus",),
        "Der Spiegel",
    )


def test_russian_warning_in_both_languages() -> None:
    (fr,) = run(
        "En avril, Sergueï Lavrov a averti que des missiles à longue portée franchiraient une ligne rouge.",
        "fr",
    )
    (en,) = run(
        "In April, Sergei Lavrov warned that long-range missiles would cross a red line.", "en"
    )
    expected = ("warning", "Russia", ("long-range weapons",), (), "2024-04-01", "month", "text")
    assert brief(fr) == expected
    assert brief(en) == expected
    assert fr.speaker == "Sergey Lavrov"


def test_appeal_to_lift_limits_is_a_request() -> None:
    (fr,) = run(
        "Le président Zelensky a exhorté les alliés à lever les restrictions sur les frappes en Russie.",
        "fr",
    )
    (en,) = run(
        "President Zelensky urged allies to lift the restrictions on strikes in Russia.", "en"
    )
    assert (fr.type, fr.actor) == ("request", "Ukraine")
    assert (en.type, en.actor) == ("request", "Ukraine")


def test_modal_turns_a_lifting_into_a_request() -> None:
    (event,) = run(
        "Le chef de l'OTAN estime que les alliés devraient lever les limites sur les armes.", "fr"
    )
    assert (event.type, event.actor) == ("request", "NATO")


def test_recipient_is_not_the_actor() -> None:
    (event,) = run("La France a autorisé l'Ukraine à frapper des cibles militaires.", "fr")
    assert (event.type, event.actor) == ("authorization", "France")
    (en,) = run("The Pentagon has allowed the Ukrainians to strike targets near Kharkiv.", "en")
    assert (en.type, en.actor, en.places) == ("authorization", "United States", ("Kharkiv",))


def test_demonym_with_office_names_the_actor() -> None:
    (event,) = run(
        '"Nous refusons que nos missiles servent à frapper le sol russe", a déclaré un ministre allemand.',
        "fr",
    )
    assert (event.type, event.actor, event.speaker) == (
        "restriction",
        "Germany",
        "ministre allemand",
    )


def test_commentator_without_office_is_no_event() -> None:
    assert (
        run(
            "Un général américain à la retraite estime que l'OTAN devrait autoriser les frappes.",
            "fr",
        )
        == []
    )
    assert run("A retired US general said the alliance should allow strikes on Russia.", "en") == []


def test_military_action_is_no_event() -> None:
    assert run("L'Ukraine a frappé une base aérienne en Russie vendredi.", "fr") == []
    assert run("Ukraine hit an air base in Russia on Friday with drones.", "en") == []


def test_same_event_told_twice_comes_out_once_with_the_dated_sentence() -> None:
    text = (
        "Berlin autorise les frappes avec ses armes en Russie.\n"
        "Le 12 mai, le gouvernement allemand a autorisé les frappes avec ses armes en Russie."
    )
    (event,) = run(text, "fr")
    assert brief(event) == (
        "authorization",
        "Germany",
        (),
        ("Russian territory",),
        "2024-05-12",
        "day",
        "text",
    )


def test_undated_article_gives_undated_events() -> None:
    (event,) = run(
        "The Kremlin warned of retaliation against strikes on Russian territory.", "en", None
    )
    assert (event.date, event.date_precision, event.date_basis) == (None, None, "undated")


def test_unchanged_policy_is_a_restriction() -> None:
    (event,) = run("The US policy on long-range strikes into Russia has not changed.", "en")
    assert (event.type, event.actor, event.negated) == ("restriction", "United States", True)


def test_sentences_without_policy_content_are_skipped_quickly() -> None:
    assert run("Le temps était beau à Paris ce jour-là.", "fr") == []


def test_given_permission_is_an_authorization_with_its_cited_source() -> None:
    en = run(
        "The British government has given Kyiv permission to use Storm Shadow missiles "
        "against military targets inside Russia, according to the BBC.",
        "en",
    )
    fr = run(
        "Le gouvernement britannique a donné à Kiev la permission d'utiliser des missiles "
        "Storm Shadow contre des cibles militaires en Russie, selon la BBC.",
        "fr",
    )
    for (event,) in (en, fr):
        assert brief(event) == (
            "authorization",
            "United Kingdom",
            ("Storm Shadow",),
            ("Russian territory",),
            "2024-05-31",
            "day",
            "published",
        )
        assert event.cited_source == "BBC"


def test_a_relative_clause_inside_a_noun_trigger_does_not_name_the_actor() -> None:
    fr = run(
        "Les Pays-Bas n'imposent aucune restriction à l'utilisation des F-16 qu'ils "
        "fournissent à l'Ukraine, a déclaré leur ministre.",
        "fr",
    )
    en = run(
        "The Netherlands imposes no restrictions on the use of the F-16 jets it gives Ukraine.",
        "en",
    )
    for (event,) in (fr, en):
        assert brief(event) == (
            "authorization",
            "Netherlands",
            ("F-16",),
            (),
            "2024-05-31",
            "day",
            "published",
        )
        assert event.negated is True
