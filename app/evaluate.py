"""Scoring the extractor against a hand annotation, the way ../shared/corpus/score.py does.

The gold's articles are ingested into a FRESH temporary database through the real
ingestion path (`app.ingest.runner.ingest_paths`), and the stored events are scored:
what the site shows, after clustering across articles. An event counts for an article
when one of its mentions comes from that article.

Matching, per article: each gold event, core ones first, takes the best unused stored
event of its type (or an `also_ok` type) and actor (or an `also_ok` actor): the one
whose weapons and places overlap most (Jaccard each), plus half a point when the date
is right. A match is a true positive of the stored event's type; an unmatched core
gold event is a miss; an unmatched stored event a false positive. An optional gold
event (`core: false`, seeds only) that matches takes its event out of the false
positives and counts for nothing else. Precision = TP / (TP + FP); recall = core TP /
(core TP + misses).

On matched events: the date is right when the stored date, written YYYY-MM-DD, starts
with the gold date written at its own precision ("2024-05" matches any day of May
2024); weapons and places are scored as sets (generic "weapons" and "US weapons" in the
gold name no system).

Both gold schemas are read: the seeds' (entries keyed by `file`, `core`, `also_ok`,
`not_events`) and the corpus' (entries with `file` or `id` and a `language`, every
event core). Gold names are read through the gazetteer, so "Kremlin" is Russia and
"Storm Shadow/SCALP" is Storm Shadow; articles are looked up next to the gold file and
in its `articles/` folder.
"""

import datetime as dt
import re
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from app.extract.gazetteer import gazetteer
from app.extract.text import fold
from app.extract.triggers import EVENT_TYPES

_ARTICLE_SUFFIXES = (".md", ".txt", ".html", ".htm")
# Names the gold uses for weapons in general: no system.
GENERIC_WEAPONS = frozenset(
    {"weapons", "western weapons", "us weapons", "western-supplied weapons"}
)


@dataclass(frozen=True)
class GoldEvent:
    article: str  # the article's file stem
    type: str
    types: frozenset[str]  # the type and the also_ok types
    actors: frozenset[str]  # canonical names: the actor and the also_ok actors
    weapons: frozenset[str]
    places: frozenset[str]
    date: str | None  # as written: "2024-05-31", "2024-05", "2024"
    core: bool
    summary: str


@dataclass(frozen=True)
class GoldArticle:
    stem: str
    language: str | None
    events: tuple[GoldEvent, ...]
    not_events: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredEvent:
    id: str
    type: str
    actor: str
    weapons: frozenset[str]
    places: frozenset[str]
    date: str | None  # YYYY-MM-DD
    date_basis: str
    summary: str
    articles: frozenset[str]  # stems of the articles that mention it


@dataclass
class Counts:
    tp: int = 0
    core_tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: "Counts") -> None:
        self.tp += other.tp
        self.core_tp += other.core_tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.core_tp / (self.core_tp + self.fn) if self.core_tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class SetScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def f1(self) -> float:
        total = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / total if total else 1.0


@dataclass(frozen=True)
class Match:
    gold: GoldEvent
    event: StoredEvent
    date_ok: bool | None  # None when the gold has no date


@dataclass
class Report:
    articles: int = 0
    missing_articles: list[str] = field(default_factory=list)
    by_type: dict[str, Counts] = field(default_factory=lambda: {t: Counts() for t in EVENT_TYPES})
    by_language: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    matches: list[Match] = field(default_factory=list)
    misses: list[GoldEvent] = field(default_factory=list)
    false_positives: list[tuple[str, StoredEvent]] = field(default_factory=list)
    weapons: SetScore = field(default_factory=SetScore)
    places: SetScore = field(default_factory=SetScore)

    @property
    def overall(self) -> Counts:
        total = Counts()
        for counts in self.by_type.values():
            total.add(counts)
        return total

    @property
    def dated(self) -> list[Match]:
        return [m for m in self.matches if m.date_ok is not None]

    @property
    def date_accuracy(self) -> float:
        dated = self.dated
        return sum(bool(m.date_ok) for m in dated) / len(dated) if dated else 0.0


# Reading the gold.


def canonical(name: str, kinds: tuple[str, ...]) -> str:
    """The gazetteer's name for `name` when the whole string is one of its aliases."""
    text = str(name).strip()
    matches = gazetteer().find(text)
    if len(matches) == 1 and matches[0].kind in kinds:
        match = matches[0]
        if match.start == 0 and match.end == len(text):
            if match.kind == "person":
                actor = match.entry.actor_on(None)
                return actor or text
            return match.name
    return text


def _names(
    values: Iterable[Any], kinds: tuple[str, ...], generic: frozenset[str]
) -> frozenset[str]:
    out = set()
    for value in values or []:
        name = str(value).split("/")[0].strip()  # "Storm Shadow/SCALP"
        if fold(name) in generic:
            continue
        out.add(fold(canonical(name, kinds)))
    return frozenset(out)


def _date_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text):
        raise ValueError(f"unreadable gold date: {value!r}")
    return text


def load_gold(path: Path) -> list[GoldArticle]:
    """Gold articles of either schema (see the module docstring)."""
    entries = yaml.safe_load(path.read_text("utf-8")) or []
    articles = []
    for entry in entries:
        stem = Path(str(entry.get("file") or entry["id"])).stem
        events = []
        for item in entry.get("events") or []:
            also = item.get("also_ok") or {}
            actors = [item["actor"], *(also.get("actor") or [])]
            events.append(
                GoldEvent(
                    article=stem,
                    type=item["type"],
                    types=frozenset([item["type"], *(also.get("type") or [])]),
                    actors=frozenset(
                        fold(canonical(a, ("actor", "person", "demonym"))) for a in actors
                    ),
                    weapons=_names(item.get("weapons"), ("weapon",), GENERIC_WEAPONS),
                    places=_names(item.get("scope"), ("place", "actor"), frozenset()),
                    date=_date_text(item.get("date")),
                    core=bool(item.get("core", True)),
                    summary=str(item.get("summary", "")),
                )
            )
        articles.append(
            GoldArticle(
                stem=stem,
                language=entry.get("language"),
                events=tuple(events),
                not_events=tuple(str(n) for n in entry.get("not_events") or []),
            )
        )
    return articles


def article_paths(gold_path: Path, stems: Sequence[str]) -> tuple[list[Path], list[str]]:
    """The article file of each stem, next to the gold file or in its `articles/` folder
    (.md first), and the stems with no file."""
    found: list[Path] = []
    missing: list[str] = []
    folders = [gold_path.parent, gold_path.parent / "articles"]
    for stem in stems:
        for folder in folders:
            match = next(
                (
                    folder / f"{stem}{s}"
                    for s in _ARTICLE_SUFFIXES
                    if (folder / f"{stem}{s}").is_file()
                ),
                None,
            )
            if match is not None:
                found.append(match)
                break
        else:
            missing.append(stem)
    return found, missing


# Scoring.


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / max(1, len(a | b))


def date_ok(gold: str | None, stored: str | None) -> bool | None:
    """The stored date, at the gold's precision; None when the gold has no date."""
    if gold is None:
        return None
    return bool(stored) and str(stored)[: len(gold)] == gold


def score(
    gold: Sequence[GoldArticle], events: Sequence[StoredEvent], languages: dict[str, str]
) -> Report:
    """`languages`: article stem -> language, for articles whose gold names none."""
    report = Report(articles=len(gold))
    by_article: dict[str, list[StoredEvent]] = defaultdict(list)
    for event in events:
        for stem in sorted(event.articles):
            by_article[stem].append(event)
    for article in gold:
        language = article.language or languages.get(article.stem, "unknown")
        counts = {t: Counts() for t in EVENT_TYPES}
        stored = by_article.get(article.stem, [])
        used: set[int] = set()
        for gold_event in sorted(article.events, key=lambda g: not g.core):
            best, best_score = None, -1.0
            for index, event in enumerate(stored):
                if index in used or event.type not in gold_event.types:
                    continue
                if fold(event.actor) not in gold_event.actors:
                    continue
                value = _jaccard(gold_event.weapons, event.weapons) + _jaccard(
                    gold_event.places, event.places
                )
                value += 0.5 * bool(date_ok(gold_event.date, event.date))
                if value > best_score:
                    best, best_score = index, value
            if best is None:
                if gold_event.core:
                    counts[gold_event.type].fn += 1
                    report.misses.append(gold_event)
                continue
            used.add(best)
            event = stored[best]
            counts[event.type].tp += 1
            if gold_event.core:
                counts[gold_event.type].core_tp += 1
            report.matches.append(Match(gold_event, event, date_ok(gold_event.date, event.date)))
            for mine, truth, sets in (
                (event.weapons, gold_event.weapons, report.weapons),
                (event.places, gold_event.places, report.places),
            ):
                sets.tp += len(mine & truth)
                sets.fp += len(mine - truth)
                sets.fn += len(truth - mine)
        for index, event in enumerate(stored):
            if index not in used:
                counts[event.type].fp += 1
                report.false_positives.append((article.stem, event))
        for event_type, tally in counts.items():
            report.by_type[event_type].add(tally)
            report.by_language[language].add(tally)
    return report


# Building the database and reading what it stores.


def stored_events(paths: Sequence[Path]) -> tuple[list[StoredEvent], dict[str, str]]:
    """Ingest `paths` into a fresh temporary database; its events, and each article's
    language (by file stem)."""
    from sqlmodel import Session, select

    from app.db import make_engine
    from app.ingest.runner import ingest_paths
    from app.migrate import upgrade_database
    from app.models import Actor, Article, Event, EventPlace, EventWeapon, Mention, Place, Weapon

    with tempfile.TemporaryDirectory(prefix="timeline-eval-") as folder:
        url = f"sqlite:///{Path(folder) / 'evaluate.sqlite3'}"
        upgrade_database(url)
        engine = make_engine(url)
        try:
            ingest_paths(list(paths), engine)
            with Session(engine) as session:
                weapons: dict[str, set[str]] = defaultdict(set)
                for event_id, name in session.exec(
                    select(EventWeapon.event_id, Weapon.name).where(
                        EventWeapon.weapon_id == Weapon.id
                    )
                ):
                    weapons[event_id].add(fold(name))
                places: dict[str, set[str]] = defaultdict(set)
                for event_id, name in session.exec(
                    select(EventPlace.event_id, Place.name).where(EventPlace.place_id == Place.id)
                ):
                    places[event_id].add(fold(name))
                articles: dict[str, set[str]] = defaultdict(set)
                languages: dict[str, str] = {}
                for event_id, source, language in session.exec(
                    select(Mention.event_id, Article.source, Article.language).where(
                        Mention.article_id == Article.id
                    )
                ):
                    articles[event_id].add(Path(source).stem)
                    languages[Path(source).stem] = language or "unknown"
                actor_names = {i: n for i, n in session.exec(select(Actor.id, Actor.name))}
                events = [
                    StoredEvent(
                        id=event.id,
                        type=event.type,
                        actor=actor_names.get(event.actor_id, event.actor_id),
                        weapons=frozenset(weapons[event.id]),
                        places=frozenset(places[event.id]),
                        date=event.date.isoformat() if event.date else None,
                        date_basis=event.date_basis,
                        summary=event.summary,
                        articles=frozenset(articles[event.id]),
                    )
                    for event in session.exec(select(Event))
                ]
        finally:
            engine.dispose()
    return sorted(events, key=lambda e: e.id), languages


def evaluate(gold_path: Path) -> Report:
    """Score a fresh database built from the gold's articles against the gold."""
    gold = load_gold(gold_path)
    paths, missing = article_paths(gold_path, [a.stem for a in gold])
    events, languages = stored_events(paths)
    report = score([a for a in gold if a.stem not in missing], events, languages)
    report.missing_articles = missing
    return report


# The report.


def _figures(counts: Counts) -> str:
    return (
        f"P {counts.precision:.2f}  R {counts.recall:.2f}  F1 {counts.f1:.2f}  "
        f"(tp {counts.tp}, fp {counts.fp}, misses {counts.fn})"
    )


def _gold_line(gold: GoldEvent) -> str:
    actor = sorted(gold.actors)[0]
    return f"{gold.article} {gold.type:13} {actor:16} {gold.date or 'undated'}  {gold.summary}"


def _event_line(stem: str, event: StoredEvent) -> str:
    return (
        f"{stem} {event.type:13} {fold(event.actor):16} {event.date or 'undated'}  {event.summary}"
    )


def report_lines(report: Report, *, verbose: bool = False) -> list[str]:
    """The report as plain lines; the last is the figure line score.py prints."""
    overall = report.overall
    lines = [
        f"articles: {report.articles}"
        + (
            f" (missing files: {', '.join(report.missing_articles)})"
            if report.missing_articles
            else ""
        ),
        f"overall        {_figures(overall)}",
    ]
    lines += [f"  {t:13}  {_figures(c)}" for t, c in report.by_type.items()]
    lines += [
        f"  language {lang}    {_figures(c)}" for lang, c in sorted(report.by_language.items())
    ]
    dated = report.dated
    lines.append(
        f"on matched events: date accuracy {report.date_accuracy:.2f} "
        f"({sum(bool(m.date_ok) for m in dated)}/{len(dated)}), "
        f"weapons F1 {report.weapons.f1:.2f}, places F1 {report.places.f1:.2f}"
    )
    if verbose:
        lines += [f"MISS  {_gold_line(g)}" for g in report.misses]
        lines += [f"FP    {_event_line(stem, e)}" for stem, e in report.false_positives]
        lines += [
            f"DATE  {_gold_line(m.gold)} | got {m.event.date} ({m.event.date_basis})"
            for m in report.matches
            if m.date_ok is False
        ]
    lines.append(
        f"F1={overall.f1:.2f} P={overall.precision:.2f} R={overall.recall:.2f} "
        f"date={report.date_accuracy:.2f} weapons={report.weapons.f1:.2f} places={report.places.f1:.2f}"
    )
    return lines


def below_floors(
    report: Report, *, min_f1: float | None, min_language_f1: float | None, min_date: float | None
) -> list[str]:
    """What falls short of the floors (empty when every floor is met)."""
    short = []
    if min_f1 is not None and report.overall.f1 < min_f1:
        short.append(f"F1 {report.overall.f1:.2f} is below the floor {min_f1:.2f}")
    if min_language_f1 is not None:
        for language, counts in sorted(report.by_language.items()):
            if counts.f1 < min_language_f1:
                short.append(
                    f"F1 in {language} {counts.f1:.2f} is below the floor {min_language_f1:.2f}"
                )
    if min_date is not None and report.date_accuracy < min_date:
        short.append(f"date accuracy {report.date_accuracy:.2f} is below the floor {min_date:.2f}")
    return short
