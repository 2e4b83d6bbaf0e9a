"""Every Dutch text a party or the secretary reads in a finding, in one place for review.

Each code is stable once released; the text says what is wrong and what to do. Placeholders:
``{file}``, ``{sheet}``, ``{cell}``, ``{field}``, ``{value}`` and the ones named per message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
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
    "check-script-changed": Template(
        _W,
        "Controlescript gewijzigd",
        "Het controlescript 'Controleer mijn invoer' in {file} wijkt af van het script dat het "
        "secretariaat meegaf. Dat is geen fout: uw werkmap wordt gewoon verwerkt en de controle "
        "door het secretariaat is beslissend. Gebruik voortaan de werkmap zoals u die kreeg.",
    ),
    "not-issued-by-planmonitor": Template(
        _E,
        "Niet de werkmap van het secretariaat",
        "{file} is geen werkmap die het secretariaat voor de planmonitor heeft verstuurd (het "
        "verborgen kenmerk ontbreekt of is gewijzigd). Vul de werkmap in die u kreeg, en kopieer "
        "niet naar een nieuwe werkmap.",
    ),
    "unknown-issue": Template(
        _E,
        "Onbekende uitgifte",
        "{file} hoort niet bij een werkmap die het secretariaat heeft uitgegeven: het verborgen "
        "kenmerk is onbekend of gewijzigd. Er is niets van overgenomen. Vul de werkmap in die het "
        "secretariaat in uw map heeft gezet en sla die daar opnieuw op.",
    ),
    "layout-changed": Template(
        _E,
        "Verborgen indeling gewijzigd",
        "In {file} is de verborgen beschrijving van de werkmap gewijzigd ({what}). Planmonitor "
        "leest een werkmap alleen zoals die is uitgegeven; er is niets van overgenomen. Vul de "
        "werkmap in die het secretariaat in uw map heeft gezet, zonder verborgen bladen te "
        "wijzigen, en sla die daar opnieuw op.",
    ),
    "strict-open-xml": Template(
        _E,
        "Opgeslagen als Strikt Open XML",
        "{file} is opgeslagen als 'Strikt Open XML-werkblad'. Die variant van .xlsx kan "
        "planmonitor niet lezen; aan uw gegevens ligt het niet. Open het bestand in Excel, kies "
        "Bestand > Opslaan als, kies bij 'Opslaan als type' voor 'Excel-werkmap (*.xlsx)' (niet "
        "'Strikt Open XML-werkblad') en sla het op in dezelfde map.",
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
    "too-many-rows": Template(
        _E,
        "Te veel rijen",
        "Werkblad '{sheet}' van {file} heeft meer dan {limit} gevulde rijen. Zoveel rijen hoort "
        "een planmonitor-werkmap niet te hebben; het werkblad is niet verder gelezen en er is "
        "niets van overgenomen. Haal de geplakte rijen weg en sla de werkmap opnieuw op.",
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
    "total-does-not-add-up": Template(
        _E,
        "Totaal klopt niet met de sommen",
        "In rij {row} komen {sums} niet uit op het totaal aantal woningen ({total}). Waarschijnlijk "
        "is het totaal niet goed: pas het totaal aan, of anders de aantallen die niet kloppen.",
    ),
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
    "possible-duplicate": Template(
        _W,
        "Project mogelijk dubbel",
        "Dit project lijkt hetzelfde als {other} ({other_name}) van {other_party}: zelfde gemeente "
        "en zelfde {reason}. Is het één project? Neem contact op met {other_party} en het "
        "secretariaat; één van beide wordt dan ingetrokken.",
    ),
    "new-project-duplicate": Template(
        _W,
        "Nieuw project bestaat mogelijk al",
        "Het nieuwe project '{value}' in rij {row} heeft dezelfde naam als bestaand project "
        "{existing}. Controleer of het niet dubbel wordt opgevoerd; staat het al in 'Mijn "
        "projecten', werk het dan daar bij.",
    ),
    "new-project-id-ignored": Template(
        _W,
        "Projectnummer genegeerd",
        "In cel {cell} staat een projectnummer ({value}) bij een nieuw project. Dat nummer wordt "
        "niet gebruikt: het secretariaat geeft elk nieuw project bij de samenvoeging zelf een "
        "nummer. Hoort de rij bij een bestaand project, werk dat dan bij in 'Mijn projecten'.",
    ),
    "new-project-other-municipality": Template(
        _E,
        "Nieuw project in andere gemeente",
        "Het nieuwe project in rij {row} ligt in {value}. Een gemeente voert alleen projecten in "
        "de eigen gemeente op; andere partijen kiezen de gemeente waarin het project ligt.",
    ),
    # -- importing a region (init) ------------------------------------------------------------
    "import-source-missing": Template(
        _E,
        "Regiobron niet gevonden",
        "De regiobron {file} bestaat niet of is geen map of .xlsx-werkmap. Geef met --bron de map "
        "met de CSV- of Excel-bestanden van de regio (of één .xlsx met een werkblad per tabel), of "
        "zet het pad bij [region] source in config.toml.",
    ),
    "import-table-missing": Template(
        _E,
        "Tabel ontbreekt",
        "In {file} ontbreekt de tabel '{table}': een bestand (.csv of .xlsx) of werkblad met de "
        "naam {names}. Zie 'Een echte regio opzetten' in docs/secretaris.md voor de kolommen.",
    ),
    "import-file-unreadable": Template(
        _E,
        "Bestand onleesbaar",
        "{file} kan niet worden gelezen: {reason}",
    ),
    "import-column-missing": Template(
        _E,
        "Kolom ontbreekt",
        "In {file} ontbreekt de verplichte kolom '{field}' ({key}). Gevonden kolommen: {found}. "
        "Geef de kolom die naam, of vertaal uw eigen kolomnaam in config.toml: "
        '[import.columns.{table}] "uw kolomnaam" = "{key}".',
    ),
    "import-column-unknown": Template(
        _W,
        "Kolom overgeslagen",
        "{file}: de kolom '{field}' (cel {cell}) is onbekend en wordt overgeslagen. Hoort hij bij "
        'een veld, vertaal hem dan in config.toml: [import.columns.{table}] "{field}" = "<sleutel>".',
    ),
    "import-column-twice": Template(
        _E,
        "Kolom dubbel",
        "{file}: de kolommen '{other}' en '{field}' (cel {cell}) staan voor hetzelfde veld. Haal "
        "er één weg of geef hem een andere naam.",
    ),
    "import-value-missing": Template(
        _E,
        "Verplichte waarde leeg",
        "{file}, regel {row}, kolom '{column}' (cel {cell}) is verplicht, maar leeg. Vul een "
        "waarde in.",
    ),
    "import-value-invalid": Template(
        _E,
        "Waarde past niet",
        "{file}, regel {row}, kolom '{column}' (cel {cell}): {value} {problem}. Toegestaan: "
        "{allowed}. Pas de waarde aan in het bestand.",
    ),
    "import-duplicate-id": Template(
        _E,
        "ID dubbel",
        "{file}, regel {row}, kolom '{column}' (cel {cell}): {value} staat ook al op regel "
        "{first}. Een ID hoort bij één rij: geef een van beide een eigen ID, of voeg de twee rijen "
        "samen.",
    ),
    "import-unknown-reference": Template(
        _E,
        "Onbekende verwijzing",
        "{file}, regel {row}, kolom '{column}' (cel {cell}): {what} {value} staat niet in het "
        "register. Bekend zijn: {known}. Gebruik de code of naam uit het register, of voeg de "
        "{what} daar toe.",
    ),
    "import-municipality-party-without-code": Template(
        _E,
        "Gemeente zonder gemeentecode",
        "{file}, regel {row}: partij {value} is een gemeente, maar de kolom 'municipality_code' is "
        "leeg. Vul de CBS-code in (bijvoorbeeld GM0202): zo weet planmonitor van welke projecten "
        "deze gemeente het publieke deel bijhoudt.",
    ),
    "import-value-mapped": Template(
        _W,
        "Waarde vertaald",
        "{file}, kolom '{field}': {value} is ingelezen als '{after}' ({count}×). Klopt dat niet, "
        "zet dan de juiste vertaling in config.toml onder [import.values].",
    ),
    "import-year-unknown": Template(
        _W,
        "Woningen zonder jaar",
        "{file}: {projects} zonder planning per jaar ({dwellings} woningen). Die woningen staan "
        "onder 'jaar onbekend' en tellen zo zichtbaar mee; de initiatiefnemers verdelen ze in de "
        "eerste ronde over de jaren.",
    ),
    "import-header-row": Template(
        _W,
        "Kopregel lager",
        "{file}: de kolomnamen staan op regel {row}; de {skipped} regel(s) erboven (een titel of "
        "lege regels) zijn overgeslagen.",
    ),
    "import-years-outside-window": Template(
        _W,
        "Jaren buiten de planning",
        "{file}: de kolommen {columns} vallen buiten de jaren van deze ronde; hun woningen zijn "
        "opgeteld bij '{target}'. Klopt dat niet, verdeel ze dan in het bestand over de jaren van "
        "de ronde.",
    ),
    "import-no-agreements": Template(
        _W,
        "Geen afspraken",
        "Er is geen tabel '{file}' gevonden: de monitor begint zonder afspraken uit de woondeal.",
    ),
    "carried-not-checked": Template(
        _W,
        "Verschoven woningen controleren",
        "Project {row_id} ({name}): {dwellings} woningen die voor {year} gepland stonden en "
        "niet als opgeleverd zijn gemeld, staan nu in {to_year} (de oranje cel). U heeft dat "
        "niet aangepast. Klopt het, dan hoeft u niets te doen; anders past u de planning of het "
        "aantal opgeleverd aan.",
    ),
    "too-many-new-projects": Template(
        _E,
        "Te veel nieuwe projecten",
        "In werkblad '{sheet}' staan meer dan {limit} nieuwe projecten; per inzending worden er "
        "hoogstens {limit} opgevoerd, en vanaf rij {row} is het werkblad niet meer gelezen. Er is "
        "geen enkel nieuw project van overgenomen. Voer alleen echte nieuwe projecten op; heeft u "
        "er werkelijk meer, neem dan contact op met het secretariaat.",
    ),
    # -- merge --------------------------------------------------------------------------------
    "row-held-back": Template(
        _W,
        "Rij niet overgenomen",
        "Rij {row} ({label}) heeft een blokkerende fout; de vorige waarden van deze rij blijven "
        "staan. Herstel de fout en stuur de werkmap opnieuw.",
    ),
    # -- feedback -----------------------------------------------------------------------------
    "formula-removed": Template(
        _W,
        "Formule verwijderd",
        "In cel {cell} van werkblad '{sheet}' stond een formule ({value}). Planmonitor neemt geen "
        "formules over; in deze terugkoppeling staat in die cel de laatst berekende waarde als "
        "tekst (of niets).",
    ),
}

# Added to a finding about cells a party did not change (a warning then, never blocking), and to
# a rule problem the secretary accepted at the start (``init --toch-starten``).
UNCHANGED_NOTE = (
    " Dit stond al zo in de werkmap die u kreeg en houdt uw wijzigingen niet tegen; herstel het"
    " als u kunt."
)
START_NOTE = (
    " Bij de start toegestaan: de eigenaar ziet dit in de toelichting van de eerste werkmap."
)
# The parts of a workbook's hidden layout, as named in a ``layout-changed`` message.
LAYOUT_PARTS = {
    "party": "de partij",
    "party_name": "de naam van de partij",
    "round": "de ronde",
    "catalogue_version": "de versie van de veldcatalogus",
    "base_hash": "de stand van de monitor waarop de werkmap rust",
    "layout_version": "de versie van de indeling",
    "unreadable": "de beschrijving is onleesbaar",
    "sheet-missing": "werkblad '{sheet}' ontbreekt",
    "sheet-extra": "werkblad '{sheet}' is erbij gezet",
    "entity": "het soort gegevens in werkblad '{sheet}'",
    "columns": "de kolommen van werkblad '{sheet}'",
    "row_ids": "de rijen van werkblad '{sheet}'",
    "new_rows": "het aantal rijen voor nieuwe projecten in werkblad '{sheet}'",
}


def layout_parts(parts: list[tuple[str, str]]) -> str:
    """The changed parts of a layout in words: ``de kolommen van werkblad 'Afspraken'``."""
    return "; ".join(LAYOUT_PARTS[part].format(sheet=sheet) for part, sheet in parts)


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


# What a value check found, as the rest of a sentence about the value ("'12a' is geen heel getal").
PROBLEMS: dict[str, str] = {
    "not-a-whole-number": "is geen heel getal",
    "not-a-number": "is geen getal",
    "not-a-date": "is geen datum",
    "not-a-year": "is geen jaartal",
    "not-a-year-quarter": "is geen jaar en kwartaal",
    "not-yes-or-no": "is geen ja of nee",
    "value-not-in-list": "staat niet in de lijst",
    "value-below-minimum": "is lager dan het minimum {limit}",
    "value-above-maximum": "is hoger dan het maximum {limit}",
    "text-too-long": "is {length} tekens lang; het maximum is {limit}",
}


def problem_text(code: str, details: Mapping[str, Any]) -> str:
    return PROBLEMS.get(code, code).format_map(dict(details))


def allowed_text(
    kind: str,
    low: float | None = None,
    high: float | None = None,
    max_length: int | None = None,
    choices: Sequence[str] = (),
) -> str:
    """What a field accepts, in words: 'een heel getal van 0 tot en met 100.000'."""
    span = _span(low, high)
    if kind == "whole":
        return f"een heel getal{span}"
    if kind == "decimal":
        return f"een getal{span}, decimalen met een komma (bijvoorbeeld 190500,5)"
    if kind == "year":
        return f"een jaartal{span}"
    if kind == "year_quarter":
        return f"jaar en kwartaal zoals 2027-K2{_span(low, high, 'jaar ')}"
    if kind == "date":
        return "een datum als 15-03-2026 of 2026-03-15"
    if kind == "yes_no":
        return "ja of nee"
    if kind in {"choice", "multiple_choice"}:
        return "een van " + show_list(choices)
    if max_length is not None:
        return f"tekst van ten hoogste {max_length} tekens"
    return "tekst"


def show_list(items: Sequence[str], limit: int = 12) -> str:
    """Values as a reader scans them: 'a', 'b' en 'c' (the first ``limit``, then a count)."""
    shown = [f"'{item}'" for item in items[:limit]]
    if len(items) > limit:
        return ", ".join(shown) + f" en nog {len(items) - limit}"
    if len(shown) <= 1:
        return "".join(shown) or "(geen)"
    return ", ".join(shown[:-1]) + " en " + shown[-1]


def or_list(items: Sequence[str]) -> str:
    """'a', 'a of b', 'a, b of c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " of " + items[-1]


def _span(low: float | None, high: float | None, prefix: str = "") -> str:
    def shown(number: float) -> str:
        return show_value(int(number) if float(number).is_integer() else number)

    if low is not None and high is not None:
        return f" van {prefix}{shown(low)} tot en met {shown(high)}"
    if low is not None:
        return f" vanaf {prefix}{shown(low)}"
    if high is not None:
        return f" tot en met {prefix}{shown(high)}"
    return ""


# How each sum reads in a finding that names several of them ("total-does-not-add-up").
SUM_NAMES = {
    "year-slices-do-not-add-up": "al opgeleverd + de planning per jaar ({planned})",
    "segments-do-not-add-up": "de prijssegmenten ({sum})",
    "dwelling-types-do-not-add-up": "grondgebonden + gestapeld ({sum})",
}
