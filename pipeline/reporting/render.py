"""Reports for the table and the steering board: factsheets per pillar, the progress report
(*voortgangsrapportage*) and the digital dashboard.

The numbers come from :mod:`indicators` and :mod:`realism`, the charts from :mod:`charts`; the
Dutch text and the layout live in the Jinja templates of the top-level ``reports`` folder. The
report of round R describes the monitor after merging R (the snapshot of the next round) and
compares it with the monitor as issued in R. Before R is merged, or in the first round, it
describes the monitor as issued and shows trends as "eerste meting".
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ..core import (
    FILTERS,
    Carry,
    Config,
    ConfigError,
    Monitor,
    Pillar,
    Progress,
    Region,
    Round,
    RoundError,
    round_after_snapshot,
    tempomakers,
)
from ..state import State
from . import casework as cw
from . import charts, dashboard
from . import escalation as esc
from . import focus as fc
from . import indicators as ind
from . import realism as real

# The report templates and styles, as package data.
TEMPLATES = Path(str(resources.files("pipeline.reporting") / "templates"))
INDICATORS = frozenset(
    {
        "completions",
        "plan_capacity",
        "affordability",
        "circular",
        "target_groups",
        "rode_draden",
        "realism",
    }
)

REGION_SCOPE = "Regio"


@dataclass(frozen=True)
class PdfJob:
    """Reports to lay out as PDFs, one after the other: their HTML and where each goes, and
    their name in the progress."""

    documents: tuple[tuple[str, Path], ...]
    label: str


# A map over the PDFs to write: the builtin one, or a pool's (see build_reports).
PdfMap = Callable[[Callable[[PdfJob], str], list[PdfJob]], Iterable[str]]


@dataclass(frozen=True)
class ReportSummary:
    """What :func:`build_reports` wrote."""

    round: Round
    measured_round: Round
    previous_round: Round | None
    factsheets: tuple[Path, ...]
    progress_pdf: Path
    progress_html: Path
    dashboard: Path
    baseline: bool = False  # the starting position, before any submission was merged

    @property
    def paths(self) -> tuple[Path, ...]:
        return (*self.factsheets, self.progress_pdf, self.progress_html, self.dashboard)


@dataclass(frozen=True)
class Scope:
    """The dashboard numbers of the region or of one subregion."""

    name: str
    share: float | None
    projects: int
    dwellings_to_build: int
    completions: ind.Completions
    capacity: ind.PlanCapacity | None
    affordability: ind.Affordability
    circular: ind.Circular
    target_groups: ind.TargetGroups
    stoplights: Mapping[str, int]
    charts: Mapping[str, Markup] = field(default_factory=dict)


@dataclass(frozen=True)
class PillarSheet:
    pillar: Pillar
    agreements: ind.AgreementSummary
    indicators: tuple[str, ...]
    tempomakers: tuple[str, ...]
    chart: Markup


@dataclass(frozen=True)
class Realism:
    slips: Mapping[str, real.ProjectSlip]
    summary: real.SlipSummary
    years: tuple[real.YearRealisation, ...]
    forecast: real.Forecast
    source: str
    chart: Markup
    top_slips: tuple[tuple[cw.CaseProject, real.ProjectSlip], ...]


@dataclass(frozen=True)
class Report:
    """Everything the templates show, computed once per run."""

    region: Region
    round: Round
    measured_round: Round  # the key of the snapshot shown (see core/timeline)
    previous_round: Round | None  # the round whose stand it is compared with; None: no comparison
    stand: dt.date
    current: Monitor
    previous: Monitor | None
    whole: Scope
    subregions: tuple[Scope, ...]
    pillars: tuple[PillarSheet, ...]
    agreements: ind.AgreementSummary
    red_agreements: tuple[esc.RedAgreement, ...]
    focus: fc.Focus
    rode_draden: tuple[cw.RodeDraad, ...]
    progress: cw.Progress | None
    attention: cw.Attention
    realism: Realism
    withdrawn: tuple[cw.CaseProject, ...]
    newly_withdrawn: frozenset[str]
    config: Config
    # The starting position (round 0): the monitor as set up, before any submission was merged.
    baseline: bool = False
    described_round: Round | None = None  # whose stand is shown; None: the starting position
    years: tuple[int, ...] = ()  # the planning years of the stand shown, from the time model
    carried: tuple[Carry, ...] = ()  # what the roll-over carried into the stand shown

    @property
    def first(self) -> bool:
        return self.previous_round is None

    @property
    def carried_dwellings(self) -> int:
        return sum(c.dwellings for c in self.carried)

    @property
    def carried_projects(self) -> int:
        return len({c.row_id for c in self.carried})

    @property
    def carried_years(self) -> tuple[int, ...]:
        return tuple(sorted({c.from_year for c in self.carried}))

    @property
    def projects_with_bottlenecks(self) -> int:
        return len({c.id for d in self.rode_draden for c in d.cases})

    @property
    def recurring(self) -> tuple[cw.RodeDraad, ...]:
        return tuple(d for d in self.rode_draden if d.recurring)

    def municipality_name(self, code: str) -> str:
        return str(self.region.display("@municipalities", code))

    def party_name(self, party_id: str) -> str:
        return str(self.region.display("@parties", party_id))


def build_reports(
    config: Config,
    state: State,
    round_: Round,
    out_dir: Path,
    *,
    progress: Progress | None = None,
    pdf_map: PdfMap = map,
) -> ReportSummary:
    """Write the factsheets (PDF per pillar), the progress report (PDF and HTML) and the
    dashboard (one self-contained HTML file) of a round into ``out_dir``.

    ``pdf_map`` writes the PDFs: ``map``, or one that spreads them over processes (the stages
    give their worker pool), since each PDF is laid out on its own.
    """
    import weasyprint  # noqa: F401  (here, so that the processes writing the PDFs inherit it)

    steps = 4  # after the figures (0): the two PDF jobs, the dashboard, done
    report_progress = progress or (lambda step, total, label: None)
    report_progress(0, steps, "Cijfers berekenen")
    report = compute(config, state, round_)
    out_dir.mkdir(parents=True, exist_ok=True)
    progress_html = out_dir / f"voortgangsrapportage-{round_}.html"
    html = render("voortgangsrapportage.html.j2", report=report)
    progress_html.write_text(html, encoding="utf-8")
    # Two jobs, one for each worker: the progress report (the longest: it holds the pages of
    # every factsheet and more) and the factsheets.
    factsheets = tuple(
        (
            render("factsheet.html.j2", report=report, sheet=sheet),
            out_dir / f"factsheet-{round_}-pijler-{_slug(sheet.pillar.number)}.pdf",
        )
        for sheet in report.pillars
    )
    jobs = [
        PdfJob(((html, progress_html.with_suffix(".pdf")),), "Voortgangsrapportage"),
        PdfJob(factsheets, "Factsheets"),
    ]
    for step, label in enumerate(pdf_map(write_pdf, jobs), start=1):
        report_progress(step, steps, label)
    report_progress(len(jobs) + 1, steps, "Dashboard")
    dashboard_path = out_dir / f"dashboard-{round_}.html"
    dashboard_path.write_text(render_dashboard(report), encoding="utf-8")
    report_progress(steps, steps, "Klaar")
    return ReportSummary(
        round_,
        report.measured_round,
        report.previous_round,
        tuple(path for _, path in factsheets),
        progress_html.with_suffix(".pdf"),
        progress_html,
        dashboard_path,
        report.baseline,
    )


def write_pdf(job: PdfJob) -> str:
    """Lay out each report's HTML as a PDF at its path; returns the job's label."""
    import weasyprint

    for html, path in job.documents:
        weasyprint.HTML(string=html, base_url=str(TEMPLATES)).write_pdf(path)
    return job.label


def render(template: str, **context: Any) -> str:
    """One report template as HTML."""
    return _environment().get_template(template).render(**context)


def render_dashboard(report: Report) -> str:
    """The dashboard page, its data embedded as JSON."""
    values = dashboard.data(report)
    data = Markup(dashboard.to_script_json(values))
    return render("dashboard.html.j2", report=report, data=data, map=values["map"])


def measured_rounds(state: State, round_: Round) -> tuple[Round, Round | None]:
    """The snapshot a round's report describes (after the round's merge when there is one) and
    the latest snapshot before it, to compare with (None at the first measurement)."""
    snapshots = state.snapshots()
    if round_.next() in snapshots:
        measured = round_.next()
    elif round_ in snapshots:
        measured = round_
    else:
        raise RoundError(
            f"Er is geen monitor voor ronde {round_}. Kies een ronde met een monitor: "
            + (", ".join(str(r) for r in snapshots) or "(nog geen)")
            + "."
        )
    earlier = [r for r in snapshots if r < measured]
    return measured, earlier[-1] if earlier else None


def compute(config: Config, state: State, round_: Round) -> Report:
    """All numbers of the reports of a round."""
    unknown = {name for names in config.reports.pillar_indicators.values() for name in names}
    unknown -= INDICATORS
    if unknown:
        raise ConfigError(
            "Onbekende indicator(en) in [reports.pillar_indicators]: "
            + ", ".join(sorted(unknown))
            + ". Kies uit: "
            + ", ".join(sorted(INDICATORS))
            + "."
        )
    region = state.region()
    first = config.timeline.first
    measured, previous_snapshot = measured_rounds(state, round_)
    described = round_after_snapshot(measured, first)
    # Each snapshot holds the stand after the round before its key; the starting position
    # (the first round's snapshot) is no round, so the first round is compared with nothing.
    previous_round = (
        round_after_snapshot(previous_snapshot, first) if previous_snapshot is not None else None
    )
    current = state.monitor(measured)
    previous = (
        state.monitor(previous_snapshot)
        if previous_round is not None and previous_snapshot is not None
        else None
    )
    years = config.timeline.context(measured).planned_years
    history = [(r, state.monitor(r)) for r in state.snapshots() if r <= measured]
    fields = ind.ProjectFields.from_catalogue(config.catalogue)
    projects = current.projects
    before = previous.projects if previous is not None else None
    subregion_of = {m.code: m.subregion for m in region.municipalities}

    slips = real.project_slips(history, fields)
    withdrawn_ids = real.withdrawn_ids(projects, fields)
    start_slips = {
        k: s.start_slip_quarters for k, s in slips.items() if s.start_slip_quarters is not None
    }
    stand = config.timeline.deadline(described) if described else _opened(state, first)
    whole = _scope(config, fields, projects, REGION_SCOPE, 1.0, years)
    subregion_tables = {
        name: ind.in_scope(projects, subregion_of, name) for name in region.subregions
    }
    # The subregion charts are compared side by side: they share one scale.
    peak = max(
        (
            max([y.planned for y in c.years] + [y.target or 0 for y in c.years], default=0)
            for name, table in subregion_tables.items()
            for c in [ind.completions(table, fields, _subregion_targets(config, name), years)]
        ),
        default=0,
    )
    realism = _realism(config, fields, projects, history, slips, withdrawn_ids, years)
    subregions = tuple(
        _scope(
            config,
            fields,
            table,
            name,
            config.targets.subregion_share.get(name),
            years,
            peak=peak,
        )
        for name, table in subregion_tables.items()
    )
    agreements_before = previous.agreements if previous is not None else None
    sheets = tuple(
        _pillar_sheet(config, region, p, current, agreements_before, fields) for p in region.pillars
    )
    return Report(
        baseline=described is None,
        region=region,
        round=round_,
        measured_round=measured,
        previous_round=previous_round,
        stand=stand,
        current=current,
        previous=previous,
        whole=whole,
        subregions=subregions,
        pillars=sheets,
        agreements=ind.agreements(current.agreements, agreements_before, fields.stoplights),
        red_agreements=esc.red_agreements([(r, m.agreements) for r, m in history]),
        focus=fc.focus(
            projects, fields, config.realism, realism.summary.mean_year_slip, slips, years
        ),
        rode_draden=tuple(cw.rode_draden(projects, before, fields, config.rode_draden)),
        progress=cw.progress(projects, before, fields) if before is not None else None,
        attention=cw.attention(
            projects,
            before,
            fields,
            start_slips,
            large_dwellings=config.reports.large_project_dwellings,
            slip_quarters=config.reports.slip_attention_quarters,
        ),
        realism=realism,
        withdrawn=_withdrawn(projects, fields),
        newly_withdrawn=frozenset(
            withdrawn_ids - (real.withdrawn_ids(before, fields) if before is not None else set())
            if before is not None
            else set()
        ),
        config=config,
        described_round=described,
        years=years,
        carried=current.carried,
    )


def _opened(state: State, first: Round) -> dt.date:
    """The date of the starting position: when the region's first round was opened."""
    opened = state.round_info(first).get("opened_at")
    return dt.datetime.fromisoformat(opened).date() if opened else dt.date.today()


def _subregion_targets(config: Config, name: str) -> dict[int, int]:
    share = config.targets.subregion_share.get(name)
    return ind.scaled_targets(config.targets.completions, share) if share is not None else {}


def _scope(
    config: Config,
    fields: ind.ProjectFields,
    projects: Any,
    name: str,
    share: float | None,
    years: tuple[int, ...],
    *,
    peak: float | None = None,
) -> Scope:
    targets = ind.scaled_targets(config.targets.completions, share) if share is not None else {}
    table = ind.active(projects, fields)
    completions = ind.completions(projects, fields, targets, years)
    capacity = (
        ind.plan_capacity(projects, fields, targets, config.targets.plan_capacity_norm, years)
        if share is not None
        else None
    )
    statuses = ind.texts(table, ind.STOPLIGHT)
    stoplights = {colour: int((statuses == colour).sum()) for colour in fields.stoplights}
    affordability = ind.affordability(
        projects, fields, config.targets.affordable_share, config.targets.social_rent_share
    )
    scope_charts = {
        "completions": Markup(
            charts.bars_against_target(
                [charts.Bar(str(y.year), y.planned, y.target) for y in completions.years],
                f"Geplande oplevering per jaar tegen het doel, {name}",
                # subregions are drawn at half width: a narrower canvas keeps the labels legible
                width=720 if name == REGION_SCOPE else 440,
                height=210 if name == REGION_SCOPE else 230,
                peak=peak,
            )
        ),
        "stoplights": Markup(
            charts.stoplight_counts(stoplights, f"Projecten naar eigen stoplicht, {name}")
        ),
        "affordable": Markup(
            charts.share_against_target(
                affordability.affordable_share,
                affordability.affordable_target,
                "betaalbaar",
                f"Aandeel betaalbaar, {name}",
            )
        ),
        "social_rent": Markup(
            charts.share_against_target(
                affordability.social_rent_share,
                affordability.social_rent_target,
                "sociale huur",
                f"Aandeel sociale huur, {name}",
            )
        ),
    }
    if capacity is not None:
        scope_charts["capacity"] = Markup(
            charts.capacity_against_norm(
                capacity.hard,
                capacity.soft,
                capacity.target,
                capacity.norm,
                f"Plancapaciteit tegen doel en norm, {name}",
                unknown=capacity.unknown,
            )
        )
    return Scope(
        name=name,
        share=share,
        projects=len(table),
        dwellings_to_build=int(ind.remaining(table, fields).sum()),
        completions=completions,
        capacity=capacity,
        affordability=affordability,
        circular=ind.circular(projects, fields),
        target_groups=ind.target_groups(projects, fields, config.catalogue.lists["target_groups"]),
        stoplights=stoplights,
        charts=scope_charts,
    )


def _pillar_sheet(
    config: Config,
    region: Region,
    pillar: Pillar,
    current: Monitor,
    previous: Any,
    fields: ind.ProjectFields,
) -> PillarSheet:
    summary = ind.agreements(current.agreements, previous, fields.stoplights, pillar.number)
    return PillarSheet(
        pillar=pillar,
        agreements=summary,
        indicators=tuple(config.reports.pillar_indicators.get(pillar.number, ())),
        tempomakers=tuple(p.name for p in tempomakers(region.parties, pillar.number)),
        chart=Markup(
            charts.stoplight_counts(
                summary.counts, f"Afspraken van pijler {pillar.number} naar status"
            )
        ),
    )


def _realism(
    config: Config,
    fields: ind.ProjectFields,
    projects: Any,
    history: list[tuple[Round, Monitor]],
    slips: Mapping[str, real.ProjectSlip],
    withdrawn_ids: set[str],
    shown_years: tuple[int, ...],
) -> Realism:
    summary = real.slip_summary(slips, withdrawn_ids)
    forecast = real.realism_forecast(
        projects,
        fields,
        config.realism,
        summary.mean_year_slip,
        config.targets.completions,
        shown_years,
    )
    years = [y.year for y in forecast.years]
    chart = charts.forecast_lines(
        years,
        [
            ("som van de plannen", charts.LIGHT, "line", [y.planned for y in forecast.years]),
            ("realistisch verwacht", charts.MAIN, "line", [y.realistic for y in forecast.years]),
            ("doel", charts.TARGET, "dash", [y.target or 0 for y in forecast.years]),
        ],
        "Som van de plannen, realistische verwachting en doel per jaar",
    )
    table = ind.active(projects, fields)
    slipped = sorted(
        (s for s in slips.values() if s.id in table.index and (s.start_slip_quarters or 0) > 0),
        key=lambda s: (-(s.start_slip_quarters or 0), -s.dwellings, s.id),
    )[: config.reports.attention_list_length]
    rows = ind.records(table)
    top = tuple((cw.case_project(s.id, rows[s.id], fields), s) for s in slipped)
    return Realism(
        slips,
        summary,
        tuple(real.planned_vs_completed(history, fields)),
        forecast,
        config.reports.realism_source,
        Markup(chart),
        top,
    )


def _withdrawn(projects: Any, fields: ind.ProjectFields) -> tuple[cw.CaseProject, ...]:
    return tuple(
        cw.case_project(pid, row, fields, ind.STOPLIGHT_EXPLANATION)
        for pid, row in ind.records(ind.withdrawn(projects, fields)).items()
    )


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text).strip("-") or "x"


@functools.cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(FILTERS)
    environment.tests["below"] = charts.below  # the one stoplight rule: red below target
    return environment
