"""The analysts' work as a gold annotation (`timeline export-gold PATH`), in the schema
of ../shared/corpus/gold.yaml, so that `timeline evaluate PATH` scores the extractor
against their corrections.

An article is exported once a person has decided about every event it tells (each
confirmed or rejected): then its gold lists its confirmed events, and an article whose
events were all rejected is exported with no event (the extractor's readings there are
false positives). Each article's text goes to `articles/<id>.md` beside the gold file,
with its front matter, so that ingesting it again gives the same content hash and
offsets.
"""

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import Session, col, select

from app.models import Actor, Article, Event, EventPlace, EventWeapon, Mention, Place, Weapon


@dataclass(frozen=True)
class GoldExport:
    articles: int
    events: int
    skipped: int  # articles with an event nobody reviewed yet


def date_at_precision(event: Event) -> str | None:
    if event.date is None:
        return None
    text = event.date.isoformat()
    return {"month": text[:7], "year": text[:4]}.get(event.date_precision or "day", text)


def _front_matter(article: Article) -> str:
    fields: dict[str, Any] = {
        "title": article.title,
        "url": article.url,
        "outlet": article.outlet,
        "language": article.language,
        "published": article.published.isoformat() if article.published else None,
        "published_precision": article.published_precision,
    }
    kept = {k: v for k, v in fields.items() if v is not None}
    return "---\n" + yaml.safe_dump(kept, allow_unicode=True, sort_keys=False) + "---\n"


def export_gold(session: Session, path: Path) -> GoldExport:
    by_article: dict[str, set[str]] = defaultdict(set)
    for article_id, event_id in session.exec(select(Mention.article_id, Mention.event_id)):
        by_article[article_id].add(event_id)
    status = dict(session.exec(select(Event.id, Event.review_status)).all())
    done = sorted(a for a, ids in by_article.items() if all(status[i] != "unreviewed" for i in ids))
    names = {
        "actor": dict(session.exec(select(Actor.id, Actor.name)).all()),
        "weapon": dict(session.exec(select(Weapon.id, Weapon.name)).all()),
        "place": dict(session.exec(select(Place.id, Place.name)).all()),
    }
    weapons: dict[str, list[str]] = defaultdict(list)
    for event_id, weapon_id in session.exec(select(EventWeapon.event_id, EventWeapon.weapon_id)):
        weapons[event_id].append(names["weapon"][weapon_id])
    places: dict[str, list[str]] = defaultdict(list)
    for event_id, place_id in session.exec(select(EventPlace.event_id, EventPlace.place_id)):
        places[event_id].append(names["place"][place_id])
    folder = path.parent / "articles"
    folder.mkdir(parents=True, exist_ok=True)
    entries, events = [], 0
    for article_id in done:
        article = session.get(Article, article_id)
        assert article is not None
        confirmed = session.exec(
            select(Event)
            .where(col(Event.id).in_(by_article[article_id]), Event.review_status == "confirmed")
            .order_by(col(Event.date), col(Event.id))
        ).all()
        (folder / f"{article.id}.md").write_text(_front_matter(article) + article.text, "utf-8")
        entries.append(
            {
                "file": f"{article.id}.md",
                "id": article.id,
                "url": article.url,
                "outlet": article.outlet,
                "language": article.language,
                "published": article.published.isoformat() if article.published else None,
                "published_precision": article.published_precision,
                "sha256_16": article.content_hash[:16],
                "events": [
                    {
                        "type": e.type,
                        "actor": names["actor"].get(e.actor_id, e.actor_id),
                        "weapons": sorted(weapons[e.id], key=str.casefold),
                        "scope": sorted(places[e.id], key=str.casefold),
                        "date": date_at_precision(e),
                        "summary": e.summary,
                    }
                    for e in confirmed
                ],
            }
        )
        events += len(confirmed)
    header = (
        "# Gold annotation exported from the review desk (timeline export-gold): the events\n"
        "# editors confirmed, per article whose every event was reviewed. Schema: as\n"
        "# ../shared/corpus/gold.yaml. Score the extractor: timeline evaluate THIS_FILE\n"
    )
    path.write_text(header + yaml.safe_dump(entries, allow_unicode=True, sort_keys=False), "utf-8")
    return GoldExport(articles=len(entries), events=events, skipped=len(by_article) - len(done))
