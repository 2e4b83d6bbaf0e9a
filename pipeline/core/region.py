"""The region: its municipalities, subregions, pillars and the parties at the table.

Region lists (municipalities, parties, pillars) are stored as codes (``GM0202``, ``P012``, ``1``)
and shown in workbooks and reports by name; :meth:`Region.display` and :meth:`Region.code`
translate between the two.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

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

    def __post_init__(self) -> None:
        display = {
            "@municipalities": {m.code: m.name for m in self.municipalities},
            "@parties": {p.id: p.name for p in self.parties},
            "@pillars": {p.number: p.title for p in self.pillars},
        }
        object.__setattr__(self, "_display", display)

    @property
    def subregions(self) -> list[str]:
        return sorted({m.subregion for m in self.municipalities})

    def party(self, party_id: str) -> Party:
        for party in self.parties:
            if party.id == party_id:
                return party
        raise KeyError(party_id)

    def municipality(self, code: str) -> Municipality:
        for municipality in self.municipalities:
            if municipality.code == code:
                return municipality
        raise KeyError(code)

    def municipality_party(self, code: str) -> Party | None:
        for party in self.parties:
            if party.municipality_code == code:
                return party
        return None

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
        if list_name in self._display and isinstance(shown, str):
            for code, name in self._display[list_name].items():
                if name == shown:
                    return code
        return shown


def tempomakers(parties: Iterable[Party], pillar: str) -> list[Party]:
    return [p for p in parties if pillar in p.pillars]
