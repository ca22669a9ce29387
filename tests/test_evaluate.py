import datetime as dt
from pathlib import Path

from app.evaluate import (
    GoldEvent,
    Reading,
    date_matches,
    evaluate,
    load_gold,
    parse_gold_date,
    report_lines,
    score,
)

REPO = Path(__file__).resolve().parent.parent


def gold(type_: str, actor: str, core: bool = True, date: dt.date | None = None) -> GoldEvent:
    return GoldEvent(
        "a",
        type_,
        actor,
        frozenset(),
        frozenset(),
        date,
        "day" if date else None,
        core,
        frozenset({"restriction"}) if type_ == "warning" else frozenset(),
        frozenset(),
        "s",
    )


def reading(type_: str, actor: str, quote: str = "q", date: dt.date | None = None) -> Reading:
    return Reading(
        "a", type_, actor, frozenset(), frozenset(), date, "day" if date else None, quote, 0
    )


def test_gold_dates_keep_their_precision() -> None:
    assert parse_gold_date("2024-05") == (dt.date(2024, 5, 1), "month")
    assert parse_gold_date(dt.date(2022, 5, 26)) == (dt.date(2022, 5, 26), "day")
    assert parse_gold_date(None) == (None, None)


def test_dates_compare_at_the_gold_precision() -> None:
    assert date_matches(dt.date(2024, 5, 1), "month", dt.date(2024, 5, 24), "day") is True
    assert date_matches(dt.date(2024, 5, 24), "day", dt.date(2024, 5, 1), "month") is False
    assert date_matches(None, None, dt.date(2024, 5, 1), "day") is None


def test_matching_counts_core_optional_and_false_positives() -> None:
    golds = [
        gold("warning", "russia", date=dt.date(2024, 5, 2)),
        gold("request", "nato", core=False),
        gold("authorization", "france"),
    ]
    readings = [
        reading("restriction", "russia", date=dt.date(2024, 5, 2)),
        reading("request", "nato"),
        reading("warning", "ukraine", "drone strike on a base"),
    ]
    report = score(golds, readings, {"a": ["the drone strike on the base"]}, ["a"])
    assert (report.overall.tp, report.overall.fp, report.overall.fn) == (1, 1, 1)
    assert len(report.optional_matched) == 1
    assert report.actor_accuracy == 1.0
    assert report.date_accuracy == 1.0
    assert report.false_positives[0].not_event == "the drone strike on the base"
    assert report.misses[0].type == "authorization"


def test_gold_file_reads_also_ok_and_core() -> None:
    events, not_events = load_gold(REPO / "seeds" / "gold.yaml")
    assert len(events) == 30
    assert sum(e.core for e in events) == 21
    assert len(not_events["000_a5209e75cfa655fd"]) == 2


def test_seed_evaluation_meets_the_targets() -> None:
    report = evaluate(REPO / "seeds" / "gold.yaml")
    assert report.articles == 5
    assert report.overall.recall >= 0.90
    assert report.overall.precision >= 0.85
    assert report.actor_accuracy >= 0.95
    assert report.date_accuracy >= 0.85
    assert report_lines(report)[1].startswith("overall: precision")
