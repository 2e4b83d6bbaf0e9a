"""The command line: parse, call one library function, render, pick an exit code.

Every Dutch text the secretary reads in the terminal is in this module.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from . import __version__
from .core import Config, PlanmonitorError, Round, dutch_time
from .core import config as config_module
from .stages import Session, open_session, pending_work

EXIT_OK, EXIT_BLOCKING, EXIT_USAGE = 0, 1, 2


class _Progress:
    """Renders the library's progress callbacks as a progress bar on standard error."""

    def __init__(self, label: str, quiet: bool = False) -> None:
        self.label = label
        self.quiet = quiet
        self.bar: Any = None
        self.done = 0
        self.total = 0

    def __call__(self, number: int, total: int, item: str) -> None:
        if self.quiet or total <= 0:
            return
        if self.bar is not None and (total != self.total or number < self.done):
            self.close()  # the next phase of the same command (merge, then next round's issue)
        if self.bar is None:
            self.total = total
            self.bar = click.progressbar(
                length=total,
                label=self.label,
                file=sys.stderr,
                item_show_func=lambda x: x,
                show_pos=True,
                width=30,
            )
            self.bar.__enter__()
        self.bar.update(number - self.done, current_item=item[:40])
        self.done = number

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
            self.done = 0


@contextmanager
def _progress(label: str, quiet: bool = False) -> Iterator[_Progress]:
    bar = _Progress(label, quiet)
    try:
        yield bar
    finally:
        bar.close()


def _load(ctx: click.Context) -> Config:
    path: Path = ctx.obj["config_path"]
    return config_module.load(path)


@contextmanager
def _session(ctx: click.Context) -> Iterator[Session]:
    with open_session(_load(ctx), notify=lambda text: click.echo(text, err=True)) as session:
        pending = pending_work(session.state)
        if pending and ctx.command.name != "merge":
            click.secho(
                "Let op: de samenvoeging is onderbroken ("
                + "; ".join(p.describe() for p in pending)
                + "). Geef 'planmonitor merge' om dat af te maken.",
                fg="yellow",
                err=True,
            )
        yield session


def _fail(exc: PlanmonitorError) -> None:
    click.secho(f"Fout: {exc}", fg="red", err=True)
    sys.exit(EXIT_USAGE)


def _guarded(function: Callable[..., None]) -> Callable[..., None]:
    """Turn planmonitor errors into a Dutch message and exit code 2, never a traceback."""
    import functools

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            function(*args, **kwargs)
        except PlanmonitorError as exc:
            _fail(exc)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="planmonitor")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default="config.toml",
    show_default=True,
    help="Het configuratiebestand van de regio.",
)
@click.pass_context
def main(ctx: click.Context, config_path: Path) -> None:
    """planmonitor: de publiek-private planmonitor van de versnellingstafel woningbouw.

    Een ronde: issue → (partijen vullen in) → collect → validate → merge → report.

    Voorbeeld: planmonitor demo
    """
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@_guarded
def nieuw(folder: Path) -> None:
    """Maak een map voor een nieuwe regio: config.toml met uitleg en een voorbeeld van elke lijst.

    Pas daarna config.toml en de lijsten in de map aan (of zet uw eigen lijsten ervoor in de
    plaats) en geef in die map planmonitor init.

    Voorbeeld: planmonitor nieuw mijn-regio
    """
    from .sources import write_starter

    written = write_starter(folder)
    for path in written:
        click.echo(f"  {path}")
    click.echo(
        f"Regiomap {folder} klaargezet. Volgende stap: cd {folder}, pas config.toml en de lijsten "
        "in regio/ aan, en geef planmonitor init."
    )


@main.command()
@click.option(
    "--bron",
    "source",
    type=click.Path(path_type=Path),
    help="De map (of .xlsx-werkmap) met de lijsten van de regio; standaard [region] source.",
)
@click.option(
    "--toch-starten",
    "accept_problems",
    is_flag=True,
    help="Begin ook als projecten regels overtreden (sommen die niet kloppen); de eigenaren "
    "zien die in hun eerste werkmap.",
)
@click.option(
    "--alleen-controleren",
    "check_only",
    is_flag=True,
    help="Lees en controleer de bron en geef het verslag, maar zet de monitor nog niet op.",
)
@click.option("--json", "as_json", is_flag=True, help="Schrijf het verslag als JSON.")
@click.pass_context
@_guarded
def init(
    ctx: click.Context,
    source: Path | None,
    accept_problems: bool,
    check_only: bool,
    as_json: bool,
) -> None:
    """Zet de monitor op: partijen, projecten en afspraken uit de regiobron.

    Leest en controleert eerst alles; blokkeert iets, dan staan alle problemen in één verslag
    (exitcode 2) en wordt er niets geschreven. Een bestaande monitor blijft zoals hij is.

    Voorbeeld: planmonitor init --bron regio
    """
    from .stages import check_source, set_up
    from .state import Archive, State

    config = _load(ctx)
    if config.paths.database.exists():
        with State(config.paths.database) as state:
            if state.initialised:
                summary = set_up(config, state, Archive(config.paths.archive))
                _echo_init(summary, as_json)
                return
    check = check_source(config, source, accept_problems=accept_problems)
    if check.blocking or check_only:
        _render_start(check, as_json)
        if not check.blocking and not as_json:
            click.secho(
                f"{check.source}: geen blokkerende fouten, {check.warnings} waarschuwingen. Er is "
                "nog niets geschreven; geef planmonitor init om de monitor op te zetten.",
                fg="green",
            )
        sys.exit(EXIT_USAGE if check.blocking else EXIT_OK)
    with State(config.paths.database) as state:
        summary = set_up(config, state, Archive(config.paths.archive), check)
    if as_json:
        click.echo(json.dumps({**check.to_dict(), "created": True}, ensure_ascii=False, indent=2))
        return
    _render_start(check, as_json)
    _echo_init(summary, as_json)


INIT_SHOWN = 100  # findings shown in the terminal; --json gives all


def _render_start(check: Any, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(check.to_dict(), ensure_ascii=False, indent=2))
        return
    for item in check.findings[:INIT_SHOWN]:
        where = f"{item.file}: " if item.file and item.file not in item.message else ""
        label = (
            click.style("FOUT", fg="red") if item.blocking else click.style("let op", fg="yellow")
        )
        click.echo(f"{label} [{item.code}] {where}{item.message}")
    if len(check.findings) > INIT_SHOWN:
        click.echo(
            f"… en nog {len(check.findings) - INIT_SHOWN} bevindingen; geef --json voor alle."
        )
    if check.blocking:
        click.secho(
            f"{check.source}: {check.errors} fouten, {check.warnings} waarschuwingen. Er is "
            "niets geschreven: herstel de fouten en geef opnieuw planmonitor init.",
            fg="red",
            err=True,
        )


def _echo_init(summary: Any, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"created": summary.created, "region": summary.region}))
        return
    word = "aangemaakt" if summary.created else "bestond al"
    click.echo(
        f"Monitor {summary.region} {word}: ronde {summary.round}, {summary.parties} "
        f"partijen, {summary.projects} projecten, {summary.agreements} afspraken."
    )


_EARLIER_BOUNDS_HELP = (
    "Staan de prijsgrenzen van het jaar nog niet in config.toml, gebruik dan die van het "
    "laatste jaar dat er wel is (met een waarschuwing en een zin in de werkmap)."
)


def _warn_price_bounds(round_year: int, used: int | None) -> None:
    if used is not None and used != round_year:
        click.secho(
            f"let op: de prijsgrenzen van {round_year} staan niet in config.toml; de werkmappen "
            f"tonen die van {used}. Zet [price_bounds.{round_year}] in config.toml zodra ze "
            "bekend zijn, en geef planmonitor issue opnieuw.",
            fg="yellow",
            err=True,
        )


@main.command()
@click.option("--partij", "parties", multiple=True, help="Alleen voor deze partij (id, bv. P012).")
@click.option("--vorige-prijsgrenzen", "earlier_bounds", is_flag=True, help=_EARLIER_BOUNDS_HELP)
@click.option(
    "--forceer",
    "force",
    is_flag=True,
    help="Vervang ook een werkmap die de partij na de uitgifte heeft gewijzigd.",
)
@click.pass_context
@_guarded
def issue(ctx: click.Context, parties: tuple[str, ...], earlier_bounds: bool, force: bool) -> None:
    """Maak voor elke partij de werkmap van de lopende ronde en zet die in haar map.

    Staan de prijsgrenzen van het jaar van de ronde niet in config.toml, dan stopt issue voordat
    er een werkmap is gemaakt.

    Voorbeeld: planmonitor issue --partij P012
    """
    from .stages import issue_round

    with _session(ctx) as session, _progress("Werkmappen maken") as progress:
        summary = issue_round(
            session.config,
            session.state,
            session.storage,
            party_ids=list(parties) or None,
            progress=progress,
            archive=session.archive,
            earlier_price_bounds=earlier_bounds,
            force=force,
        )
    progress.close()
    _warn_price_bounds(session.config.round.year, summary.price_bounds_year)
    click.echo(
        f"{summary.parties} werkmappen voor ronde {session.config.round} in "
        f"{session.storage.describe()}."
    )
    if summary.skipped:
        for written in summary.workbooks:
            click.echo(f"  geschreven: {written.party_name}: {written.file_name}")
        click.secho(f"{len(summary.skipped)} partij(en) overgeslagen:", fg="yellow", err=True)
        for skipped in summary.skipped:
            click.echo(f"  {skipped.party_name} ({skipped.reason}): {skipped.message}", err=True)
        again = " ".join(f"--partij {s.party_id}" for s in summary.skipped)
        click.echo(f"Maak deze later af met: planmonitor issue {again}", err=True)
        sys.exit(EXIT_BLOCKING)


@main.command()
@click.pass_context
@_guarded
def collect(ctx: click.Context) -> None:
    """Haal op wat partijen in hun map hebben opgeslagen en archiveer het.

    Voorbeeld: planmonitor collect
    """
    from .stages import collect as collect_round

    with _session(ctx) as session, _progress("Mappen doorzoeken") as progress:
        summary = collect_round(session, progress=progress)
    progress.close()
    for item in summary.received:
        late = click.style(" (te laat)", fg="yellow") if item.late else ""
        kind = "concept" if not item.handed_in else "ingeleverd"
        saved = f", opgeslagen {dutch_time(item.saved_at)}" if item.saved_at else ""
        click.echo(f"{kind}: {item.party_name}: {item.file_name}{saved}{late}")
    drafts = sum(1 for item in summary.received if not item.handed_in)
    click.echo(
        f"Ronde {summary.round}: {len(summary.received)} nieuwe versies ({drafts} concept), "
        f"{summary.already_known} al eerder ontvangen, {len(summary.unchanged)} partijen "
        "zonder inzending."
    )


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Schrijf de bevindingen als JSON.")
@click.option(
    "--opnieuw",
    "recheck",
    is_flag=True,
    help="Controleer ook al gecontroleerde inzendingen opnieuw.",
)
@click.pass_context
@_guarded
def validate(ctx: click.Context, files: tuple[Path, ...], as_json: bool, recheck: bool) -> None:
    """Controleer inzendingen en maak per partij een terugkoppelingsbestand.

    Zonder bestanden: alle opgehaalde inzendingen van de lopende ronde. Exitcode 0 als niets
    blokkeert, 1 als een inzending blokkerende fouten heeft.

    Voorbeeld: planmonitor validate "Planmonitor 2026-H2 - Gemeente Arnhem.xlsx" --json
    """
    from .stages import check_files, check_round

    drafts = 0
    with _session(ctx) as session, _progress("Controleren", quiet=as_json) as progress:
        if files:
            reports = check_files(session.config, session.state, list(files))
        else:
            checked = check_round(session, progress=progress, recheck=recheck)
            reports, drafts = checked.reports, checked.drafts
    progress.close()
    if drafts and not as_json:
        click.echo(
            f"{drafts} partij(en) werken nog aan een concept (niet ingeleverd): niet "
            "gecontroleerd en geen terugkoppeling in hun map.",
            err=True,
        )
    if as_json:
        click.echo(
            json.dumps(
                {"round": str(session.config.round), "files": [r.to_dict() for r in reports]},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        _render_reports(reports)
    sys.exit(EXIT_BLOCKING if any(r.errors for r in reports) else EXIT_OK)


def _render_reports(reports: list[Any]) -> None:
    if not reports:
        click.echo(
            "Geen nieuwe inzendingen om te controleren. Voer eerst 'planmonitor collect' "
            "uit, of geef bestanden mee."
        )
        return
    for report in reports:
        colour = "red" if report.errors else "yellow" if report.warnings else "green"
        who = report.party_name or "onbekende partij"
        click.secho(
            f"{who} — {Path(report.file).name}: {report.verdict} "
            f"({report.errors} fouten, {report.warnings} waarschuwingen)",
            fg=colour,
        )
        for item in report.findings[:8]:
            where = item.reference or ""
            click.echo(
                f"  {'FOUT' if item.blocking else 'let op'} {where} [{item.code}] {item.message}"
            )
        if len(report.findings) > 8:
            click.echo(f"  … en nog {len(report.findings) - 8}; zie het terugkoppelingsbestand.")
        if report.feedback is not None:
            click.echo(f"  terugkoppeling: {report.feedback}")


@main.command()
@click.option("--ronde", "round_text", help="Een eerdere ronde opnieuw samenvoegen (bv. 2026-H2).")
@click.option(
    "--zonder-uitgifte",
    "no_issue",
    is_flag=True,
    help="Maak nog geen werkmappen voor de volgende ronde.",
)
@click.option("--vorige-prijsgrenzen", "earlier_bounds", is_flag=True, help=_EARLIER_BOUNDS_HELP)
@click.pass_context
@_guarded
def merge(ctx: click.Context, round_text: str | None, no_issue: bool, earlier_bounds: bool) -> None:
    """Voeg de inzendingen samen tot de nieuwe monitor (alleen cellen van de eigenaar).

    Schrijft de monitorwerkmap en de werkmappen van de volgende ronde.

    Voorbeeld: planmonitor merge
    """
    from .stages import merge_round

    round_ = Round.parse(round_text) if round_text else None
    with _session(ctx) as session, _progress("Samenvoegen") as progress:
        summary = merge_round(
            session,
            round_=round_,
            progress=progress,
            issue_next=not no_issue,
            earlier_price_bounds=earlier_bounds,
        )
    progress.close()
    merged = round_ or session.config.round
    _warn_price_bounds(merged.next().year, summary.price_bounds_year)
    outcome = summary.outcome
    if summary.resumed:
        click.echo(f"De onderbroken samenvoeging van ronde {outcome.round} is afgemaakt.")
    accepted = sum(r.rows_accepted for r in outcome.results)
    held = sum(r.rows_held for r in outcome.results)
    click.echo(
        f"Ronde {outcome.round} samengevoegd: {len(outcome.used)} inzendingen, "
        f"{accepted} rijen overgenomen, {held} rijen tegengehouden, "
        f"{len(outcome.changes)} cellen gewijzigd, {len(outcome.new_projects)} nieuwe "
        "projecten."
    )
    for record in outcome.superseded:
        click.echo(
            f"  vervangen door een latere inzending: {record.original_name} ({record.party})"
        )
    if outcome.carried:
        years = sorted({c.from_year for c in outcome.carried})
        click.echo(
            f"Jaarwisseling: {sum(c.dwellings for c in outcome.carried)} woningen in "
            f"{len({c.row_id for c in outcome.carried})} projecten stonden nog gepland voor "
            f"{', '.join(map(str, years))} en zijn doorgeschoven naar {outcome.carried[0].to_year} "
            "(in de volgende werkmappen oranje gemarkeerd)."
        )
    for pair in outcome.duplicates:
        click.secho(
            f"  mogelijk dubbel: {pair.first} en {pair.second} (zelfde gemeente, zelfde "
            f"{pair.reason}); beide partijen zien het in hun volgende werkmap",
            fg="yellow",
        )
    click.echo(f"Monitor: {summary.monitor_file}")
    if summary.not_published:
        click.secho(
            f"  niet gepubliceerd: {summary.not_published} De samenvoeging is klaar. Zet de "
            "monitor later in de map Monitor: voer 'planmonitor merge' opnieuw uit als het "
            "bestand gesloten is (dezelfde inzendingen geven dezelfde monitor), of kopieer het "
            "bestand hierboven.",
            fg="yellow",
            err=True,
        )
    if summary.issued_next:
        click.echo(
            f"{summary.issued_next} werkmappen voor ronde {outcome.round.next()} klaargezet."
        )
    if summary.skipped_next:
        for _, message in summary.skipped_next:
            click.secho(f"  overgeslagen: {message}", fg="yellow", err=True)
        again = " ".join(f"--partij {party}" for party, _ in summary.skipped_next)
        click.echo(
            f"Zet deze werkmappen later klaar met: planmonitor issue {again} "
            f"(in ronde {outcome.round.next()}).",
            err=True,
        )


@main.command()
@click.option("--ronde", "round_text", help="Welke ronde (standaard de lopende).")
@click.option("--json", "as_json", is_flag=True, help="Schrijf de status als JSON.")
@click.pass_context
@_guarded
def status(ctx: click.Context, round_text: str | None, as_json: bool) -> None:
    """Per partij: uitgegeven, concept/ingeleverd/te laat (opgeslagen wanneer), bevindingen, overgenomen.

    Voorbeeld: planmonitor status --ronde 2026-H2
    """
    from .stages import round_status

    with _session(ctx) as session:
        result = round_status(session, Round.parse(round_text) if round_text else None)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    click.secho(f"Ronde {result.round} — deadline {result.deadline}", bold=True)
    click.echo(
        f"{'partij':<44} {'stand':<16} {'inlevering':<10} {'opgeslagen':<16} {'ontv.':>5} "
        f"{'fout':>4} {'waarsch':>7} {'over':>5} {'tegen':>5}"
    )
    for p in result.parties:
        saved = dutch_time(p.saved_at) if p.saved_at else ""
        click.echo(
            f"{p.name[:44]:<44} {p.state:<16} {p.hand_in or '':<10} {saved:<16} "
            f"{p.received:>5} {p.errors:>4} {p.warnings:>7} {p.rows_accepted:>5} "
            f"{p.rows_held:>5}"
        )
    totals = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in result.totals.items())
    click.echo(f"Totaal — {totals}")
    for first, second, reason in result.duplicates:
        click.secho(
            f"Mogelijk dubbel: {first} en {second} (zelfde gemeente, zelfde {reason}).",
            fg="yellow",
        )


@main.command()
@click.option("--ronde", "round_text", help="Welke samengevoegde ronde (standaard de laatste).")
@click.pass_context
@_guarded
def report(ctx: click.Context, round_text: str | None) -> None:
    """Maak de factsheets, de voortgangsrapportage en het dashboard, en publiceer ze.

    Voorbeeld: planmonitor report --ronde 2026-H2
    """
    from .stages import report_round

    with _session(ctx) as session, _progress("Rapportage maken") as progress:
        summary, published = report_round(
            session, Round.parse(round_text) if round_text else None, progress=progress
        )
    progress.close()
    if summary.baseline:
        click.echo(
            f"Nulmeting (ronde 0): de stand bij de start van ronde {summary.round}, vóór de "
            "eerste inzendingen. Er is nog niets om mee te vergelijken."
        )
    else:
        compared = (
            f"vergeleken met {summary.previous_round}"
            if summary.previous_round
            else "eerste ronde: er is nog geen vergelijking"
        )
        click.echo(f"Rapportage: stand na ronde {summary.round}, {compared}:")
    for path in summary.paths:
        click.echo(f"  {path}")
    click.echo(
        f"{len(published)} bestanden gepubliceerd in {session.storage.describe()}"
        if published
        else "Gepubliceerde bestanden waren al actueel."
    )


@main.command()
@click.option("--ronde", "round_text", help="Welke ronde (standaard de laatst samengevoegde).")
@click.option(
    "--map",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Map waarin de export komt (standaard uitvoer/export).",
)
@click.option(
    "--met-privevelden",
    "include_private",
    is_flag=True,
    help="Neem ook de privévelden mee (alleen voor gebruik binnen de tafel).",
)
@click.option(
    "--zip", "as_zip", is_flag=True, help="Maak er ook één zipbestand van, om op te sturen."
)
@click.pass_context
@_guarded
def export(
    ctx: click.Context,
    round_text: str | None,
    out_dir: Path | None,
    include_private: bool,
    as_zip: bool,
) -> None:
    """Schrijf de monitor als open export: CSV, GeoJSON en een manifest met controlegetallen.

    Dit is wat de regio aan de landelijke versnellingstafel levert. Privévelden blijven weg,
    tenzij u --met-privevelden geeft.

    Voorbeeld: planmonitor export --ronde 2026-H2
    """
    from .stages import export_round
    from .state import State

    config = _load(ctx)
    with State(config.paths.database) as state:
        summary = export_round(
            config,
            state,
            Round.parse(round_text) if round_text else None,
            out_dir,
            include_private=include_private,
            zip_file=as_zip,
        )
    measured = (
        "beginstand"
        if summary.measured_round == summary.round
        else f"stand na de samenvoeging, monitor {summary.measured_round}"
    )
    click.echo(
        f"Export van ronde {summary.round} ({measured}, peildatum "
        f"{summary.reference_date.isoformat()}): {summary.projects} projecten, waarvan "
        f"{summary.with_location} met een locatie, en {summary.agreements} afspraken."
    )
    if summary.left_out_labels:
        click.echo("Privévelden weggelaten: " + ", ".join(summary.left_out_labels) + ".")
    else:
        click.secho(
            "Met privévelden: deel deze export alleen binnen de tafel.", fg="yellow", err=True
        )
    click.echo(f"Map: {summary.folder}")
    if summary.zip_file is not None:
        click.echo(f"Zip: {summary.zip_file}")


@main.command()
@click.pass_context
@_guarded
def rebuild(ctx: click.Context) -> None:
    """Bouw de status en de monitor opnieuw op uit alleen het archief.

    Voorbeeld: planmonitor rebuild
    """
    from .stages import rebuild as rebuild_state

    with _progress("Herbouwen") as progress:
        summary = rebuild_state(_load(ctx), progress=progress)
    progress.close()
    click.echo(
        f"Status herbouwd uit het archief: {summary.rounds} rondes, "
        f"{summary.submissions} inzendingen → {summary.database}"
    )
    if summary.equal_to_previous is True:
        click.secho("De herbouwde status is gelijk aan de vorige.", fg="green")
    elif summary.equal_to_previous is False:
        click.secho(
            f"De herbouwde status wijkt af van de vorige; die staat in {summary.backup}.",
            fg="yellow",
        )


@main.command()
@click.option(
    "--rondes",
    "rounds",
    default=3,
    show_default=True,
    type=click.IntRange(1, 6),
    help="Hoeveel rondes de demo doorloopt.",
)
@click.option("--zonder-rapportage", "no_reports", is_flag=True, help="Sla de rapportage over.")
@click.option(
    "--landelijk",
    "national",
    is_flag=True,
    help="Maak daarna exports van meer regio's en het landelijk overzicht daarvan.",
)
@click.option(
    "--regios",
    "regions",
    default=3,
    show_default=True,
    type=click.IntRange(2, 100),
    help="Met --landelijk: hoeveel regio's (de demoregio en gegenereerde regio's).",
)
@click.pass_context
@_guarded
def demo(ctx: click.Context, rounds: int, no_reports: bool, national: bool, regions: int) -> None:
    """Laat hele rondes zien op de demoregio, met gesimuleerde partijen.

    Begint met lege mappen, maakt de werkmappen, laat partijen invullen (met de gebruikelijke
    fouten), haalt op, controleert, voegt samen en maakt de rapportage. Met --landelijk ook de
    exports van meer regio's en het landelijk overzicht.

    Voorbeeld: planmonitor demo --landelijk
    """
    from .demo import run_demo

    bars: dict[str, _Progress] = {}

    def progress(stage: str, number: int, total: int, item: str) -> None:
        if stage not in bars:
            for bar in bars.values():
                bar.close()
            bars[stage] = _Progress(stage)
        bars[stage](number, total, item)

    try:
        summary = run_demo(
            _load(ctx),
            rounds=rounds,
            progress=progress,
            reports=not no_reports,
            national_regions=regions if national else 0,
        )
    finally:
        for bar in bars.values():
            bar.close()
    for item in summary.rounds:
        click.secho(f"\nRonde {item.round}", bold=True)
        received = sum(len(c.received) for c in item.collected)
        reports = [r for c in item.checked for r in c.reports]
        blocking = sum(1 for r in reports if r.errors)
        click.echo(
            f"  {received} inzendingen ontvangen, {blocking} met blokkerende fouten; "
            "terugkoppeling in de map van elke partij."
        )
        for report in reports:
            if report.errors:
                codes = sorted({f.code for f in report.findings if f.blocking})
                click.echo(f"    {report.party_name}: {', '.join(codes)}")
        checked = item.self_check
        click.echo(
            f"  {checked.parties} partijen controleerden zelf in Excel (Controleer mijn invoer) "
            f"en herstelden {checked.fixed} van de {checked.found} bevindingen vóór het inleveren."
        )
        if item.merge is not None:
            outcome = item.merge.outcome
            click.echo(
                f"  samengevoegd: {len(outcome.changes)} cellen gewijzigd, "
                f"{sum(r.rows_held for r in outcome.results)} rijen tegengehouden, "
                f"{len(outcome.new_projects)} nieuwe projecten, "
                f"{len(outcome.superseded)} inzending(en) vervangen door een latere."
            )
            click.echo(f"  monitor: {item.merge.monitor_file}")
        if item.status is not None:
            late = [p.name for p in item.status.parties if p.late]
            missing = [p.name for p in item.status.parties if p.issued_at and not p.received]
            click.echo(
                f"  te laat: {', '.join(late) or 'niemand'}; niet ingeleverd: "
                f"{len(missing)} partijen"
            )
    click.secho("\nKlaar.", bold=True)
    click.echo(f"Werkmappen en terugkoppeling: {summary.storage}")
    click.echo(f"Uitvoer (monitor, terugkoppeling, rapportage): {summary.outputs}")
    for path in summary.reports:
        click.echo(f"  {path}")
    if summary.national is not None:
        click.secho("\nLandelijk", bold=True)
        click.echo(f"Exports van {len(summary.national.exports)} regio's:")
        for folder in summary.national.exports:
            click.echo(f"  {folder}")
        click.echo("Landelijk overzicht:")
        for path in summary.national.overview.paths:
            click.echo(f"  {path}")


@main.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--uitvoer",
    "out_dir",
    default="landelijk",
    show_default=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Map waarin het landelijk overzicht komt.",
)
@click.option(
    "--catalogus",
    "catalogue_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="De veldcatalogus waarmee de exports gelezen worden (standaard die van planmonitor).",
)
@click.option(
    "--ronde",
    "round_text",
    help="Alleen regio's in deze ronde (bv. 2026-H2); de andere worden genoemd.",
)
@_guarded
def landelijk(
    folders: tuple[Path, ...], out_dir: Path, catalogue_path: Path | None, round_text: str | None
) -> None:
    """Maak het landelijk overzicht uit de exports van regio's (planmonitor export).

    Geef per regio de exportmap of zip, of een map met exports erin. Een export die niet klopt
    (controlegetal, kolommen, waarden) telt niet mee; planmonitor zegt waarom. Exitcode 0 als
    alle exports meetellen, 1 als er een is geweigerd, 2 als er geen enkele bruikbaar is.

    Voorbeeld: planmonitor landelijk exports/
    """
    from .core import catalogue as catalogue_module
    from .national import build_national, find_exports

    catalogue = catalogue_module.load(catalogue_path) if catalogue_path else catalogue_module.load()
    with _progress("Landelijk overzicht") as progress:
        summary = build_national(
            find_exports(list(folders)),
            catalogue,
            out_dir,
            round_=Round.parse(round_text) if round_text else None,
            progress=progress,
        )
    progress.close()
    rollup = summary.rollup
    for _, reason in rollup.refused:
        click.secho(f"Niet meegenomen: {reason}", fg="yellow", err=True)
    click.echo(
        f"Landelijk overzicht van {len(rollup.regions)} regio's in "
        f"{len(rollup.landsdelen)} landsdelen:"
    )
    if rollup.mixed_rounds:
        rounds = "; ".join(f"{r}: {len(names)}" for r, names in rollup.rounds.items())
        click.secho(f"Let op: de regio's staan niet in dezelfde ronde ({rounds}).", fg="yellow")
    for item in rollup.differing:
        click.echo(f"  wijkt af: {item.export.name}: {' '.join(item.export.notes)}")
    for path in summary.paths:
        click.echo(f"  {path}")
    sys.exit(EXIT_BLOCKING if rollup.refused else EXIT_OK)


@main.group()
def sharepoint() -> None:
    """SharePoint: verbinding controleren en rechten op de mappen zetten.

    Voorbeeld: planmonitor sharepoint check
    """


def _sharepoint_session(ctx: click.Context) -> tuple[Config, Any, Any]:
    from .state import State
    from .storage import open_storage, sharepoint

    config = _load(ctx)
    storage = open_storage(config, notify=lambda text: click.echo(text, err=True))
    if not isinstance(storage, sharepoint.SharePointStorage):
        raise PlanmonitorError(
            'De opslag in config.toml is geen SharePoint ([storage] backend = "local"). '
            'Zet backend = "sharepoint" en vul [sharepoint] in; zie docs/sharepoint.md.'
        )
    with State(config.paths.database) as state:
        parties = list(state.region().parties) if state.initialised else []
    return config, storage, parties


@sharepoint.command("check")
@click.pass_context
@_guarded
def sharepoint_check(ctx: click.Context) -> None:
    """Test de verbinding en meld ontbrekende mappen of rechten.

    Voorbeeld: planmonitor sharepoint check
    """
    from .storage import sharepoint_admin

    _, storage, parties = _sharepoint_session(ctx)
    results = sharepoint_admin.check(storage, parties)
    for result in results:
        click.secho(str(result), fg="green" if result.ok else "red")
    sys.exit(EXIT_OK if all(r.ok for r in results) else EXIT_BLOCKING)


@sharepoint.command("inrichten")
@click.option(
    "--proef",
    "dry_run",
    is_flag=True,
    help="Laat alleen zien wat er zou veranderen; verander niets.",
)
@click.pass_context
@_guarded
def sharepoint_setup(ctx: click.Context, dry_run: bool) -> None:
    """Maak de mappen, nodig gasten uit en zet de rechten: elke partij alleen de eigen map.

    Voorbeeld: planmonitor sharepoint inrichten --proef
    """
    from .storage import sharepoint_admin
    from .workbook import load_texts

    config, storage, parties = _sharepoint_session(ctx)
    if not dry_run:
        for line in storage.ensure_layout(parties):
            click.echo(line)
    settings = config.sharepoint
    texts = load_texts()["sharepoint"]["invitation"]
    fields = {
        "region": config.region_name,
        "contact_name": config.contact_name,
        "contact_email": config.contact_email,
        "party": "{party}",
    }
    guests = sharepoint_admin.invite_guests(
        storage,
        parties,
        subject=texts["subject"].format_map(fields),
        body=texts["body"].format_map(fields),
        dry_run=dry_run,
        party_principals=settings.party_principals,
    )
    for guest in guests:
        click.secho(("zou: " if dry_run else "") + str(guest), fg="red" if guest.failed else None)
    changes = sharepoint_admin.set_permissions(
        storage,
        parties,
        settings.secretary,
        settings.table_group,
        dry_run=dry_run,
        party_principals=settings.party_principals,
    )
    for change in changes:
        click.echo(("zou: " if dry_run else "") + str(change))
    if not changes:
        click.echo("De rechten zijn al zoals ze horen.")
    failed = [g for g in guests if g.failed] + [c for c in changes if c.action == "skip"]
    if failed:
        click.secho(
            f"{len(failed)} uitnodiging(en) of rechten niet gelukt; zie hierboven en "
            "docs/sharepoint.md, 'Gasten uitnodigen'.",
            fg="red",
            err=True,
        )
        sys.exit(EXIT_BLOCKING)


if __name__ == "__main__":  # pragma: no cover
    main()
