"""The instructions of a party workbook: the Dutch texts of ``pipeline/workbook_templates/texts.toml``
filled in for one party and round, as lines the workbook writer lays out on its first sheet."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from ..core import (
    DRAFT,
    FIRST_DATA_ROW,
    SHEET_AGREEMENTS,
    SHEET_MONITOR,
    SHEET_NEW,
    SHEET_OWN,
    YES,
    Catalogue,
    Config,
    ConfigError,
    Monitor,
    Party,
    Region,
    Round,
    WorkbookLayout,
    column_letter,
    finding,
    formatting,
    owns,
)
from ..validation import SHEET_CHECK, SUM_RULES, RowProblem, sum_parts

TEXTS_PATH = Path(str(resources.files("pipeline") / "workbook_templates" / "texts.toml"))

Role = Literal["title", "heading", "text", "blank", "status"]
Sample = Literal["edit", "locked", "conflict", "carried"]


@dataclass(frozen=True)
class Line:
    """One line of the instructions; a legend line carries a coloured sample cell."""

    role: Role
    text: str = ""
    label: str | None = None  # the number of a step
    sample: Sample | None = None
    sample_text: str = ""


@lru_cache(maxsize=4)
def load_texts(path: Path = TEXTS_PATH) -> dict[str, Any]:
    """The Dutch texts of the workbook."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"De werkmapteksten {path} kunnen niet worden gelezen: {exc}") from exc


def instruction_lines(
    texts: Mapping[str, Any],
    layout: WorkbookLayout,
    config: Config,
    region: Region,
    party: Party,
    problems: Sequence[str] = (),
) -> list[Line]:
    """The instructions for one party, top to bottom; ``problems`` (see :func:`problem_lines`)
    come first, under their own heading, when there are any."""
    info = texts["instructions"]
    fields = instruction_fields(texts, layout, config, region, party)
    lines = [
        Line("title", info["title"].format_map(fields)),
        Line("heading", info["subtitle"].format_map(fields)),
        Line("blank"),
        # The hand-in choice, owned by the party: its cell carries the sample text (the default).
        Line("heading", info["status"]["heading"].format_map(fields)),
        Line("status", info["status"]["label"].format_map(fields), sample_text=DRAFT),
        Line("blank"),
    ]
    if problems:
        lines.append(Line("heading", info["problems"]["heading"]))
        lines.append(Line("text", info["problems"]["intro"]))
        lines += [Line("text", text) for text in problems]
        lines.append(Line("blank"))
    for section in info["sections"]:
        lines.append(Line("heading", section["heading"].format_map(fields)))
        texts_here = [_fill(line, fields) for line in section["lines"]]
        if section.get("price_bounds"):
            texts_here += _price_bound_lines(texts, config, Round.parse(layout.round).year)
        present = [text for text in texts_here if text is not None]
        for number, text in enumerate(present, start=1):
            lines.append(Line("text", text, f"{number}." if section.get("numbered") else None))
        if section.get("legend"):
            legend = info["legend"]
            lines += [
                Line("text", legend[key], sample=key, sample_text=legend[f"sample_{key}"])
                for key in ("edit", "locked", "conflict", "carried")
            ]
        lines.append(Line("blank"))
    return lines


def instruction_fields(
    texts: Mapping[str, Any],
    layout: WorkbookLayout,
    config: Config,
    region: Region,
    party: Party,
) -> dict[str, str]:
    """The values of the placeholders in the instructions."""
    catalogue = config.catalogue
    round_ = Round.parse(layout.round)
    own_count = len(layout.sheet(SHEET_OWN).row_ids)
    new_sheet = layout.sheet(SHEET_NEW)
    withdrawn = catalogue.tagged("withdrawn")
    pillars = [p for p in region.pillars if p.number in party.pillars]
    fields = {
        "party": party.name,
        "region": region.name,
        "round": layout.round,
        "deadline": formatting.long_date(config.deadline),
        "contact_name": config.contact_name,
        "contact_email": config.contact_email,
        "sheet_own": SHEET_OWN,
        "sheet_new": SHEET_NEW,
        "sheet_agreements": SHEET_AGREEMENTS,
        "sheet_monitor": SHEET_MONITOR,
        "sheet_check": SHEET_CHECK,
        "check_button": texts["controle"]["button"],
        "own_count": str(own_count),
        "new_rows": str(new_sheet.new_rows),
        "year": str(round_.year),
        "pillars": formatting.listing([f"{p.number} ({p.name})" for p in pillars]),
        **minimum_fields(catalogue, round_, new_sheet.columns),
        "withdrawn_yes": YES,
    }
    if withdrawn:
        fields["withdrawn"] = withdrawn[0].label
    variants = texts["instructions"]["variants"]
    own_step = variants["own_projects_some" if own_count else "own_projects_none"]
    agreements_step = variants["agreements_tempomaker" if pillars else "agreements_other"]
    fields["own_projects_step"] = own_step.format_map(fields)
    fields["agreements_step"] = agreements_step.format_map(fields)
    return fields


MAX_PROBLEM_LINES = 40


def problem_lines(
    texts: Mapping[str, Any],
    layout: WorkbookLayout,
    config: Config,
    region: Region,
    monitor: Monitor,
    problems: Sequence[RowProblem],
) -> list[str]:
    """What is still wrong in the party's own projects (a required value, a rule), one line per
    problem naming the project and the cell in 'Mijn projecten'; only problems in cells the
    party keeps itself."""
    party = region.party(layout.party)
    sheet = layout.sheet(SHEET_OWN)
    positions = {row_id: FIRST_DATA_ROW + i for i, row_id in enumerate(sheet.row_ids)}
    columns = {c.key: c for c in config.catalogue.columns("project", Round.parse(layout.round))}
    roles = config.catalogue.roles
    lines = []
    for problem in problems:
        row = positions.get(problem.row_id)
        if problem.entity != "project" or row is None:
            continue
        record = {str(k): v for k, v in monitor.projects.loc[problem.row_id].items()}
        mine = [
            key
            for key in problem.columns
            if key in columns and owns(party, columns[key].field, record, region, roles)
        ]
        if not mine:
            continue
        key = problem.key if problem.key in sheet.columns else mine[0]
        cell = f"{column_letter(sheet.column_index(key))}{row}" if key in sheet.columns else None
        found = finding(
            problem.code, row=row, cell=cell, field=columns[key].label, **problem.details
        )
        name = record.get("name") or ""
        lines.append(f"{problem.row_id} {name}: {found.message}")
    if len(lines) > MAX_PROBLEM_LINES:
        rest = len(lines) - MAX_PROBLEM_LINES
        lines = lines[:MAX_PROBLEM_LINES]
        lines.append(texts["instructions"]["problems"]["more"].format(count=rest))
    return lines


def _fill(template: str, fields: Mapping[str, str]) -> str | None:
    """A text with its placeholders filled, or None when one has no value here."""
    try:
        return template.format_map(fields)
    except KeyError:
        return None


def _price_bound_lines(texts: Mapping[str, Any], config: Config, year: int) -> list[str | None]:
    """The bounds of the round's year; when the secretary chose to issue with an earlier year's
    (``issue --vorige-prijsgrenzen``), those, with a line that says so."""
    variants = texts["instructions"]["variants"]
    earlier = [y for y in config.price_bounds if y < year and config.price_bounds[y]]
    if config.price_bounds.get(year):
        used, intro = year, []
    elif earlier:
        used = max(earlier)
        intro = [variants["earlier_price_bounds"].format(year=year, earlier=used)]
    else:
        return [variants["no_price_bounds"].format(year=year)]
    amounts = {key: formatting.euro(value) for key, value in config.price_bounds[used].items()}
    lines = [_fill(line, amounts) for line in texts["instructions"]["price_bounds"]["lines"]]
    return [*intro, *lines]


def minimum_fields(catalogue: Catalogue, round_: Round, keys: Sequence[str]) -> dict[str, str]:
    """What a new project needs at least, in the words of the instructions: the required
    fields, and the planning columns that must add up to the total (a sum rule that applies
    even when they are empty). A row with exactly these filled in is not blocked."""
    columns = [c for c in catalogue.columns("project", round_) if c.key in keys]
    required = [f"'{c.label}'" for c in columns if c.field.required]
    always = [rule for rule in SUM_RULES if not rule.when_filled]
    planning = [
        c
        for rule in always
        for c in columns
        if c.key in sum_parts(rule, columns) and "planning" in c.field.tags
    ]
    total = next((c.label for c in columns if "total" in c.field.tags), "")
    text = formatting.listing(required)
    if planning and total:
        text += (
            f". Verdeel '{total}' over de jaren, van '{planning[0].label}' tot en met "
            f"'{planning[-1].label}': samen precies het totaal"
        )
        if any("completed" in c.field.tags for c in columns):
            text += " (min wat al is opgeleverd)"
    return {"required": text}
