"""Scoring the extractor against a hand annotation (e.g. seeds/gold.yaml).

The articles named by the gold file are ingested into a FRESH temporary SQLite
database through the real ingestion path (`app.ingest.runner.ingest_paths`), and the
stored mentions are scored, so the figures describe what the product stores.

Matching rule: within one article, a stored mention may match a gold event when its
type is the gold type or one of the gold's `also_ok` types. Pairs are assigned
one-to-one, greedily by score (exact type 4, right actor 3, right date 2, weapon and
place overlap up to 1 each, core gold +0.5), so the best-overlapping readings pair first.
- a mention matched to a core event is a true positive; an unmatched core event a miss;
- a mention matched to an optional (`core: false`) event counts neither way;
- an unmatched mention is a false positive. `not_events` are free text, so they
  cannot be matched structurally: every unmatched mention already counts as a false
  positive, and the report labels one with the `not_events` line sharing the most
  words with its sentence (at least two words of 4+ letters), to show which
  non-event it read.
Actor, date, weapons and places are scored on the matched core pairs: the actor is
right when it is the gold actor or an `also_ok` actor; the date only where the gold
has one, compared at the gold's precision (a coarser reading is wrong).
"""

import datetime as dt
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from app.slugs import fold, slugify

EVENT_TYPES = ("authorization", "restriction", "warning", "request")
_ARTICLE_SUFFIXES = (".md", ".txt", ".html", ".htm")


@dataclass(frozen=True)
class GoldEvent:
    file: str  # the article's file stem
    type: str
    actor: str  # slug
    weapons: frozenset[str]  # slugs
    places: frozenset[str]
    date: dt.date | None
    precision: str | None  # day | month | year of the gold date
    core: bool
    also_types: frozenset[str]
    also_actors: frozenset[str]
    summary: str


@dataclass(frozen=True)
class Reading:
    """One stored mention, as scored."""

    file: str
    type: str
    actor: str  # slug
    weapons: frozenset[str]
    places: frozenset[str]
    date: dt.date | None
    precision: str | None
    quote: str
    start: int


@dataclass(frozen=True)
class Pair:
    gold: GoldEvent
    reading: Reading

    @property
    def actor_ok(self) -> bool:
        return self.reading.actor == self.gold.actor or self.reading.actor in self.gold.also_actors

    @property
    def date_ok(self) -> bool | None:
        """None when the gold has no date to compare with."""
        return date_matches(
            self.gold.date, self.gold.precision, self.reading.date, self.reading.precision
        )


@dataclass(frozen=True)
class FalsePositive:
    reading: Reading
    not_event: str | None  # the gold `not_events` line it seems to read, if any


@dataclass
class Scores:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class EvaluationReport:
    articles: int = 0
    overall: Scores = field(default_factory=Scores)
    by_type: dict[str, Scores] = field(default_factory=lambda: {t: Scores() for t in EVENT_TYPES})
    matched: list[Pair] = field(default_factory=list)  # core matches
    optional_matched: list[Pair] = field(default_factory=list)
    misses: list[GoldEvent] = field(default_factory=list)
    false_positives: list[FalsePositive] = field(default_factory=list)
    weapons: Scores = field(default_factory=Scores)
    places: Scores = field(default_factory=Scores)
    missing_articles: list[str] = field(default_factory=list)

    @property
    def actor_accuracy(self) -> float:
        return sum(p.actor_ok for p in self.matched) / len(self.matched) if self.matched else 0.0

    @property
    def dated_pairs(self) -> list[Pair]:
        return [p for p in self.matched if p.date_ok is not None]

    @property
    def date_accuracy(self) -> float:
        dated = self.dated_pairs
        return sum(bool(p.date_ok) for p in dated) / len(dated) if dated else 0.0


def date_matches(
    gold: dt.date | None, gold_precision: str | None, got: dt.date | None, got_precision: str | None
) -> bool | None:
    """Compare at the gold's precision; None when the gold has no date."""
    if gold is None or gold_precision is None:
        return None
    if got is None or got_precision is None:
        return False
    rank = {"year": 0, "month": 1, "day": 2}
    if rank[got_precision] < rank[gold_precision]:
        return False
    if gold_precision == "year":
        return got.year == gold.year
    if gold_precision == "month":
        return (got.year, got.month) == (gold.year, gold.month)
    return got == gold


def parse_gold_date(value: Any) -> tuple[dt.date | None, str | None]:
    """`2022-05-26` (YAML date), "2022-05", "2022" or null."""
    if value is None:
        return None, None
    if isinstance(value, dt.date):
        return value, "day"
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dt.date.fromisoformat(text), "day"
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return dt.date(int(text[:4]), int(text[5:]), 1), "month"
    if re.fullmatch(r"\d{4}", text):
        return dt.date(int(text), 1, 1), "year"
    raise ValueError(f"unreadable gold date: {value!r}")


def load_gold(gold_path: Path) -> tuple[list[GoldEvent], dict[str, list[str]]]:
    """Gold events and the `not_events` lines, per article file stem."""
    entries = yaml.safe_load(gold_path.read_text("utf-8")) or []
    events: list[GoldEvent] = []
    not_events: dict[str, list[str]] = {}
    for entry in entries:
        stem = Path(entry["file"]).stem
        not_events[stem] = [str(n) for n in entry.get("not_events") or []]
        for item in entry.get("events") or []:
            date, precision = parse_gold_date(item.get("date"))
            also = item.get("also_ok") or {}
            events.append(
                GoldEvent(
                    file=stem,
                    type=item["type"],
                    actor=slugify(item["actor"]),
                    weapons=frozenset(slugify(w) for w in item.get("weapons") or []),
                    places=frozenset(slugify(p) for p in item.get("scope") or []),
                    date=date,
                    precision=precision,
                    core=bool(item.get("core", True)),
                    also_types=frozenset(also.get("type") or []),
                    also_actors=frozenset(slugify(a) for a in also.get("actor") or []),
                    summary=str(item.get("summary", "")),
                )
            )
    return events, not_events


def article_paths(gold_path: Path, stems: Sequence[str]) -> tuple[list[Path], list[str]]:
    """The article file for each stem in the gold file's folder (.md first), and the
    stems with no file."""
    found: list[Path] = []
    missing: list[str] = []
    for stem in stems:
        for suffix in _ARTICLE_SUFFIXES:
            candidate = gold_path.parent / f"{stem}{suffix}"
            if candidate.is_file():
                found.append(candidate)
                break
        else:
            missing.append(stem)
    return found, missing


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def _pair_score(gold: GoldEvent, reading: Reading) -> float:
    pair = Pair(gold, reading)
    return (
        4 * (reading.type == gold.type)
        + 3 * pair.actor_ok
        + 2 * bool(pair.date_ok)
        + _jaccard(gold.weapons, reading.weapons)
        + _jaccard(gold.places, reading.places)
        + 0.5 * gold.core
    )


def match_article(
    golds: Sequence[GoldEvent], readings: Sequence[Reading]
) -> tuple[list[Pair], list[Reading]]:
    """One-to-one pairs (greedy by score) and the readings left unmatched."""
    options = [
        (_pair_score(g, r), gi, ri)
        for gi, g in enumerate(golds)
        for ri, r in enumerate(readings)
        if r.type == g.type or r.type in g.also_types
    ]
    options.sort(key=lambda o: (-o[0], o[1], o[2]))
    used_g: set[int] = set()
    used_r: set[int] = set()
    pairs: list[Pair] = []
    for _score, gi, ri in options:
        if gi in used_g or ri in used_r:
            continue
        used_g.add(gi)
        used_r.add(ri)
        pairs.append(Pair(golds[gi], readings[ri]))
    left = [r for ri, r in enumerate(readings) if ri not in used_r]
    return pairs, left


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", fold(text)) if len(w) >= 4}


def closest_not_event(quote: str, not_events: Sequence[str]) -> str | None:
    words = _content_words(quote)
    best, best_overlap = None, 1
    for line in not_events:
        overlap = len(words & _content_words(line))
        if overlap > best_overlap:
            best, best_overlap = line, overlap
    return best


def score(
    golds: Sequence[GoldEvent],
    readings: Sequence[Reading],
    not_events: dict[str, list[str]],
    stems: Sequence[str],
) -> EvaluationReport:
    report = EvaluationReport(articles=len(stems))
    for stem in stems:
        pairs, left = match_article(
            [g for g in golds if g.file == stem], [r for r in readings if r.file == stem]
        )
        matched_golds = {id(p.gold) for p in pairs}
        for pair in pairs:
            if not pair.gold.core:
                report.optional_matched.append(pair)
                continue
            report.matched.append(pair)
            report.overall.tp += 1
            report.by_type[pair.reading.type].tp += 1
            for mine, truth, scores in (
                (pair.reading.weapons, pair.gold.weapons, report.weapons),
                (pair.reading.places, pair.gold.places, report.places),
            ):
                scores.tp += len(mine & truth)
                scores.fp += len(mine - truth)
                scores.fn += len(truth - mine)
        for gold in golds:
            if gold.file == stem and gold.core and id(gold) not in matched_golds:
                report.misses.append(gold)
                report.overall.fn += 1
                report.by_type[gold.type].fn += 1
        for reading in left:
            report.false_positives.append(
                FalsePositive(reading, closest_not_event(reading.quote, not_events.get(stem, [])))
            )
            report.overall.fp += 1
            report.by_type[reading.type].fp += 1
    return report


def stored_readings(paths: Sequence[Path]) -> list[Reading]:
    """Ingest `paths` into a fresh temporary database; return its mentions."""
    from sqlmodel import Session, select

    from app.db import make_engine
    from app.ingest.runner import ingest_paths
    from app.migrate import upgrade_database
    from app.models import Article, Mention

    with tempfile.TemporaryDirectory(prefix="timeline-eval-") as folder:
        url = f"sqlite:///{Path(folder) / 'evaluate.sqlite3'}"
        upgrade_database(url)
        engine = make_engine(url)
        try:
            ingest_paths(list(paths), engine)
            with Session(engine) as session:
                rows = session.exec(
                    select(Mention, Article).where(Mention.article_id == Article.id)
                ).all()
                readings = [
                    Reading(
                        file=Path(article.source).stem,
                        type=mention.type,
                        actor=mention.actor_id,
                        weapons=frozenset(mention.weapons),
                        places=frozenset(mention.places),
                        date=mention.date,
                        precision=mention.date_precision,
                        quote=mention.quote,
                        start=mention.start,
                    )
                    for mention, article in rows
                ]
        finally:
            engine.dispose()
    return sorted(readings, key=lambda r: (r.file, r.start))


def evaluate(gold_path: Path) -> EvaluationReport:
    """Score a fresh database built from the gold's articles against the gold."""
    golds, not_events = load_gold(gold_path)
    stems = list(dict.fromkeys([*not_events, *(g.file for g in golds)]))
    paths, missing = article_paths(gold_path, stems)
    readings = stored_readings(paths)
    report = score(golds, readings, not_events, [p.stem for p in paths])
    report.missing_articles = missing
    return report


def _describe_gold(gold: GoldEvent) -> str:
    date = gold.date.isoformat() if gold.date else "undated"
    return (
        f"{gold.file}: {gold.type} {gold.actor} w={sorted(gold.weapons)} p={sorted(gold.places)} "
        f"{date} - {gold.summary}"
    )


def _describe_reading(reading: Reading) -> str:
    date = reading.date.isoformat() if reading.date else "undated"
    return (
        f"{reading.file}: {reading.type} {reading.actor} w={sorted(reading.weapons)} "
        f"p={sorted(reading.places)} {date} ({reading.precision}) | {reading.quote}"
    )


def report_lines(report: EvaluationReport) -> list[str]:
    """The report as plain lines (the printed form, and what tests assert on)."""
    o = report.overall
    lines = [
        f"articles: {report.articles}"
        + (
            f" (missing files: {', '.join(report.missing_articles)})"
            if report.missing_articles
            else ""
        ),
        f"overall: precision {o.precision:.2f}  recall {o.recall:.2f}  F1 {o.f1:.2f}  "
        f"(tp {o.tp}, fp {o.fp}, misses {o.fn}; optional matched {len(report.optional_matched)})",
    ]
    for event_type, s in report.by_type.items():
        lines.append(
            f"  {event_type:<13} precision {s.precision:.2f}  recall {s.recall:.2f}  F1 {s.f1:.2f}  "
            f"(tp {s.tp}, fp {s.fp}, misses {s.fn})"
        )
    lines += [
        f"actor accuracy: {report.actor_accuracy:.2f} ({sum(p.actor_ok for p in report.matched)}"
        f"/{len(report.matched)})",
        f"date accuracy: {report.date_accuracy:.2f} ({sum(bool(p.date_ok) for p in report.dated_pairs)}"
        f"/{len(report.dated_pairs)} with a gold date)",
        f"weapons F1: {report.weapons.f1:.2f}  places F1: {report.places.f1:.2f}",
        f"misses ({len(report.misses)}):",
    ]
    lines += [f"  - {_describe_gold(g)}" for g in report.misses]
    lines.append(f"false positives ({len(report.false_positives)}):")
    for fp in report.false_positives:
        lines.append(f"  - {_describe_reading(fp.reading)}")
        if fp.not_event:
            lines.append(f"    reads a listed not-event: {fp.not_event}")
    wrong = [p for p in report.matched if not p.actor_ok or p.date_ok is False]
    lines.append(f"matched with a wrong actor or date ({len(wrong)}):")
    for pair in wrong:
        lines.append(f"  - gold {_describe_gold(pair.gold)}")
        lines.append(f"    got  {_describe_reading(pair.reading)}")
    return lines


def print_report(report: EvaluationReport, console: Any = None) -> None:
    """Print to a rich Console when given (markup off: quotes hold brackets), else stdout."""
    for line in report_lines(report):
        if console is None:
            print(line)
        else:
            console.print(line, markup=False, highlight=False, soft_wrap=True)
