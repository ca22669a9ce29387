from pathlib import Path

from app.evaluate import (
    Counts,
    GoldArticle,
    GoldEvent,
    StoredEvent,
    article_paths,
    below_floors,
    date_ok,
    evaluate,
    load_gold,
    report_lines,
    score,
)

REPO = Path(__file__).resolve().parent.parent


def gold(
    type_: str,
    actor: str,
    *,
    core: bool = True,
    date: str | None = None,
    also_types: tuple[str, ...] = (),
    weapons: tuple[str, ...] = (),
) -> GoldEvent:
    return GoldEvent(
        article="a",
        type=type_,
        types=frozenset({type_, *also_types}),
        actors=frozenset({actor}),
        weapons=frozenset(weapons),
        places=frozenset(),
        date=date,
        core=core,
        summary="s",
    )


def stored(
    type_: str,
    actor: str,
    *,
    date: str | None = None,
    weapons: tuple[str, ...] = (),
    id_: str = "e",
) -> StoredEvent:
    return StoredEvent(
        id=id_,
        type=type_,
        actor=actor,
        weapons=frozenset(weapons),
        places=frozenset(),
        date=date,
        date_basis="text",
        summary="s",
        articles=frozenset({"a"}),
    )


def test_dates_compare_at_the_gold_precision() -> None:
    assert date_ok("2024-05", "2024-05-24") is True
    assert date_ok("2024-05-24", "2024-05-01") is False
    assert date_ok("2024", "2024-11-30") is True
    assert date_ok(None, "2024-05-01") is None
    assert date_ok("2024-05", None) is False


def test_matching_counts_core_optional_also_ok_and_false_positives() -> None:
    article = GoldArticle(
        "a",
        "fr",
        (
            gold("warning", "russia", date="2024-05-02", also_types=("restriction",)),
            gold("request", "nato", core=False),
            gold("authorization", "france"),
        ),
    )
    events = [
        stored("restriction", "Russia", date="2024-05-02", id_="1"),
        stored("request", "NATO", id_="2"),
        stored("warning", "Ukraine", id_="3"),
    ]
    report = score([article], events, {})
    overall = report.overall
    # The also_ok restriction matches; the optional request matches and counts neither
    # way except as a stored event put to use; the Ukrainian warning is a false positive.
    assert (overall.tp, overall.core_tp, overall.fp, overall.fn) == (2, 1, 1, 1)
    assert report.by_type["restriction"].tp == 1
    assert [g.type for g in report.misses] == ["authorization"]
    assert [e.id for _, e in report.false_positives] == ["3"]
    assert report.date_accuracy == 1.0
    assert report.by_language["fr"].fn == 1


def test_the_best_overlapping_event_is_matched_first() -> None:
    article = GoldArticle("a", "en", (gold("authorization", "united states", weapons=("atacms",)),))
    events = [
        stored("authorization", "United States", id_="plain"),
        stored("authorization", "United States", weapons=("atacms",), id_="atacms"),
    ]
    report = score([article], events, {})
    assert [m.event.id for m in report.matches] == ["atacms"]
    assert report.weapons.f1 == 1.0


def test_both_gold_schemas_load_with_names_read_through_the_gazetteer(tmp_path: Path) -> None:
    seeds = load_gold(REPO / "seeds" / "gold.yaml")
    assert len(seeds) == 5
    assert sum(len(a.events) for a in seeds) == 30
    assert sum(e.core for a in seeds for e in a.events) == 21
    assert len(seeds[0].not_events) == 2
    corpus = tmp_path / "gold.yaml"
    corpus.write_text(
        "- file: x1.md\n  id: x1\n  language: en\n  events:\n"
        "  - type: warning\n    actor: Kremlin\n    weapons: [Storm Shadow/SCALP, US weapons]\n"
        "    scope: [Kharkiv region]\n    date: 2024-05\n    summary: made up\n",
        encoding="utf-8",
    )
    (article,) = load_gold(corpus)
    (event,) = article.events
    assert (article.stem, article.language, event.core, event.date) == ("x1", "en", True, "2024-05")
    assert event.actors == frozenset({"russia"})
    assert event.weapons == frozenset({"storm shadow"})
    assert event.places == frozenset({"kharkiv"})


def test_articles_are_found_next_to_the_gold_or_in_its_articles_folder(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    (tmp_path / "one.md").write_text("x", encoding="utf-8")
    (tmp_path / "articles" / "two.txt").write_text("x", encoding="utf-8")
    found, missing = article_paths(tmp_path / "gold.yaml", ["one", "two", "three"])
    assert found == [tmp_path / "one.md", tmp_path / "articles" / "two.txt"]
    assert missing == ["three"]


def test_floors_name_what_falls_short() -> None:
    report = score([GoldArticle("a", "en", (gold("authorization", "france"),))], [], {})
    assert below_floors(report, min_f1=0.5, min_language_f1=None, min_date=None) == [
        "F1 0.00 is below the floor 0.50"
    ]
    assert below_floors(report, min_f1=None, min_language_f1=None, min_date=None) == []
    assert Counts(tp=3, core_tp=3, fp=1, fn=1).f1 == 0.75


def test_seed_evaluation_meets_the_targets() -> None:
    report = evaluate(REPO / "seeds" / "gold.yaml")
    assert report.articles == 5
    assert report.overall.f1 >= 0.90
    assert report.overall.precision >= 0.90
    lines = report_lines(report)
    assert lines[1].startswith("overall        P ")
    assert lines[-1].startswith("F1=")
    assert report_lines(report, verbose=True)[-1] == lines[-1]
