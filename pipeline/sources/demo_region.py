"""A believable synthetic region, generated deterministically from a seed.

The municipalities and their CBS codes are those of the Arnhem-Nijmegen woondeal region; every
party, project and agreement is invented. The same seed always gives the same region.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from ..core import SECTOR_OF_KIND, Catalogue, Monitor, Municipality, Party, Pillar, Region, Round

# code, name, subregion, kernen, RD centre (x, y)
_MUNICIPALITIES: list[tuple[str, str, str, list[str], tuple[int, int]]] = [
    ("GM0202", "Arnhem", "Arnhem en Liemers", ["Arnhem"], (190500, 444300)),
    (
        "GM0274",
        "Renkum",
        "Arnhem en Liemers",
        ["Oosterbeek", "Renkum", "Heelsum", "Doorwerth"],
        (182500, 445000),
    ),
    (
        "GM0275",
        "Rheden",
        "Arnhem en Liemers",
        ["Velp", "Dieren", "Rheden", "De Steeg"],
        (196500, 447500),
    ),
    ("GM0277", "Rozendaal", "Arnhem en Liemers", ["Rozendaal"], (193500, 447500)),
    ("GM0221", "Doesburg", "Arnhem en Liemers", ["Doesburg"], (205000, 447000)),
    ("GM0226", "Duiven", "Arnhem en Liemers", ["Duiven", "Groessen"], (200000, 439500)),
    ("GM0293", "Westervoort", "Arnhem en Liemers", ["Westervoort"], (195500, 441500)),
    (
        "GM0299",
        "Zevenaar",
        "Arnhem en Liemers",
        ["Zevenaar", "Babberich", "Pannerden", "Lobith"],
        (204500, 437000),
    ),
    (
        "GM1955",
        "Montferland",
        "Arnhem en Liemers",
        ["Didam", "'s-Heerenberg", "Zeddam"],
        (211000, 437500),
    ),
    ("GM0268", "Nijmegen", "Rijk van Nijmegen", ["Nijmegen", "Lent"], (187500, 428500)),
    (
        "GM1945",
        "Berg en Dal",
        "Rijk van Nijmegen",
        ["Groesbeek", "Ubbergen", "Millingen aan de Rijn"],
        (193000, 423500),
    ),
    ("GM0209", "Beuningen", "Rijk van Nijmegen", ["Beuningen", "Ewijk", "Weurt"], (179500, 430000)),
    ("GM0225", "Druten", "Rijk van Nijmegen", ["Druten", "Puiflijk"], (167500, 430500)),
    ("GM0252", "Heumen", "Rijk van Nijmegen", ["Malden", "Heumen", "Overasselt"], (186000, 420000)),
    (
        "GM0944",
        "Mook en Middelaar",
        "Rijk van Nijmegen",
        ["Mook", "Middelaar", "Molenhoek"],
        (190000, 416000),
    ),
    (
        "GM0296",
        "Wijchen",
        "Rijk van Nijmegen",
        ["Wijchen", "Bergharen", "Batenburg"],
        (178500, 424500),
    ),
    (
        "GM1734",
        "Overbetuwe",
        "Overbetuwe en Lingewaard",
        ["Elst", "Zetten", "Heteren", "Driel"],
        (185000, 436500),
    ),
    (
        "GM1705",
        "Lingewaard",
        "Overbetuwe en Lingewaard",
        ["Bemmel", "Huissen", "Gendt"],
        (193500, 435500),
    ),
]

_PILLARS = [
    ("1", "Woningbouwopgave en versnelling", 14),
    ("2", "Betaalbaarheid", 12),
    ("3", "Groen en circulair", 10),
    ("4", "Leefbaarheid en stadsvernieuwing", 11),
    ("5", "Verstedelijking en gebiedsontwikkeling", 9),
    ("6", "Specifieke doelgroepen en overige thema's", 13),
]

_CORPORATIONS = [
    "Woonstichting Gelderse Poort",
    "Waalwonen",
    "Liemers Wonen",
    "Woonstichting Over-Rijn",
    "Thuis in de Betuwe",
    "Woonkracht Rijk van Nijmegen",
    "Veluwezoom Wonen",
    "Stichting Ooijpolder Huisvesting",
    "Woongoed Maas en Waal",
]
_MARKET = [
    ("ontwikkelaar", "Rivierstaete Gebiedsontwikkeling"),
    ("ontwikkelaar", "Hofstede Vastgoed"),
    ("ontwikkelaar", "Van Leeuwen Projectontwikkeling"),
    ("ontwikkelaar", "Bongerd Ontwikkeling"),
    ("ontwikkelaar", "Kanaalzone Ontwikkelcombinatie"),
    ("ontwikkelaar", "De Wit & Partners Vastgoed"),
    ("ontwikkelaar", "Gelre Gebiedsontwikkeling"),
    ("ontwikkelaar", "Stadsontwikkelaar Nijmegen-Noord"),
    ("ontwikkelaar", "Heuvelrug Projecten"),
    ("ontwikkelaar", "Van Ommen Ontwikkeling"),
    ("ontwikkelaar", "Linge Vastgoedontwikkeling"),
    ("ontwikkelaar", "Dorpsgoed Ontwikkeling"),
    ("ontwikkelaar", "Betuws Erf Ontwikkeling"),
    ("ontwikkelaar", "Kersten Wonen"),
    ("bouwer", "Bouwbedrijf Janssen Elst"),
    ("bouwer", "Bouwcombinatie Rijn en Waal"),
    ("bouwer", "Aannemersbedrijf Gebr. Hendriks"),
    ("bouwer", "Bouwgroep Liemers"),
    ("bouwer", "Van Dijk Conceptbouw"),
    ("bouwer", "Modulair Wonen Oost"),
    ("belegger", "Woonfonds Oost-Nederland"),
    ("belegger", "Pensioenbelegger Middenhuur Gelderland"),
    ("belegger", "Stichting Woonbelegging Nederland"),
    ("belegger", "Rijnstad Residentieel Fonds"),
    ("belegger", "Huurwoningen Gelderland CV"),
    ("makelaar", "Makelaardij Rijk van Nijmegen"),
    ("makelaar", "Liemers Makelaars"),
    ("overig", "Coöperatie Collectief Wonen Gelderland"),
    ("overig", "Zorgvastgoed Gelderland"),
]
_FIRST = [
    "Anne",
    "Bram",
    "Carla",
    "Daan",
    "Eva",
    "Femke",
    "Gijs",
    "Hanneke",
    "Ingrid",
    "Joost",
    "Karin",
    "Lars",
    "Marloes",
    "Niels",
    "Olga",
    "Pieter",
    "Roos",
    "Sander",
    "Tessa",
    "Wouter",
]
_LAST = [
    "de Vries",
    "Jansen",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Kramer",
]
_SITES = [
    "Centrum",
    "Stationsgebied",
    "De Hoven",
    "Kloosterterrein",
    "Oude Kwekerij",
    "Weverstraat",
    "Noord",
    "Sportpark Oost",
    "Schoolkavel",
    "Kerkplein",
    "Havenkwartier",
    "Dijkzone",
    "Bongerd",
    "Boomgaard",
    "Molenakker",
    "Voormalig gemeentehuis",
    "Brandweerkazerne",
    "Zuidrand",
    "Tuinderij",
    "Steenfabriek",
    "Marktplein",
    "Rijnoever",
    "Waalfront",
    "Parkrand",
    "Westeinde",
    "De Kamp",
    "Het Veld",
    "Hof van Gelre",
    "Kazerneterrein",
    "Beekdal",
    "Stadsweide",
    "Melkfabriek",
    "Lindenhof",
    "Spoorzone",
    "De Schans",
    "Wilhelminapark",
    "Emmastraat",
    "Kortakker",
    "Broekland",
    "Vossenhol",
]
# By step of the planologische status ladder (1 onherroepelijk, 2 vastgesteld, 3 in
# voorbereiding, 4 visie or optie, 0 onbekend): the phases a project in that step may be in, and
# how many years its first completions lie ahead.
_PHASE_BY_STEP = {
    "1": ["voorbereiding realisatie", "in aanbouw", "in aanbouw"],
    "2": ["voorbereiding realisatie", "planvorming"],
    "3": ["planvorming", "planvorming", "voorbereiding realisatie"],
    "4": ["initiatief", "planvorming", "initiatief"],
    "0": ["initiatief", "planvorming"],
}
_DELAY_BY_STEP = {"1": 0, "2": 1, "3": 2, "4": 4, "0": 3}
# How often each status of the ladder occurs, in the catalogue's order (1A ... 4B, onbekend).
_ZONING_WEIGHTS = [22, 4, 4, 8, 2, 2, 22, 14, 10, 8]
_AGREEMENT_TOPICS = {
    "1": [
        "versnellen van procedures op versnellingslocaties",
        "inzet van het flexpool-team",
        "gezamenlijke planning van de woningbouwproductie",
        "aanpak van vastgelopen projecten",
        "startbouwimpuls voor projecten met een onrendabele top",
        "programmering per subregio",
    ],
    "2": [
        "twee derde betaalbare woningen in nieuwe plannen",
        "realisatie van sociale huur",
        "middenhuur met langjarige betaalbaarheid",
        "betaalbare koop voor starters",
        "prestatieafspraken met corporaties",
        "grondprijsbeleid voor betaalbaar bouwen",
    ],
    "3": [
        "circulair en conceptueel bouwen",
        "biobased bouwmaterialen",
        "natuurinclusief bouwen",
        "aanpak netcongestie in nieuwbouw",
        "klimaatadaptief inrichten van nieuwe wijken",
    ],
    "4": [
        "stedelijke vernieuwing in kwetsbare wijken",
        "leefbaarheid in kleine kernen",
        "verduurzaming van de bestaande voorraad",
        "wijkaanpak met corporaties",
        "transformatie van leegstaand vastgoed",
    ],
    "5": [
        "verstedelijkingsstrategie",
        "ontwikkeling van de Kanaalzone",
        "gebiedsontwikkeling rond knooppunten",
        "mobiliteit en bereikbaarheid van nieuwe wijken",
        "regionale investeringsagenda",
    ],
    "6": [
        "huisvesting van ouderen en zorgwoningen",
        "huisvesting van arbeidsmigranten",
        "huisvesting van statushouders",
        "flexwonen en tijdelijke woningen",
        "uitstroom beschermd wonen en opvang",
        "woonwagenstandplaatsen",
        "studentenhuisvesting",
    ],
}
_VERBS = [
    "Partijen werken samen aan",
    "De regio zet in op",
    "Afgesproken is een aanpak voor",
    "Partners ontwikkelen gezamenlijk",
    "De tempotafel jaagt aan:",
]


def municipality_centres() -> dict[str, tuple[str, tuple[float, float]]]:
    """The RD centre of each demo municipality (code -> (name, (x, y))), for the map."""
    return {code: (name, (float(x), float(y))) for code, name, _, _, (x, y) in _MUNICIPALITIES}


def generate(catalogue: Catalogue, round_: Round, seed: int, name: str) -> tuple[Region, Monitor]:
    """The demo region and its initial monitor for the first round."""
    rng = random.Random(seed)
    municipalities = tuple(Municipality(code, nm, sub) for code, nm, sub, _, _ in _MUNICIPALITIES)
    pillars = tuple(Pillar(number, title) for number, title, _ in _PILLARS)
    parties = _parties(rng)
    region = Region(name, municipalities, pillars, tuple(parties))
    projects = _projects(rng, catalogue, round_, region)
    agreements = _agreements(rng, region)
    return region, Monitor.from_records(projects, agreements)


def _contact(rng: random.Random, organisation: str) -> tuple[str, str]:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    domain = "".join(ch for ch in organisation.lower() if ch.isalnum())[:24]
    return f"{first} {last}", f"{first.lower()}.{last.split()[-1].lower()}@{domain}.example"


def _parties(rng: random.Random) -> list[Party]:
    entries: list[tuple[str, str, str | None]] = [
        ("gemeente", f"Gemeente {nm}", code) for code, nm, _, _, _ in _MUNICIPALITIES
    ]
    entries += [
        ("provincie", "Provincie Gelderland", None),
        ("rijk", "Ministerie van VRO (Rijk)", None),
    ]
    entries += [("corporatie", name, None) for name in _CORPORATIONS]
    entries += [(kind, name, None) for kind, name in _MARKET]
    parties = []
    for number, (kind, name, code) in enumerate(entries, start=1):
        contact, email = _contact(rng, name)
        parties.append(
            Party(f"P{number:03d}", name, kind, SECTOR_OF_KIND[kind], contact, email, code)
        )
    # Two tempomakers per pillar: one from government, one from a corporation or the market.
    government = [p for p in parties if p.sector == "overheid"]
    others = [p for p in parties if p.sector != "overheid"]
    pillars_of: dict[str, list[str]] = {}
    for pillar, _, _ in _PILLARS:
        for pool in (government[:6], others[:12]):
            chosen = rng.choice(pool)
            pillars_of.setdefault(chosen.id, []).append(pillar)
    return [replace(p, pillars=tuple(sorted(set(pillars_of.get(p.id, []))))) for p in parties]


def _projects(
    rng: random.Random, catalogue: Catalogue, round_: Round, region: Region
) -> list[dict[str, Any]]:
    developers = [
        p
        for p in region.parties
        if p.kind in {"corporatie", "ontwikkelaar", "bouwer", "belegger", "overig"}
    ]
    zoning = list(catalogue.lists["zoning_status"])
    years = round_.planning_years(catalogue.planning_years)
    projects: list[dict[str, Any]] = []
    used: set[str] = set()
    weights = {"GM0202": 9, "GM0268": 10, "GM1734": 4, "GM1705": 4, "GM0299": 3, "GM0296": 3}
    for number in range(1, rng.randint(600, 700) + 1):
        code, _, subregion, kernen, (cx, cy) = rng.choices(
            _MUNICIPALITIES, weights=[weights.get(m[0], 2) for m in _MUNICIPALITIES]
        )[0]
        place = rng.choice(kernen)
        name = f"{place} {rng.choice(_SITES)}"
        while name in used:
            name = f"{name} fase {rng.randint(2, 6)}"
        used.add(name)
        municipality_party = region.municipality_party(code)
        initiator = (
            municipality_party
            if rng.random() < 0.1 or municipality_party is None
            else rng.choice(developers)
        )
        assert initiator is not None
        status = rng.choices(zoning, weights=_ZONING_WEIGHTS[: len(zoning)])[0]
        phase = rng.choice(_PHASE_BY_STEP[_step(status)])
        total = int(rng.choice([rng.randint(6, 40), rng.randint(20, 120), rng.randint(80, 600)]))
        if rng.random() < 0.03:
            total = rng.randint(800, 2500)
        if weights.get(code, 2) < 3:
            total = min(total, 250)  # small municipalities have no very large locations
        completed = (
            rng.randint(0, total // 2) if phase == "in aanbouw" and rng.random() < 0.3 else 0
        )
        record: dict[str, Any] = {
            "project_id": f"PRJ-{number:04d}",
            "name": name,
            "municipality": code,
            "subregion": subregion,
            "place": place,
            "initiator": initiator.id,
            "x_rd": float(cx + rng.randint(-3000, 3000)),
            "y_rd": float(cy + rng.randint(-3000, 3000)),
            "acceleration_site": total >= 300 and rng.random() < 0.6,
            "large_scale": total >= 500,
            "zoning_status": status,
            "permit_status": _permit(rng, status),
            "municipal_priority": rng.choice(["hoog", "middel", "middel", "laag"]),
            "in_programme": rng.random() < 0.8,
            "total_dwellings": total,
            "completed": completed,
            "construction_start": None,
            "phase": phase,
            "circular": rng.random() < 0.25,
            "stoplight": rng.choices(["groen", "geel", "rood"], weights=[55, 30, 15])[0],
            "withdrawn": False,
        }
        if record["permit_status"] in {"verleend", "onherroepelijk"}:
            record["permit_date"] = _date(rng, round_)
        record.update(_segments(rng, total, initiator.kind))
        single = round(total * rng.choice([0, 0.2, 0.5, 0.8, 1.0]))
        record["single_family"], record["multi_family"] = single, total - single
        if rng.random() < 0.1:
            record["demolition"] = rng.randint(1, max(1, total // 3))  # sloop-nieuwbouw
        if catalogue.capacity_of(status) != "hard" and rng.random() < 0.15:
            # a plan nobody has placed in years yet: its dwellings stay visible as jaar onbekend
            record.update({f"planning_{year}": None for year in years})
            record["planning_later"] = None
            record[catalogue.unknown_year_key] = total - completed
        else:
            record.update(_planning(rng, total - completed, status, years))
        first = next((y for y in years if record[f"planning_{y}"]), years[-1] + 1)
        start_year = max(first - rng.choice([1, 2]), round_.year - 1)
        record["construction_start"] = f"{start_year}-K{rng.randint(1, 4)}"
        if record["construction_start"] < f"{round_.year}-K{1 if round_.half == 1 else 3}":
            record["phase"] = "in aanbouw"  # a start of construction that has passed
        if rng.random() < 0.2:
            record["target_groups_1"] = rng.choice(catalogue.lists["target_groups"])
            record["target_group_dwellings"] = max(1, total // rng.choice([1, 2, 4]))
        if record["stoplight"] != "groen" or rng.random() < 0.15:
            drawn = rng.sample(_bottleneck_pool(catalogue), rng.choice([1, 1, 2, 3]))
            bottlenecks = list(dict.fromkeys(drawn))  # the pool repeats common categories
            for slot, value in enumerate(bottlenecks, start=1):
                record[f"bottlenecks_{slot}"] = value
            record["bottleneck_explanation"] = f"Vertraging door {bottlenecks[0]}; overleg loopt."
            record["stoplight_explanation"] = f"Aandacht nodig: {bottlenecks[0]}."
        projects.append(record)
    return projects


def _bottleneck_pool(catalogue: Catalogue) -> list[str]:
    # Some categories recur much more often than others, so that rode draden appear.
    pool = list(catalogue.lists["bottlenecks"])
    return (
        pool
        + ["netcongestie"] * 6
        + ["stikstof"] * 3
        + ["bouwkosten en aanbesteding"] * 4
        + ["financiële haalbaarheid / onrendabele top"] * 4
        + ["procedures en doorlooptijd vergunningen"] * 3
    )


def _step(zoning: str) -> str:
    """The step of the ladder a status is on ("1" to "4"), "0" for onbekend."""
    return zoning[0] if zoning[:1] in {"1", "2", "3", "4"} else "0"


def _permit(rng: random.Random, zoning: str) -> str:
    if _step(zoning) == "1":
        return rng.choice(["verleend", "onherroepelijk", "aangevraagd", "onherroepelijk"])
    if _step(zoning) == "2":
        return rng.choice(["aangevraagd", "niet aangevraagd", "verleend"])
    return "niet aangevraagd"


def _date(rng: random.Random, round_: Round) -> Any:
    import datetime as dt

    return dt.date(round_.year - rng.randint(0, 2), rng.randint(1, 12), rng.randint(1, 28))


def _segments(rng: random.Random, total: int, kind: str) -> dict[str, int]:
    keys = ["social_rent", "mid_rent", "high_rent", "affordable_buy", "high_buy"]
    if kind == "corporatie":
        shares = [0.7, 0.2, 0.0, 0.1, 0.0]
    elif kind == "belegger":
        shares = [0.0, 0.6, 0.4, 0.0, 0.0]
    else:
        shares = [rng.choice([0.0, 0.3]), rng.choice([0.0, 0.2]), 0.1, 0.3, 0.3]
    weights = [s * rng.uniform(0.7, 1.3) for s in shares]
    norm = sum(weights) or 1.0
    counts = [int(total * w / norm) for w in weights]
    counts[max(range(5), key=lambda i: weights[i])] += total - sum(counts)
    return dict(zip(keys, counts, strict=True))


def _planning(rng: random.Random, remaining: int, status: str, years: list[int]) -> dict[str, int]:
    delay = _DELAY_BY_STEP[_step(status)]
    first = rng.randint(delay, delay + 2)
    spread = 1 if remaining < 60 else rng.randint(2, 4)
    slots = [0] * (len(years) + 1)
    for i in range(spread):
        slots[min(first + i, len(years))] += remaining // spread
    slots[min(first, len(years))] += remaining - sum(slots)
    planning = {f"planning_{year}": slots[i] for i, year in enumerate(years)}
    planning["planning_later"] = slots[-1]
    return planning


def _agreements(rng: random.Random, region: Region) -> list[dict[str, Any]]:
    agreements = []
    partner_pool = [p.name for p in region.parties]
    for number, _, count in _PILLARS:
        topics = _AGREEMENT_TOPICS[number]
        for i in range(1, count + 1):
            topic = topics[(i - 1) % len(topics)]
            agreements.append(
                {
                    "agreement_id": f"{number}.{i:02d}",
                    "pillar": number,
                    "text": f"{rng.choice(_VERBS)} {topic}.",
                    "partners": ", ".join(rng.sample(partner_pool, rng.randint(2, 4))),
                    "status": rng.choices(["groen", "geel", "rood"], weights=[50, 35, 15])[0],
                    "output": f"Werksessie over {topic} gehouden; kennis gedeeld met de partners.",
                    "outcome": rng.choice(
                        [
                            "",
                            f"{rng.randint(2, 40)} projecten ondersteund.",
                            f"{rng.randint(50, 900)} woningen in voorbereiding.",
                        ]
                    )
                    or None,
                    "actions": f"Uitwerken van {topic} in een gezamenlijk plan van aanpak.",
                }
            )
    for agreement in agreements:
        _escalation(agreement)
    return agreements


def _escalation(agreement: dict[str, Any]) -> None:
    """A route and the dwellings that depend on it for a red agreement; from a generator of
    its own, so the rest of the region stays as the seed made it."""
    if agreement["status"] != "rood":
        return
    rng = random.Random(f"escalation-{agreement['agreement_id']}")
    agreement["route"] = rng.choice(
        [
            "tafel zelf",
            "bestuurlijk overleg",
            "bestuurlijk overleg",
            "landelijke versnellingstafel",
            "expertteam",
        ]
    )
    if rng.random() < 0.8:
        agreement["dependent_dwellings"] = rng.choice([150, 300, 600, 1200, 2500, 4000])
