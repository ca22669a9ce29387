"""Generated articles with realistic variety, for the benchmarks and fault checks.

Every article is our own text: sentence templates in French and English that the
extractor reads as policy events, among filler paragraphs, about 600 words in all.
The events form a pool spread over 2022-2025, each with an actor, a type, a weapon, a
place and a date; an article tells two or three events close in time, so that each
event is told by a handful of articles (about four on average), in either language
and in different words. Article `n` of a corpus is the same whatever else is
generated, so a benchmark can write its batches one at a time.

    from bench.corpus import Corpus
    corpus = Corpus(articles=100_000)
    name, text = corpus.article(0)
"""

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

FIRST_DAY = dt.date(2022, 3, 1)
LAST_DAY = dt.date(2025, 10, 31)
MENTIONS_PER_EVENT = 4  # on average
EVENTS_PER_ARTICLE = (2, 3)
TARGET_WORDS = 600

# (English name, French name with its article): suppliers and other speakers.
SUPPLIERS = [
    ("The United States", "Les États-Unis"),
    ("The United Kingdom", "Le Royaume-Uni"),
    ("France", "La France"),
    ("Germany", "L'Allemagne"),
    ("The Netherlands", "Les Pays-Bas"),
    ("Norway", "La Norvège"),
    ("Denmark", "Le Danemark"),
    ("Sweden", "La Suède"),
    ("Finland", "La Finlande"),
    ("Poland", "La Pologne"),
    ("Canada", "Le Canada"),
    ("Italy", "L'Italie"),
    ("Spain", "L'Espagne"),
    ("Belgium", "La Belgique"),
    ("Portugal", "Le Portugal"),
    ("Estonia", "L'Estonie"),
    ("Latvia", "La Lettonie"),
    ("Lithuania", "La Lituanie"),
    ("Czechia", "La Tchéquie"),
    ("Romania", "La Roumanie"),
    ("Greece", "La Grèce"),
    ("Australia", "L'Australie"),
    ("Japan", "Le Japon"),
]
WARNERS = [
    ("Russia", "La Russie"),
    ("The Kremlin", "Le Kremlin"),
    ("Moscow", "Moscou"),
]
# (English, French) names of a weapon as a text names it.
WEAPONS = [
    ("ATACMS missiles", "missiles ATACMS"),
    ("HIMARS launchers", "lance-roquettes HIMARS"),
    ("M270 launchers", "lance-roquettes M270"),
    ("M777 howitzers", "obusiers M777"),
    ("Storm Shadow missiles", "missiles Storm Shadow"),
    ("SCALP missiles", "missiles SCALP"),
    ("Taurus missiles", "missiles Taurus"),
    ("F-16 jets", "avions F-16"),
    ("Patriot batteries", "batteries Patriot"),
    ("Leopard tanks", "chars Leopard"),
    ("Abrams tanks", "chars Abrams"),
    ("GLSDB bombs", "bombes GLSDB"),
]
PLACES = [
    ("in the Kursk region", "dans la région de Koursk"),
    ("in Belgorod", "à Belgorod"),
    ("in Crimea", "en Crimée"),
    ("on Russian territory", "sur le territoire russe"),
    ("in the Bryansk region", "dans la région de Briansk"),
    ("in the Donbas", "dans le Donbass"),
    ("near Kharkiv", "près de Kharkiv"),
]
OUTLETS = [
    "Le Veilleur",
    "Gazette de l'Est",
    "Courrier des Marches",
    "Northern Ledger",
    "Daily Meridian",
    "Baltic Observer",
    "Atlantic Dispatch",
    "La Dépêche du Front",
]
CITED = [
    ("", ""),
    ("", ""),
    (", according to Reuters", ", selon Reuters"),
    (", according to AFP", ", selon l'AFP"),
    (", Politico reported", ", a rapporté Politico"),
]
MONTHS_FR = [
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
]  # fmt: skip
MONTHS_EN = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip

# {actor} {date} {weapon} {place} {cited}: one template per type and language, two
# wordings each so that the articles telling one event do not all read the same.
TEMPLATES = {
    ("authorization", "en"): [
        "{actor} authorized Ukraine {date} to use its {weapon} against military targets {place}{cited}.",
        "{actor} gave Kyiv the green light {date} to strike {place} with its {weapon}{cited}.",
    ],
    ("authorization", "fr"): [
        "{actor} a autorisé l'Ukraine {date} à utiliser ses {weapon} contre des cibles militaires {place}{cited}.",
        "{actor} a donné son feu vert {date} à des frappes avec ses {weapon} {place}{cited}.",
    ],
    ("restriction", "en"): [
        "{actor} banned Ukraine {date} from using its {weapon} against targets {place}{cited}.",
        "{actor} said {date} that its {weapon} must not be used to strike targets {place}{cited}.",
    ],
    ("restriction", "fr"): [
        "{actor} a interdit {date} à l'Ukraine d'utiliser ses {weapon} pour frapper des cibles {place}{cited}.",
        "{actor} a refusé {date} d'autoriser des frappes avec ses {weapon} {place}{cited}.",
    ],
    ("warning", "en"): [
        "{actor} warned {date} that any strike with Western {weapon} {place} would bring a harsh response{cited}.",
        "{actor} threatened {date} to retaliate if {weapon} were used {place}{cited}.",
    ],
    ("warning", "fr"): [
        "{actor} a menacé {date} de riposter si des {weapon} étaient utilisés {place}{cited}.",
        "{actor} a averti {date} que toute frappe avec des {weapon} {place} entraînerait des représailles{cited}.",
    ],
    ("request", "en"): [
        "{actor} requested permission {date} to fire {weapon} at targets {place}{cited}.",
        "{actor} urged Washington {date} to let it strike {place} with {weapon}{cited}.",
    ],
    ("request", "fr"): [
        "{actor} a demandé {date} à ses alliés la permission d'utiliser des {weapon} contre des cibles {place}{cited}.",
        "{actor} a réclamé {date} le droit de frapper {place} avec des {weapon}{cited}.",
    ],
}  # fmt: skip
REQUESTERS = [
    ("Ukraine", "L'Ukraine"),
    ("Kyiv", "Kiev"),
    ("President Zelensky", "Volodymyr Zelensky"),
]

FILLER = {
    "en": [
        "The parliamentary debate on military aid went on in several capitals this week.",
        "Analysts interviewed by the paper expect the decision to weigh on the coming months.",
        "The ministry recalled that deliveries follow a schedule agreed in the spring.",
        "Diplomats describe long and sometimes tense discussions between partners.",
        "The funding of ammunition remains at the heart of European talks.",
        "Several opposition members called for more openness about these choices.",
        "On the ground, Ukrainian units report steady pressure along the front line.",
        "Foreign ministers are due to meet again next month in Brussels.",
        "Energy prices and the harvest also featured on the agenda of the summit.",
        "Engineers from both countries are working on the maintenance of older systems.",
        "Training of Ukrainian crews continues at bases in western Europe.",
        "The budget committee will examine the aid package before the summer recess.",
        "Observers note that public opinion has changed little since the winter.",
        "Logistics chains for spare parts have been reorganized several times.",
        "A delegation of lawmakers visited a repair workshop near the border.",
        "Officials declined to give figures on the stocks still available.",
        "Weather has slowed the movement of heavy vehicles in the east.",
        "Several think tanks published reports on industrial capacity this week.",
        "The defence industry says it can double its output within two years.",
        "Humanitarian groups stressed the needs of displaced families before winter.",
    ],
    "fr": [
        "Le débat parlementaire sur l'aide militaire s'est poursuivi dans plusieurs capitales.",
        "Les experts interrogés jugent que la décision pèsera sur les mois à venir.",
        "Le ministère a rappelé que les livraisons suivent un calendrier fixé au printemps.",
        "Des diplomates évoquent des discussions longues et parfois tendues entre partenaires.",
        "La question du financement des munitions reste au cœur des échanges européens.",
        "Plusieurs élus de l'opposition réclament davantage de transparence sur ces choix.",
        "Sur le terrain, les unités ukrainiennes signalent une pression constante sur le front.",
        "Les chancelleries attendent la réunion des ministres prévue le mois prochain.",
        "Les prix de l'énergie et les récoltes figuraient aussi à l'ordre du jour du sommet.",
        "Des ingénieurs des deux pays travaillent à l'entretien des systèmes plus anciens.",
        "La formation des équipages ukrainiens se poursuit dans des bases d'Europe de l'Ouest.",
        "La commission des finances examinera le programme d'aide avant l'été.",
        "Les observateurs notent que l'opinion publique a peu changé depuis l'hiver.",
        "Les chaînes logistiques des pièces détachées ont été réorganisées plusieurs fois.",
        "Une délégation de parlementaires a visité un atelier de réparation près de la frontière.",
        "Les responsables n'ont pas donné de chiffres sur les stocks encore disponibles.",
        "La météo a ralenti le déplacement des véhicules lourds dans l'est du pays.",
        "Plusieurs centres de recherche ont publié cette semaine des rapports sur l'industrie.",
        "Les industriels de la défense disent pouvoir doubler leur production en deux ans.",
        "Les organisations humanitaires insistent sur les besoins des familles déplacées.",
    ],
}


@dataclass(frozen=True)
class PoolEvent:
    type: str
    actor: tuple[str, str]
    weapon: tuple[str, str]
    place: tuple[str, str]
    date: dt.date
    month_only: bool  # told as "in March 2024" rather than a day


class Corpus:
    """`articles` articles telling events from a pool sized for ~4 mentions per event."""

    def __init__(self, articles: int, seed: int = 2024) -> None:
        self.articles = articles
        self.seed = seed
        mentions = articles * sum(EVENTS_PER_ARTICLE) / len(EVENTS_PER_ARTICLE)
        self.events = max(1, round(mentions / MENTIONS_PER_EVENT))
        self.span = (LAST_DAY - FIRST_DAY).days

    def event(self, number: int) -> PoolEvent:
        """Pool events are in date order: event n happens around n/events of the span."""
        rng = random.Random(f"{self.seed}:event:{number}")
        kind = rng.choices(
            ["authorization", "restriction", "warning", "request"], weights=[3, 3, 2, 2]
        )[0]
        actors = {"warning": WARNERS, "request": REQUESTERS}.get(kind, SUPPLIERS)
        day = FIRST_DAY + dt.timedelta(days=int(number / self.events * self.span))
        return PoolEvent(
            type=kind,
            actor=rng.choice(actors),
            weapon=rng.choice(WEAPONS),
            place=rng.choice(PLACES),
            date=day,
            month_only=rng.random() < 0.1,
        )

    def article(self, number: int) -> tuple[str, str]:
        """(file name, text with front matter) of article `number`."""
        rng = random.Random(f"{self.seed}:article:{number}")
        language = rng.choice(["fr", "en"])
        first = rng.randrange(self.events)
        told = sorted(
            {
                min(self.events - 1, first + rng.randrange(0, 6))
                for _ in range(rng.choice(EVENTS_PER_ARTICLE))
            }
            | {first}
        )
        events = [self.event(n) for n in told]
        published = max(e.date for e in events) + dt.timedelta(days=rng.randrange(0, 4))
        news = [self._sentence(event, language, rng) for event in events]
        title = {
            "fr": f"Armes occidentales : le point du {published:%d/%m/%Y} (n° {number})",
            "en": f"Western weapons: where things stand on {published:%d/%m/%Y} (no. {number})",
        }[language]
        paragraphs = [news[0]]
        filler = FILLER[language]
        while (
            sum(len(p.split()) for p in paragraphs) + len(" ".join(news[1:]).split()) < TARGET_WORDS
        ):
            paragraphs.append(" ".join(rng.sample(filler, 4)))
        for sentence in news[1:]:
            paragraphs.insert(rng.randrange(1, len(paragraphs) + 1), sentence)
        front = (
            f"---\ntitle: {title!r}\noutlet: {rng.choice(OUTLETS)!r}\nlanguage: {language}\n"
            f"published: {published.isoformat()}\n---\n"
        )
        return f"gen_{number:06d}.md", front + "\n\n".join(paragraphs) + "\n"

    def _sentence(self, event: PoolEvent, language: str, rng: random.Random) -> str:
        en = language == "en"
        template = rng.choice(TEMPLATES[(event.type, language)])
        if event.month_only:
            month = (MONTHS_EN if en else MONTHS_FR)[event.date.month - 1]
            date = f"in {month} {event.date.year}" if en else f"en {month} {event.date.year}"
        elif en:
            date = f"on {event.date.day} {MONTHS_EN[event.date.month - 1]} {event.date.year}"
        else:
            day = "1er" if event.date.day == 1 else str(event.date.day)
            date = f"le {day} {MONTHS_FR[event.date.month - 1]} {event.date.year}"
        index = 0 if en else 1
        text = template.format(
            actor=event.actor[index],
            date=date,
            weapon=event.weapon[index],
            place=event.place[index],
            cited=rng.choice(CITED)[index],
        )
        return text[0].upper() + text[1:]

    def write(self, folder: Path, numbers: range) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for number in numbers:
            name, text = self.article(number)
            path = folder / name
            path.write_text(text, encoding="utf-8")
            paths.append(path)
        return paths
