"""Every Dutch text a party or the secretary reads in a finding, in one place for review.

Each code is stable once released; the text says what is wrong and what to do. Placeholders:
``{file}``, ``{sheet}``, ``{cell}``, ``{field}``, ``{value}`` and the ones named per message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from . import formatting


@dataclass(frozen=True)
class Template:
    severity: Literal["error", "warning"]
    title: str
    text: str


Severity = Literal["error", "warning"]
_E: Severity = "error"
_W: Severity = "warning"

TEMPLATES: dict[str, Template] = {
    # -- the file itself --------------------------------------------------------------------
    "file-not-found": Template(
        _E,
        "Bestand niet gevonden",
        "Het bestand {file} is niet gevonden. Controleer de naam en de map.",
    ),
    "empty-file": Template(
        _E,
        "Leeg bestand",
        "Het bestand {file} is leeg (0 bytes). Sla de werkmap opnieuw op in Excel en stuur die opnieuw.",
    ),
    "file-too-large": Template(
        _E,
        "Bestand te groot",
        "Het bestand {file} is groter dan {limit}. Een ingevulde planmonitor-werkmap is veel kleiner: "
        "stuur de werkmap die u van het secretariaat kreeg, zonder toegevoegde bladen of afbeeldingen.",
    ),
    "old-xls-format": Template(
        _E,
        "Oud Excel-formaat (.xls)",
        "{file} is opgeslagen in het oude Excel-formaat (.xls). Open het in Excel, kies Bestand > "
        "Opslaan als > 'Excel-werkmap (*.xlsx)' en stuur het .xlsx-bestand. Beter nog: vul de "
        "werkmap in die u van het secretariaat kreeg.",
    ),
    "ods-format": Template(
        _E,
        "OpenDocument-formaat (.ods)",
        "{file} is een OpenDocument-werkblad (.ods). Kies in LibreOffice Bestand > Opslaan als > "
        "'Excel 2007-365 (.xlsx)' en stuur dat bestand.",
    ),
    "xlsb-format": Template(
        _E,
        "Binair Excel-formaat (.xlsb)",
        "{file} is een binaire Excel-werkmap (.xlsb). Sla het op als 'Excel-werkmap (*.xlsx)' en "
        "stuur dat bestand.",
    ),
    "encrypted-workbook": Template(
        _E,
        "Werkmap met wachtwoord",
        "{file} is met een wachtwoord versleuteld en kan niet worden gelezen. Haal het wachtwoord "
        "weg (Bestand > Info > Werkmap beveiligen > Versleutelen met wachtwoord, veld leegmaken) en "
        "stuur het bestand opnieuw.",
    ),
    "damaged-workbook": Template(
        _E,
        "Beschadigd bestand",
        "{file} is beschadigd of onvolledig (bijvoorbeeld een afgebroken upload) en kan niet "
        "worden gelezen. Open het in Excel; lukt dat, sla het dan opnieuw op en stuur het opnieuw. "
        "Lukt dat niet, vul dan de werkmap van het secretariaat opnieuw in.",
    ),
    "unsafe-workbook": Template(
        _E,
        "Onveilig bestand geweigerd",
        "{file} is geweigerd omdat het op een aanval lijkt ({reason}). Het is niet geopend. "
        "Stuur de werkmap die u van het secretariaat kreeg; neem contact op als dit onverwacht is.",
    ),
    "not-a-workbook": Template(
        _E,
        "Geen Excel-werkmap",
        "{file} is geen Excel-werkmap ({kind}). Stuur de ingevulde .xlsx-werkmap die u van het "
        "secretariaat kreeg.",
    ),
    "macro-workbook": Template(
        _W,
        "Werkmap met macro's",
        "{file} bevat macro's. Die worden niet uitgevoerd en niet overgenomen; sla de werkmap "
        "voortaan op als gewone 'Excel-werkmap (*.xlsx)'.",
    ),
    "not-issued-by-planmonitor": Template(
        _E,
        "Niet de werkmap van het secretariaat",
        "{file} is geen werkmap die het secretariaat voor de planmonitor heeft verstuurd (het "
        "verborgen kenmerk ontbreekt of is gewijzigd). Vul de werkmap in die u kreeg, en kopieer "
        "niet naar een nieuwe werkmap.",
    ),
    "unknown-issue": Template(
        _W,
        "Onbekende uitgifte",
        "{file} heeft een kenmerk dat niet bij een uitgegeven werkmap hoort. Het secretariaat "
        "controleert of dit de juiste werkmap is.",
    ),
    "wrong-round": Template(
        _E,
        "Werkmap van een andere ronde",
        "{file} hoort bij ronde {found}, maar nu loopt ronde {expected}. Vul de werkmap van ronde "
        "{expected} in; die staat in uw map.",
    ),
    "wrong-party": Template(
        _E,
        "Werkmap van een andere partij",
        "{file} is de werkmap van {found}, maar staat in de map van {expected}. Vul uw eigen "
        "werkmap in, of vraag het secretariaat om de juiste.",
    ),
    "unknown-catalogue-version": Template(
        _E,
        "Verouderde werkmap",
        "{file} is gemaakt met veldcatalogus {found}; planmonitor kent alleen {expected}. Vraag "
        "het secretariaat om een nieuwe werkmap.",
    ),
    "sheet-missing": Template(
        _E,
        "Werkblad ontbreekt",
        "Het werkblad '{sheet}' ontbreekt in {file}. Het is verwijderd of hernoemd. Vul de "
        "oorspronkelijke werkmap van het secretariaat opnieuw in.",
    ),
    "column-changed": Template(
        _E,
        "Kolom gewijzigd",
        "In werkblad '{sheet}' staat in kolom {column} '{found}' waar '{expected}' hoort te staan. "
        "Kolommen zijn verplaatst, verwijderd of ingevoegd. Zet de kolommen terug zoals ze waren, "
        "of vul de oorspronkelijke werkmap opnieuw in.",
    ),
    "too-many-findings": Template(
        _W,
        "Te veel bevindingen",
        "Er zijn meer dan {limit} bevindingen in {file}; de eerste {limit} staan hier. Los deze op "
        "en stuur de werkmap opnieuw.",
    ),
    "protection-removed": Template(
        _W,
        "Beveiliging verwijderd",
        "De beveiliging van werkblad '{sheet}' is uitgezet. Dat mag, maar alleen wijzigingen in "
        "uw eigen (gele) cellen worden overgenomen.",
    ),
    # -- cells --------------------------------------------------------------------------------
    "required-value-missing": Template(
        _E,
        "Verplicht veld leeg",
        "'{field}' is verplicht maar leeg in cel {cell}. Vul een waarde in.",
    ),
    "not-a-whole-number": Template(
        _E,
        "Geen heel getal",
        "'{field}' in cel {cell} moet een heel getal zijn, maar er staat {value}. Typ alleen "
        "cijfers, zonder punten, spaties of tekst (bijvoorbeeld 120).",
    ),
    "not-a-number": Template(
        _E,
        "Geen getal",
        "'{field}' in cel {cell} moet een getal zijn, maar er staat {value}. Typ alleen een getal, "
        "met een komma voor decimalen.",
    ),
    "not-a-date": Template(
        _E,
        "Geen geldige datum",
        "'{field}' in cel {cell} moet een datum zijn, maar er staat {value}. Typ de datum als "
        "dd-mm-jjjj, bijvoorbeeld 15-03-2026.",
    ),
    "not-a-year": Template(
        _E,
        "Geen geldig jaartal",
        "'{field}' in cel {cell} moet een jaartal zijn (vier cijfers), maar er staat {value}.",
    ),
    "not-a-year-quarter": Template(
        _E,
        "Geen geldig jaar-kwartaal",
        "'{field}' in cel {cell} moet een jaar en kwartaal zijn zoals 2027-K2, maar er staat "
        "{value}.",
    ),
    "not-yes-or-no": Template(
        _E,
        "Geen ja of nee",
        "'{field}' in cel {cell} moet 'ja' of 'nee' zijn, maar er staat {value}. Kies uit de lijst.",
    ),
    "value-not-in-list": Template(
        _E,
        "Waarde niet in de lijst",
        "'{field}' in cel {cell} bevat {value}, dat staat niet in de keuzelijst. Klik op de cel en "
        "kies een waarde uit de lijst (het pijltje rechts van de cel).",
    ),
    "value-below-minimum": Template(
        _E,
        "Waarde te laag",
        "'{field}' in cel {cell} is {value}; dat is lager dan het minimum {limit}. Controleer het "
        "getal.",
    ),
    "value-above-maximum": Template(
        _E,
        "Waarde te hoog",
        "'{field}' in cel {cell} is {value}; dat is hoger dan het maximum {limit}. Controleer het "
        "getal (een tikfout, zoals een extra nul?).",
    ),
    "text-too-long": Template(
        _E,
        "Tekst te lang",
        "'{field}' in cel {cell} is {length} tekens lang; het maximum is {limit}. Kort de tekst in.",
    ),
    "formula-not-allowed": Template(
        _E,
        "Formule niet toegestaan",
        "In cel {cell} ('{field}') staat een formule ({value}). Typ de waarde zelf in; formules "
        "worden niet overgenomen.",
    ),
    "text-looks-like-formula": Template(
        _W,
        "Tekst lijkt op een formule",
        "De tekst in cel {cell} ('{field}') begint met {prefix}. Die wordt als gewone tekst "
        "bewaard en nooit als formule uitgevoerd.",
    ),
    "duplicate-choice": Template(
        _W,
        "Dubbele keuze",
        "'{field}' bevat {value} meer dan eens in rij {row}. Kies elke waarde één keer.",
    ),
    # -- rows ---------------------------------------------------------------------------------
    "year-slices-do-not-add-up": Template(
        _E,
        "Planning telt niet op",
        "In rij {row} is al opgeleverd ({completed}) + oplevering per jaar + later samen {planned}, "
        "maar het totaal aantal woningen is {total}. Pas de planning of het totaal aan.",
    ),
    "segments-do-not-add-up": Template(
        _E,
        "Prijssegmenten tellen niet op",
        "In rij {row} tellen de prijssegmenten op tot {sum}, maar het totaal aantal woningen is "
        "{total}. Pas de segmenten of het totaal aan.",
    ),
    "dwelling-types-do-not-add-up": Template(
        _E,
        "Woningtypen tellen niet op",
        "In rij {row} is grondgebonden + gestapeld samen {sum}, maar het totaal is {total}. Pas de "
        "aantallen aan.",
    ),
    "completed-exceeds-total": Template(
        _E,
        "Meer opgeleverd dan totaal",
        "In rij {row} zijn al {completed} woningen opgeleverd, meer dan het totaal ({total}).",
    ),
    "target-group-dwellings-exceed-total": Template(
        _E,
        "Doelgroepwoningen meer dan totaal",
        "In rij {row} zijn {value} woningen voor doelgroepen opgegeven, meer dan het totaal "
        "({total}).",
    ),
    "target-group-dwellings-without-group": Template(
        _W,
        "Doelgroep ontbreekt",
        "In rij {row} zijn woningen voor doelgroepen opgegeven, maar geen doelgroep. Kies de "
        "doelgroep in de kolom 'Doelgroep 1'.",
    ),
    "bottleneck-without-explanation": Template(
        _W,
        "Toelichting knelpunt ontbreekt",
        "In rij {row} is een knelpunt gekozen zonder toelichting. Leg in een zin uit wat er speelt "
        "en wat nodig is: dan kan de tafel er iets mee.",
    ),
    "red-without-explanation": Template(
        _W,
        "Rood stoplicht zonder toelichting",
        "In rij {row} staat het stoplicht op rood zonder toelichting. Licht toe wat er nodig is.",
    ),
    "permit-before-zoning": Template(
        _W,
        "Vergunning onherroepelijk, plan niet",
        "In rij {row} is de omgevingsvergunning onherroepelijk, maar de planologische status "
        "niet. Controleer beide waarden.",
    ),
    "construction-start-in-past-without-progress": Template(
        _W,
        "Start bouw verstreken",
        "In rij {row} ligt de start bouw ({value}) in het verleden, maar het project is nog niet "
        "in aanbouw. Werk de planning bij.",
    ),
    # -- ownership and rows -------------------------------------------------------------------
    "not-owner": Template(
        _E,
        "Cel van een andere partij gewijzigd",
        "Cel {cell} ('{field}') is gewijzigd van {old} naar {value}, maar die cel wordt "
        "bijgehouden door {owner}. Deze wijziging wordt niet overgenomen, en zolang die cel "
        "gewijzigd is ook uw andere wijzigingen in deze rij niet: zet de oude waarde terug. "
        "Klopt de waarde niet? Neem dan contact op met {owner}.",
    ),
    "row-removed": Template(
        _E,
        "Project verwijderd",
        "Project {row_id} ontbreekt in werkblad '{sheet}'. Projecten worden nooit verwijderd: zet "
        "'Ingetrokken' op 'ja' als een project niet doorgaat.",
    ),
    "unexpected-row": Template(
        _E,
        "Onverwachte rij",
        "Rij {row} in werkblad '{sheet}' hoort er niet bij. Nieuwe projecten horen in het werkblad "
        "'Nieuwe projecten'.",
    ),
    "new-project-duplicate": Template(
        _W,
        "Nieuw project bestaat mogelijk al",
        "Het nieuwe project '{value}' in rij {row} heeft dezelfde naam als bestaand project "
        "{existing}. Controleer of het niet dubbel wordt opgevoerd; staat het al in 'Mijn "
        "projecten', werk het dan daar bij.",
    ),
    "new-project-other-municipality": Template(
        _E,
        "Nieuw project in andere gemeente",
        "Het nieuwe project in rij {row} ligt in {value}. Een gemeente voert alleen projecten in "
        "de eigen gemeente op; andere partijen kiezen de gemeente waarin het project ligt.",
    ),
    # -- merge --------------------------------------------------------------------------------
    "row-held-back": Template(
        _W,
        "Rij niet overgenomen",
        "Rij {row} ({row_id}) heeft een blokkerende fout; de vorige waarden van deze rij blijven "
        "staan. Herstel de fout en stuur de werkmap opnieuw.",
    ),
}


def show_value(value: Any) -> str:
    """A value as a party would recognise it in a message."""
    if value is None or value == "":
        return "(leeg)"
    if isinstance(value, bool):
        return "'ja'" if value else "'nee'"
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, int):
        return formatting.number(value) if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        return formatting.number(value, 2).rstrip("0").rstrip(",")
    text = str(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"'{text}'"
