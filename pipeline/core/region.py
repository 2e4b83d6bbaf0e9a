"""The region: its municipalities, subregions, pillars and the parties at the table.

Region lists (municipalities, parties, pillars) are stored as codes (``GM0202``, ``P012``, ``1``)
and shown in workbooks and reports by name; :meth:`Region.display` and :meth:`Region.code`
translate between the two.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SECTOR_OF_KIND = {
    "gemeente": "overheid",
    "provincie": "overheid",
    "rijk": "overheid",
    "corporatie": "corporatie",
    "ontwikkelaar": "markt",
    "bouwer": "markt",
    "belegger": "markt",
    "makelaar": "markt",
    "overig": "markt",
}


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    subregion: str


@dataclass(frozen=True)
class Pillar:
    number: str
    name: str

    @property
    def title(self) -> str:
        return f"{self.number}. {self.name}"


@dataclass(frozen=True)
class Party:
    """An organisation at the table; it gets one workbook per round."""

    id: str
    name: str
    kind: str
    sector: str
    contact_name: str = ""
    contact_email: str = ""
    municipality_code: str | None = None
    pillars: tuple[str, ...] = ()

    @property
    def is_municipality(self) -> bool:
        return self.municipality_code is not None


@dataclass(frozen=True)
class Region:
    """The registry of a region: who is at the table and how the region is divided."""

    name: str
    municipalities: tuple[Municipality, ...]
    pillars: tuple[Pillar, ...]
    parties: tuple[Party, ...]
    _display: Mapping[str, Mapping[str, str]] = field(
        default_factory=dict, repr=False, compare=False
    )
    # Lookups made once from the lists above (which a frozen region never changes): issuing
    # asks them for every row of every workbook.
    _index: _Index = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        display = {
            "@municipalities": {m.code: m.name for m in self.municipalities},
            "@parties": {p.id: p.name for p in self.parties},
            "@pillars": {p.number: p.title for p in self.pillars},
        }
        object.__setattr__(self, "_display", display)
        object.__setattr__(self, "_index", _Index.of(self))

    @property
    def subregions(self) -> list[str]:
        return sorted({m.subregion for m in self.municipalities})

    def party(self, party_id: str) -> Party:
        return self._index.parties[party_id]

    def municipality(self, code: str) -> Municipality:
        return self._index.municipalities[code]

    def municipality_party(self, code: str) -> Party | None:
        return self._index.municipality_parties.get(code)

    def tempomaker_ids(self, pillar: object) -> frozenset[str]:
        """Ids of the parties that are tempomaker of the pillar (the parties that list it)."""
        try:
            return self._index.tempomakers.get(pillar, frozenset())
        except TypeError:  # a value that cannot be a key (a list) is no pillar of anyone
            return frozenset()

    def lists(self) -> dict[str, list[str]]:
        """Display values of the region lists, as offered in dropdowns."""
        return {name: list(values.values()) for name, values in self._display.items()}

    def display(self, list_name: str, code: object) -> object:
        """The name shown for a code of a region list; other values pass unchanged."""
        if list_name in self._display and isinstance(code, str):
            return self._display[list_name].get(code, code)
        return code

    def code(self, list_name: str, shown: object) -> object:
        """The code behind a shown name of a region list; unknown names pass unchanged."""
        if list_name in self._index.codes and isinstance(shown, str):
            return self._index.codes[list_name].get(shown, shown)
        return shown


def tempomakers(parties: Iterable[Party], pillar: str) -> list[Party]:
    return [p for p in parties if pillar in p.pillars]


@dataclass(frozen=True)
class _Index:
    """A region's lists by key; where a key comes twice the first one counts, as in a scan."""

    parties: Mapping[str, Party]
    municipalities: Mapping[str, Municipality]
    municipality_parties: Mapping[str, Party]
    tempomakers: Mapping[Any, frozenset[str]]  # pillar (as a row holds it) -> tempomaker ids
    codes: Mapping[str, Mapping[str, str]]  # list name -> shown name -> code

    @classmethod
    def of(cls, region: Region) -> _Index:
        parties: dict[str, Party] = {}
        by_municipality: dict[str, Party] = {}
        by_pillar: dict[str, set[str]] = {}
        for party in region.parties:
            parties.setdefault(party.id, party)
            if party.municipality_code is not None:
                by_municipality.setdefault(party.municipality_code, party)
            for pillar in party.pillars:
                by_pillar.setdefault(pillar, set()).add(party.id)
        municipalities: dict[str, Municipality] = {}
        for municipality in region.municipalities:
            municipalities.setdefault(municipality.code, municipality)
        codes: dict[str, dict[str, str]] = {}
        for list_name, names in region._display.items():
            codes[list_name] = {}
            for code, name in names.items():
                codes[list_name].setdefault(name, code)
        return cls(
            parties,
            municipalities,
            by_municipality,
            {pillar: frozenset(ids) for pillar, ids in by_pillar.items()},
            codes,
        )
